"""Final accounts (部门决算) read from their headers: the two real 2024 普陀 决算 and the blank 2024
决算 template (tuning half), every figure below checked against the rendered page; and column roles
from header words on hand-built grids (上年 columns, '其中' sub-columns, rate and indicator
columns, codes under one merged 科目编码 label, lists side by side)."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from domain.model import MEASURES, Document, SourceFile, Table
from extract.tables import measure_key, normalise_grid, normalise_grids
from tests.fixtures.grids import make_grid as _grid
from tests.shared_inputs import CORPUS

PUTUO = CORPUS.parent / "real2" / "gbc" / "上海市普陀区"
GHJ = PUTUO / "上海市普陀区规划和自然资源局 2024 年度部门决算.pdf"
SHG = PUTUO / "中共上海市普陀区委社会工作部 2024 年度部门决算.pdf"
TEMPLATE = PUTUO / "附件2：部门决算模板.pdf"
# The 2024 上海 决算 template's nine tables, in print order.
KINDS = [
    "fa_overall_summary", "fa_income", "fa_expenditure", "fa_fiscal_summary", "fa_gpb_expenditure",
    "fa_gpb_basic_expenditure", "fa_three_public", "fa_gov_fund", "fa_soe_capital",
]


def _extract(path: Path) -> Document:
    from extract import extract_file

    if not path.is_file():
        pytest.skip(f"corpus file absent: {path}")
    (doc,) = extract_file(path)
    return doc


@pytest.fixture(scope="module")
def ghj() -> Document:
    return _extract(GHJ)


@pytest.fixture(scope="module")
def shg() -> Document:
    return _extract(SHG)


@pytest.fixture(scope="module")
def template() -> Document:
    return _extract(TEMPLATE)


def _table(doc: Document, kind: str) -> Table:
    return next(t for t in doc.tables if t.kind == kind)


def _row(table: Table, **match) -> dict:
    rows = table.rows
    for key, value in match.items():
        rows = rows.filter(pl.col(key) == value)
    assert rows.height == 1, (match, rows)
    return rows.row(0, named=True)


def test_real_final_accounts_kinds_and_facts(ghj, shg, template):
    for doc in (ghj, shg, template):
        assert [t.kind for t in doc.tables] == KINDS
        assert (doc.kind, doc.year, doc.unit) == ("final_accounts", 2024, "万元")
    # the cover says the department; '纳入…编制范围的单位包括' is a sentence, not its name
    assert (ghj.department, ghj.region) == ("上海市普陀区规划和自然资源局", "上海市普陀区")
    assert (shg.department, shg.region) == ("中共上海市普陀区委社会工作部", "上海市普陀区")


def test_three_public_budget_and_final_columns(ghj):
    # p17: 合计 预算数 2.85 决算数 0.39; 公务接待费 预算数 2.85 决算数 0.39; the rest 0.00
    t = _table(ghj, "fa_three_public")
    assert t.measures == [
        "budget_total", "total", "budget_abroad", "abroad", "budget_vehicle", "vehicle", "budget_vehicle_purchase",
        "vehicle_purchase", "budget_vehicle_operation", "vehicle_operation", "budget_reception", "reception",
    ]
    row = t.rows.row(0, named=True)
    assert (row["budget_total"], row["total"], row["budget_reception"], row["reception"]) == (2.85, 0.39, 2.85, 0.39)
    assert row["abroad"] == row["vehicle"] == 0.0
    assert all(m in MEASURES for m in t.measures)


def test_basic_expenditure_lists_side_by_side(ghj, shg):
    # p16 (规划资源局): 人员经费 list on the left, 公用经费 list on the right, each with its total
    t = _table(ghj, "fa_gpb_basic_expenditure")
    assert _row(t, code="301")["amount"] == 4816.14 and _row(t, code="301")["side"] == ""
    assert _row(t, code="302")["amount"] == 440.90 and _row(t, code="302")["side"] == "list2"
    assert _row(t, code="30217")["amount"] == 0.39  # 公务接待费
    assert _row(t, code="31002")["amount"] == 39.76
    assert _row(t, name="人员经费合计")["amount"] == 4884.09
    assert _row(t, name="公用经费合计")["side"] == "list2" and _row(t, name="公用经费合计")["amount"] == 480.66
    # p13 (社会工作部)
    s = _table(shg, "fa_gpb_basic_expenditure")
    assert (_row(s, code="301")["amount"], _row(s, code="302")["amount"], _row(s, code="30239")["amount"]) == (
        95.36, 10.23, 2.43,
    )


def test_coded_tables_and_the_header_row_holding_the_total(ghj, shg):
    inc = _table(ghj, "fa_income")  # p8–9
    assert _row(inc, code="2120201")["total"] == 2739.56 and _row(inc, name="合计")["fiscal"] == 9746.50
    exp = _table(ghj, "fa_expenditure")  # p10–11
    assert (_row(exp, code="2200150")["basic"], _row(exp, code="2200150")["project"]) == (2339.58, 2077.09)
    gpb = _table(shg, "fa_gpb_expenditure")  # p12
    assert (_row(gpb, code="2013999")["total"], _row(gpb, code="2013999")["project"]) == (202.24, 202.24)
    assert _row(gpb, name="合计")["total"] == 307.82
    # p18: the 合计 row is printed in the header's last row: the code column stays the code column
    fund = _table(ghj, "fa_gov_fund")
    assert fund.measures == ["carryover_start", "income", "total", "basic", "project", "carryover_end"]


def test_blank_template_header_stops_at_the_first_item_row(template):
    # p5: the empty 收入支出决算总表 — its item names are rows, never column labels or amounts
    t = _table(template, "fa_overall_summary")
    assert t.measures == ["amount"]
    assert t.cells.filter(pl.col("problem").is_not_null()).height == 0
    names = t.rows.filter(pl.col("side") == "income")["name"].to_list()
    assert names[:2] == ["一般公共预算财政拨款收入", "政府性基金预算财政拨款收入"]


def test_validate_on_the_real_final_accounts_raises_nothing(ghj, shg):
    from expectations import validate

    for findings in validate([ghj, shg]):
        assert not [f for f in findings if "无法对本文档执行该检查" in f.message or "未能执行" in f.message]
        assert not [f for f in findings if f.rule.startswith(("arithmetic", "cross_table")) and f.severity == "error"]


def test_three_public_items_without_a_total_column_does_not_crash():
    from expectations.checks.cross_table import three_public_items
    from expectations.frames import Derived

    def table(kind: str, measures: list[str], rows: dict) -> Table:
        return Table(kind=kind, title="", unit="万元", measures=measures, rows=pl.DataFrame(rows))

    base = {"row": [0], "side": [""], "raw_code": [None], "raw_name": [None]}
    three = table("fa_three_public", ["budget_reception", "reception"],
                  {**base, "code": [None], "name": [None], "budget_reception": [2.85], "reception": [0.39]})
    basic = table("fa_gpb_basic_expenditure", ["amount"],
                  {**base, "code": ["30217"], "name": ["公务接待费"], "amount": [0.50]})
    doc = Document(source=SourceFile(path="x.pdf", sha256="", format="pdf"), tables=[three, basic])
    frame = three_public_items([doc], Derived())
    assert frame.height == 1 and frame["excess"][0] == pytest.approx(0.11, abs=0.011)


# ---- column roles from the header on hand-built grids ---------------------------------------------


@pytest.mark.parametrize(
    ("labels", "kind", "year", "key"),
    [
        (["财政拨款“三公”经费", "合计", "预算数"], "fa_three_public", 2024, "budget_total"),
        (["因公出国（境）费", "年初预算数"], "fa_three_public", 2024, "budget_abroad"),
        (["上年预算数", "因公出国（境）费"], "three_public", 2026, "previous_abroad"),
        (["2025年预算数", "合计"], "three_public", 2026, "previous_total"),
        (["2026年预算数", "合计"], "three_public", 2026, "total"),
        (["上年决算数"], "fa_gpb_expenditure", 2024, "previous"),
        (["2023年调整预算数"], "fa_gov_fund", 2023, "adjusted"),
        (["增减", "公务接待费"], "three_public", 2026, "change_reception"),
        (["财政拨款收入", "其中：纳入专户管理非税收入"], "income_summary", 2026, "of_which_special_nontax"),
        (["一般公共预算", "其中", "政府性基金"], "income_summary", 2026, "of_which_gov_fund"),
        (["为预算%"], "fa_income", 2023, None),
        (["完成率"], "fa_gpb_expenditure", 2024, None),
        (["指标值"], "performance_targets", 2026, None),
        (["上年结转结余", "一般公共预算"], "income_summary", 2026, "carryover"),
    ],
)
def test_measure_key_from_header_words(labels, kind, year, key):
    assert measure_key(labels, kind, year, paired=True) == key


def test_three_public_previous_year_columns_before_this_year():
    rows = [
        ["上年预算数"] * 4 + ["本年预算数"] * 4,  # a merged banner as DOCX/XLSX readers give it
        ["合计", "因公出国（境）费", "公务用车购置及运行费", "公务接待费", "合计", "因公出国（境）费", "公务用车购置及运行费", "公务接待费"],
        ["12.00", "5.00", "4.00", "3.00", "10.00", "4.00", "4.00", "2.00"],
    ]
    t = normalise_grid(_grid(rows, ["2026年部门一般公共预算“三公”经费支出预算表", "单位：万元"]), 0)
    assert t.kind == "three_public"
    assert t.measures == ["previous_total", "previous_abroad", "previous_vehicle", "previous_reception",
                          "total", "abroad", "vehicle", "reception"]
    row = t.rows.row(0, named=True)
    assert (row["total"], row["abroad"], row["reception"]) == (10.0, 4.0, 2.0)
    assert (row["previous_total"], row["previous_reception"]) == (12.0, 3.0)


def test_of_which_sub_column_is_part_of_its_parent():
    rows = [
        ["科目编码", "科目名称", "合计", "财政拨款收入", "", "事业收入"],
        ["", "", "", "小计", "其中：纳入专户管理非税收入", ""],
        ["201", "一般公共服务支出", "100.00", "80.00", "30.00", "20.00"],
    ]
    t = normalise_grid(_grid(rows, ["2026年部门收入总表", "单位：万元"]), 0)
    assert t.kind == "income_summary"
    assert t.measures == ["total", "fiscal", "of_which_special_nontax", "business"]
    row = t.rows.row(0, named=True)
    assert (row["total"], row["fiscal"], row["business"]) == (100.0, 80.0, 20.0)  # the sources add up to the total


def test_rate_and_indicator_columns_are_never_amounts():
    rows = [
        ["项目", "2023年预算数", "2023年决算数", "为预算%", "为上年%"],
        ["税收收入", "100.00", "95.00", "95.0%", "101.2"],
    ]
    t = normalise_grid(_grid(rows, ["2023年某市一般公共预算收入决算表", "单位：万元"]), 0)
    assert t.measures == ["budget", "amount"]
    assert (t.rows["budget"][0], t.rows["amount"][0]) == (100.0, 95.0)
    assert t.cells.filter(pl.col("problem").is_not_null()).height == 0
    perf = [
        ["项目名称", "金额", "绩效目标", "指标值"],
        ["社区服务", "12.00", "服务满意度", ">95%"],
        ["社区服务", "资金总额", "", ""],  # a form's label echoed in the amount column
        ["社区服务", ">95%", "", ""],
        ["社区服务", "1O.00", "", ""],  # a misprinted amount is still one
    ]
    p = normalise_grid(_grid(perf, ["项目绩效目标表", "单位：万元"]), 0)
    assert p.kind == "performance_targets" and p.measures == ["amount"]
    assert p.rows["amount"].to_list() == [12.0, None, None, None]
    assert p.cells.filter(pl.col("problem").is_not_null())["text"].to_list() == ["1O.00"]


def test_code_under_one_merged_label_over_three_columns_is_joined():
    rows = [
        ["科目编码", "", "", "科目名称", "合计"],
        ["201", "", "", "一般公共服务支出", "10.00"],
        ["201", "06", "", "财政事务", "10.00"],
        ["201", "06", "01", "行政运行", "10.00"],
    ]
    t = normalise_grid(_grid(rows, ["一般公共预算财政拨款支出决算表", "单位：万元"]), 0)
    assert t.rows["code"].to_list() == ["201", "20106", "2010601"]
    assert t.rows["raw_code"].to_list()[2] == "201 06 01"


def test_split_code_columns_carry_the_parent_down():
    rows = [
        ["功能分类科目编码", "", "", "科目名称", "合计"],
        ["类", "款", "项", "", ""],
        ["201", "", "", "一般公共服务支出", "10.00"],
        ["", "06", "", "财政事务", "10.00"],
        ["", "", "01", "行政运行", "10.00"],
    ]
    t = normalise_grid(_grid(rows, ["一般公共预算财政拨款支出决算表", "单位：万元"]), 0)
    assert t.rows["code"].to_list() == ["201", "20106", "2010601"]


def test_continued_table_keeps_the_first_page_roles():
    header = [["合计", "合计", "公务接待费", "公务接待费"], ["预算数", "决算数", "预算数", "决算数"]]
    first = _grid([*header, ["5.00", "4.00", "5.00", "4.00"]], ["财政拨款“三公”经费支出决算表", "单位：万元"], 1, 0)
    second = _grid([["3.00", "2.00", "3.00", "2.00"]], [], 2, 1)
    (t,) = normalise_grids([first, second])
    assert t.measures == ["budget_total", "total", "budget_reception", "reception"]
    assert t.rows["reception"].to_list() == [4.0, 2.0] and t.rows["budget_reception"].to_list() == [5.0, 3.0]


def test_generated_xlsx_three_public_with_last_year_block_and_of_which(tmp_path):
    """A workbook written with openpyxl, merged banners as a department's Excel prints them."""
    from openpyxl import Workbook

    from extract import extract_file

    wb = Workbook()
    ws = wb.active
    ws.append(["2026年部门一般公共预算“三公”经费支出预算表"])
    ws.append(["单位：万元"])
    ws.append(["上年预算数", "", "", "", "本年预算数", "", "", ""])
    ws.append(["合计", "因公出国（境）费", "公务用车购置及运行费", "公务接待费"] * 2)
    ws.append([12.0, 5.0, 4.0, 3.0, 10.0, 4.0, 4.0, 2.0])
    for rng in ("A1:H1", "A2:H2", "A3:D3", "E3:H3"):
        ws.merge_cells(rng)
    inc = wb.create_sheet("收入")
    inc.append(["2026年部门收入总表"])
    inc.append(["单位：万元"])
    inc.append(["科目编码", "科目名称", "合计", "财政拨款收入", "", "事业收入"])
    inc.append(["", "", "", "小计", "其中：纳入专户管理非税收入", ""])
    inc.append(["201", "一般公共服务支出", 100.0, 80.0, 30.0, 20.0])
    for rng in ("A3:A4", "B3:B4", "C3:C4", "D3:E3", "F3:F4"):
        inc.merge_cells(rng)
    path = tmp_path / "generated.xlsx"
    wb.save(path)
    (doc,) = extract_file(path)
    three = _table(doc, "three_public")
    assert three.measures[:4] == ["previous_total", "previous_abroad", "previous_vehicle", "previous_reception"]
    assert (three.rows["total"][0], three.rows["previous_total"][0], three.rows["reception"][0]) == (10.0, 12.0, 2.0)
    income = _table(doc, "income_summary")
    assert income.measures == ["total", "fiscal", "of_which_special_nontax", "business"]
    assert (income.rows["fiscal"][0], income.rows["of_which_special_nontax"][0]) == (80.0, 30.0)
