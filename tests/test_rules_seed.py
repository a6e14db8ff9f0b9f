"""The seed's defects (docs/seed-defects.md), each by rule and place — and nothing else as an error."""

from __future__ import annotations

from pathlib import Path

import pytest

from expectations import validate
from expectations.frames import clean_name
from expectations.testing import seed_document

DEMO = Path(__file__).resolve().parent.parent / "demo" / "files" / "杜集区政府办公室2021年部门预算.docx"

# (defect numbers, rule, table, code or row name or None, observed or None)
EXPECTED = [
    ((1,), "format.malformed_amount", "fiscal_summary", "一般公共服务支出", "457.90."),
    ((2,), "code.parent_prefix", "gpb_expenditure", "2050505", "2050505"),
    ((3,), "cross_table.same_code_same_name", "gpb_expenditure", "21011", "卫生健康支出"),
    ((4,), "cross_table.same_code_same_name", "gpb_expenditure", "20103", "政府办公室"),
    ((5,), "code.format", "income_summary", "11", "11"),
    ((6,), "code.format", "income_summary", "2", "2"),
    ((7,), "code.format", "expenditure_summary", "11", "11"),
    ((8,), "code.format", "expenditure_summary", "2", "2"),
    ((9,), "code.format", "expenditure_summary", "210305", "210305"),
    ((10,), "completeness.required_tables", "three_public", None, None),
    ((11,), "format.template_text", "gov_fund_expenditure", None, "XX局"),
    ((12,), "format.template_text", "soe_capital_expenditure", None, "XX局"),
    ((13,), "narrative.share", "narrative", "社会保障和就业支出", "3%"),
    ((14,), "narrative.share", "narrative", "卫生健康支出", "2%"),
    ((15,), "narrative.shares_sum", "narrative", None, "98%"),
    ((16,), "narrative.amount_matches_table", "narrative", "一般公共预算拨款", "457.9"),
    ((17,), "narrative.change_rate", "narrative", "社会保障和就业支出", "78.92%"),
    ((18,), "narrative.rate_from_zero_base", "narrative", "卫生健康支出", "100%"),
    ((19,), "narrative.amount_matches_table", "narrative", "工资福利支出", "187.62"),
    ((20,), "narrative.amount_matches_table", "narrative", "商品和服务支出", "314.20"),
    ((21,), "narrative.amount_matches_table", "narrative", "对个人和家庭的补助", "4.03"),
    ((22,), "format.template_text", "narrative", None, "增加（减少）"),
    ((23,), "narrative.share", "narrative", "一般公共预算拨款收入", "87%"),
    ((24,), "narrative.change_rate", "narrative", "一般公共预算拨款收入", "10.23%"),
    ((25,), "narrative.consistent_statements", "narrative", None, "525.85"),
    ((26,), "narrative.breakdown_sum", "narrative", "固定资产原价总额", "970.18"),
    ((27,), "completeness.narrative_sections", "narrative", "“三公”经费说明", None),
]


def _matches(f, rule, table, key, observed) -> bool:
    return (f.rule == rule and f.table == table and (key is None or key in (f.code, clean_name(f.row)))
            and (observed is None or f.observed == observed))


@pytest.fixture(scope="module")
def seed_findings():
    return validate([seed_document()])[0]


@pytest.mark.parametrize(("numbers", "rule", "table", "key", "observed"), EXPECTED, ids=[str(e[0][0]) for e in EXPECTED])
def test_each_listed_defect_is_found(seed_findings, numbers, rule, table, key, observed):
    hits = [f for f in seed_findings if _matches(f, rule, table, key, observed)]
    assert hits, f"defect {numbers} not found by {rule}"
    assert all(f.severity == "error" for f in hits)
    assert all(" / " in f.message for f in hits)


def test_findings_are_located(seed_findings):
    prefix = next(f for f in seed_findings if f.rule == "code.parent_prefix")
    assert prefix.location.page == 4 and prefix.location.bbox is not None
    assert prefix.expected == "20805xx"
    malformed = next(f for f in seed_findings if f.rule == "format.malformed_amount")
    assert malformed.location.cell == "t0/r7/c3" and malformed.column == "total"
    narrative = [f for f in seed_findings if f.table == "narrative" and f.rule.startswith("narrative.")]
    assert all(f.location.paragraph is not None for f in narrative)


def test_no_error_beyond_the_listed_defects(seed_findings):
    """Every error is a listed defect, the 21011 catalog name, or a listed share repeated in §二(二)."""
    extra = []
    for f in seed_findings:
        if f.severity != "error" or any(_matches(f, *e[1:]) for e in EXPECTED):
            continue
        if f.rule == "code.catalog" and f.code == "21011":
            continue
        if f.rule == "narrative.share" and f.observed in ("3%", "2%"):
            continue  # the same wrong shares, stated again in §二(二)
        extra.append((f.rule, f.table, f.code, f.row, f.observed))
    assert extra == []


def test_rounding_level_shares_are_info_only(seed_findings):
    shares = {f.observed: f.severity for f in seed_findings if f.rule == "narrative.share"}
    assert shares.get("44.35%") == "info" and shares.get("55.65%") == "info"
    assert not any(f.rule.startswith("arithmetic.") for f in seed_findings)


def test_seed_extracted_from_the_demo_file():
    extract = pytest.importorskip("extract")
    if not DEMO.exists() or not hasattr(extract, "extract_file"):
        pytest.skip("demo seed file or extraction not available")
    documents = extract.extract_file(DEMO)
    findings = validate(documents)[0]
    missing = [e[0] for e in EXPECTED if not any(_matches(f, *e[1:]) for f in findings)]
    assert missing == []
