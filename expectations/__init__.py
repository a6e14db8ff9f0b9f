"""Validation: the rules (Great Expectations suites) over extracted tables and narrative.

    from expectations import validate
    findings = validate(documents)   # one list of Finding per document, same order

Rules are declared once in `expectations.rules.RULES`; `python -m expectations.docs`
writes docs/rules.md from them.
"""

from __future__ import annotations

from domain.model import Document, Finding


def validate(documents: list[Document]) -> list[list[Finding]]:
    """Run every rule over all documents at once; findings per document, same order.

    Only readable disclosures (status 'ok') are checked: a blank template, a notice or a scan has
    its status and error to say what it is, and no findings."""
    from expectations.gx_runner import run

    documents = list(documents)
    readable = [d for d in documents if d.status == "ok"]
    found = iter(run(readable))
    return [next(found) if d.status == "ok" else [] for d in documents]


__all__ = ["validate"]
