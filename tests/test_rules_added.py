"""The rules added for the issue, each with a failing and a passing case on hand-built tables,
and the corpus-driven refinements (each a real false alarm, reduced to its shape)."""

from __future__ import annotations

from expectations import validate
from expectations.checks.codes import suggest_code
from tests.fixtures.documents import make_document, make_table


def _found(doc, rule, severity="error"):
    return [f for f in validate([doc])[0] if f.rule == rule and f.severity == severity]


INCOME = ["total", "fiscal", "business", "other", "carryover"]


def test_income_sources_add_up_per_row():
    good = make_table("income_summary", INCOME, [("201", "一般公共服务支出", "110.00", "100.00", "5.00", "", "5.00"),
                                                  ("", "合计", "110.00", "100.00", "5.00", "", "5.00")])
    bad = make_table("income_summary", INCOME, [("201", "一般公共服务支出", "112.00", "100.00", "5.00", "2.00", "4.00"),
                                                 ("", "合计", "112.00", "100.00", "5.00", "2.00", "4.00")])
    assert not _found(make_document([good], []), "arithmetic.income_sources")
    found = _found(make_document([bad], []), "arithmetic.income_sources")
    assert [(f.row, f.expected, f.observed) for f in found] == [("一般公共服务支出", "111.00", "112.00"),
                                                                 ("合计", "111.00", "112.00")]


def test_income_sources_use_the_funds_when_there_is_no_fiscal_column():
    cols = ["total", "gpb", "gov_fund", "business"]
    good = make_table("income_summary", cols, [("", "合计", "30.00", "10.00", "15.00", "5.00")])
    bad = make_table("income_summary", cols, [("", "合计", "30.00", "10.00", "10.00", "5.00")])
    assert not _found(make_document([good], []), "arithmetic.income_sources")
    assert [f.expected for f in _found(make_document([bad], []), "arithmetic.income_sources")] == ["25.00"]


def test_personnel_plus_public_is_basic():
    cols = ["total", "basic", "personnel", "public", "project"]
    good = make_table("overall_summary", cols, [{"side": "expenditure", "name": "一般公共服务支出",
                                                 "values": ["50.00", "30.00", "20.00", "10.00", "20.00"]}])
    bad = make_table("overall_summary", cols, [{"side": "expenditure", "name": "一般公共服务支出",
                                                "values": ["50.00", "30.00", "20.00", "9.00", "20.00"]}])
    assert not _found(make_document([good], []), "arithmetic.personnel_plus_public")
    [f] = _found(make_document([bad], []), "arithmetic.personnel_plus_public")
    assert (f.column, f.expected, f.observed) == ("basic", "29.00", "30.00")


def test_personnel_plus_public_in_the_basic_expenditure_table():
    bad = make_table("gpb_basic_expenditure", ["total", "personnel", "public"],
                     [("301", "工资福利支出", "10.00", "10.00", ""), ("302", "商品和服务支出", "5.00", "", "4.00"),
                      ("", "合计", "15.00", "10.00", "4.00")])
    assert [f.row for f in _found(make_document([bad], []), "arithmetic.personnel_plus_public")] == [
        "商品和服务支出", "合计"]


def _fa_summary(grand: str) -> object:
    rows = [("income", "一、财政拨款收入", "80.00"), ("income", "二、事业收入", "10.00"), ("income", "本年收入合计", "90.00"),
            ("income", "年初结转和结余", "12.00"), ("income", "1.财政拨款结转", "12.00"), ("income", "总计", grand),
            ("expenditure", "一、一般公共服务支出", "95.00"), ("expenditure", "本年支出合计", "95.00"),
            ("expenditure", "年末结转和结余", "7.00"), ("expenditure", "总计", grand)]
    return make_table("fa_overall_summary", ["amount"], [{"side": s, "name": n, "values": [v]} for s, n, v in rows])


def test_final_accounts_grand_total_is_this_year_plus_carry_over():
    # 90 + 12 = 102 = 95 + 7; the numbered '1.财政拨款结转' is a detail of the line above, not added again
    assert not _found(make_document([_fa_summary("102.00")], [], kind="final_accounts"), "arithmetic.carryover_total")
    found = _found(make_document([_fa_summary("104.00")], [], kind="final_accounts"), "arithmetic.carryover_total")
    assert sorted(f.expected for f in found) == ["102.00", "102.00"]
    assert {f.table for f in found} == {"fa_overall_summary"}


