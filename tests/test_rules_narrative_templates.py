"""Narrative checks on other cities' templates: headings, shifted punctuation, figures whose subject is
in doubt, and an amount stated in the wrong unit (narrative.unit_misstatement).

Short synthetic paragraphs for each case, then a real tuning-half disclosure (上海市商务局 2026) read
as it is and rewritten in another template's words.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from domain.model import Paragraph
from expectations import validate
from expectations.checks.narrative_parse import heading_section, parse_paragraph, sections
from extract import extract_file
from tests.fixtures.documents import make_document, make_table
from tests.shared_inputs import corpus_file

F = ["total", "basic", "project"]
TP = ["total", "abroad", "vehicle", "vehicle_purchase", "vehicle_operation", "reception"]


def _gpb(total: str = "1682.76", basic: str = "1200.00", project: str = "482.76"):
    return make_table("gpb_expenditure", F, [("201", "一般公共服务支出", total, basic, project), ("", "合计", total, basic, project)])


def _three_public(total: str = "14.70"):
    return make_table("three_public", TP, [("", "合计", total, "0.00", "12.50", "0.00", "12.50", "2.20")], index=1)


def _findings(doc, prefix: str = "narrative.") -> list:
    return [f for f in validate([doc])[0] if f.rule.startswith(prefix)]


def _errors(doc, rule: str) -> list:
    return [f for f in validate([doc])[0] if f.rule == rule and f.severity == "error"]


FILLER = ["第一部分 部门概况", "一、部门职责", "负责本区政务服务工作。", "二、机构设置", "本部门下设3个科室。",
          "第二部分 2021年部门预算情况说明", "一、收支预算总体情况",
          "2021年收支总预算1682.76万元，一般公共预算支出1682.76万元。", "二、机关运行经费", "机关运行经费100万元。",
          "三、政府采购情况", "政府采购预算0万元。", "四、国有资产占有使用情况", "共有车辆2辆。", "五、绩效目标设置情况",
          "项目均设置绩效目标。"]


# (a) headings: other numbering, quotes of every kind


@pytest.mark.parametrize("heading", [
    "六、一般公共预算“三公”经费支出情况", "（三）“三公”经费支出预算情况", "第四部分 “三公”经费预算情况说明",
    '（三）"三公"经费', "3.「三公」经费预算", "(3)『三公』经费情况", "“三公”经费预算情况说明",
    "（七）一般公共预算“三公”经费预算情况说明................11", "（五）财政拨款“三公”经费。",
    "十一、2019年度江苏省高级人民法院一般公共预算“三公”经费、会议费、培训费支出预算表情况说明"])
def test_three_public_headings_are_recognised(heading):
    assert heading_section(heading) == "three_public"
    # the body need not repeat the word 三公: the heading names the section
    body = "本年因公出国（境）费0万元，公务用车购置及运行费12.50万元，公务接待费2.20万元。"
    doc = make_document([_gpb(), _three_public()], [*FILLER, heading, body])
    assert not _errors(doc, "completeness.narrative_sections")
    assert sections([*FILLER, heading, body])[-1] == "three_public"


def test_not_a_heading():
    for text in ("1. 一般公共服务支出457.9万元，占87%", "单位：万元", "其中：", "2026年杭州市气象局部门预算",
                 "负责本区政务服务工作，统筹协调政务公开。", "（三）负责拟订水务固定资产投资计划和资金监督管理。"):
        assert heading_section(text) is None, text
    assert heading_section("第四部分 名词解释") == "glossary"


def test_a_missing_section_is_still_missing():
    # a heading with no text of its own, and a definition in 名词解释, are no 三公 explanation
    doc = make_document([_gpb(), _three_public()], [
        *FILLER, "六、一般公共预算“三公”经费支出情况", "七、其他重要事项", "无。", "第四部分 名词解释",
        "五、“三公”经费：纳入财政预决算管理的“三公”经费，是指用财政拨款安排的因公出国（境）费。"])
    assert [f.row for f in _errors(doc, "completeness.narrative_sections")] == ["“三公”经费说明"]


def test_a_numbered_three_public_paragraph_with_figures_is_no_definition():
    doc = make_document([_gpb(), _three_public()], [*FILLER, "3、“三公”经费：本单位2021年“三公”经费预算14.70万元。"])
    assert not _errors(doc, "completeness.narrative_sections")


def test_three_public_amounts_under_quoted_heading_are_compared():
    ok = make_document([_gpb(), _three_public()], [*FILLER, "（三）「三公」经费", "「三公」经费预算14.70万元。"])
    bad = make_document([_gpb(), _three_public()], [*FILLER, "（三）「三公」经费", "「三公」经费预算15.70万元。"])
    assert not _errors(ok, "narrative.three_public_amounts")
    assert [(f.observed, f.expected) for f in _errors(bad, "narrative.three_public_amounts")] == [("15.70", "14.70")]


# (b) punctuation on a shifted baseline


def test_shifted_punctuation_between_number_and_unit():
    [st] = parse_paragraph(0, "一般公共预算支出1682.76，万元。")
    assert (st.label, st.amount, st.unit) == ("一般公共预算支出", 1682.76, "万元")
    doc = make_document([_gpb()], ["一般公共预算支出1682.76，万元，比上年增加82.76万元，增长5.17%。"])
    assert not [f for f in _findings(doc) if f.severity == "error"]


def test_a_clause_comma_is_not_a_thousands_separator():
    sts = parse_paragraph(0, "项目支出482.76万元，比上年减少3,1682.76万元。")
    assert all(s.amount != 31682.76 for s in sts)
    for text in ("一般公共预算支出1,682.76万元。", "一般公共预算支出1,\n682.76万元。", "一般公共预算支出1682.\n76万元。"):
        [st] = parse_paragraph(0, text)  # a line break inside the number (PDF text) joins again
        assert st.amount == 1682.76, text


def test_a_change_in_a_later_sentence_is_not_attached():
    [a, b] = parse_paragraph(0, "其中：基本支出1200万元，项目支出482.76万元。比上年增加100万元，增长10%。")
    assert b.change is None and b.rate is None
    doc = make_document([_gpb()], ["一般公共预算支出1682.76万元，其中：基本支出1200万元，项目支出482.76万元。比上年增加100万元，增长10%。"])
    assert not _errors(doc, "narrative.change_rate")


# (c) a figure whose subject is in doubt is not compared


def test_parts_of_another_funds_whole_are_not_compared_with_the_departments():
    doc = make_document([_gpb()], ["政府性基金预算支出500万元，其中：基本支出0万元，项目支出500万元。"])
    assert not [f for f in _findings(doc) if f.severity == "error"]


def test_generic_figures_in_a_fund_section_are_not_compared():
    doc = make_document([_gpb()], ["四、政府性基金预算支出情况", "支出预算500万元，项目支出500万元。"])
    assert not [f for f in _findings(doc) if f.severity == "error"]


def test_three_public_items_in_another_section_are_not_compared():
    # 机关运行经费 counts its own 公务用车运行维护费 (administrative units only): not the 三公 table's line
    doc = make_document([_gpb(), _three_public()], [*FILLER, "二、机关运行经费", "机关运行经费100万元，其中：公务用车运行维护费10万元。"])
    assert not _errors(doc, "narrative.three_public_amounts")
    same = make_document([_gpb(), _three_public()], [*FILLER, "（三）“三公”经费", "公务用车运行维护费10万元。"])
    assert [f.observed for f in _errors(same, "narrative.three_public_amounts")] == ["10"]


def test_figures_explaining_a_change_are_not_compared():
    doc = make_document([_gpb()], [
        "一般公共预算支出1682.76万元，比上年增加300万元，主要原因是新增信息化项目，项目支出120万元用于系统建设。",
        "一般公共预算支出1682.76万元，比上年增加300万元，项目支出120万元用于系统建设。"])
    assert not [f for f in _findings(doc, "narrative.amount_matches_table") if f.severity == "error"]


def test_parts_of_the_general_budget_are_compared_with_its_columns():
    # '其中' under the 一般公共预算 whole: 基本支出 is the general budget's basic column, and a wrong one is found
    good = make_document([_gpb()], ["一般公共预算支出1682.76万元，其中：基本支出1200.00万元，项目支出482.76万元。"])
    bad = make_document([_gpb()], ["一般公共预算支出1682.76万元，其中：基本支出1300.00万元，项目支出482.76万元。"])
    assert not _errors(good, "narrative.amount_matches_table")
    assert [(f.row, f.expected) for f in _errors(bad, "narrative.amount_matches_table")] == [("基本支出", "1200.00")]


# the unit misstatement: 1682.76元 where the tables say 1682.76万元


def test_amount_in_the_wrong_unit_is_one_error_of_its_own_rule():
    doc = make_document([_gpb()], ["一般公共预算支出1682.76元，其中：基本支出1200.00万元。"])
    found = [f for f in _findings(doc) if f.severity == "error"]
    assert [(f.rule, f.observed, f.expected) for f in found] == [
        ("narrative.unit_misstatement", "1682.76元", "1682.76万元")]
    assert " / " in found[0].message


def test_yi_for_wan_and_three_public_in_yuan():
    doc = make_document([_gpb(), _three_public()], ["一般公共预算支出1682.76亿元。", "“三公”经费预算14.70元。"])
    found = [(f.rule, f.observed) for f in _findings(doc) if f.severity == "error"]
    assert found == [("narrative.unit_misstatement", "1682.76亿元"), ("narrative.unit_misstatement", "14.70元")]


def test_a_different_number_in_the_wrong_unit_is_an_ordinary_mismatch():
    doc = make_document([_gpb()], ["一般公共预算支出1500.00元。", "一般公共预算支出16827.6万元。"])
    # 1500 is no table figure in any unit; 16827.6 is ten times one: a wrong figure, not a unit
    assert not _errors(doc, "narrative.unit_misstatement")
    assert [f.observed for f in _errors(doc, "narrative.amount_matches_table")] == ["1500.00", "16827.6"]


def test_every_statement_off_by_a_unit_points_at_the_table_not_the_text():
    # a table printed in 元 but read as 万元 makes every statement look 10 000× too small: info only
    table = _gpb(total="16827600.00", basic="12000000.00", project="4827600.00")
    doc = make_document([table], ["一般公共预算支出1682.76万元，其中：基本支出1200.00万元，项目支出482.76万元。"])
    found = [f for f in _findings(doc, "narrative.unit_misstatement")]
    assert found and all(f.severity == "info" for f in found)
    assert not [f for f in _findings(doc) if f.severity == "error"]


# a real tuning-half disclosure (上海 template), as printed and rewritten in other templates' words

SHANGHAI = "renwu/001_上海/2026年上海市商务局_部门预算.pdf"


@pytest.fixture(scope="module")
def shanghai():
    [doc] = extract_file(corpus_file(SHANGHAI))
    assert doc.status == "ok"
    return doc


def _rewrite(doc, edits: dict[str, str | None]):
    """The document with paragraphs starting with a key replaced by its value (None: dropped)."""
    out = []
    for p in doc.paragraphs:
        key = next((k for k in edits if p.text.startswith(k)), None)
        if key is None:
            out.append(p)
        elif edits[key] is not None:
            out.append(Paragraph(index=p.index, text=edits[key], page=p.page))
    return replace(doc, paragraphs=out)


def test_real_disclosure_as_printed(shanghai):
    findings = validate([shanghai])[0]
    assert not [f for f in findings if f.severity == "error"
                and (f.rule.startswith("narrative.") or f.rule == "completeness.narrative_sections")]
    texts = [p.text for p in shanghai.paragraphs]
    secs = sections(texts)
    i = next(k for k, t in enumerate(texts) if t.startswith("（一）因公出国"))
    assert secs[i] == "three_public"
    assert secs[next(k for k, t in enumerate(texts) if "机关运行经费预算为" in t)] == "operating_costs"


def test_real_disclosure_in_another_templates_words(shanghai):
    other = _rewrite(shanghai, {"一、2026年“三公”经费预算情况说明": "第四部分 「三公」经费预算情况",
                                "2026年“三公”经费预算数为": "本年预算数为18.10万元，与2025年预算持平。其中："})
    assert not _errors(other, "completeness.narrative_sections")
    gone = _rewrite(shanghai, {"一、2026年“三公”经费预算情况说明": None, "2026年“三公”经费预算数为": None,
                               "（一）因公出国": None, "（二）公务用车": None, "（三）公务接待": None})
    assert [f.row for f in _errors(gone, "completeness.narrative_sections")] == ["“三公”经费说明"]


def test_real_disclosure_with_an_amount_in_yuan(shanghai):
    line = next(p.text for p in shanghai.paragraphs if "收入预算723万元" in p.text)
    slipped = _rewrite(shanghai, {line[:20]: line.replace("收入预算723万元", "收入预算723元")})
    found = [f for f in validate([slipped])[0] if f.severity == "error" and f.rule.startswith("narrative.")]
    assert [(f.rule, f.observed, f.expected) for f in found] == [("narrative.unit_misstatement", "723元", "723万元")]
