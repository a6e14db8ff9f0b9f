"""Validation: the rules (Great Expectations suites) over extracted tables and narrative.

    from expectations import validate
    findings = validate(documents)   # one list of Finding per document, same order

Rules are declared once in `expectations.rules.RULES`; `python -m expectations.docs`
writes docs/rules.md from them.
"""

from __future__ import annotations

from domain.model import Document, Finding


def validate(documents: list[Document]) -> list[list[Finding]]:
    """Run every rule over all documents at once; findings per document, same order."""
    from expectations.gx_runner import run

    return run(list(documents))


__all__ = ["validate"]
