"""extract.kinds and extract.tables: kind recognition on real titles; normalise_grid on
hand-built grids and on real corpus pages read by the PDF reader."""

from pathlib import Path

import polars as pl
import pytest

from extract.grid import GRID_COLUMNS, Grid
from extract.kinds import kind_from_header, kind_from_title, table_number
from extract.tables import join_wrapped_labels, map_measure, normalise_grid, normalise_grids
from tests.fixtures.grids import make_grid as _grid
from tests.shared_inputs import CORPUS

# Real titles, as printed (seed 杜集区 2021; 上海/深圳/苏州/杭州 2026; 江苏 2017–2019).
REAL_TITLES = [
    ("杜集区政府办公室2021年财政拨款收支总表", "fiscal_summary"),
    ("杜集区政府办公室2021年一般公共预算支出表", "gpb_expenditure"),
    ("杜集区政府办公室2021年一般公共预算基本支出表", "gpb_basic_expenditure"),
    ("杜集区政府办公室2021年政府性基金预算支出表", "gov_fund_expenditure"),
    ("杜集区政府办公室2021年国有资本经营预算支出表", "soe_capital_expenditure"),
    ("杜集区政府办公室2021年收支总表", "overall_summary"),
    ("杜集区政府办公室2021年收入预算总表", "income_summary"),
    ("杜集区政府办公室2021年支出预算总表", "expenditure_summary"),
    ("杜集区政府办公室2021年部门政府采购支出表", "procurement"),
    ("杜集区政府办公室2021年部门政府购买服务支出表", "purchased_services"),
    ("2021年项目支出表", "projects"),
    ("2026年预算单位财务收支预算总表", "overall_summary"),
    ("2026年预算单位收入预算总表", "income_summary"),
    ("2026年预算单位支出预算总表", "expenditure_summary"),
    ("2026年预算单位财政拨款收支预算总表", "fiscal_summary"),
    ("2026年预算单位一般公共预算支出功能分类预算表", "gpb_expenditure"),
    ("2026年预算单位一般公共预算基本支出部门预算经济分类预算表", "gpb_basic_expenditure"),
    ("2026年单位“三公”经费和机关运行经费预算表", "three_public"),
    ("收支总表", "overall_summary"),
    ("收入总表", "income_summary"),
    ("支出总表", "expenditure_summary"),
    ("基本支出总表", None),
    ("项目支出总表", "projects"),
    ("财政拨款收支总表", "fiscal_summary"),
    ("一般公共预算支出表（按功能分类）", "gpb_expenditure"),
    ("一般公共预算支出表（按经济分类）", None),
    ("财政拨款“三公”经费支出表", "three_public"),
    ("财政拨款支出表（功能科目）", None),
    ("一般公共预算“三公”经费、会议费、培训费支出表", "three_public"),
    ("国有资本经营预算支出预算表", "soe_capital_expenditure"),
    ("一般公共预算机关运行经费支出预算表", None),
    ("政府采购支出表", "procurement"),
    ("表1：2026年市级部门收支预算总表", "overall_summary"),
    ("表4：2026年市级部门财政拨款收支预算总表", "fiscal_summary"),
    ("表7：2026年市级部门一般公共预算“三公”经费预算表", "three_public"),
    ("表10：2026年市级部门项目支出预算表", "projects"),
    ("表11：2026年市级部门项目支出绩效表", "performance_targets"),
    ("收支预算总表", "overall_summary"),
    ("财政拨款政府性基金支出预算表", "gov_fund_expenditure"),
    ("一般公共预算支出预算表（功能科目）", "gpb_expenditure"),
    ("一般公共预算基本支出预算表（经济科目）", "gpb_basic_expenditure"),
    ("政府性基金预算财政拨款支出预算表", "gov_fund_expenditure"),
    ("2017年政府采购预算表", "procurement"),
    ("部门收支总表", "overall_summary"),
    ("部门收入总表", "income_summary"),
    ("项目绩效目标表", "performance_targets"),
    # 决算
    ("一、收入支出决算总表", "fa_overall_summary"),
    ("财政拨款收入支出决算总表", "fa_fiscal_summary"),
    ("收入决算表", "fa_income"),
    ("支出决算表", "fa_expenditure"),
    ("一般公共预算财政拨款支出决算表", "fa_gpb_expenditure"),
    ("一般公共预算财政拨款基本支出决算表", "fa_gpb_basic_expenditure"),
    ("政府性基金预算财政拨款收入支出决算表", "fa_gov_fund"),
    ("国有资本经营预算财政拨款支出决算表", "fa_soe_capital"),
    ("财政拨款“三公”经费支出决算表", "fa_three_public"),
    ("机关运行经费支出决算表", "fa_operating_costs"),
    ("政府采购情况表", "procurement"),  # no 决算 word: read as the budget kind
    ("2020年度政府采购情况表（决算）", "fa_procurement"),
    ("国有资产占用情况表（决算）", "fa_assets"),
    ("第三部分 2021年部门预算情况说明", None),
]