def _basic_with(reception: str, operation: str) -> object:
    return make_table("gpb_basic_expenditure", ["total"], [
        ("302", "商品和服务支出", "20.00"), ("30217", "公务接待费", reception), ("30231", "公务用车运行维护费", operation),
        ("", "合计", "20.00")])


def _three_public() -> object:
    cols = ["total", "abroad", "vehicle", "vehicle_purchase", "vehicle_operation", "reception"]
    return make_table("three_public", cols, [("", "合计", "6.00", "0.00", "4.00", "0.00", "4.00", "2.00")])


def test_302_lines_do_not_exceed_the_three_public_items():
    assert not _found(make_document([_basic_with("1.90", "3.00"), _three_public()], []), "cross_table.three_public_items")
    found = _found(make_document([_basic_with("2.50", "3.00"), _three_public()], []), "cross_table.three_public_items")
    assert [(f.code, f.expected, f.observed) for f in found] == [("30217", "≤ 2.00", "2.50")]


def test_302_line_named_otherwise_is_not_compared_with_the_three_public_items():
    # 社会福利院 2024 numbers its 302 lines 01, 02, … in order: its '30212' is 机关事业单位退休人员活动费
    basic = make_table("gpb_basic_expenditure", ["total"], [
        ("302", "商品和服务支出", "20.00"), ("30212", "机关事业单位退休人员活动费", "0.70"), ("", "合计", "20.00")])
    assert not _found(make_document([basic, _three_public()], []), "cross_table.three_public_items")


def test_302_lines_compare_in_wan_when_the_three_public_table_prints_yuan():
    cols = ["total", "abroad", "vehicle", "vehicle_purchase", "vehicle_operation", "reception"]
    yuan = make_table("three_public", cols, [("", "合计", "60000", "0", "40000", "0", "40000", "20000")], unit="元")
    assert not _found(make_document([_basic_with("1.90", "3.00"), yuan], []), "cross_table.three_public_items")


def test_narrative_three_public_amounts_against_the_table():
    text = ("2021年“三公”经费预算6.00万元，比上年减少1.00万元。其中：因公出国（境）费0万元；公务接待费2.00万元；"
            "公务用车购置及运行费4.00万元。2020年“三公”经费预算7.00万元。")
    assert not _found(make_document([_three_public()], [text]), "narrative.three_public_amounts")
    wrong = text.replace("公务接待费2.00万元", "公务接待费2.50万元")
    [f] = _found(make_document([_three_public()], [wrong]), "narrative.three_public_amounts")
    assert (f.row, f.expected, f.observed, f.location.paragraph) == ("公务接待费", "2.00", "2.50", 0)


def _titled(year: int, n: int = 4) -> list:
    kinds = ["fiscal_summary", "gpb_expenditure", "gpb_basic_expenditure", "three_public"]
    return [make_table(k, ["total"], [("", "合计", "1.00")], title=f"{year}年{k}") for k in kinds[:n]]


def test_heading_year_must_be_the_documents():
    assert not _found(make_document(_titled(2021), []), "format.heading_year")
    tables = _titled(2021)
    tables[2].title = "2020年一般公共预算基本支出表"
    [f] = _found(make_document(tables, []), "format.heading_year")
    assert (f.table, f.expected, f.observed) == ("gpb_basic_expenditure", "2021年", "2020年")


def test_heading_year_is_not_judged_when_the_headings_do_not_back_the_year():
    # the document's year itself is doubtful: most headings say 2020
    assert not _found(make_document(_titled(2020), []), "format.heading_year")


def test_unit_missing_is_a_warning_and_a_magnitude_contradiction_an_error():
    F = ["total", "basic", "project"]
    gpb = make_table("gpb_expenditure", F, [("201", "一般公共服务支出", "525.85", "233.25", "292.60"),
                                            ("", "合计", "525.85", "233.25", "292.60")])
    basic = make_table("gpb_basic_expenditure", ["total"], [("301", "工资福利支出", "2332500"), ("", "合计", "2332500")])
    assert not _found(make_document([gpb], []), "format.unit", "warning")
    [contradiction] = _found(make_document([gpb, basic], []), "format.unit")
    assert contradiction.table == "gpb_basic_expenditure" and contradiction.observed == "万元"
    gpb.unit = None
    assert [f.table for f in _found(make_document([gpb], []), "format.unit", "warning")] == ["gpb_expenditure"]


