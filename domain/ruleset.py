"""The rule-set version a result was computed with: a short hash of the rule declarations, their
checks, the code catalog and the scoring weights. A stored result with another version is stale:
`check` and `run` read such a file again instead of skipping it.

The extractor version names the code that reads files into tables and paragraphs: a stored
extraction (warehouse migration 7) is reused by `--recheck` only when made by the current one."""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# What decides a document's findings and score once its tables are read (the readers are not included).
RULESET_FILES = ("expectations/rules.py", "expectations/frames.py", "expectations/gx_runner.py",
                 "expectations/checks/*.py", "expectations/catalog/*.csv", "scoring/*.py")


@cache
def ruleset_version() -> str:
    """12 hex digits, the same on every machine for the same rule files."""
    h = hashlib.sha256()
    for pattern in RULESET_FILES:
        for path in sorted(ROOT.glob(pattern)):
            h.update(path.relative_to(ROOT).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return h.hexdigest()[:12]


# What decides a file's tables, paragraphs and facts: the readers, the normalisation, the shared
# model and units, and the libraries that parse the formats.
EXTRACTOR_FILES = ("extract/*.py", "domain/model.py", "domain/names.py", "domain/units.py", "domain/formats.py")
EXTRACTOR_LIBRARIES = ("pdfplumber", "pdfminer.six", "python-docx", "openpyxl", "lxml", "polars")


@cache
def extractor_version() -> str:
    """12 hex digits naming the extraction code and reader libraries: a stored extraction made by
    another version is stale, so `--recheck` reads its file again instead of reusing it."""
    from importlib.metadata import PackageNotFoundError, version

    h = hashlib.sha256()
    for pattern in EXTRACTOR_FILES:
        for path in sorted(ROOT.glob(pattern)):
            h.update(path.relative_to(ROOT).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    for name in EXTRACTOR_LIBRARIES:
        try:
            h.update(f"{name}={version(name)}\0".encode())
        except PackageNotFoundError:
            h.update(f"{name}=-\0".encode())
    return h.hexdigest()[:12]