@pytest.mark.parametrize(("title", "kind"), REAL_TITLES)
def test_kind_from_real_titles(title, kind):
    assert kind_from_title(title) == kind


def test_kind_from_header_when_title_missing():
    assert kind_from_header("科目编码 科目名称 合计 上年结转 一般公共预算拨款收入") == "income_summary"
    assert kind_from_header("功能分类科目 科目编码 科目名称 合计 基本支出 项目支出") == "expenditure_summary"
    assert kind_from_header("经济分类科目 科目编码 科目名称 预算数") == "gpb_basic_expenditure"
    assert kind_from_header("项目类型 项目名称 项目单位 合计") == "projects"
    assert kind_from_header("序号 单位名称 单位性质") is None


@pytest.mark.parametrize(
    ("lines", "number"),
    [
        (["部门公开表1", "杜集区政府办公室2021年财政拨款收支总表"], 1),
        (["苏州市审计局2026年度部门预算公开", "公开01表", "收支总表"], 1),
        (["表5：2026年市级部门一般公共预算支出预算表"], 5),
        (["二、表格部分", "表11", "国有资本经营预算支出表"], 11),
        (["一、收入支出决算总表"], 1),
        (["（五）一般公共预算当年拨款情况说明（详见表 5）"], None),
        (["2026年预算单位收入预算总表", "单位：元"], None),
    ],
)
def test_table_number(lines, number):
    assert table_number(lines) == number


@pytest.mark.parametrize(
    ("labels", "key"),
    [
        (["项目", "功能分类科目名称"], None),
        (["收入预算", "合计"], "total"),
        (["支出预算", "基本支出"], "basic"),
        (["本年收入", "一般公共预算"], "gpb"),
        (["上年结转结余", "一般公共预算"], "carryover"),
        (["基本支出", "小计"], "basic"),
        (["基本支出", "人员经费"], "personnel"),
        (["公务用车购置及运行费", "小计"], "vehicle"),
        (["公务用车购置及运行费", "购置费"], "vehicle_purchase"),
        (["因公出国（境）费", "一般公共预算"], "abroad"),
        (["总计", "一般公共预算"], "total"),
        (["预算数"], "amount"),
        (["纳入专户管理非税收入"], "special_nontax"),
        (["机关运行经费预算数"], "operating_costs"),
        (["“三公”经费、会议费、培训费", "会议费"], "meeting"),
        (["单位资金", "上级补助收入"], "superior_subsidy"),
        (["2026年预算", "上级补助收入"], "superior_subsidy"),
        (["2026年预算", "附属单位上缴收入"], "subsidiary_remit"),
        (["2026年预算", "预算单位"], None),  # a year banner does not make every column the amount
        (["2026年预算"], "amount"),
        (["上缴上级支出"], "remit_superior"),
        (['"三公"经费财政拨款预算总额'], "total"),  # compacted; 北京's 三公 table names its total column so
        # header wrapped over grid rows (Word 2007): pieces that only together name a measure
        (["“三公”经费", "因公出", "国（境）", "费"], "abroad"),
        (["公务用车购置及运行维护费", "公务用车运", "行维护费"], "vehicle_operation"),
        (["项目支出", "其他"], "project"),  # a complete label is not glued to the next one
    ],
)
def test_map_measure(labels, key):
    assert map_measure(join_wrapped_labels(labels)) == key


