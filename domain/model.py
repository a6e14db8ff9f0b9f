"""The domain model shared by every stage: crawl → extract → validate → score → serve.

A `Document` is one published file. Extraction fills its `tables` and `paragraphs`;
validation adds `findings`; scoring adds the `scorecard`. Frames are polars.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Literal

import polars as pl

from domain.names import name_key

REPORT_SCHEMA = "budgetqa.report/1"

DocumentKind = Literal["budget", "final_accounts"]
Status = Literal["ok", "unreadable", "scanned", "not_a_disclosure", "unsupported"]
Severity = Literal["error", "warning", "info"]
Category = Literal["completeness", "arithmetic", "cross_table", "narrative", "code", "format"]

CATEGORIES: tuple[str, ...] = ("completeness", "arithmetic", "code", "cross_table", "narrative", "format")
STATUSES: tuple[str, ...] = ("ok", "unreadable", "scanned", "not_a_disclosure", "unsupported")
# A file with fewer paragraphs than this is a tables-only file: its narrative is not assessed.
MIN_NARRATIVE_PARAGRAPHS = 5
SEVERITIES: tuple[str, ...] = ("error", "warning", "info")
# The rule that marks a table read in doubt (expectations/checks/reliability.py): no error is
# raised from such a table, and scoring leaves the categories that depend on it unassessed.
READING_GATE = "arithmetic.table_read_reliably"

# CONTRACT §4 — table kinds and their Chinese names.
BUDGET_TABLE_KINDS: dict[str, str] = {
    "fiscal_summary": "财政拨款收支总表",
    "gpb_expenditure": "一般公共预算支出表",
    "gpb_basic_expenditure": "一般公共预算基本支出表",
    "three_public": "一般公共预算“三公”经费支出表",
    "gov_fund_expenditure": "政府性基金预算支出表",
    "soe_capital_expenditure": "国有资本经营预算支出表",
    "overall_summary": "部门收支总表",
    "income_summary": "部门收入总表",
    "expenditure_summary": "部门支出总表",
    "procurement": "政府采购预算表",
    "purchased_services": "政府购买服务预算表",
    "projects": "项目支出表",
    "performance_targets": "项目绩效目标表",
}
FINAL_ACCOUNTS_TABLE_KINDS: dict[str, str] = {
    "fa_overall_summary": "收入支出决算总表",
    "fa_income": "收入决算表",
    "fa_expenditure": "支出决算表",
    "fa_fiscal_summary": "财政拨款收入支出决算总表",
    "fa_gpb_expenditure": "一般公共预算财政拨款支出决算表",
    "fa_gpb_basic_expenditure": "一般公共预算财政拨款基本支出决算表",
    "fa_gov_fund": "政府性基金预算财政拨款收入支出决算表",
    "fa_soe_capital": "国有资本经营预算财政拨款支出决算表",
    "fa_three_public": "财政拨款“三公”经费支出决算表",
    "fa_operating_costs": "机关运行经费支出决算表",
    "fa_procurement": "政府采购情况表",
    "fa_assets": "国有资产占用情况表",
}
TABLE_KINDS: dict[str, str] = {**BUDGET_TABLE_KINDS, **FINAL_ACCOUNTS_TABLE_KINDS}
# Tables of indicators (目标值 95%, 指标值 …), not of money: their cells are not checked as amounts.
INDICATOR_KINDS = frozenset({"performance_targets"})
# Summary tables print an income side and an expenditure side (`Table.rows` column "side").
SUMMARY_KINDS = frozenset({"fiscal_summary", "overall_summary", "fa_overall_summary", "fa_fiscal_summary"})
# The 三公 经费 tables, budget and final accounts.
THREE_PUBLIC_KINDS = frozenset({"three_public", "fa_three_public"})
# 经济分类 codes of 三公 spending → (the 三公 table's measure, the line's name). The 302 lines are
# in the 基本支出表; 31013 公务用车购置 is capital spending.
THREE_PUBLIC_CODES: dict[str, tuple[str, str]] = {
    "30212": ("abroad", "因公出国（境）费用"),
    "30217": ("reception", "公务接待费"),
    "30231": ("vehicle_operation", "公务用车运行维护费"),
    "31013": ("vehicle_purchase", "公务用车购置"),
}

# Canonical measure columns of a normalised table (`Table.rows`), with the header words
# that name them. Every table kind uses a subset of these.
MEASURES: dict[str, str] = {
    "amount": "预算数/决算数 (single amount column)",
    "total": "合计",
    "basic": "基本支出",
    "project": "项目支出",
    "personnel": "人员经费",
    "public": "公用经费",
    "gpb": "一般公共预算",
    "gov_fund": "政府性基金预算",
    "soe_capital": "国有资本经营预算",
    "carryover": "上年结转",
    "special_nontax": "纳入专户管理非税收入",
    "fiscal": "财政拨款收入",
    "business": "事业收入",
    "operating": "经营收入",
    "other": "其他收入",
    "abroad": "因公出国（境）费",
    "vehicle": "公务用车购置及运行费",
    "vehicle_purchase": "公务用车购置费",
    "vehicle_operation": "公务用车运行费",
    "reception": "公务接待费",
    "previous": "上年预算数/上年决算数",
    "total_all": "合计（“三公”经费、会议费、培训费等之和）",
    "meeting": "会议费",
    "training": "培训费",
    "operating_costs": "机关运行经费",
    "superior_subsidy": "上级补助收入",
    "subsidiary_remit": "附属单位上缴收入",
    "remit_superior": "上缴上级支出",
    "business_expense": "经营支出",
    "subsidiary_grant": "对附属单位补助支出",
    # 决算 balance columns (政府性基金/国有资本经营预算财政拨款收入支出决算表 …):
    # 年初结转和结余 + 本年收入 = 本年支出 + 年末结转和结余. A 本年支出 split into 合计/基本/项目
    # keeps "total"/"basic"/"project"; "expenditure" is an unsplit 本年支出 column. The 预算数 block of
    # the 三公 决算 table is budget_<item> (MEASURE_QUALIFIERS below).
    "carryover_start": "年初结转和结余",
    "income": "本年收入",
    "expenditure": "本年支出",
    "carryover_end": "年末结转和结余",
}
# A column's header may qualify its measure (extract.tables): `<qualifier>_<measure>`, or the
# qualifier alone for a single amount column. 'budget'/'adjusted' are the 预算数 columns printed
# beside 决算数 in final accounts; 'previous' is last year's column; 'change' the 增减 column;
# 'of_which' a '其中' sub-column, part of its parent (never an extra source).
MEASURE_QUALIFIERS: dict[str, str] = {
    "previous": "上年数", "budget": "预算数", "adjusted": "调整预算数", "change": "增减", "of_which": "其中",
}
_BASE_MEASURES = [k for k in MEASURES if k not in ("amount", "previous")]
for _q, _qzh in MEASURE_QUALIFIERS.items():
    MEASURES.setdefault(_q, _qzh)
    for _base in _BASE_MEASURES:
        MEASURES[f"{_q}_{_base}"] = f"{MEASURES[_base].split(' ')[0]}（{_qzh}）"

# Columns every `Table.rows` frame has before its measure columns.
# `name` is the name as shown, `raw_name` as printed, `name_key` the key names are matched by
# (domain.names.name_key), computed once at extraction.
ROW_KEY_COLUMNS: tuple[str, ...] = ("row", "side", "code", "raw_code", "name", "raw_name", "name_key")
# Columns of `Table.cells`: one row per cell that carries a value, with its location.
CELL_COLUMNS: dict[str, pl.DataType] = {
    "row": pl.Int64,  # the row in `Table.rows`
    "column": pl.Utf8,  # measure key, or "code"/"name"
    "text": pl.Utf8,  # raw text as published
    "value": pl.Float64,  # parsed amount (null when empty or not a number)
    "problem": pl.Utf8,  # format problem of the raw text, e.g. "trailing_dot"
    # decimals the amount is printed with (its rounding step is 10^-decimals), read once at extraction
    # by domain.units.printed_decimals; null for code and name cells
    "decimals": pl.Int64,
    "page": pl.Int64,
    "x0": pl.Float64,
    "top": pl.Float64,
    "x1": pl.Float64,
    "bottom": pl.Float64,
    "address": pl.Utf8,  # "表2!B12", "sheet!B12", or "t3/r5/c2" for DOCX and HTML
}


def with_name_keys(rows: pl.DataFrame) -> pl.DataFrame:
    """`rows` with its `name_key` column (after `raw_name`), filled where a name has none: extraction
    computes it; a table built by hand or stored before the column existed gets it here."""
    if "name" not in rows.columns:
        return rows
    if "name_key" in rows.columns and rows["name_key"].null_count() <= rows["name"].null_count():
        return rows
    keys = pl.Series("name_key", [name_key(n) or None for n in rows["name"].to_list()], dtype=pl.Utf8)
    rest = [c for c in rows.columns if c != "name_key"]
    at = rest.index("raw_name") + 1 if "raw_name" in rest else rest.index("name") + 1
    return rows.select(rest[:at]).with_columns(keys).hstack(rows.select(rest[at:]))


def empty_cells() -> pl.DataFrame:
    return pl.DataFrame(schema=CELL_COLUMNS)


@dataclass
class SourceFile:
    path: str
    sha256: str
    format: str  # pdf, docx, doc, xlsx, xls, html
    url: str | None = None


@dataclass
class Location:
    page: int | None = None
    bbox: list[float] | None = None
    cell: str | None = None
    paragraph: int | None = None


@dataclass
class Paragraph:
    index: int
    text: str
    page: int | None = None


@dataclass
class Table:
    """A standard table, normalised.

    `rows` has ROW_KEY_COLUMNS then one Float64 column per measure in `measures`,
    amounts in the table's printed `unit`. `side` is "income"/"expenditure" for the
    two halves of summary tables, "" otherwise. `cells` locates every value.
    """

    kind: str | None
    title: str
    number: int | None = None
    unit: str | None = None  # "万元" or "元" as printed
    pages: list[int] = field(default_factory=list)
    measures: list[str] = field(default_factory=list)
    rows: pl.DataFrame = field(default_factory=pl.DataFrame)
    cells: pl.DataFrame = field(default_factory=empty_cells)
    notes: list[str] = field(default_factory=list)  # text below the table (注：…)
    index: int = 0  # order in the document

    def __post_init__(self) -> None:
        self.rows = with_name_keys(self.rows)

    def summary(self) -> dict:
        return {
            "kind": self.kind,
            "number": self.number,
            "title": self.title,
            "pages": self.pages,
            "rows": self.rows.height,
        }


@dataclass
class Finding:
    rule: str
    category: str
    severity: str
    table: str | None
    message: str
    code: str | None = None
    row: str | None = None
    column: str | None = None
    expected: str | None = None  # as the document would print it (for display)
    observed: str | None = None
    location: Location = field(default_factory=Location)
    # The compared amounts as numbers, at the precision printed, and the rounding step: one unit of
    # the last printed decimal of the two (0.01 for 457.90). None when the finding is not about an
    # amount. Scoring judges a rounding gap from these, never from the display strings.
    expected_value: float | None = None
    observed_value: float | None = None
    rounding_step: float | None = None

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class Scorecard:
    score: float | None  # None: the document could not be read, so it is listed but not scored
    grade: str | None
    categories: dict[str, float]
    counts: dict[str, int] = field(default_factory=dict)


@dataclass
class Document:
    source: SourceFile
    department: str | None = None
    region: str | None = None
    year: int | None = None
    kind: str | None = None  # "budget" | "final_accounts"
    unit: str | None = None
    status: str = "ok"
    error: str | None = None
    tables: list[Table] = field(default_factory=list)
    paragraphs: list[Paragraph] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    scorecard: Scorecard | None = None
    page_count: int | None = None
    duplicate_of: str | None = None  # path of an earlier file with the same bytes (same sha256)

    @property
    def doc_id(self) -> str:
        return self.source.sha256

    def table(self, kind: str) -> Table | None:
        return next((t for t in self.tables if t.kind == kind), None)

    def to_report(self) -> dict:
        """The document's entry in the `budgetqa.report/1` JSON (CONTRACT §3)."""
        return {
            "source": asdict(self.source),
            "department": self.department,
            "region": self.region,
            "year": self.year,
            "kind": self.kind,
            "unit": self.unit,
            "status": self.status,
            "error": self.error,
            "duplicate_of": self.duplicate_of,
            "tables": [t.summary() for t in self.tables],
            "scorecard": asdict(self.scorecard) if self.scorecard else None,
            "findings": [f.to_dict() for f in self.findings],
        }
