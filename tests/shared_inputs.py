"""Where the tests find the shared inputs: the real corpus, the seed text and the catalog
fragments, in `shared/` beside the repo (BUDGETQA_SHARED overrides). Tests that need a file that
is absent skip with the reason."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

SHARED = Path(os.environ.get("BUDGETQA_SHARED", Path(__file__).resolve().parents[2] / "shared"))
CORPUS = SHARED / "corpus" / "real"
CORPUS2 = SHARED / "corpus" / "real2"  # 60 more real files with hand-checked metadata (INDEX.tsv)
SEED_TXT = SHARED / "seed" / "000_d4b356eb47825e97.txt"


def corpus_file(rel: str) -> Path:
    """A real corpus file by its path in the corpus; skips the test when it is absent."""
    path = CORPUS / rel
    if not path.is_file():
        pytest.skip(f"real corpus file absent (expected in {CORPUS}): {rel}")
    return path


def corpus2_file(rel: str) -> Path:
    """A file of corpus/real2 by its path there; skips the test when it is absent."""
    path = CORPUS2 / rel
    if not path.is_file():
        pytest.skip(f"real2 corpus file absent (expected in {CORPUS2}): {rel}")
    return path


def require_corpus() -> Path:
    if not CORPUS.is_dir():
        pytest.skip(f"real corpus absent (expected in {CORPUS})")
    return CORPUS
