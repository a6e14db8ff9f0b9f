"""Rules on small hand-made tables: what must be found, and what must not."""

from __future__ import annotations

import pytest

from expectations import validate
from expectations.checks.narrative_parse import parse_paragraph
from tests.fixtures.documents import make_document, make_table

F = ["total", "basic", "project"]


def _errors(doc, rule):
    return [f for f in validate([doc])[0] if f.rule == rule and f.severity == "error"]


def test_parent_sum_groups_children_by_position_not_prefix():
    # 2050505 is printed under 20805: a code error, but it still counts toward 20805's sum.
    table = make_table("gpb_expenditure", F, [
        ("208", "社会保障和就业支出", "19.53", "19.53", ""), ("20805", "行政事业单位养老支出", "19.53", "19.53", ""),
        ("2080501", "行政单位离退休", "0.26", "0.26", ""), ("2050505", "机关事业单位基本养老保险缴费支出", "19.27", "19.27", ""),
        ("", "合计", "19.53", "19.53", "")])
    findings = validate([make_document([table], [])])[0]
    assert not [f for f in findings if f.category == "arithmetic"]
    assert [f.code for f in findings if f.rule == "code.parent_prefix"] == ["2050505"]


def test_parent_sum_reports_a_wrong_parent_with_printed_amounts():
    table = make_table("gpb_expenditure", F, [
        ("201", "一般公共服务支出", "100.00", "60.00", "40.00"), ("20103", "政府办公厅（室）及相关机构事务", "100.00", "60.00", "40.00"),
        ("2010301", "行政运行", "60.00", "60.00", ""), ("2010302", "一般行政管理事务", "40.02", "", "40.02"),
        ("", "合计", "100.00", "60.00", "40.00")])
    found = _errors(make_document([table], []), "arithmetic.parent_sum")
    assert {(f.code, f.column, f.expected, f.observed) for f in found} == {
        ("20103", "total", "100.02", "100.00"), ("20103", "project", "40.02", "40.00")}
    assert found[0].location.page == 1 and found[0].location.cell.startswith("t0/r1/")


def test_rounding_within_one_cent_is_not_an_error():
    table = make_table("gpb_expenditure", F, [
        ("201", "一般公共服务支出", "10.01", "10.01", ""), ("20103", "政府办公厅（室）及相关机构事务", "10.01", "10.01", ""),
        ("2010301", "行政运行", "5.00", "5.00", ""), ("2010350", "事业运行", "5.00", "5.00", ""), ("", "合计", "10.01", "10.01", "")])
    assert not _errors(make_document([table], []), "arithmetic.parent_sum")


def test_yuan_table_uses_its_own_precision():
    table = make_table("gpb_expenditure", F, [
        ("201", "一般公共服务支出", "1000", "1000", ""), ("20103", "政府办公厅（室）及相关机构事务", "1000", "1000", ""),
        ("2010301", "行政运行", "998", "998", ""), ("", "合计", "1000", "1000", "")], unit="元")
    found = _errors(make_document([table], []), "arithmetic.parent_sum")
    assert [(f.code, f.expected, f.observed) for f in found if f.column == "total"] == [("20103", "998", "1000")]


def test_basic_plus_project_and_column_total():
    table = make_table("gpb_expenditure", F, [
        ("201", "一般公共服务支出", "10.00", "4.00", "5.00"), ("", "合计", "11.00", "4.00", "5.00")])
    doc = make_document([table], [])
    assert [f.row for f in _errors(doc, "arithmetic.basic_plus_project")] == ["一般公共服务支出", "合计"]
    assert [(f.column, f.expected) for f in _errors(doc, "arithmetic.column_total")] == [("total", "10.00")]


def test_three_public_sum_by_columns():
    cols = ["total", "abroad", "vehicle", "vehicle_purchase", "vehicle_operation", "reception"]
    table = make_table("three_public", cols, [("", "合计", "10.00", "1.00", "6.00", "2.00", "3.00", "3.00")])
    found = _errors(make_document([table], []), "arithmetic.three_public_sum")
    assert {f.column: f.expected for f in found} == {"vehicle": "5.00"}