SEED_TABLE_2 = [
    ["功能分类科目", "功能分类科目", "预算数", "预算数", "预算数"],
    ["科目编码", "科目名称", "合计", "基本支出", "项目支出"],
    ["201", "一般公共服务支出", "457.90", "165.30", "292.60"],
    ["2010302", "  一般行政管理事务", "272.60", "", "272.60"],
    ["2050505", "机关事业单位基本养老保险缴费支出", "19.27", "19.27", ""],
    ["合计", "合计", "525.85", "233.25", "292.60"],
]


def test_normalise_grid_hand_built_gpb_expenditure():
    t = normalise_grid(_grid(SEED_TABLE_2, ["部门公开表2", "杜集区政府办公室2021年一般公共预算支出表", "单位：万元"]), 3)
    assert (t.kind, t.number, t.unit, t.index) == ("gpb_expenditure", 2, "万元", 3)
    assert t.measures == ["total", "basic", "project"]
    assert t.rows["code"].to_list() == ["201", "2010302", "2050505", None]
    assert t.rows["name"].to_list() == ["一般公共服务支出", "一般行政管理事务", "机关事业单位基本养老保险缴费支出", "合计"]
    assert t.rows.filter(pl.col("code") == "2010302")["basic"].to_list() == [None]
    assert t.rows["total"].sum() == pytest.approx(457.9 + 272.6 + 19.27 + 525.85)
    # every value is traced to its cell
    cell = t.cells.filter((pl.col("row") == 2) & (pl.col("column") == "code")).row(0, named=True)
    assert (cell["text"], cell["address"], cell["page"]) == ("2050505", "t0/r4/c0", 1)


def test_normalise_grid_summary_two_sides_and_trailing_dot():
    rows = [
        ["收   入", "收   入", "支   出", "支   出"],
        ["项目", "预算数", "项目", "预算数"],
        ["一、一般公共预算拨款收入", "525.85　", "一、一般公共服务支出", "457.90."],
        ["", "", "二、外交支出", ""],
        ["收入总计", "525.85", "支出总计", "525.85"],
    ]
    t = normalise_grid(_grid(rows, ["杜集区政府办公室2021年收支总表"]), 0)
    assert t.kind == "overall_summary"
    got = t.rows.select("side", "name", "amount").rows()
    assert got == [
        ("income", "一般公共预算拨款收入", 525.85),
        ("expenditure", "一般公共服务支出", 457.9),
        ("expenditure", "外交支出", None),
        ("income", "收入总计", 525.85),
        ("expenditure", "支出总计", 525.85),
    ]
    bad = t.cells.filter(pl.col("problem").is_not_null()).select("text", "problem").rows()
    assert bad == [("457.90.", "trailing_dot")]


def test_each_amount_cell_carries_its_printed_decimals():
    """The printed precision is read once, at extraction: the decimals of each amount as printed
    ('1,234.560' → 3, '12' → 0); code and name cells carry none."""
    rows = [
        ["科目编码", "科目名称", "合计", "基本支出", "项目支出"],
        ["201", "一般公共服务支出", "1,234.560", "1,200.5", "34.06"],
        ["20103", "政府办公厅（室）及相关机构事务", "1,234.560", "1,200.5", "34.06"],
        ["", "合计", "1,234.56", "1200.5", "34"],
    ]
    t = normalise_grid(_grid(rows, ["2021年一般公共预算支出表", "单位：万元"]), 0)
    got = {(r, c): d for r, c, d in t.cells.select("row", "column", "decimals").iter_rows()}
    assert [got[(0, c)] for c in ("total", "basic", "project")] == [3, 1, 2]
    assert [got[(2, c)] for c in ("total", "basic", "project")] == [2, 1, 0]
    assert got[(0, "code")] is None and got[(0, "name")] is None