def test_empty_table_needs_its_note():
    F = ["total", "basic", "project"]
    explained = make_table("gov_fund_expenditure", F, [("", "合计")], notes=["注：本单位没有政府性基金预算拨款，故本表无数据。"])
    bare = make_table("soe_capital_expenditure", F, [("", "合计", "0.00", "", "")])
    found = _found(make_document([explained, bare], []), "completeness.empty_table_note", "warning")
    assert [f.table for f in found] == ["soe_capital_expenditure"]
    said_in_text = make_document([make_table("soe_capital_expenditure", F, [("", "合计")])],
                                 ["本部门2021年没有使用国有资本经营预算拨款安排的支出。"])
    assert not _found(said_in_text, "completeness.empty_table_note", "warning")


def test_code_format_suggests_the_code_meant():
    assert suggest_code("210305", "20103") == "2010305"
    assert suggest_code("11", "210") == "21011"
    assert suggest_code("21035", "201") is None  # two digits of difference: no guess
    table = make_table("expenditure_summary", ["total"], [
        ("201", "一般公共服务支出", "20.00"), ("20103", "政府办公厅（室）及相关机构事务", "20.00"),
        ("210305", "专项业务及机关事务管理", "20.00"), ("", "合计", "20.00")])
    [f] = _found(make_document([table], []), "code.format")
    assert f.expected == "2010305" and "2010305" in f.message


# --- refinements from the corpus review (tests/data/corpus_review/reviewed.yaml) ---

def test_a_grouping_style_repeated_over_a_table_is_one_finding():
    rows = [("201", f"科目{i}", f"{i}20258,600") for i in range(1, 5)] + [("", "合计", "10,000")]
    table = make_table("gpb_expenditure", ["total"], rows, unit="元")
    found = _found(make_document([table], []), "format.malformed_amount")
    assert len(found) == 1 and "共 4 处" in found[0].message


def test_accumulated_rounding_of_many_items_is_info_not_error():
    rows = [("208", "社会保障和就业支出", "10.02"), ("20801", "人力资源和社会保障管理事务", "10.02")]
    rows += [(f"20801{i:02d}", f"项{i}", "2.00") for i in range(1, 6)]
    table = make_table("gpb_expenditure", ["total"], rows + [("", "合计", "10.02")])
    doc = make_document([table], [])
    assert not _found(doc, "arithmetic.parent_sum")
    assert {f.code for f in _found(doc, "arithmetic.parent_sum", "info")} == {"20801"}
    rows[1] = ("20801", "人力资源和社会保障管理事务", "10.05")  # beyond what rounding explains
    assert [f.code for f in _found(make_document([make_table("gpb_expenditure", ["total"], rows)], []),
                                   "arithmetic.parent_sum")] == ["208", "20801"]


def test_a_one_decimal_rate_may_be_truncated():
    truncated = "交通运输支出51468.09万元，比上年增加6938.12万元，增长15.5%。"  # 15.58% exactly
    wrong = "交通运输支出51468.09万元，比上年增加6938.12万元，增长15.7%。"
    found = _found(make_document([], [truncated, wrong]), "narrative.change_rate")
    assert [f.location.paragraph for f in found] == [1]


def test_three_public_total_with_meetings_and_training_is_not_the_three_public_sum():
    cols = ["total", "abroad", "vehicle", "vehicle_purchase", "vehicle_operation", "reception"]
    table = make_table("three_public", cols, [("", "", "2542.60", "100.00", "600.00", "0.00", "600.00", "133.60")],
                       title="“三公”经费、会议费、培训费支出预算表")
    assert not _found(make_document([table], []), "arithmetic.three_public_sum")
    table.title = "一般公共预算“三公”经费支出表"
    assert [f.expected for f in _found(make_document([table], []), "arithmetic.three_public_sum")] == ["833.60"]


def test_expenditure_summary_may_have_columns_beyond_basic_and_project():
    F = ["total", "basic", "project"]
    more = make_table("expenditure_summary", F, [("", "合计", "27664.22", "11700.63", "13025.38")])
    less = make_table("expenditure_summary", F, [("", "合计", "20000.00", "11700.63", "13025.38")])
    assert not _found(make_document([more], []), "arithmetic.basic_plus_project")
    assert _found(make_document([less], []), "arithmetic.basic_plus_project")
    assert _found(make_document([make_table("gpb_expenditure", F, [("", "合计", "27664.22", "11700.63", "13025.38")])],
                                []), "arithmetic.basic_plus_project")