def test_economic_codes_have_three_or_five_digits_local_sub_items_are_info():
    table = make_table("gpb_basic_expenditure", ["total"], [
        ("301", "工资福利支出", "2.00"), ("3010101", "基本工资", "1.00"), ("3017701", "不存在的款", "1.00"),
        ("3020", "办公费", "0.00"), ("", "合计", "2.00")])
    found = [f for f in validate([make_document([table], [])])[0] if f.rule == "code.format"]
    # 30101 is a 款 of the catalog: 3010101 is a local sub-item (info); 30177 is none, 3020 is truncated
    assert sorted((f.code, f.severity) for f in found) == [("3010101", "info"), ("3017701", "error"), ("3020", "error")]


def test_a_code_printed_twice_is_a_duplicate_not_a_sum_error():
    table = make_table("gpb_expenditure", F, [
        ("201", "一般公共服务支出", "10.00", "10.00", ""), ("20103", "政府办公厅（室）及相关机构事务", "10.00", "10.00", ""),
        ("2010301", "行政运行", "6.00", "6.00", ""), ("2010302", "一般行政管理事务", "4.00", "4.00", ""),
        ("2010301", "行政运行", "1.00", "1.00", ""), ("", "合计", "10.00", "10.00", "")])
    found = validate([make_document([table], [])])[0]
    assert [(f.rule, f.code, f.severity) for f in found if f.rule == "code.duplicate"] == [("code.duplicate", "2010301", "error")]
    assert not [f for f in found if f.rule == "arithmetic.parent_sum"]
    same = make_table("gpb_expenditure", F, [
        ("201", "一般公共服务支出", "10.00", "10.00", ""), ("201", "一般公共服务支出", "10.00", "10.00", ""),
        ("20103", "政府办公厅（室）及相关机构事务", "10.00", "10.00", ""), ("2010301", "行政运行", "10.00", "10.00", ""),
        ("", "合计", "10.00", "10.00", "")])
    found = validate([make_document([same], [])])[0]
    assert [(f.code, f.severity) for f in found if f.rule == "code.duplicate"] == [("201", "info")]
    assert not [f for f in found if f.severity == "error" and f.category != "completeness"]


def test_a_table_whose_identities_mostly_fail_is_read_in_doubt_not_an_error():
    rows = [(f"2{k:02d}", f"类{k}", f"{k + 5}.00", f"{k}.00", "1.00") for k in range(1, 9)]
    table = make_table("gpb_expenditure", F, [*rows, ("", "合计", "52.00", "36.00", "8.00")])
    doc = make_document([table], [])
    found = validate([doc])[0]
    assert [f.rule for f in found if f.severity == "error" and f.category != "completeness"] == []
    gate = [f for f in found if f.rule == "arithmetic.table_read_reliably"]
    assert len(gate) == 1 and gate[0].severity == "info" and gate[0].observed.startswith("10/12")  # 9 rows + 3 totals
    doc.findings = found
    from scoring import score_document
    assert "arithmetic" not in score_document(doc).categories  # not assessed
    # the same table with one wrong row is a faithful reading of a faulty document
    good = [(f"2{k:02d}", f"类{k}", f"{k + 1}.00", f"{k}.00", "1.00") for k in range(1, 9)]
    good[3] = ("204", "类4", "9.00", "4.00", "1.00")
    found = validate([make_document([make_table("gpb_expenditure", F, [*good, ("", "合计", "48.00", "36.00", "8.00")])], [])])[0]
    # (合计 48 adds the rows' totals but not basic + project: the faulty row shows in the total too)
    assert [(f.rule, f.code) for f in found if f.severity == "error" and f.category != "completeness"] == [
        ("arithmetic.basic_plus_project", "204"), ("arithmetic.basic_plus_project", None)]


