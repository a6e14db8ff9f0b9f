"""The rules, declared once as data: id, category, severity, zh/en text, check frame, expectation.

The GX suite, the findings and docs/rules.md are all assembled from RULES. To add a rule,
write a check-frame builder ((documents, derived) → polars frame with CHECK_COLUMNS plus the tested
columns) and append a Rule here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import polars as pl

from domain.model import READING_GATE, Document
from expectations.checks import (
    arithmetic,
    codes,
    completeness,
    cross_table,
    formatting,
    narrative,
    reliability,
)
from expectations.frames import Derived

WITHIN_TOLERANCE = ("ExpectColumnValuesToBeBetween", {"column": "excess", "max_value": 0})



@dataclass(frozen=True)
class Rule:
    id: str
    category: str
    severity: str  # default; a check frame's `severity` column overrides it per row
    zh: str
    en: str
    build: Callable[[list[Document], Derived], pl.DataFrame]  # check-frame builder
    expectation: tuple[str, dict] = WITHIN_TOLERANCE  # GX Core expectation class and its arguments
    meta: dict = field(default_factory=dict)

    @property
    def tolerance(self) -> str:
        return TOLERANCE.get(self.id, "—")

    @property
    def basis(self) -> str:
        return BASIS.get(self.id, "—")


# What each rule forgives, in words (docs/rules.md). "One unit" = one unit of the last printed decimal.
ROUNDING = "≤ 1 个末位单位为相符；超出但在各项四舍五入累计误差（每项半个单位）之内为 info / within one unit; within half a unit per term → info"
TOLERANCE: dict[str, str] = {
    READING_GATE: f"至少 {reliability.MIN_CHECKED} 项检查中 ≥ {reliability.MOST:.0%} 的勾稽关系（或编码）不成立 / of at least {reliability.MIN_CHECKED} checks, {reliability.MOST:.0%} or more of the identities or codes fail",
    "completeness.required_tables": "缺“三公”表为 error，其他表 warning；未识别出任何表的文件不检查 / no recognised table: not checked",
    "completeness.narrative_sections": "仅对陈述了金额的预算说明文本检查；纯表格文件、非预算文件不检查 / only narratives that state amounts",
    "completeness.empty_table_note": "表内、表注或说明正文中任一处说明即可 / a note in the table, below it or in the text",
    "arithmetic.parent_sum": ROUNDING + "；空的上级单元格不比较 / an empty parent cell is not compared",
    "arithmetic.basic_plus_project": ROUNDING + "；支出总表合计可大于基本+项目（另有列） / 支出总表 may exceed basic+project",
    "arithmetic.personnel_plus_public": ROUNDING,
    "arithmetic.income_sources": ROUNDING + "；有“财政拨款”列时用它，否则用三项资金 / fiscal column, else its three funds",
    "arithmetic.column_total": ROUNDING + "；空的合计单元格不比较 / an empty total cell is not compared",
    "arithmetic.income_equals_expenditure": "≤ 1 个末位单位 / within one unit",
    "arithmetic.carryover_total": ROUNDING + "；编号明细行（1.…）不重复相加 / numbered detail lines not added twice",
    "arithmetic.three_public_sum": ROUNDING + "；合计含会议费、培训费的表（江苏）不查合计；决算表的预算数、决算数两组各自检查 / a total that includes meetings is not checked; 决算: the 预算数 and 决算数 blocks each",
    "arithmetic.carryover_identity": ROUNDING + "；表头未列明年初/本年收入/本年支出/年末四列的表不查；财政拨款总表按资金逐项查，年初或年末未按资金列示时不查该资金；收支总表合计仅在总计行缺失时查（否则由 carryover_total 与 income_equals_expenditure 判断） / only tables whose header names all four columns; per fund when the balances are split by fund; summary totals only without a 总计 line",
    "code.format": "精确；6 位/4 位编码给出唯一可能的正确编码；经济分类 7 位地方细化科目（前 5 位为有效款）为 info / exact; the code meant when unambiguous; a local 7-digit economic sub-item is info",
    "code.duplicate": "金额相同的重复行（如续页重印）为 info；不计入上级科目之和 / a repeated identical line is info; not summed twice",
    "code.parent_prefix": "精确 / exact",
    "code.catalog": "名称允许简称、旧称（60% 字符重合）；仅当名称是另一编码的名称时为 error / abbreviations allowed; error only for another code's name",
    "cross_table.same_code_same_name": "去掉括号限定语后比较；由 code.catalog 报告的名称不重复报告 / bracketed qualifiers ignored; not repeated after code.catalog",
    "cross_table.same_code_same_amount": "≤ 1 个末位单位（两表中较大者） / within one unit",
    "cross_table.totals": "≤ 1 个末位单位；元与万元换算后比较；收入总表含上年结转时不比 / one unit; 元/万元 converted; skipped with a carry-over",
    "cross_table.three_public_items": "≤ 1 个末位单位；换算为万元 / one unit, in 万元",
    "narrative.amount_matches_table": "半个说明末位单位（至少 0.005 万元）；差不足一个末位单位（截断）为 info；主语存疑（解释变动原因的分句、其他资金或专题部分中的泛称）不比较 / half a unit of the stated amount; within one unit (truncated) → info; a figure whose subject is in doubt is not compared",
    "narrative.three_public_amounts": "同上；写明其他年度的数不比较 / as above; other years' figures are skipped",
    "narrative.unit_misstatement": "按另一单位（元/千元/万元/亿元）读时与表中数相差不超过半个末位单位；一文件中多数陈述如此时为 info（表的单位可疑） / equal within half a unit when read in the other unit; info when most statements of a document are so (the table's unit is suspect)",
    "narrative.share": "半个末位单位加金额舍入；带小数且差 ≤ 1 个单位为 info / half a unit plus amount rounding; ≤ one unit with decimals → info",
    "narrative.shares_sum": "1 个末位单位 / one unit",
    "narrative.change_rate": "半个末位单位加金额舍入；一位小数的比率允许截断 / half a unit plus rounding; one-decimal rates may be truncated",
    "narrative.rate_from_zero_base": "上年数 ≤ 半个金额单位即视为 0 / a base within half a unit counts as zero",
    "narrative.consistent_statements": "0.005 万元 / 0.005 万元",
    "narrative.breakdown_sum": "每项半个末位单位 / half a unit per item",
    "format.malformed_amount": "同一表中同一问题 ≥ 3 处只报告一次（附数量） / a problem repeated ≥ 3 times in a table is reported once",
    "format.template_text": "精确匹配模板词 / exact template words",
    "format.heading_year": "仅当多数表头年度与文件年度一致时检查 / only when most headings back the document's year",
    "format.unit": "缺单位为 warning；两表同单位而合计相差 10000 倍为 error / missing: warning; a 10 000× gap in the same unit: error",
}

# Why each rule matters: the requirement or the budget identity behind it (zh / en). The rules on
# publication rest on the Budget Law art. 14 (部门预算、决算及报表 published within 20 days, with an
# explanation of 机关运行经费 and other important matters) and on the MoF's 《地方预决算公开操作规程》
# (财预〔2016〕143号); the arithmetic rules on the tables' own identities; the code rules on the MoF's
# 《政府收支分类科目》, which Budget Law art. 32 makes the frame of every department's budget.
_LAW14 = "《预算法》第十四条：部门预算、决算及报表应向社会公开，并对机关运行经费等重要事项作出说明"
_RULES143 = "财政部《地方预决算公开操作规程》（财预〔2016〕143号）"
_CLASSIFICATION = "财政部《政府收支分类科目》（《预算法》第三十二条：按政府收支分类科目编制预算）"
_IDENTITY = "表内勾稽关系：公开表格自身的加总关系不成立，说明数据录入、汇总或排版有误，读者无法据以核对"
_IDENTITY_EN = "the table's own identity: when it fails, the figures were typed, summed or laid out wrongly and a reader cannot rely on them"
_CROSS = "表间勾稽关系：同一笔资金在不同表中应为同一数字，否则至少一处有误"
_CROSS_EN = "between tables: the same money must carry the same figure in every table, else one of them is wrong"
_TEXT = "情况说明是对表格的解释（《预算法》第十四条要求作出说明），说明中的数字应与表格一致"
_TEXT_EN = "the narrative explains the tables (Budget Law art. 14 requires the explanation); its figures must match them"
BASIS: dict[str, str] = {
    READING_GATE: "不是公开要求，而是本工具的自我约束：表格读错时不能把读取错误当作部门的错误 / not a requirement but the tool's own discipline: a misread table must not be reported as the department's error",
    "completeness.required_tables": f"{_LAW14}；{_RULES143}规定部门预决算应公开的表格 / Budget Law art. 14 and the MoF disclosure rules list the tables a department must publish",
    "completeness.narrative_sections": f"{_LAW14}；{_RULES143}要求说明“三公”经费、机关运行经费、政府采购、国有资产占用、绩效目标等 / the MoF rules require the narrative to explain these items",
    "completeness.empty_table_note": f"{_RULES143}：没有数据的表格也应公开，并说明无数据的原因 / a table without data is published with a note saying why",
    "arithmetic.parent_sum": f"{_CLASSIFICATION}分类、款、项逐级汇总；{_IDENTITY} / the classification sums 类 ← 款 ← 项; {_IDENTITY_EN}",
    "arithmetic.basic_plus_project": f"支出按性质分为基本支出与项目支出，二者之和为合计；{_IDENTITY} / spending is basic or project, and the two make the total; {_IDENTITY_EN}",
    "arithmetic.personnel_plus_public": f"基本支出由人员经费与公用经费构成；{_IDENTITY} / basic spending is staff plus running costs; {_IDENTITY_EN}",
    "arithmetic.income_sources": f"部门收入按来源列示，各来源之和为合计；{_IDENTITY} / income is listed by source and the sources make the total; {_IDENTITY_EN}",
    "arithmetic.column_total": f"{_IDENTITY} / {_IDENTITY_EN}",
    "arithmetic.income_equals_expenditure": "收支平衡（《预算法》第十二条）：收支总表的收入总计与支出总计相等 / balanced budget (Budget Law art. 12): the summary's income and expenditure totals are equal",
    "arithmetic.carryover_total": f"总计 = 本年合计 + 上年结转（结余）或年末结转；{_IDENTITY} / grand total = this year's total + carry-overs; {_IDENTITY_EN}",
    "arithmetic.three_public_sum": f"“三公”经费是公开的重点（{_RULES143}）：总额应等于因公出国（境）、公务用车、公务接待之和 / the three public expenses are a focus of disclosure; the total must be their sum",
    "arithmetic.carryover_identity": f"决算的资金平衡：年初结转和结余 + 本年收入 = 本年支出 + 年末结转和结余；{_IDENTITY} / the final accounts' balance identity; {_IDENTITY_EN}",
    "code.format": f"{_CLASSIFICATION}：功能分类类、款、项为 3/5/7 位，经济分类类、款为 3/5 位 / the official codes have 3/5/7 (functional) or 3/5 (economic) digits",
    "code.parent_prefix": f"{_CLASSIFICATION}：下级科目编码以上级编码开头 / a sub-item's code begins with its parent's",
    "code.duplicate": f"{_CLASSIFICATION}：同一科目在一张表中只有一个金额 / one classification line has one amount per table",
    "code.catalog": f"{_CLASSIFICATION}：编码与科目名称一一对应，名称错配使读者无法判断资金用途 / a code names one item; a mismatched name hides what the money is for",
    "cross_table.same_code_same_name": f"{_CLASSIFICATION}；{_CROSS} / {_CROSS_EN}",
    "cross_table.same_code_same_amount": f"{_CROSS} / {_CROSS_EN}",
    "cross_table.totals": f"{_CROSS} / {_CROSS_EN}",
    "cross_table.three_public_items": "基本支出表中的因公出国（境）、公务接待、公务用车运行费是“三公”经费的一部分，不能超过“三公”表的数 / these lines of the basic expenditure table are part of the three public expenses and cannot exceed them",
    "narrative.amount_matches_table": f"{_TEXT} / {_TEXT_EN}",
    "narrative.three_public_amounts": f"{_LAW14}；“三公”经费须在说明中列示并与表一致 / the three public expenses are stated in the narrative and must match their table",
    "narrative.unit_misstatement": f"{_TEXT}；单位写错会使金额相差千倍、万倍 / {_TEXT_EN}; a wrong unit misstates the amount 1,000 or 10,000 times",
    "narrative.share": f"{_TEXT}：占比须由所述金额算得 / a stated share must follow from the amounts",
    "narrative.shares_sum": f"{_TEXT}：构成项占比之和为 100% / the shares of a whole add to 100%",
    "narrative.change_rate": f"{_TEXT}：增减率须由本年数与上年数算得 / a stated change rate must follow from the two years' amounts",
    "narrative.rate_from_zero_base": "上年为 0 时增长率无意义，列示的比率必有误 / a rate from a zero base is undefined, so a stated one is wrong",
    "narrative.consistent_statements": f"{_TEXT}：同一事项在说明各处应为同一金额 / one matter carries one amount throughout the text",
    "narrative.breakdown_sum": f"{_TEXT}：总额等于其分项之和 / a total equals its parts",
    "format.malformed_amount": "金额须能被读者和机器正确读取（机器可读是公开数据的基本要求） / an amount must read as one number, to people and to software",
    "format.template_text": f"{_RULES143}：公开的是本部门的实际情况，未替换的模板文字说明文件未经审核 / a template placeholder left in shows the file was not reviewed",
    "format.heading_year": "表头年度与文件年度不一致，读者无法确认数据所属年度 / a heading with another year leaves the reader unsure which year the figures are",
    "format.unit": "金额单位（元/万元）决定数字的含义，缺失或与数量级矛盾会使金额相差万倍 / the unit fixes what a figure means; missing or contradicted, amounts are off by 10,000×",
}


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
    Rule(READING_GATE, "arithmetic", "info", "表格可可靠读取：自身勾稽关系或编码多数不成立的表视为读取存疑，不据此报告错误",
         "a table is read reliably: one whose own identities or codes mostly fail is taken as misread, not as wrong",
         reliability.table_reliability,
         ("ExpectColumnValuesToBeInSet", {"column": "reliable", "value_set": [True]})),
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
    Rule("arithmetic.carryover_identity", "arithmetic", "error",
         "决算：年初结转和结余 + 本年收入 = 本年支出 + 年末结转和结余（逐行；财政拨款总表按资金；收支决算总表合计）",
         "final accounts: year-start balance + income = expenditure + year-end balance (per row; per fund; summary totals)",
         arithmetic.carryover_identity),
    # code
    Rule("code.format", "code", "error", "科目编码位数正确（功能分类 3/5/7 位，经济分类 3/5 位）",
         "codes have 3/5/7 digits (functional) or 3/5 digits (economic)", codes.code_format,
         ("ExpectColumnValuesToMatchRegex", {"column": "shape", "regex": codes.CODE_SHAPE})),
    Rule("code.parent_prefix", "code", "error", "科目编码以其上级科目编码开头",
         "a code starts with the code of the line it is printed under", codes.parent_prefix,
         ("ExpectColumnPairValuesToBeEqual", {"column_A": "prefix", "column_B": "parent_code"})),
    Rule("code.duplicate", "code", "error", "同一科目编码在一张表中只列一行",
         "a code is printed once per table (a second line with other amounts is an error)", codes.duplicate_code,
         ("ExpectColumnValuesToBeInSet", {"column": "unique", "value_set": [True]})),
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
    Rule("narrative.unit_misstatement", "narrative", "error", "说明中的金额单位与表不符（如表中 1682.76万元，说明写 1682.76元）",
         "a stated amount equals its table figure only in another unit (1682.76 元 for 1682.76 万元)",
         narrative.unit_misstatement),
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
         formatting.heading_year,
         ("ExpectColumnPairValuesToBeEqual", {"column_A": "heading_year", "column_B": "document_year"})),
    Rule("format.unit", "format", "error", "表格标明金额单位（缺失为警告），且单位与数量级不矛盾",
         "a table states its unit (missing: warning) and the magnitudes do not contradict it", formatting.unit_stated,
         ("ExpectColumnValuesToBeNull", {"column": "problem"})),
]

RULES_BY_ID = {r.id: r for r in RULES}
