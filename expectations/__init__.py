"""Validation: the rules (Great Expectations suites) over extracted tables and narrative.

    from expectations import validate
    findings = validate(documents)   # one list of Finding per document, same order
    validate(documents, gx_dir=run_folder / "gx")   # also keep GX results + Data Docs there

Rules are declared once in `expectations.rules.RULES`; `python -m expectations.docs`
writes docs/rules.md from them.
"""

from __future__ import annotations

from pathlib import Path

from domain.model import Document, Finding

# Where GX writes the Data Docs site inside a file-backed context's folder (GX's default site).
DATA_DOCS_INDEX = Path("gx") / "uncommitted" / "data_docs" / "local_site" / "index.html"


def data_docs_index(gx_dir: Path) -> Path:
    """The Data Docs index page of a validation kept under `gx_dir` (no GX import)."""
    return Path(gx_dir) / DATA_DOCS_INDEX


def validate(documents: list[Document], gx_dir: Path | None = None) -> list[list[Finding]]:
    """Run every rule over all documents at once; findings per document, same order.

    Only readable disclosures (status 'ok') are checked: a blank template, a notice or a scan has
    its status and error to say what it is, and no findings. With `gx_dir`, the GX context is
    file-backed there: suites, Validation Results and Data Docs (`data_docs_index(gx_dir)`) are
    kept; without it nothing is written."""
    from expectations.gx_runner import run

    documents = list(documents)
    readable = [d for d in documents if d.status == "ok"]
    found = iter(run(readable, gx_dir=Path(gx_dir) if gx_dir is not None else None) if readable else [])
    return [next(found) if d.status == "ok" else [] for d in documents]


__all__ = ["data_docs_index", "validate"]
