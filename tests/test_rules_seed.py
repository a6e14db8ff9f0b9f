"""The seed's defects (docs/seed-defects.md), found in the REAL extraction of its three renderings.

Each committed rendering (DOCX, PDF, XLSX) is extracted and validated; every listed defect must
be found by its rule at its place, located as the format allows, and nothing else is an error.
(tests.fixtures.documents.seed_document, which unit tests use, is the DOCX rendering's reading.)
"""

from __future__ import annotations

from pathlib import Path

import pytest

from domain.names import name_key
from expectations import validate
from extract import extract_file

DEMO = Path(__file__).resolve().parent.parent / "demo" / "files"
SEED = "杜集区政府办公室2021年部门预算"
FORMATS = ("docx", "pdf", "xlsx")

# (defect numbers, rule, table, code or row name or None, observed or None, expected or None)
EXPECTED = [
    ((1,), "format.malformed_amount", "fiscal_summary", "一般公共服务支出", "457.90.", None),
    ((2,), "code.parent_prefix", "gpb_expenditure", "2050505", "2050505", "20805xx"),
    # 21011 named 卫生健康支出 is the name of 210: owned by code.catalog (cross_table does not repeat it)
    ((3,), "code.catalog", "gpb_expenditure", "21011", "卫生健康支出", "行政事业单位医疗"),
    ((4,), "cross_table.same_code_same_name", "gpb_expenditure", "20103", "政府办公室", "政府办公室事务"),
    ((5,), "code.format", "income_summary", "11", "11", "21011"),
    ((6,), "code.format", "income_summary", "2", "2", "22102"),
    ((7,), "code.format", "expenditure_summary", "11", "11", "21011"),
    ((8,), "code.format", "expenditure_summary", "2", "2", "22102"),
    ((9,), "code.format", "expenditure_summary", "210305", "210305", "2010305"),
    ((10,), "completeness.required_tables", "three_public", None, None, None),
    ((11,), "format.template_text", "gov_fund_expenditure", None, "XX局", None),
    ((12,), "format.template_text", "soe_capital_expenditure", None, "XX局", None),
    ((13,), "narrative.share", "narrative", "社会保障和就业支出", "3%", "3.95%"),
    ((14,), "narrative.share", "narrative", "卫生健康支出", "2%", "2.82%"),
    ((15,), "narrative.shares_sum", "narrative", None, "98%", "100%"),
    ((16,), "narrative.amount_matches_table", "narrative", "一般公共预算拨款", "457.9", "525.85"),
    ((17,), "narrative.change_rate", "narrative", "社会保障和就业支出", "78.92%", "7892.31%"),
    ((18,), "narrative.rate_from_zero_base", "narrative", "卫生健康支出", "100%", None),
    ((19,), "narrative.amount_matches_table", "narrative", "工资福利支出", "187.62", "185.62"),
    ((20,), "narrative.amount_matches_table", "narrative", "商品和服务支出", "314.20", "46.60"),
    ((21,), "narrative.amount_matches_table", "narrative", "对个人和家庭的补助", "4.03", "1.03"),
    ((22,), "format.template_text", "narrative", None, "增加（减少）", None),
    ((23,), "narrative.share", "narrative", "一般公共预算拨款收入", "87%", "100.00%"),
    ((24,), "narrative.change_rate", "narrative", "一般公共预算拨款收入", "10.23%", "9.03%"),
    ((25,), "narrative.consistent_statements", "narrative", None, "525.85", "457.9"),
    ((26,), "narrative.breakdown_sum", "narrative", "固定资产原价总额", "970.18", "678.90"),
    ((27,), "completeness.narrative_sections", "narrative", "“三公”经费说明", None, None),
]


def _matches(f, rule, table, key, observed, expected=None) -> bool:
    return (f.rule == rule and f.table == table and (key is None or key in (f.code, name_key(f.row)))
            and (observed is None or f.observed == observed) and (expected is None or f.expected == expected))


def _repeated_share(f) -> bool:
    """The wrong shares of defects 13/14 are printed again in §二(二): the same defect, a second place."""
    return f.rule == "narrative.share" and f.observed in ("3%", "2%")


@pytest.fixture(scope="module", params=FORMATS)
def rendering(request):
    fmt = request.param
    [doc] = extract_file(DEMO / f"{SEED}.{fmt}")
    assert doc.status == "ok", doc.error
    return fmt, doc, validate([doc])[0]


@pytest.mark.parametrize(("numbers", "rule", "table", "key", "observed", "expected"), EXPECTED,
                         ids=[str(e[0][0]) for e in EXPECTED])
