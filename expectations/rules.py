"""The rules, declared once as data: id, category, severity, zh/en text, check frame, expectation.

The GX suite, the findings and docs/rules.md are all assembled from RULES. To add a rule,
write a check-frame builder (documents → polars frame with CHECK_COLUMNS plus the tested
columns) and append a Rule here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import polars as pl

from budgetqa.model import Document
from expectations.checks import arithmetic, codes, completeness, cross_table, formatting, narrative

WITHIN_TOLERANCE = ("ExpectColumnValuesToBeBetween", {"column": "excess", "max_value": 0})


@dataclass(frozen=True)
class Rule:
    id: str
    category: str
    severity: str  # default; a check frame's `severity` column overrides it per row
    zh: str
    en: str
    build: Callable[[list[Document]], pl.DataFrame]
    expectation: tuple[str, dict] = WITHIN_TOLERANCE  # GX Core expectation class and its arguments
    meta: dict = field(default_factory=dict)


RULES: list[Rule] = [
    # completeness
    Rule("completeness.required_tables", "completeness", "warning",
         "应公开的预算表缺失（缺“三公”经费表为错误）", "a table the department must publish is missing",
         completeness.required_tables, ("ExpectColumnValuesToBeInSet", {"column": "present", "value_set": [True]})),
    Rule("completeness.narrative_sections", "completeness", "warning",
         "情况说明缺少必备部分（“三公”经费、机关运行经费、政府采购、国有资产、绩效目标）",
         "the narrative lacks a required section", completeness.narrative_sections,
         ("ExpectColumnValuesToBeInSet", {"column": "found", "value_set": [True]})),
    Rule("completeness.empty_table_note", "completeness", "warning", "空表须说明原因（本表无数据的说明）",
         "an empty table carries a note saying why", completeness.empty_table_note,
         ("ExpectColumnValuesToBeInSet", {"column": "explained", "value_set": [True]})),
    # arithmetic
    Rule("arithmetic.parent_sum", "arithmetic", "error", "上级科目金额等于下级科目之和（类=Σ款，款=Σ项）",
         "a parent line equals the sum of its children (by position as printed)", arithmetic.parent_sum),
    Rule("arithmetic.basic_plus_project", "arithmetic", "error", "合计 = 基本支出 + 项目支出",
         "total = basic + project on every row", arithmetic.basic_plus_project),
    Rule("arithmetic.personnel_plus_public", "arithmetic", "error", "基本支出 = 人员经费 + 公用经费",
         "basic = personnel + public on every row", arithmetic.personnel_plus_public),
    Rule("arithmetic.income_sources", "arithmetic", "error", "部门收入总表：合计 = 财政拨款 + 其他各项收入（每行）",
         "income summary: total = fiscal appropriation + the other sources, per row", arithmetic.income_sources),
    Rule("arithmetic.column_total", "arithmetic", "error", "合计行等于各顶层行之和",
         "the total row equals the sum of the top-level rows", arithmetic.column_total),
    Rule("arithmetic.income_equals_expenditure", "arithmetic", "error", "收支总表中收入总计等于支出总计",
         "total income equals total expenditure in summary tables", arithmetic.income_equals_expenditure),
    Rule("arithmetic.carryover_total", "arithmetic", "error", "收支总表：总计 = 本年收入（支出）合计 + 结转结余（预算与决算）",
         "summary tables: grand total = this year's total + carry-overs (budget and final accounts)",
         arithmetic.carryover_total),
    Rule("arithmetic.three_public_sum", "arithmetic", "error", "“三公”经费 = 出国 + 车辆 + 接待；车辆 = 购置 + 运行",
         "three-public total = abroad + vehicles + reception; vehicles = purchase + operation",
         arithmetic.three_public_sum),
    # code
    Rule("code.format", "code", "error", "科目编码位数正确（功能分类 3/5/7 位，经济分类 3/5 位）",
         "codes have 3/5/7 digits (functional) or 3/5 digits (economic)", codes.code_format,
         ("ExpectColumnValuesToMatchRegex", {"column": "shape", "regex": codes.CODE_SHAPE})),
    Rule("code.parent_prefix", "code", "error", "科目编码以其上级科目编码开头",
         "a code starts with the code of the line it is printed under", codes.parent_prefix,
         ("ExpectColumnPairValuesToBeEqual", {"column_A": "prefix", "column_B": "parent_code"})),
    Rule("code.catalog", "code", "warning", "科目编码与名称符合政府收支分类科目（目录不完整处仅提示）",
         "code and name agree with the official classification (partial catalog: warnings)", codes.catalog_check,
         ("ExpectColumnValuesToBeInSet", {"column": "agrees", "value_set": [True]})),
    # cross_table
    Rule("cross_table.same_code_same_name", "cross_table", "error", "同一科目编码在各表中名称一致",
         "the same code carries the same name in every table", cross_table.same_code_same_name,
         ("ExpectColumnPairValuesToBeEqual", {"column_A": "name_key", "column_B": "majority"})),
    Rule("cross_table.same_code_same_amount", "cross_table", "error", "同一科目编码在对应表中金额一致",
         "the same code carries the same amount in corresponding tables", cross_table.same_code_same_amount),
    Rule("cross_table.totals", "cross_table", "error",
         "各表合计相互一致（财政拨款总表↔一般公共预算支出表↔基本支出表↔收支总表↔项目表）",
         "totals agree between tables", cross_table.totals),
    Rule("cross_table.three_public_items", "cross_table", "error",
         "基本支出表中的 30212/30217/30231 不大于“三公”经费表中的对应项",
         "30212/30217/30231 in the basic expenditure table do not exceed the three-public items",
         cross_table.three_public_items),
    # narrative
    Rule("narrative.amount_matches_table", "narrative", "error", "说明中的金额与表中对应数一致",
         "an amount in the text equals the table line it names", narrative.amount_matches_table),
    Rule("narrative.three_public_amounts", "narrative", "error", "说明中的“三公”经费（总额及各项，本年）与“三公”经费表一致",
         "the narrative's three-public amounts (this year) equal the three-public table", narrative.three_public_amounts),
    Rule("narrative.share", "narrative", "error", "说明中的占比 = 金额 / 总额", "a stated share equals amount / total",
         narrative.share),
    Rule("narrative.shares_sum", "narrative", "error", "构成项占比合计为 100%",
         "the shares of a breakdown add to 100%", narrative.shares_sum),
    Rule("narrative.change_rate", "narrative", "error", "增减率 = 增减额 / 上年数",
         "a stated rate equals change / last year's amount", narrative.change_rate),
    Rule("narrative.rate_from_zero_base", "narrative", "error", "上年为 0 时不应列示增长率",
         "no growth rate from a zero base", narrative.rate_from_zero_base,
         ("ExpectColumnValuesToBeBetween", {"column": "base", "min_value": 0, "strict_min": True})),
    Rule("narrative.consistent_statements", "narrative", "error", "同一变动在各部分对应同一金额",
         "the same change is stated against the same amount everywhere", narrative.consistent_statements),
    Rule("narrative.breakdown_sum", "narrative", "error", "总额与其中各项（含“其他”）之和一致",
         "a total equals its parts when the parts end with 'other'", narrative.breakdown_sum),
    # format
    Rule("format.malformed_amount", "format", "error", "金额格式正确（如“457.90.”多一个小数点）",
         "amounts are well formed (e.g. '457.90.' is not)", formatting.malformed_amount,
         ("ExpectColumnValuesToBeNull", {"column": "problem"})),
    Rule("format.template_text", "format", "error", "未替换的模板文字（XX局、增加（减少）等）",
         "template placeholders left in ('XX局', '增加（减少）')", formatting.template_text,
         ("ExpectColumnValuesToNotMatchRegex", {"column": "text", "regex": formatting.TEMPLATE})),
    Rule("format.heading_year", "format", "error", "表头年度与文件年度一致", "a table heading names the document's year",
         formatting.heading_year, ("ExpectColumnValuesToBeInSet", {"column": "year_ok", "value_set": [True]})),
    Rule("format.unit", "format", "error", "表格标明金额单位（缺失为提示），且单位与数量级不矛盾",
         "a table states its unit (missing: warning) and the magnitudes do not contradict it", formatting.unit_stated,
         ("ExpectColumnValuesToBeNull", {"column": "problem"})),
]

RULES_BY_ID = {r.id: r for r in RULES}