def test_catalog_accepts_old_names_and_abbreviations_but_not_another_codes_name():
    table = make_table("gpb_expenditure", ["total"], [
        ("208", "社会保障和就业支出", "1.00"), ("20805", "行政事业单位离退休", "1.00"), ("2080501", "行政单位离退休", "1.00"),
        ("210", "卫生健康支出", "1.00"), ("21011", "卫生健康支出", "1.00"), ("2101101", "行政单位医疗", "1.00"),
        ("", "合计", "2.00")])
    found = [f for f in validate([make_document([table], [])])[0] if f.rule == "code.catalog"]
    assert [(f.code, f.severity, f.expected) for f in found] == [("21011", "error", "行政事业单位医疗")]


def test_template_text_in_notes_and_paragraphs():
    table = make_table("gov_fund_expenditure", F, [("", "合计")], notes=["注：XX单位没有政府性基金预算拨款"])
    doc = make_document([table], ["本单位比上年增长（下降）0%。", "本单位增长3%。"])
    found = _errors(doc, "format.template_text")
    assert sorted(f.observed for f in found) == ["XX单位", "增长（下降）"]


def test_parse_statements():
    [st] = parse_paragraph(0, "某局2021年一般公共服务支出457.9万元，占87%，比2020年预算减少19.65万元，下降4.11%。", "某局")
    assert (st.label, st.amount, st.share, st.change, st.rate) == ("一般公共服务支出", 457.9, 87.0, -19.65, -4.11)
    [yuan] = parse_paragraph(1, "上年结转1200元")
    assert yuan.amount == pytest.approx(0.12) and yuan.label == "上年结转"


def test_change_rate_within_printed_rounding_is_fine_and_wrong_base_is_not():
    ok = "机关运行经费财政拨款预算44.3万元，比2020年增加0.7万元，增加2%。"
    bad = "住房保障支出32.36万元，比2020年预算增加0.08万元，增长2.5%。"
    found = _errors(make_document([], [ok, bad]), "narrative.change_rate")
    assert [(f.location.paragraph, f.expected) for f in found] == [(1, "0.25%")]


def test_shares_of_a_complete_breakdown_add_to_100():
    good = "支出预算100.00万元，其中基本支出33.33万元，占33.33%；项目支出66.67万元，占66.67%。"
    bad = "支出预算100.00万元，其中基本支出50.00万元，占50%；项目支出50.00万元，占48%。"
    found = _errors(make_document([], [good, bad]), "narrative.shares_sum")
    assert [(f.location.paragraph, f.observed) for f in found] == [(1, "98%")]


def test_a_code_over_lei_kuan_xiang_with_a_cut_lei_is_one_code_error_not_a_sum_error():
    # 社会福利院 2024 (real2), p. 9 prints '7 | 11 | 02' for 2101102 under 210 | 11
    table = make_table("gpb_expenditure", F, [
        ("210", "卫生健康支出", "50.37", "50.37", ""), ("210 11", "行政事业单位医疗", "50.37", "50.37", ""),
        ("7 11 02", "事业单位医疗", "50.37", "50.37", ""), ("221", "住房保障支出", "33.58", "33.58", ""),
        ("221 02", "住房改革支出", "33.58", "33.58", ""), ("221 02 01", "住房公积金", "33.58", "33.58", ""),
        ("", "合计", "83.95", "83.95", "")])
    found = [f for f in validate([make_document([table], [])])[0] if f.severity == "error" and f.category != "completeness"]
    assert [(f.rule, f.expected) for f in found] == [("code.format", "2101102")]
    assert "7 | 11 | 02" in found[0].message


def test_indicator_tables_are_not_checked_as_amounts():
    # 项目绩效目标表: indicator values (95, 100) and words under a 项目支出 banner are targets, not money
    table = make_table("performance_targets", F, [("", "产出指标", "0.00", "95.00", "4.00"),
                                                  ("", "效益指标", "优，企业满意", "100", "")])
    found = validate([make_document([table], [])])[0]
    assert [f.rule for f in found if f.rule.startswith(("arithmetic.", "format."))] == []