def test_each_listed_defect_is_found_in_every_rendering(rendering, numbers, rule, table, key, observed, expected):
    fmt, _, findings = rendering
    hits = [f for f in findings if _matches(f, rule, table, key, observed, expected)]
    assert hits, f"{fmt}: defect {numbers} not found by {rule}"
    assert all(f.severity == "error" for f in hits)
    assert all(" / " in f.message for f in hits)


def test_no_error_beyond_the_listed_defects(rendering):
    fmt, _, findings = rendering
    extra = [(f.rule, f.table, f.code, f.row, f.observed) for f in findings
             if f.severity == "error" and not any(_matches(f, *e[1:]) for e in EXPECTED) and not _repeated_share(f)]
    assert extra == [], fmt


def test_one_defect_one_rule(rendering):
    """The 21011 name is reported by code.catalog only; each table place carries one error per rule."""
    _, _, findings = rendering
    assert not [f for f in findings if f.rule == "cross_table.same_code_same_name" and f.code == "21011"]
    places = [(f.rule, f.table, f.code, f.row, f.column, f.location.paragraph) for f in findings
              if f.severity == "error" and f.table != "narrative"]
    assert len(places) == len(set(places))


def test_amount_findings_carry_their_numbers(rendering):
    """A finding about amounts carries them as numbers, equal to what it prints, with the rounding step
    of the more precise of the two; scoring reads these (never the strings). Codes and names carry none."""
    fmt, _, findings = rendering
    amounts = [f for f in findings if f.rule in ("narrative.amount_matches_table", "narrative.share",
                                                 "narrative.change_rate", "narrative.breakdown_sum")]
    assert len(amounts) >= 8, fmt
    for f in amounts:
        exp, obs = (t.rstrip("%").replace(",", "") for t in (f.expected, f.observed))
        decimals = max(len(t.partition(".")[2]) for t in (exp, obs))
        assert (f.expected_value, f.observed_value) == (float(exp), float(obs)), (fmt, f.rule, f.expected)
        assert f.rounding_step == pytest.approx(10.0 ** -decimals)
    codes = [f for f in findings if f.category in ("code", "format", "completeness")]
    assert codes and all(f.expected_value is None and f.rounding_step is None for f in codes)


def _find(findings, rule, key=None):
    return next(f for f in findings if f.rule == rule and (key is None or key in (f.code, name_key(f.row))))


def test_table_findings_are_located(rendering):
    fmt, doc, findings = rendering
    prefix = _find(findings, "code.parent_prefix")
    malformed = _find(findings, "format.malformed_amount")
    assert malformed.column == "total"
    truncated = _find(findings, "code.format", "210305")
    if fmt == "pdf":
        # 表2 is on page 4, 表1 on page 3, 表8 on page 10 of the rendered PDF
        assert prefix.location.page == 4 and malformed.location.page == 3 and truncated.location.page == 10
        for f in (prefix, malformed, truncated):
            x0, top, x1, bottom = f.location.bbox
            assert 0 <= x0 < x1 <= 842 and 0 <= top < bottom <= 842
        assert prefix.location.bbox[1] < _find(findings, "code.catalog", "21011").location.bbox[1]  # 2050505 above 21011
    elif fmt == "xlsx":
        assert prefix.location.cell == "表2!A14"
        assert malformed.location.cell == "表1!D6"
        assert truncated.location.cell == "表8!A10"
    else:
        assert prefix.location.cell == "t2/r12/c0"
        assert malformed.location.cell == "t1/r2/c3"
        assert truncated.location.cell == "t8/r8/c0"


def test_narrative_findings_point_at_their_paragraph(rendering):
    fmt, doc, findings = rendering
    texts = {p.index: p.text for p in doc.paragraphs}
    narrative = [f for f in findings if f.table == "narrative" and f.rule.startswith("narrative.")]
    assert narrative
    for f in narrative:
        assert f.location.paragraph in texts, (fmt, f.rule)
        if fmt == "pdf":
            assert f.location.page is not None
    wage = _find(findings, "narrative.amount_matches_table", "工资福利支出")
    assert "187.62" in texts[wage.location.paragraph]
    base = _find(findings, "narrative.rate_from_zero_base")
    assert "卫生健康支出" in texts[base.location.paragraph] and "100%" in texts[base.location.paragraph]


def test_rounding_level_shares_are_info_only(rendering):
    _, _, findings = rendering
    shares = {f.observed: f.severity for f in findings if f.rule == "narrative.share"}
    assert shares.get("44.35%") == "info" and shares.get("55.65%") == "info"
    assert not any(f.rule.startswith("arithmetic.") for f in findings)
