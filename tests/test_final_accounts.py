"""Final accounts (部门决算): the carry-over identity and the 三公 blocks, on a generated 决算 in three
formats with defect variants, on small hand-made tables, and over the real Putuo 2024 决算."""

from __future__ import annotations

from pathlib import Path

import pytest

from domain.model import FINAL_ACCOUNTS_TABLE_KINDS
from expectations import validate
from extract import extract_file
from samples import final_accounts_docs as fa
from tests.fixtures.documents import make_document, make_table
from tests.shared_inputs import SHARED

NEW_RULES = {"arithmetic.carryover_identity", "arithmetic.three_public_sum"}
DEFECTS = {d.name: d for d in fa.defects()}


def _extracted_tables(ledger: fa.Ledger | None = None) -> list:
    """The 政府性基金 and 三公 tables of the document in the shape a complete extraction gives
    (make_table): the balance columns named carryover_start/income/total/basic/
    project/carryover_end, the 三公 预算数 block as budget_* and its 决算数 block as the plain item keys."""
    b = fa.blocks(ledger)
    fund = [(r[0] if r[0] != "合计" else "", r[0] if r[0] == "合计" else r[1], *r[2:])
            for r in fa.body_rows(b, "政府性基金预算财政拨款收入支出决算表", 2)]
    tp = [("", "", *r) for r in fa.body_rows(b, "财政拨款“三公”经费支出决算表", 4)]
    return [make_table("fa_gov_fund", fa.BALANCE_MEASURES, fund, title="政府性基金预算财政拨款收入支出决算表"),
            make_table("fa_three_public", fa.THREE_PUBLIC_MEASURES, tp, title="财政拨款“三公”经费支出决算表")]


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> dict[tuple[str, str], Path]:
    """Every variant (clean + defects) written in every format, once per module."""
    out = tmp_path_factory.mktemp("fa_docs")
    files = {}
    for name, ledger in [("clean", None)] + [(d.name, d.ledger) for d in DEFECTS.values()]:
        for fmt in fa.FORMATS:
            files[(name, fmt)] = fa.build(out / f"{name}.{fmt}", fmt, ledger, cache_dir=out / "cache")
    return files


def _read(path: Path):
    (doc,) = extract_file(path)
    assert doc.status == "ok" and doc.kind == "final_accounts" and doc.year == fa.YEAR
    return doc, validate([doc])[0]


def _key(f) -> tuple[str, str | None, str | None, str | None]:
    return f.rule, f.table, f.code, f.column



@pytest.mark.parametrize("fmt", fa.FORMATS)
def test_clean_final_accounts_give_no_error(built, fmt):
    doc, findings = _read(built[("clean", fmt)])
    # every 决算 kind of CONTRACT §4, once, with its columns' roles read from the header
    assert sorted(t.kind for t in doc.tables) == sorted(FINAL_ACCOUNTS_TABLE_KINDS)
    assert {t.kind: t.measures for t in doc.tables} == fa.ROLES
    assert [_key(f) for f in findings if f.severity == "error"] == []


@pytest.mark.parametrize("fmt", fa.FORMATS)
@pytest.mark.parametrize("name", sorted(DEFECTS))
def test_each_defect_gives_exactly_its_findings(built, name, fmt):
    doc, findings = _read(built[(name, fmt)])
    defect = DEFECTS[name]
    errors = {_key(f) for f in findings if f.severity == "error"}
    assert errors == defect.expected


@pytest.mark.parametrize("name", ["clean", "broken_identity", "three_public_off"])
def test_rules_on_the_tables_as_a_complete_extraction_gives_them(name):
    ledger = DEFECTS[name].ledger if name in DEFECTS else None
    doc = make_document(_extracted_tables(ledger), [], kind="final_accounts", year=fa.YEAR)
    errors = {_key(f) for f in validate([doc])[0] if f.severity == "error"}
    assert errors == (DEFECTS[name].expected if name in DEFECTS else set())


BAL = ["carryover_start", "income", "total", "basic", "project", "carryover_end"]


def _identity(doc) -> list:
    return [f for f in validate([doc])[0] if f.rule == "arithmetic.carryover_identity"]


def test_identity_forgives_rounding_and_reports_the_year_end_cell():
    table = make_table("fa_gov_fund", BAL, [
        ("", "合计", "10.00", "20.00", "25.01", "", "25.01", "5.00"),  # 0.01 off: one unit, within tolerance
        ("212", "城乡社区支出", "10.00", "20.00", "25.00", "", "25.00", "5.02"),  # 0.02 off, 4 terms: rounding → info
        ("21208", "国有土地使用权出让收入安排的支出", "10.00", "20.00", "25.00", "", "25.00", "6.00")])
    found = _identity(make_document([table], [], kind="final_accounts"))
    assert [(f.code, f.severity, f.column, f.expected, f.observed) for f in found] == [
        ("212", "info", "carryover_end", "5.00", "5.02"), ("21208", "error", "carryover_end", "5.00", "6.00")]
    assert found[1].location.cell == "t0/r2/c7"


def test_identity_needs_all_four_columns_named():
    rows = [("212", "城乡社区支出", "10.00", "20.00", "99.00", "5.00")]
    no_income = make_table("fa_gov_fund", ["carryover_start", "other", "total", "carryover_end"], rows)
    bare_total = make_table("fa_gov_fund", ["carryover_start", "income", "total", "carryover_end"], rows)
    own_column = make_table("fa_gov_fund", ["carryover_start", "income", "expenditure", "carryover_end"], rows)
    assert not _identity(make_document([no_income, bare_total], [], kind="final_accounts"))
    assert [f.expected for f in _identity(make_document([own_column], [], kind="final_accounts"))] == ["-69.00"]