def test_unit_composition_table_is_not_a_budget_table():
    grid = _grid([["序号", "单位名称", "单位性质"], ["1", "杜集区政府办公室", "机关"]], ["具体情况见下表。"])
    assert normalise_grid(grid, 0) is None


def test_split_table_joined_and_notes_kept():
    header = [["科目编码", "科目名称", "合计"]]
    first = _grid([*header, ["201", "一般公共服务支出", "10.00"]], ["公开10表", "政府性基金预算支出表", "单位：万元"], 1, 0)
    second = _grid([["20103", "政府办公室事务", "10.00"], ["合计", "", "10.00"], ["注：本表无数据。", "", ""]], [], 2, 1)
    (t,) = normalise_grids([first, second])
    assert t.kind == "gov_fund_expenditure" and t.pages == [1, 2]
    assert t.rows["code"].to_list() == ["201", "20103", None]
    assert t.notes == ["注：本表无数据。"]


@pytest.fixture(scope="module")
def shanghai_tables():
    from extract.pdf import read_pdf

    path = CORPUS / "renwu/001_上海/2026年上海市交通运输局_部门预算.pdf"
    if not path.exists():
        pytest.skip("corpus not available")
    return normalise_grids(read_pdf(path).grids)


def test_real_shanghai_kinds(shanghai_tables):
    assert [t.kind for t in shanghai_tables] == [
        "overall_summary", "income_summary", "expenditure_summary", "fiscal_summary", "gpb_expenditure",
        "gov_fund_expenditure", "soe_capital_expenditure", "gpb_basic_expenditure", "three_public",
    ]


def test_real_shanghai_income_summary_split_codes(shanghai_tables):
    t = next(t for t in shanghai_tables if t.kind == "income_summary")
    assert t.unit == "元" and t.pages == [8, 9]
    row = t.rows.filter(pl.col("code") == "2101102").row(0, named=True)
    assert row["raw_code"] == "210 11 02" and row["name"] == "事业单位医疗"
    assert row["total"] == 15502390.0 and row["fiscal"] == 13697230.0
    total = t.rows.filter(pl.col("name") == "合计").row(0, named=True)
    assert total["code"] is None and total["total"] == 408696000.0
    assert t.cells.filter(pl.col("page").is_null()).height == 0


def test_real_shanghai_summary_and_three_public(shanghai_tables):
    fiscal = next(t for t in shanghai_tables if t.kind == "fiscal_summary")
    sides = dict(fiscal.rows.filter(pl.col("name").is_in(["收入总计", "支出总计"])).select("side", "name").rows())
    assert sides == {"income": "收入总计", "expenditure": "支出总计"}
    three = next(t for t in shanghai_tables if t.kind == "three_public")
    assert three.unit == "万元"
    assert three.rows.select("total", "abroad", "reception", "vehicle", "vehicle_operation").row(0) == (
        67.59, 35.0, 12.49, 20.1, 20.1,
    )


# ---- fixes checked on real corpus documents (read by eye against the rendered pages) -----------


def _corpus_doc(rel: str):
    from extract import extract_file

    path = CORPUS / rel
    if not path.is_file():
        pytest.skip(f"corpus file absent: {path}")
    (doc,) = extract_file(path)
    return doc


def test_jiangsu_summary_columns_aligned_over_pages_and_by_use_list():
    """江苏 收支预算总表 over 3 pages: a continuation page lacks the (empty) 支出用途 name column,
    so columns are matched by x, not index; 支出合计 printed under the 支出用途 amount column
    (label spanning the columns between) is the expenditure total."""
    doc = _corpus_doc("open-budget/江苏省人大办公厅/江苏省人大办公厅2017年度预算公开.pdf")
    t = doc.table("overall_summary")
    rows = {(s, n): a for s, n, a in t.rows.select("side", "name", "amount").rows()}
    assert rows[("expenditure", "当年支出小计")] == 13649.07
    assert rows[("expenditure", "支出合计")] == 13649.07 and rows[("income", "收入合计")] == 13649.07
    assert rows[("expenditure", "住房保障支出")] == 1512.23
    # '八、社会保障和就' | page break | '业支出': one row
    assert rows[("expenditure", "社会保障和就业支出")] == 1608.51
    assert not [n for s, n in rows if n.startswith("业支出")]
    assert rows[("expenditure_by_use", "基本支出")] == 7666.68
    assert rows[("expenditure_by_use", "项目支出")] == 5853.96
    # the next page's title drawn below the page edge is not this table's note
    assert doc.table("gpb_expenditure") is not None
    assert all("基本支出预算表" not in n for t in doc.tables for n in t.notes)