def test_column_total_reads_a_childless_kuan_beside_item_codes_as_a_root_row():
    # 北京 水务局's 政府性基金预算支出表: 21298 (a 款 with no 项 printed) sits beside full 项 codes.
    table = make_table("gov_fund_expenditure", F, [
        ("2120803", "城市建设支出", "20.89", "", "20.89"), ("2121401", "污水处理设施建设和运营", "56673.54", "", "56673.54"),
        ("21298", "超长期特别国债安排的支出", "6000.00", "", "6000.00"), ("", "合计", "62694.43", "", "62694.43")])
    assert not _errors(make_document([table], []), "arithmetic.column_total")
    short = make_table("gov_fund_expenditure", F, [
        ("2120803", "城市建设支出", "20.89", "", "20.89"), ("21298", "超长期特别国债安排的支出", "6000.00", "", "6000.00"),
        ("", "合计", "7000.00", "", "7000.00")])  # neither reading adds up: the lines leave 979.11 out
    found = _errors(make_document([short], []), "arithmetic.column_total")
    assert {(f.column, f.observed) for f in found} == {("total", "7000.00"), ("project", "7000.00")}


def test_column_total_sums_a_listing_per_unit_whose_codes_repeat():
    rows = [("2050803", "培训支出", "2.00", "2.00", ""), ("2080505", "机关事业单位基本养老保险缴费支出", "3.00", "3.00", "")] * 3
    table = make_table("gpb_expenditure", F, [*rows, ("", "合计", "15.00", "15.00", "")])
    assert not _errors(make_document([table], []), "arithmetic.column_total")
    missing = make_table("gpb_expenditure", F, [*rows, ("", "合计", "95.00", "15.00", "80.00")])
    assert [(f.column, f.expected) for f in _errors(make_document([missing], []), "arithmetic.column_total")] == [
        ("total", "15.00"), ("project", "0.00")]


def test_three_public_blank_subtotal_is_not_compared():
    cols = ["total", "abroad", "reception", "vehicle", "vehicle_purchase", "vehicle_operation"]
    table = make_table("three_public", cols, [("", "", "40.77", "17.10", "0.15", "", "18.69", "4.83")])
    assert not _errors(make_document([table], []), "arithmetic.three_public_sum")


def test_income_sources_count_superior_subsidy_and_subsidiary_remit():
    cols = ["total", "gpb", "business", "superior_subsidy", "subsidiary_remit", "other"]
    table = make_table("income_summary", cols, [("", "合计", "1000.00", "800.00", "100.00", "50.00", "20.00", "30.00")])
    assert not _errors(make_document([table], []), "arithmetic.income_sources")
    wrong = make_table("income_summary", cols, [("", "合计", "1010.00", "800.00", "100.00", "50.00", "20.00", "30.00")])
    assert [f.expected for f in _errors(make_document([wrong], []), "arithmetic.income_sources")] == ["1000.00"]


def test_an_empty_declared_total_is_not_compared_across_tables():
    summary = make_table("expenditure_summary", F, [("", "合计", "", "186.87", "837.93")], index=0)
    overall = make_table("overall_summary", ["amount"], [
        {"side": "expenditure", "name": "本年支出合计", "values": ["1024.80"]}], index=1)
    assert not _errors(make_document([overall, summary], []), "cross_table.totals")
    summary_read = make_table("expenditure_summary", F, [("", "合计", "1000.00", "186.87", "837.93")], index=0)
    assert [f.observed for f in _errors(make_document([overall, summary_read], []), "cross_table.totals")] == ["1000.00"]


def test_a_list_whose_total_is_its_only_row_is_not_summed():
    # 苏州's 政府采购预算表 prints only its 合计 row when the lines are on another page
    table = make_table("procurement", ["amount"], [("", "合计", "3721.79")])
    assert not _errors(make_document([table], []), "arithmetic.column_total")
