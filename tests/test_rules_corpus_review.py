"""Reviewed findings on real documents (tests/data/corpus_review/reviewed.yaml) stay as reviewed.

Statuses: 'found' (true defect, reported), 'merged' (true defect now reported once per table,
e.g. a grouping style repeated in every cell), 'fixed' (false alarm the rules no longer raise),
'open' (false alarm caused by extraction; listed, not asserted — extraction owns it).
A subset of the corpus is extracted and validated for real: found stays found, merged stays
covered by one finding of its table, fixed stays gone.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
import yaml

from domain.names import name_key
from expectations import validate
from extract import extract_file
from tests.shared_inputs import CORPUS

REVIEWED = Path(__file__).resolve().parent / "data" / "corpus_review" / "reviewed.yaml"
SUBSET = [
    "renwu/001_上海/2026年上海市人力资源和社会保障局_部门预算.pdf",
    "renwu/001_上海/2026年上海市商务局_部门预算.pdf",
    "renwu/003_深圳/2026年深圳市信访局部门预算.pdf",
    "renwu/003_深圳/2026年深圳市人力资源和社会保障局部门预算.pdf",
    "renwu/008_杭州/2026年杭州市司法局部门预算.pdf",
    "renwu/008_杭州/2026年杭州市交通运输局部门预算.pdf",
    "open-budget/江苏省人大办公厅/江苏省人大办公厅2017年度预算公开.pdf",
    "open-budget/江苏省人大办公厅/江苏省人大常委会2019年度部门预算公开.pdf",
    "open-budget/江苏省委办公厅/江苏省委办公厅2019年度部门预算公开表格.pdf",
    "open-budget/江苏省人民检察院/2017年省检察院部门预算.pdf",
]
ENTRIES = yaml.safe_load(REVIEWED.read_text(encoding="utf-8"))["reviewed"]


def test_every_entry_is_judged_with_a_reason():
    assert ENTRIES
    for e in ENTRIES:
        assert e["verdict"] in (True, False) and e["reason"] and " / " in e["reason"]
        assert e["status"] in ("found", "merged", "open", "fixed")
        assert (e["status"] in ("found", "merged")) == (e["verdict"] is True)
        assert len(e["sha256"]) == 64 and e["rule"] and e["table"]


def _hit(f, e) -> bool:
    key = e["code_or_row"] or None
    return (f.rule == e["rule"] and f.table == e["table"] and f.severity == "error"
            and (key is None or key in (f.code, name_key(f.row)))
            and (e["observed"] is None or f.observed == e["observed"])
            and (e.get("paragraph") is None or f.location.paragraph == e["paragraph"]))


@pytest.fixture(scope="module")
def findings():
    if not CORPUS.exists():
        pytest.skip(f"real corpus absent (expected in {CORPUS})")
    docs = []
    for rel in SUBSET:
        path = CORPUS / rel
        [doc] = extract_file(path)
        assert doc.source.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
        docs.append(doc)
    return dict(zip(SUBSET, validate(docs), strict=True))


@pytest.mark.parametrize("rel", SUBSET)
def test_reviewed_findings_hold(findings, rel):
    entries = [e for e in ENTRIES if e["document"] == rel]
    assert entries, f"{rel} has no reviewed finding"
    got = findings[rel]
    for e in entries:
        if e["status"] == "found":
            assert any(_hit(f, e) for f in got), f"true defect no longer found: {e['rule']} {e['code_or_row']}"
        elif e["status"] == "merged":
            assert any(f.rule == e["rule"] and f.table == e["table"] and f.severity == "error" for f in got), e
        elif e["status"] == "fixed":
            assert not any(_hit(f, e) for f in got), f"false alarm is back: {e['rule']} {e['code_or_row']}"