def test_jiangsu_three_public_total_procurement_names_income_subtotal():
    doc = _corpus_doc("open-budget/江苏省委办公厅/江苏省委办公厅2019年度部门预算公开表格.pdf")
    tp = doc.table("three_public")
    assert tp.rows.select("total_all", "total", "abroad", "vehicle", "reception", "meeting", "training").row(0) == (
        1471.70, 508.20, 70.00, 411.20, 27.00, 933.50, 30.00
    )
    names = doc.table("procurement").rows["name"].to_list()
    assert names[:4] == ["合计", "货物A", "机要及电子政务业务费", "PC服务器"] and None not in names
    inc = doc.table("income_summary").rows.select("name", "amount").rows()
    assert inc[1:3] == [("小计", 27664.22), ("公共财政拨款（补助）资金", 27664.22)]


def test_shenzhen_three_public_rows_are_years_and_projects_have_no_spurious_amount():
    doc = _corpus_doc("renwu/003_深圳/2026年深圳市审计局部门预算.pdf")
    tp = doc.table("three_public")
    assert tp.rows.select("name", "unit_name", "total", "abroad", "reception", "vehicle").rows() == [
        ("2025年", "深圳市审计局", 40.31, 0.80, 3.51, 36.00),
        ("2026年", "深圳市审计局", 35.10, 28.00, 3.50, 3.60),
        ("增减变化金额", "深圳市审计局", -5.21, 27.20, -0.01, -32.40),
    ]
    projects = doc.table("projects")
    assert "amount" not in projects.measures
    assert {"superior_subsidy", "subsidiary_remit"} <= set(projects.measures)


def test_seed_pdf_label_spilled_onto_next_page():
    """Page 10 of the seed PDF starts with 部门公开表7 (the label of page 9's table) then 部门公开表8."""
    from extract import extract_file

    path = Path(__file__).resolve().parents[1] / "demo/files/杜集区政府办公室2021年部门预算.pdf"
    (doc,) = extract_file(path)
    numbers = {t.kind: (t.number, t.title) for t in doc.tables}
    assert numbers["income_summary"] == (7, "杜集区政府办公室2021年收入预算总表")
    assert numbers["expenditure_summary"] == (8, "杜集区政府办公室2021年支出预算总表")
    assert all("公开表" not in n for t in doc.tables for n in t.notes)


def test_caption_inside_the_frame_below_empty_rows_and_wrapped_title():
    # 政协 2019: pages 5 and 7 print the title inside the frame under empty rows; page 7 must not
    # be taken for a continuation of page 6's table
    doc = _corpus_doc("open-budget/江苏省政协办公厅/江苏省政协办公厅2019年预算公开表.pdf")
    gpb = doc.table("gpb_expenditure")
    assert gpb is not None and gpb.pages == [7] and gpb.title == "一般公共预算支出预算表（功能科目）"
    # 检察院 2018: '公开 09 表：一般公共预算“三公”经费、会议费、培训费' / '支出预算表' is one title
    doc = _corpus_doc("open-budget/江苏省人民检察院/2018年省检察院部门预算公开.pdf")
    assert [t.kind for t in doc.tables].count("expenditure_summary") == 1
    assert doc.table("three_public").title == "公开 09 表：一般公共预算“三公”经费、会议费、培训费支出预算表"