def _summary(grand: bool, year_end: str) -> object:
    rows = [
        {"side": "income", "name": "一、一般公共预算财政拨款收入", "values": ["300.00"]},
        {"side": "expenditure", "name": "一、一般公共服务支出", "values": ["305.00"]},
        {"side": "income", "name": "本年收入合计", "values": ["300.00"]},
        {"side": "expenditure", "name": "本年支出合计", "values": ["305.00"]},
        {"side": "income", "name": "使用非财政拨款结余", "values": [""]},
        {"side": "expenditure", "name": "结余分配", "values": [""]},
        {"side": "income", "name": "年初结转和结余", "values": ["12.00"]},
        {"side": "expenditure", "name": "年末结转和结余", "values": [year_end]},
    ]
    if grand:
        rows += [{"side": "income", "name": "总计", "values": ["312.00"]},
                 {"side": "expenditure", "name": "总计", "values": ["312.00"]}]
    return make_table("fa_overall_summary", ["amount"], rows)


def test_summary_identity_only_when_no_grand_total_decides_it():
    doc = lambda t: make_document([t], [], kind="final_accounts")  # noqa: E731
    assert not _identity(doc(_summary(grand=False, year_end="7.00")))
    found = _identity(doc(_summary(grand=False, year_end="8.00")))
    assert [(f.row, f.expected, f.observed) for f in found] == [("年末结转和结余", "7.00", "8.00")]
    # with both 总计 lines printed, carryover_total reports the same gap (once)
    findings = validate([doc(_summary(grand=True, year_end="8.00"))])[0]
    assert [f.rule for f in findings if f.category == "arithmetic" and f.severity == "error"] == [
        "arithmetic.carryover_total"]


def test_three_public_budget_and_final_blocks_both_add_up():
    measures = fa.THREE_PUBLIC_MEASURES  # budget_total, total, budget_abroad, abroad, …
    row = ("", "", "2.10", "1.59", "0.00", "0.00", "1.50", "1.30", "0.00", "0.00", "1.50", "1.20", "0.60", "0.39")
    found = [f for f in validate([make_document([make_table("fa_three_public", measures, [row])], [],
                                                kind="final_accounts")])[0] if f.severity == "error"]
    # 决算数: 车辆 1.30 ≠ 0.00 + 1.20 and 合计 1.59 ≠ 0.00 + 1.30 + 0.39; the 预算数 block adds up
    assert sorted((f.rule, f.column, f.expected) for f in found) == [
        ("arithmetic.three_public_sum", "total", "1.69"), ("arithmetic.three_public_sum", "vehicle", "1.20")]


PUTUO = SHARED / "corpus" / "real2" / "gbc" / "上海市普陀区"
REAL_FA = ["上海市普陀区规划和自然资源局 2024 年度部门决算.pdf", "中共上海市普陀区委社会工作部 2024 年度部门决算.pdf"]


@pytest.mark.parametrize("name", REAL_FA)
def test_real_putuo_final_accounts(name):
    path = PUTUO / name
    if not path.is_file():
        pytest.skip(f"real corpus file absent: {path}")
    (doc,) = extract_file(path)
    assert doc.status == "ok" and doc.kind == "final_accounts"
    findings = validate([doc])[0]
    assert [_key(f) for f in findings if f.rule in NEW_RULES and f.severity == "error"] == []


def _fiscal(end_gov_fund: str, start_lines: bool = True) -> object:
    cols = ["amount", "total", "gpb", "gov_fund", "soe_capital"]
    inc = lambda name, v: {"side": "income", "name": name, "values": [v]}  # noqa: E731
    exp = lambda name, *v: {"side": "expenditure", "name": name, "values": ["", *v]}  # noqa: E731
    rows = [inc("一、一般公共预算财政拨款", "300.00"), exp("一、一般公共服务支出", "300.00", "300.00", "", ""),
            inc("二、政府性基金预算财政拨款", "50.00"), exp("十一、城乡社区支出", "55.00", "", "55.00", ""),
            inc("本年收入合计", "350.00"), exp("本年支出合计", "355.00", "300.00", "55.00", ""),
            inc("年初财政拨款结转和结余", "12.00"), exp("年末财政拨款结转和结余", "7.00", "", end_gov_fund, "")]
    if start_lines:
        rows += [inc("一、一般公共预算财政拨款", ""), inc("二、政府性基金预算财政拨款", "12.00")]
    rows += [inc("总计", "362.00"), exp("总计", "362.00", "300.00", "62.00", "")]
    return make_table("fa_fiscal_summary", cols, rows)


def test_fiscal_summary_balances_each_fund():
    doc = lambda t: make_document([t], [], kind="final_accounts")  # noqa: E731
    assert not _identity(doc(_fiscal("7.00")))
    found = _identity(doc(_fiscal("8.00")))
    assert [(f.column, f.expected, f.observed) for f in found] == [("gov_fund", "7.00", "8.00")]
    # a 年初 balance not split by fund: the fund's share is unknown, no check
    assert not _identity(doc(_fiscal("8.00", start_lines=False)))


def test_fiscal_summary_fund_with_an_empty_year_end_cell_counts_as_zero():
    table = _fiscal("7.00")
    table.rows = table.rows.with_columns(
        gpb=table.rows["gpb"].set(table.rows["name"] == "本年支出合计", 299.0))  # gpb spent 299: 1.00 left over
    found = _identity(make_document([table], [], kind="final_accounts"))
    assert [(f.column, f.expected, f.observed) for f in found] == [("gpb", "1.00", "0.00")]