def test_a_project_list_grouped_by_code_sums_its_top_codes():
    table = make_table("projects", ["amount"], [
        ("201", "一般公共服务支出", "270000"), ("20113", "商贸事务", "270000"), ("2011302", "一般行政管理事务", "270000"),
        ("", "钻石宝玉石产业发展专项", "270000"), ("", "合计", "270000")], unit="元")
    assert not _found(make_document([table], []), "arithmetic.column_total")


def test_tables_only_file_is_not_asked_for_narrative_sections():
    titles = ["一、收支预算总表", "二、收入预算总表", "三、支出预算总表", "四、财政拨款收支预算总表", "五、一般公共预算支出预算表"]
    assert not [f for f in validate([make_document([], titles)])[0] if f.rule == "completeness.narrative_sections"]


def test_a_part_carrying_the_whole_change_is_not_an_inconsistency():
    # 杭州市公安局 2026: only the vehicles changed, so 三公 and 车辆 share +11.97万元 / 0.3% — both rates fit
    texts = ["2026年“三公”经费预算数为4,112.82万元，比上年预算数增加11.97万元，增长0.3%，具体如下：",
             "公务用车购置及运行维护费预算4,011.89万元，比上年预算数增加11.97万元，增长0.3%。"]
    assert not _found(make_document([], texts), "narrative.consistent_statements")
    texts[1] = "公务用车购置及运行维护费预算2,011.89万元，比上年预算数增加11.97万元，增长0.3%。"  # 0.6% here
    assert [f.location.paragraph for f in _found(make_document([], texts), "narrative.consistent_statements")] == [1]


def _three_tables(exp_amount: str) -> list:
    gpb = make_table("gpb_expenditure", ["total", "basic", "project"], [
        ("201", "一般公共服务支出", "30.00", "10.00", "20.00"),
        ("20103", "政府办公厅（室）及相关机构事务", "30.00", "10.00", "20.00"),
        ("2010301", "行政运行", "10.00", "10.00", ""),
        ("2010302", "一般行政管理事务", "20.00", "", "20.00"),
        ("", "合计", "30.00", "10.00", "20.00")])
    inc = make_table("income_summary", ["total", "gpb"], [
        ("201", "一般公共服务支出", "30.00", "30.00"),
        ("20103", "政府办公厅（室）及相关机构事务", "30.00", "30.00"),
        ("2010301", "行政运行", "10.00", "10.00"),
        ("2010302", "一般行政管理事务", "20.00", "20.00"),
        ("", "合计", "30.00", "30.00")])
    exp = make_table("expenditure_summary", ["total", "basic", "project"], [
        ("201", "一般公共服务支出", "30.00", "10.00", "20.00"),
        ("20103", "政府办公厅（室）及相关机构事务", "30.00", "10.00", "20.00"),
        ("2010301", "行政运行", exp_amount, exp_amount, ""),
        ("2010302", "一般行政管理事务", "20.00", "", "20.00"),
        ("", "合计", "30.00", "10.00", "20.00")])
    return [gpb, inc, exp]


def test_same_code_same_amount_reports_the_odd_table_out():
    """2010301 is 10.00 in two tables and 12.00 in the third: the third is the one reported."""
    findings = validate([make_document(_three_tables("12.00"), [])])[0]
    odd = [f for f in findings if f.rule == "cross_table.same_code_same_amount"]
    assert odd and {(f.table, f.code) for f in odd} == {("expenditure_summary", "2010301")}
    assert {f.observed for f in odd} == {"12.00"} and {f.expected for f in odd} == {"10.00"}
    clean = validate([make_document(_three_tables("10.00"), [])])[0]
    assert not [f for f in clean if f.rule == "cross_table.same_code_same_amount"]


def test_a_narrative_amount_truncated_to_its_printed_unit_is_info_not_error():
    table = make_table("gpb_expenditure", ["total"], [
        ("212", "城乡社区支出", "1256.58"), ("", "合计", "1256.58")])
    text = ["二、支出预算情况说明", "“城乡社区支出”科目1,256万元，主要用于日常运转。", "一般公共服务支出说明：“城乡社区支出”科目1,250万元。"]
    findings = [f for f in validate([make_document([table], text)])[0] if f.rule == "narrative.amount_matches_table"]
    by_observed = {f.observed: f.severity for f in findings}
    assert by_observed == {"1,256": "info", "1,250": "error"}