def test_word2007_rect_ruled_tables_read_whole():
    """省法院2018 (Word 2007): cells drawn as border rects around padded text (5–7 pt sliver
    columns), whole-cell data rows under padded header cells, continuation pages whose first
    row has no top rule, several tables per page, a 支出用途 label wrapped round its amount."""
    doc = _corpus_doc("open-budget/江苏省高级人民法院/省法院2018年度部门预算公开.pdf")
    gpb = doc.table("gpb_expenditure").rows.select("code", "name", "amount").rows()
    assert ("204", "公共安全支出", 26200.88) in gpb
    assert ("2040504", "案件审判", 1833.30) in gpb  # first row of the continuation page
    assert len([r for r in gpb if r[0]]) == 17
    basic = doc.table("gpb_basic_expenditure").rows.select("code", "amount").rows()
    assert ("30231", 266.80) in basic and len([r for r in basic if r[0]]) == 33
    es = doc.table("expenditure_summary").rows.select("total", "basic", "project").row(0)
    assert es == (33172.15, 18570.82, 11343.27)
    fs = doc.table("fiscal_summary").rows.select("side", "name", "amount").rows()
    assert ("expenditure", "三、单位预留机动经费", 3258.06) in fs or ("expenditure", "单位预留机动经费", 3258.06) in fs
    ov = {(s, n): a for s, n, a in doc.table("overall_summary").rows.select("side", "name", "amount").rows()}
    assert ov[("expenditure_by_use", "单位预留机动经费")] == 3258.06
    assert ov.get(("expenditure", "国防支出")) is None
    tp = doc.table("three_public").rows.select("abroad", "vehicle_operation", "meeting", "training").row(0)
    assert tp == (170.00, 266.80, 271.26, 1666.25)
    proc = doc.table("procurement").rows.select("name", "total").rows()
    assert proc[:2] == [("合计", 4641.62), ("货物A", 962.86)] and len(proc) > 40


def test_word2007_wrapped_labels_split_numbers_and_tall_headers():
    """检察院2018 (Word 2007): 收支总表 labels cut into one grid row per printed line with the
    amount on a row between them; a 三公 header of 14 grid rows (many empty); '267.8' | '0'
    cut by a stray rule; '合计' over its own column only (not spread over 三公's columns)."""
    doc = _corpus_doc("open-budget/江苏省人民检察院/2018年省检察院部门预算公开.pdf")
    ov = {(s, n): a for s, n, a in doc.table("overall_summary").rows.select("side", "name", "amount").rows()}
    assert ov[("expenditure_by_use", "单位预留机动经费")] == 2388.04
    assert ov[("expenditure", "国防支出")] is None
    assert ov[("income", "政府性基金预算")] is None and ov[("income", "财政专户管理资金")] is None
    assert ("expenditure", "医疗卫生与计划生育支出") in ov and ("expenditure", "支出") not in ov
    tp = doc.table("three_public").rows
    assert tp.height == 1
    assert tp.select("total_all", "total", "abroad", "vehicle", "vehicle_operation", "reception", "meeting", "training").row(0) == (
        1384.74, 484.30, 100.00, 267.80, 267.80, 116.50, 200.44, 700.00
    )
    fs = {(s, n): a for s, n, a in doc.table("fiscal_summary").rows.select("side", "name", "amount").rows()}
    assert fs[("expenditure", "基本支出")] == 13979.92 and fs[("expenditure", "支出合计")] == 21940.96
    # the amount centred a grid row below its code and name
    gpb = doc.table("gpb_expenditure").rows.select("code", "name", "amount").rows()
    assert ("204", "公共安全支出", 16444.36) in gpb and all(r[1] for r in gpb)
    # '采购物品' / '名称' wrapped in the header still names the rows
    proc = doc.table("procurement").rows.select("name", "total").rows()
    assert proc[:4] == [("合计", 3096.24), ("货物A", 268.0), (proc[2][0], 60.0), ("PC服务器", 40.0)]
    assert all(n for n, _ in proc)


