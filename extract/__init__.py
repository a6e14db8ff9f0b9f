"""Extraction: published files → `Document`s with standard tables, paragraphs and facts.

The entry points: `extract_file` (one file, extract.document) and `extract_many` (many files in
worker processes with a time limit each, extract.batch). Submodules import each other, never
this package.
"""

from extract.batch import extract_many
from extract.document import extract_file, read_any

__all__ = ["extract_file", "extract_many", "read_any"]