def test_group_label_spreads_only_over_the_columns_its_cell_covers():
    """A header label spreads right over empty header cells only as far as its drawn cell
    reaches when the reader knows the geometry; without geometry (DOCX, XLSX) as before."""
    rows = [["公务用车购置及运行维护费", "", ""], ["小计", "购置费", "会议"], ["", "", "费"], ["6.00", "2.00", "4.00"]]
    recs = []
    for r, row in enumerate(rows):
        for c, text in enumerate(row):
            x0, x1 = 50.0 * c, 50.0 * c + 50
            if (r, c) == (0, 0):
                x1 = 100.0  # drawn over columns 0-1 only
            recs.append((r, c, text, 1, x0, 20.0 * r, x1, 20.0 * r + 20, None))
    frame = pl.DataFrame(recs, schema=GRID_COLUMNS, orient="row")
    before = ["2026年“三公”经费、会议费预算表", "单位：万元"]
    grid = Grid(index=0, cells=frame, before=before, pages=[1])
    t = normalise_grid(grid, 0)
    assert t.rows.select("vehicle", "vehicle_purchase", "meeting").row(0) == (6.00, 2.00, 4.00)
    # no geometry: the label spreads as far as there are empty cells, as DOCX/XLSX grids always did
    flat = frame.with_columns(pl.lit(None, pl.Float64).alias("x0"), pl.lit(None, pl.Float64).alias("x1"))
    t = normalise_grid(Grid(index=0, cells=flat, before=before, pages=[1]), 0)
    assert "meeting" not in t.measures


def _doc_grids(final: bool) -> list[Grid]:
    """Two coded tables of a 决算 (or of a budget) and three tables whose titles say neither 决算 nor 预算."""
    word = "决算" if final else "预算"
    coded = [["科目编码", "科目名称", "合计", "基本支出", "项目支出"], ["201", "一般公共服务支出", "3.00", "1.00", "2.00"]]
    return [
        _grid(coded, [f"一般公共预算财政拨款支出{word}表", "单位：万元"], 1, 0),
        _grid(coded, [f"支出{word}表" if final else "部门支出总表", "单位：万元"], 2, 1),
        _grid([["项目", "预算数", "决算数"], ["一、货物", "2.00", "1.50"], ["合计", "2.00", "1.50"]],
              ["政府采购情况表", "单位：万元"], 3, 2),
        _grid([["项目", "金额"], ["一、流动资产", "5.00"], ["资产总计", "5.00"]], ["国有资产占用情况表", "单位：万元"], 4, 3),
        _grid([["科目编码", "科目名称", "金额"], ["30201", "办公费", "1.00"]], ["机关运行经费支出情况表", "单位：万元"], 5, 4),
    ]


def test_titles_without_final_word_take_the_final_kind_in_a_final_accounts_document():
    kinds = [t.kind for t in normalise_grids(_doc_grids(final=True))]
    assert kinds == ["fa_gpb_expenditure", "fa_expenditure", "fa_procurement", "fa_assets", "fa_operating_costs"]
    # the 预算数 beside the 决算数 of a 决算 table is the budget column, not a second amount
    assert normalise_grids(_doc_grids(final=True))[2].measures == ["budget", "amount"]
    # in a budget the same titles keep their budget reading (机关运行经费, 国有资产: no budget kind)
    assert [t.kind for t in normalise_grids(_doc_grids(final=False))] == [
        "gpb_expenditure", "expenditure_summary", "procurement"]


def test_group_label_does_not_reach_over_the_border_of_a_cell_above():
    """决算 三公 in DOCX/XLSX (no geometry): 公务接待费 spans two header rows beside 公务用车运行维护费; the
    empty cell under it is not 公务用车运行维护费's."""
    rows = [["公务用车购置及运行维护费", "", "公务接待费", ""], ["公务用车运行维护费", "", "", ""],
            ["预算数", "决算数", "预算数", "决算数"], ["1.50", "1.20", "0.60", "0.39"]]
    flat = _grid(rows, []).cells.with_columns(pl.lit(None, pl.Float64).alias("x0"), pl.lit(None, pl.Float64).alias("x1"))
    t = normalise_grid(Grid(index=0, cells=flat, before=["财政拨款“三公”经费支出决算表", "单位：万元"], pages=[1]), 0)
    assert t.measures == ["budget_vehicle_operation", "vehicle_operation", "budget_reception", "reception"]
    assert t.rows.select("budget_reception", "reception").row(0) == (0.60, 0.39)
