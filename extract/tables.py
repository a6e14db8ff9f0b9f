"""From a reader's raw `Grid` to a standard `Table` (domain.model): kind, title, number, unit,
one row per budget line with its code, name and measure columns, and a cell frame that traces
every value back to its page/bbox or cell address.

Decision: `normalise_grid` returns None for a grid that is not a recognised budget table (no
known title and no telling header, e.g. the seed's 单位构成 table 序号/单位名称/单位性质, or a
table known but outside CONTRACT §4 such as 机关运行经费 in a budget). `normalise_grids`
also joins a table split over several grids (a continuation without title, or with the same
title/header repeated on the next page) when the reader did not.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import polars as pl

from domain.model import CELL_COLUMNS, ROW_KEY_COLUMNS, SUMMARY_KINDS, Table
from domain.names import clean_name, name_key
from domain.units import printed_decimals
from extract.grid import Grid
from extract.kinds import (
    compact,
    final_kind_from_title,
    kind_from_header,
    kind_from_title,
    table_number,
    title_is_known,
)
from extract.normalise import EMPTY_MARKERS, clean_code, parse_amount, split_code_parts

BY_USE = "expenditure_by_use"  # `side` of a summary's third list: expenditure by use (基本支出, 项目支出 …)
# 决算 fund tables printed as balances: 年初结转和结余 + 本年收入 = 本年支出 + 年末结转和结余
BALANCE_KINDS = frozenset({"fa_gov_fund", "fa_soe_capital"})

_UNIT = re.compile(r"单位[:：]?(万元|千元|亿元|元)")
_DEPT_LINE = re.compile(r"^(部门|编制单位|预算单位|单位名称|部门名称|编报单位|填报单位)(名称)?[:：]")
_TOTAL = re.compile(r"^(合计|总计|收入总计|支出总计|本年(收入|支出)?(合计|小计)|收入合计|支出合计|小计)$")
_NOTE = re.compile(r"^(注|备注|说明)[:：1１]")
_COLNUM = re.compile(r"^(\*+|栏次|\d{1,2})$")
_PAGE_NO = re.compile(r"^[-－—\s]*(第\s*)?\d+\s*(页)?[-－—\s]*$")
_CODE = re.compile(r"^\d{3,7}$")
_YEAR = re.compile(r"(20\d{2})\s*年")
_LABEL_ONLY = re.compile(r"^(?:部门)?(?:公开)?(?:附)?表\d{1,2}$|^公开\d{1,2}表$")
_CODE_AND_NAME = re.compile(r"^(\d{3,7})\s*([^\d\s].*)$", re.S)

# Measure keys by header label, ordered: the first matching rule names the column.
MEASURE_RULES: tuple[tuple[str, str], ...] = (
    ("vehicle", r"公务用?车(辆)?购置及运行"),
    ("vehicle_purchase", r"购置费$"),
    ("vehicle_operation", r"运行(维护)?费$"),
    ("abroad", r"因公出国"),
    ("meeting", r"会议费"),
    ("training", r"培训费"),
    ("operating_costs", r"机关运行经费"),
    ("superior_subsidy", r"上级补助收入"),
    ("subsidiary_remit", r"附属单位上缴"),
    ("subsidiary_grant", r"对附属单位补助"),
    ("remit_superior", r"上缴上级"),
    ("business_expense", r"^(事业单位)?经营支出$"),
    ("reception", r"公务接待"),
    ("total", r'"三公"经费(财政拨款)?(预算)?(合计|小计|总额|总计|预算数)?$|^三公经费'),
    ("personnel", r"人员经费|人员支出"),
    ("public", r"公用经费|公用支出"),
    ("basic", r"基本支出"),
    ("project", r"项目支出"),
    ("previous", r"上年(预算|决算)数|上年数"),
    ("carryover_start", r"^年初结转和?结余$"),
    ("carryover_end", r"^年末结转和?结余$"),
    ("carryover", r"上年结转|上年结余"),
    ("special_nontax", r"专户管理|财政专户"),
    ("soe_capital", r"国有资本经营"),
    ("gov_fund", r"政府性基金"),
    ("gpb", r"一般公共预算|公共财政"),
    ("fiscal", r"^财政拨款(收入)?(小计|合计)?$"),
    ("business", r"^事业收入$"),
    ("operating", r"^(事业单位)?经营收入$"),
    ("other", r"^其他收入$"),
    ("total", r"^(合计|总计|小计|收入总计|支出总计|本年(收入|支出)合计|(本年)?(收入|支出)合计)$"),
    ("amount", r"预算数|决算数|^金额$|^数额$|(预算|决算)$|^\d{4}年(预算|决算)?数?$"),
)
_GROUP_PARENT = frozenset({"basic", "project", "fiscal", "vehicle", "personnel", "public", "carryover"})
_THREE_PUBLIC = ("vehicle", "vehicle_purchase", "vehicle_operation", "abroad", "reception")
_NOT_MEASURE = re.compile(r"购买方式|起止时间|绩效|采购组织|品目|经济科目")

# Name columns by priority (first non-empty in a row wins).
_NAME_RULES: tuple[str, ...] = (
    r"科目名称$",
    r"项目名称$|^支出项目",
    r"^项目$|项目类别$|^功能科目$",
    r"单位名称$|^预算单位$|^部门名称$|^单位$",
    # 江苏's 政府采购预算表: the most specific filled label names the row (物品 > 专项 > 品目大类 > 经济科目)
    r"采购物品名称|^物品名称$",
    r"专项名称",
    r"采购品目|品目大类|^大类$",
    r"^经济科目$",
)
_CODE_LABEL = re.compile(r"科目(编码|代码)|^编码$|^代码$")
_EXTRA_LABELS: dict[str, str] = {"project_type": r"^项目类型$|^项目类别$", "project_unit": r"^项目单位$|^单位名称$"}


def _measure_rule(label: str) -> str | None:
    return next((key for key, pattern in MEASURE_RULES if re.search(pattern, label)), None)


def map_measure(labels: list[str]) -> str | None:
    """The measure key of a column from its header labels (compact, top → bottom)."""
    if not labels or any(_NOT_MEASURE.search(lb) for lb in labels[-1:]):
        return None
    hits = [_measure_rule(lb) for lb in labels]
    if "carryover" in hits[:-1]:
        return "carryover"
    for key in reversed(hits):  # 三公 items win over their funding-source sub-columns
        if key in _THREE_PUBLIC:
            return key
    if "total" in hits[:-1] and hits[-1] in ("gpb", "gov_fund", "soe_capital", "total", None):
        return "total"  # a funding-source split under 总计
    bottom = labels[-1]
    if hits[-1] is None and len(labels) > 1 and all(h in ("amount", None) for h in hits):
        return None  # an unknown column under a '2026年预算' banner is not the budget amount
    if bottom in ("小计", "合计") and len(labels) > 1:
        parent = hits[-2]
        return parent if parent in _GROUP_PARENT else "total"
    for key in reversed(hits):
        if key is not None:
            return key
    return None


# A label that only says which figure the column holds ('预算数', '上年决算数', '2025年预算数',
# '增减'): it qualifies the measure named by the other labels (extract.tables.measure_key).
_QUALIFIER_LABEL = re.compile(
    r"^(?P<year>\d{4}年度?|上年度?|本年度?)?(?P<what>年初预算|调整预算|全年预算|预算|决算|执行)?数?(?:（注\d*）)?$"
)
_CHANGE_LABEL = re.compile(r"^(比上年)?(增减|增长|变动|增减变化|增减变动)(额|数|金额|情况)?$")
_OF_WHICH = re.compile(r"^其中[:：]?")
# Columns that never hold an amount: rates, percentages, indicators, targets, text.
_NOT_AMOUNT = re.compile(r"[%％]|率$|比例|比重|指标|目标值|绩效|^为(上年|预算|调整预算)")


def _qualifier(label: str, final: bool, year: int | None) -> str | None:
    """'previous', 'budget', 'adjusted', 'change', '' (a plain amount label such as '决算数'),
    or None when the label is not a pure qualifier."""
    if _CHANGE_LABEL.match(label):
        return "change"
    m = _QUALIFIER_LABEL.match(label)
    if not m or not (m.group("year") or m.group("what")):
        return None
    y, what = m.group("year") or "", m.group("what") or ""
    if y.startswith("上年") or (y[:4].isdigit() and year is not None and int(y[:4]) < year):
        return "previous"
    if what == "调整预算":
        return "adjusted"
    if final and what in ("预算", "年初预算", "全年预算"):
        return "budget"
    return ""


def measure_key(labels: list[str], kind: str | None = None, year: int | None = None, paired: bool = False) -> str | None:
    """The measure key of a column from its header labels (compact, top → bottom), qualified by
    the labels that say which figure it holds: in a final-accounts table the 预算数 beside the
    决算数 is 'budget_<measure>'; a 上年 (or earlier year's) column 'previous_<measure>'; a column
    under '其中' 'of_which_<measure>' (a part of its parent, never another source). A rate, percent
    or indicator column is no measure. The qualifier alone names a single amount column. `paired`:
    the table prints qualified columns beside plain ones (预算数 | 决算数 under each item), so a
    plain '决算数' under an item is that item's figure, not a generic amount."""
    if not labels or _NOT_AMOUNT.search(labels[-1]):
        return None
    if kind in BALANCE_KINDS and re.fullmatch(r"本年收入(合计|小计)?", labels[-1]):
        return "income"  # 年初结转和结余 | 本年收入 | 本年支出 | 年末结转和结余 (not a summary's banner)
    final = bool(kind and kind.startswith("fa_"))
    qualifier, of_which, base = "", False, []
    for lb in labels:
        if _OF_WHICH.match(lb):
            of_which = True
            lb = _OF_WHICH.sub("", lb)
            if not lb:
                continue
        q = _qualifier(lb, final, year)
        if q is None:
            base.append(lb)
        elif q and qualifier != "previous":
            qualifier = q
    if not qualifier and not of_which and not paired:
        return map_measure(labels)
    if not base:
        key = map_measure(labels) if not qualifier and not of_which else "amount"
    else:  # an unknown banner over a bottom '预算数' ('收入' / '预算数'): the amount
        key = map_measure(base) or ("amount" if _qualifier(labels[-1], final, year) is not None else None)
    if key is None or not (qualifier or of_which):
        return key
    if of_which:
        return f"of_which_{key}" if key not in ("amount", "total") else None
    return qualifier if key == "amount" else f"{qualifier}_{key}"


def _name_rule(label: str) -> int | None:
    return next((k for k, pat in enumerate(_NAME_RULES) if re.search(pat, label)), None)


def join_wrapped_labels(labels: list[str]) -> list[str]:
    """Header text wrapped over several grid rows ('因公出' / '国（境）' / '费', '采购物品' / '名称')
    as one label: two pieces are joined when neither names a measure (or a name column) but
    together they do, and a one-char tail ('费', '类') is joined to the label above when the
    meaning stays the same."""
    out: list[str] = []
    for lb in labels:
        if out:
            for rule in (_measure_rule, _name_rule):
                a, joined = rule(out[-1]), rule(out[-1] + lb)
                if joined is not None and rule(lb) is None and (a is None or (a == joined and len(lb) == 1)):
                    out[-1] += lb
                    break
            else:
                out.append(lb)
            continue
        out.append(lb)
    return out


@dataclass
class _Column:
    index: int
    labels: list[str]
    role: str | None = None  # code, lei, kuan, xiang, name, measure, extra
    key: str | None = None  # measure key, extra name, or name priority
    side: str = ""
    priority: float = 99


@dataclass
class _Parsed:
    grid: Grid
    context: list[str]
    title: str | None
    kind: str | None
    number: int | None
    unit: str | None
    header: list[list[str]]
    header_rows: list[int]
    data_rows: list[tuple[Grid, int]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    ncols: int = 0
    pages: list[int] = field(default_factory=list)
    header_spans: list[list[tuple[float, float] | None]] = field(default_factory=list)


def _distinct_texts(row: list[str]) -> list[str]:
    out: list[str] = []
    for t in row:
        for line in (t or "").split("\n"):
            s = line.strip()
            if s and s not in out:
                out.append(s)
    return out


def _is_context_line(text: str) -> bool:
    t = compact(text)
    if len(t) <= 1 or _UNIT.search(t) or _DEPT_LINE.match(t):
        return True
    if "表" in t and (title_is_known(t) or kind_from_title(t)):
        return True
    if table_number([t]) is not None and len(t) <= 12:
        return True
    return bool(re.search(r"表(（.*）)?$|表[（(]|预算公开$|决算公开$", t))


def _is_colnum_row(row: list[str]) -> bool:
    texts = [compact(t) for t in row if compact(t)]
    digits = [int(t) for t in texts if t.isdigit()]
    return bool(texts) and bool(digits) and all(_COLNUM.match(t) for t in texts) and digits == sorted(digits)


def _is_data_row(row: list[str], below: list[list[str]] | None = None) -> bool:
    """A row of the table body. A lone total label ('合计' of an empty table) is one, unless
    the next printed row (`below`) is still header text: then it is a header's '小计'."""
    texts = [compact(t) for t in row if compact(t)]
    if not texts or _is_colnum_row(row):
        return False
    if any(t in ("本表无数据", "此表为空") for t in texts) or texts == ["无"]:
        return True
    has_amount = any(parse_amount(t)[0] is not None for t in texts)
    if _TOTAL.match(texts[0]) and (has_amount or len(texts) == 1):
        if not has_amount and below:
            nxt = next((r for r in below if any(compact(t) for t in r)), None)
            if nxt is not None and not _is_data_row(nxt) and not _NOTE.match(compact(" ".join(nxt))):
                return False
        return True
    return has_amount or any(_CODE.match(t) for t in texts)


_ITEM_ROW = re.compile(r"^[一二三四五六七八九十]+[、.．]\S")


def _first_text(row: list[str]) -> str:
    return next((compact(t) for t in row if compact(t)), "")


def _find_title(context: list[str]) -> str | None:
    for i in range(len(context) - 1, -1, -1):
        line = context[i]
        if "表" in line and title_is_known(line):
            prev = compact(context[i - 1]) if i else ""
            # a title wrapped over two lines: '公开09表：一般公共预算“三公”经费、会议费、培训费' / '支出预算表'
            if prev and not prev.endswith(("表", "表格")) and not _UNIT.search(prev) and not _DEPT_LINE.match(prev) \
                    and not _LABEL_ONLY.match(prev) and len(prev) >= 6 and title_is_known(prev + compact(line)):
                return _strip_title(context[i - 1].rstrip() + line.strip())
            return _strip_title(line)
    for line in reversed(context):
        t = compact(line)
        if "表" in t and not _UNIT.search(t) and not _DEPT_LINE.match(t) and not re.fullmatch(r".{0,6}表\d*", t):
            return _strip_title(line)
    return None


def _strip_title(line: str) -> str:
    s = re.split(r"(?:金额)?单\s*位\s*[:：]", line)[0]
    s = re.split(r"(?:编制单位|部门名称|部门)\s*[:：]", s)[0]
    return re.sub(r"\s+", " ", s).strip()


def _analyse(grid: Grid) -> _Parsed:
    m = grid.matrix()
    context = [line.strip() for line in grid.before if line.strip()]
    i = 0
    while i < len(m):
        texts = _distinct_texts(m[i])
        if texts and (len(texts) > 3 or not all(_is_context_line(t) for t in texts)):
            break
        context.extend(texts)
        i += 1
    title = _find_title(context)
    unit = None
    for line in reversed(context):
        hit = _UNIT.search(compact(line))
        if hit:
            unit = hit.group(1)
            break
    header_rows: list[int] = []
    j = i
    filled = 0  # rows that print something: empty grid rows (Word 2007 row rules) do not count
    while j < len(m) and not _is_data_row(m[j], m[j + 1 :]) and (filled < 8 or not any(compact(t) for t in m[j])):
        if filled and _ITEM_ROW.match(_first_text(m[j])):
            break  # '一、一般公共预算财政拨款收入' without an amount (an empty form): the first body row
        header_rows.append(j)
        filled += any(compact(t) for t in m[j])
        j += 1
    if j < len(m) and not _is_data_row(m[j], m[j + 1 :]):  # no data row found within reach: the header is shorter
        header_rows = [r for r in header_rows if any(compact(t) for t in m[r])][:4]
        j = (header_rows[-1] + 1) if header_rows else i
    header = [m[r] for r in header_rows if not _is_colnum_row(m[r]) and any(compact(t) for t in m[r])]
    spans = _header_spans(grid, [r for r in header_rows if not _is_colnum_row(m[r]) and any(compact(t) for t in m[r])])
    if unit is None:  # a unit printed inside the header rows
        hit = next((h for r in range(min(j, len(m))) if (h := _UNIT.search(compact(" ".join(m[r]))))), None)
        unit = hit.group(1) if hit else None
    kind = kind_from_title(title) if title else None
    if kind is None and not title_is_known(title):
        kind = kind_from_header(" ".join(t for row in header for t in row))
    number = table_number(context)
    if number is None:  # a bare label printed below the table ('部门公开表7' spilled onto the next page)
        number = next((table_number([x]) for x in grid.after if _LABEL_ONLY.match(compact(x))), None)
    parsed = _Parsed(grid, context, title, kind, number, unit, header, header_rows)
    parsed.ncols = len(m[0]) if m else 0
    parsed.header_spans = spans
    parsed.pages = list(grid.pages)
    for r in range(j, len(m)):
        texts = _distinct_texts(m[r])
        if len(texts) == 1 and _NOTE.match(compact(texts[0])):
            parsed.notes.append(texts[0])
        else:
            parsed.data_rows.append((grid, r))
    parsed.notes.extend(
        t for line in grid.after if (t := line.strip()) and not _PAGE_NO.match(t) and not _LABEL_ONLY.match(compact(t))
    )
    return parsed


def _header_spans(grid: Grid, rows: list[int]) -> list[list[tuple[float, float] | None]]:
    """(x0, x1) of each header cell, None where the reader has no geometry (DOCX, XLSX)."""
    want = set(rows)
    boxes: dict[tuple[int, int], tuple[float, float] | None] = {}
    for r, c, x0, x1 in grid.cells.select("row", "col", "x0", "x1").iter_rows():
        if r in want:
            boxes[(r, c)] = (x0, x1) if x0 is not None and x1 is not None else None
    ncols = max((c for _, c in boxes), default=-1) + 1
    return [[boxes.get((r, c)) for c in range(ncols)] for r in rows]


def _columns(
    header: list[list[str]], ncols: int, kind: str | None, spans: list[list[tuple[float, float] | None]] | None = None,
    year: int | None = None,
) -> list[_Column]:
    rows = [[compact(t) for t in row] + [""] * (ncols - len(row)) for row in header]
    filled = [list(r) for r in rows]
    src = [list(range(ncols)) for _ in rows]

    def covers(r: int, k: int, c: int) -> bool:
        """The label cell (r, k) reaches over column c (unknown geometry: assume it does)."""
        a = spans[r][k] if spans and r < len(spans) and k < len(spans[r]) else None
        b = spans[r][c] if spans and r < len(spans) and c < len(spans[r]) else None
        return a is None or b is None or a[1] >= (b[0] + b[1]) / 2

    for r in range(len(rows) - 1):  # spread a group label over the empty cells it spans
        for c in range(1, ncols):
            if not rows[r][c] and filled[r][c - 1] and any(rows[x][c] for x in range(r + 1, len(rows))):
                if not covers(r, src[r][c - 1], c):
                    continue
                # a header cell above starts at c, so a label below cannot reach over its border (决算 三公:
                # 公务接待费 spans two rows beside 公务用车运行维护费; DOCX/XLSX give no geometry to tell)
                if any(rows[x][c] for x in range(r)):
                    continue
                filled[r][c] = filled[r][c - 1]
                src[r][c] = src[r][c - 1]
    cols: list[_Column] = []
    for c in range(ncols):
        labels: list[str] = []
        for r in range(len(filled)):
            t = filled[r][c]
            if t and (not labels or labels[-1] != t):
                labels.append(t)
        if len(labels) > 1 and _TOTAL.match(labels[-1]) and any(
            _CODE_LABEL.search(lb) or _name_rule(lb) is not None for lb in labels[:-1]
        ):
            labels.pop()  # the 合计 row printed in the header's last row (决算 基金 tables): not a column label
        cols.append(_Column(c, join_wrapped_labels(labels)))
    final = bool(kind and kind.startswith("fa_"))
    paired = kind not in SUMMARY_KINDS and any(_qualifier(lb, final, year) for c in cols for lb in c.labels)
    for col in cols:
        bottom = col.labels[-1] if col.labels else ""
        if re.fullmatch(r"(预算|决算)?年度|年份", bottom):
            col.role = "period"  # rows are years (深圳's 三公 table: 2025年, 2026年, 增减变化金额)
        elif bottom in ("类", "款", "项"):
            col.role = {"类": "lei", "款": "kuan", "项": "xiang"}[bottom]
        elif any(_CODE_LABEL.search(lb) for lb in col.labels[-1:]):
            col.role = "code"
        elif (p := _name_rule(bottom)) is not None:
            extra = next((k for k, pat in _EXTRA_LABELS.items() if re.search(pat, bottom)), None)
            if kind == "projects" and extra and p >= 3:
                col.role, col.key = "extra", extra
            else:
                col.role, col.priority = "name", p
        elif kind == "projects" and (extra := next((k for k, pat in _EXTRA_LABELS.items() if re.search(pat, bottom)), None)):
            col.role, col.key = "extra", extra
        elif (key := measure_key(col.labels, kind, year, paired)) is not None:
            col.role, col.key = "measure", key
    if kind not in SUMMARY_KINDS:
        for prev, col in zip(cols, cols[1:], strict=False):
            if not col.labels and col.role is None and prev.role == "name":
                # a name header merged over two columns ('项目名称' over 一般公共预算资金 | 小计):
                # the right-hand, more specific text names the row when present
                col.role, col.priority = "name", prev.priority - 0.5
    totals = [c for c in cols if c.role == "measure" and c.key == "total"]
    if len(totals) > 1 and any("三公" in "".join(c.labels) for c in totals):
        for c in totals:  # 合计 over 三公 + 会议费 + 培训费 is not the 三公 total
            if "三公" not in "".join(c.labels):
                c.key = "total_all"
    codes = [c.index for c in cols if c.role in ("code", "lei")]
    if kind not in SUMMARY_KINDS and len(codes) > 1 and any(
        c.role == "measure" and codes[0] < c.index < codes[1] for c in cols
    ):  # lists printed side by side (决算 基本支出表: 人员经费 | 公用经费), each list its own side
        for col in cols:
            k = sum(1 for x in codes if x <= col.index)
            col.side = f"list{k}" if k > 1 else ""
    if kind in SUMMARY_KINDS:
        names = [c.index for c in cols if c.role == "name"]
        split = names[1] if len(names) > 1 else None
        by_use = names[2] if len(names) > 2 else None  # 江苏: 功能分类 and 支出用途 lists side by side
        for col in cols:
            if by_use is not None and col.index >= by_use:
                col.side = BY_USE
            elif split is not None:
                col.side = "income" if col.index < split else "expenditure"
            else:
                top = col.labels[0] if col.labels else ""
                col.side = "expenditure" if "支出" in top else "income"
    return cols


def _cell_lookup(grid: Grid) -> dict[tuple[int, int], tuple]:
    cols = ("page", "x0", "top", "x1", "bottom", "address")
    return {
        (r, c): rest
        for r, c, *rest in grid.cells.select("row", "col", *cols).iter_rows()
    }


def _build(parsed: _Parsed, index: int) -> Table | None:
    kind = parsed.kind
    if kind is None:
        return None
    year = next((int(y) for line in [parsed.title or "", *reversed(parsed.context)] for y in _YEAR.findall(line)), None)
    cols = _columns(parsed.header, parsed.ncols, kind, parsed.header_spans, year)
    sides = ["income", "expenditure"] if kind in SUMMARY_KINDS else [""]
    sides += [s for s in dict.fromkeys(c.side for c in cols) if s not in sides]
    measures: list[str] = []
    for col in cols:
        if col.role == "measure" and col.key not in measures:
            measures.append(col.key)
    extras = sorted({c.key for c in cols if c.role == "extra"} | ({"unit_name"} if any(c.role == "period" for c in cols) else set()))
    unit_name = ""  # with a period column: the unit, printed once for its rows
    lookups: dict[int, dict] = {}
    matrices: dict[int, list[list[str]]] = {}
    rows_out: list[dict] = []
    cells_out: list[dict] = []
    pages: set[int] = set()
    prev_parts: dict[str, tuple[str, str, str] | None] = dict.fromkeys(sides)
    for grid, r in parsed.data_rows:
        lookup = lookups.setdefault(id(grid), _cell_lookup(grid))
        matrix_row = matrices.setdefault(id(grid), grid.matrix())[r]
        texts = matrix_row + [""] * (parsed.ncols - len(matrix_row))

        def loc(c: int, _lookup=lookup, _r=r) -> dict:
            page, x0, top, x1, bottom, address = _lookup.get((_r, c), (None,) * 6)
            return {"page": page, "x0": x0, "top": top, "x1": x1, "bottom": bottom, "address": address}

        for side in sides:
            scols = [c for c in cols if c.side == side and c.index < len(texts)]
            split = {c.role: c for c in scols if c.role in ("lei", "kuan", "xiang")}
            code_col = next((c for c in scols if c.role == "code"), None)
            name_cols = sorted((c for c in scols if c.role == "name"), key=lambda c: (c.priority, c.index))
            raw_code, code, label = "", None, ""
            code_cells: list[int] = []
            if split:
                parts = [texts[split[k].index] if k in split else "" for k in ("lei", "kuan", "xiang")]
                code_cells = [split[k].index for k in ("lei", "kuan", "xiang") if k in split]
                raw_code = " ".join(p.strip() for p in parts).strip()
                if parts[0] and not clean_code(parts[0]).isdigit():
                    label = parts[0]
                elif any(clean_code(p) for p in parts):
                    eff = split_code_parts(*parts, previous=prev_parts[side])
                    prev_parts[side] = eff
                    code = "".join(eff[: next((k for k, p in enumerate(eff) if not p), 3)]) or None
            elif code_col is not None:
                raw_code = texts[code_col.index]
                code_cells = [code_col.index]
                cc = clean_code(raw_code)
                parts = _unlabelled_parts(cols, code_col.index, texts) if len(cc) == 3 and cc.isdigit() else []
                if parts:  # '201 | 06 | 01' under one merged 科目编码 label
                    code_cells += [i for i, _ in parts]
                    raw_code = " ".join([raw_code.strip(), *(p for _, p in parts)])
                    code = "".join(split_code_parts(cc, *(p for _, p in parts), *[""] * (2 - len(parts))))
                elif cc.isdigit():
                    code = cc
                elif (mm := _CODE_AND_NAME.match(raw_code.strip())) is not None:
                    code, label = mm.group(1), mm.group(2)
                elif cc:
                    label = raw_code
            raw_name, name_cell = "", None
            for nc in name_cols:
                if compact(texts[nc.index]):
                    raw_name, name_cell = texts[nc.index], nc.index
                    break
            if not compact(raw_name) and label:
                raw_name, name_cell = label, code_cells[0] if code_cells else None
            if code is None and not compact(raw_name) and name_cols:
                mm = _CODE_AND_NAME.match(texts[name_cols[0].index].strip())
                if mm:
                    code, raw_name = mm.group(1), mm.group(2)
            period = next((c for c in scols if c.role == "period"), None)
            if period is not None and compact(texts[period.index]):  # the row is named by its year
                unit_name = clean_name(raw_name) or unit_name
                raw_name, name_cell = texts[period.index], period.index
            if not compact(raw_name):  # a 合计 label printed in another (merged) column
                for col in scols:
                    if col.role not in ("measure",) and _TOTAL.match(compact(texts[col.index])):
                        raw_name, name_cell = texts[col.index], col.index
                        break
            values: dict[str, float | None] = dict.fromkeys(measures)
            value_cells: list[tuple[str, int, float | None, str | None]] = []
            seen: dict[str, int] = {}
            # the expenditure side may take a total printed under the 支出用途 amount column (below)
            vcols = scols + ([c for c in cols if c.side == BY_USE and c.index < len(texts)] if side == "expenditure" else [])
            for col in vcols:
                if col.role != "measure":
                    continue
                if col.key in seen:
                    # a second column of the same measure (江苏's 收支总表: 功能分类 and 支出用途 side by side)
                    # gives the value only when the row's label spans the columns in between (支出合计)
                    first = seen[col.key]
                    if values[col.key] is not None or not compact(texts[col.index]) or any(
                        compact(texts[j]) for j in range(first + 1, col.index)
                    ):
                        continue
                    value_cells = [v for v in value_cells if v[0] != col.key]
                seen.setdefault(col.key, col.index)
                value, problem = _amount_cell(texts[col.index])
                values[col.key] = value
                if compact(texts[col.index]):
                    value_cells.append((col.key, col.index, value, problem))
            name = clean_name(raw_name)
            if compact(raw_name) in EMPTY_MARKERS:
                if compact(raw_name):
                    parsed.notes.append(compact(raw_name))
                name, raw_name = "", ""
            if code is None and not name and (not value_cells or side == BY_USE):
                continue  # (a 支出用途 amount under a spanning 合计 label belongs to the expenditure side)
            row_id = len(rows_out)
            extra_values = {k: "" for k in extras}
            if period is not None:
                extra_values["unit_name"] = unit_name
            for col in scols:
                if col.role == "extra" and col.index != name_cell:
                    extra_values[col.key] = clean_name(texts[col.index])
            rows_out.append(
                {"row": row_id, "side": side, "code": code, "raw_code": raw_code or None, "name": name or None,
                 "raw_name": raw_name or None, "name_key": name_key(name) or None, **values, **extra_values}
            )
            if code_cells and raw_code:
                cells_out.append({"row": row_id, "column": "code", "text": raw_code, "value": None,
                                  "problem": None, "decimals": None, **_union([loc(c) for c in code_cells])})
            if name_cell is not None and raw_name:
                cells_out.append({"row": row_id, "column": "name", "text": raw_name, "value": None,
                                  "problem": None, "decimals": None, **loc(name_cell)})
            for key, c, value, problem in value_cells:  # the printed precision, read here once
                cells_out.append({"row": row_id, "column": key, "text": texts[c], "value": value,
                                  "problem": problem, "decimals": printed_decimals(texts[c]), **loc(c)})
    for grid, _ in parsed.data_rows:
        pages.update(grid.pages)
    pages.update(parsed.grid.pages)
    schema = {"row": pl.Int64, **{k: pl.Utf8 for k in ROW_KEY_COLUMNS[1:]}, **dict.fromkeys(measures, pl.Float64),
              **dict.fromkeys(extras, pl.Utf8)}
    rows = pl.DataFrame(rows_out, schema=schema, orient="row") if rows_out else pl.DataFrame(schema=schema)
    cells = pl.DataFrame(cells_out, schema=CELL_COLUMNS) if cells_out else pl.DataFrame(schema=CELL_COLUMNS)
    return Table(
        kind=kind, title=parsed.title or "", number=parsed.number, unit=parsed.unit, pages=sorted(pages),
        measures=measures, rows=rows, cells=cells, notes=list(dict.fromkeys(parsed.notes)), index=index,
    )


_OVERFLOW = re.compile(r"^[\u4e00-\u9fff）)]{1,4}\s+([-\d][\d,.]*)$")


def _amount_cell(text: str) -> tuple[float | None, str | None]:
    """A cell of an amount column: its value and format problem. Text without a digit ('资金总额',
    '指标值', a header echoed in the body) or a percentage ('>95%') is not a misprinted amount:
    no value and no problem."""
    value, problem = parse_amount(text)
    if problem in ("percent", "not_a_number") and (problem == "percent" or not re.search(r"[0-9０-９]", text)):
        return None, None
    if problem == "not_a_number" and (m := _OVERFLOW.match(text.strip())):
        return parse_amount(m.group(1))  # the tail of a long name overflowing its cell ('支 60,000')
    return value, problem


def _unlabelled_parts(cols: list[_Column], code_index: int, texts: list[str]) -> list[tuple[int, str]]:
    """The 款 and 项 of a code printed in the unlabelled columns right of its 类 column (a merged
    '科目编码' label over three columns): 1–2 digit numbers, else nothing."""
    parts: list[tuple[int, str]] = []
    for col in cols[code_index + 1 : code_index + 3]:
        if col.labels or col.role is not None:
            break
        t = clean_code(texts[col.index]) if col.index < len(texts) else ""
        if not re.fullmatch(r"\d{1,2}", t):
            break
        parts.append((col.index, t))
    return parts


def _union(locs: list[dict]) -> dict:
    """One location covering several cells (a code printed in 类/款/项 columns)."""
    first = locs[0]
    boxes = [x for x in locs if x["x0"] is not None]
    if not boxes:
        return first
    return {**first, "x0": min(b["x0"] for b in boxes), "top": min(b["top"] for b in boxes),
            "x1": max(b["x1"] for b in boxes), "bottom": max(b["bottom"] for b in boxes)}


def normalise_grid(grid: Grid, index: int) -> Table | None:
    """One grid → a standard Table, or None when the grid is not a recognised budget table."""
    return _build(_analyse(grid), index)


def _continues(prev: _Parsed, cur: _Parsed) -> bool:
    if prev.kind is None:
        return False
    last = max(prev.pages or [0])
    first = min(cur.pages or [last])
    if cur.pages and prev.pages and not (last <= first <= last + 1):
        return False
    same_header = bool(cur.header) and [list(map(compact, r)) for r in cur.header] == [
        list(map(compact, r)) for r in prev.header
    ]
    if cur.title is None:
        if same_header:
            return True
        return not cur.header and cur.ncols == prev.ncols and cur.kind is None
    same_title = compact(cur.title) == compact(prev.title or "") and cur.number == prev.number
    return same_title and (same_header or not cur.header)


def _kinds_of_final_accounts(parsed: list[_Parsed]) -> None:
    """In a document whose tables are mostly 决算 tables, a table whose title says neither 预算 nor 决算
    ('政府采购情况表', '国有资产占用情况表') is the 决算 table it names, not a budget table (or none)."""
    kinds = [p.kind for p in parsed if p.kind]
    if sum(k.startswith("fa_") for k in kinds) <= len(kinds) / 2:
        return
    for p in parsed:
        if p.title and not (p.kind or "").startswith("fa_") and (k := final_kind_from_title(p.title)):
            p.kind = k


def normalise_grids(grids: list[Grid]) -> list[Table]:
    """All grids of a document → its recognised tables in order, split tables joined."""
    parsed_all = [_analyse(grid) for grid in grids]
    _kinds_of_final_accounts(parsed_all)
    merged: list[_Parsed] = []
    for cur in parsed_all:
        if merged and _continues(merged[-1], cur):
            merged[-1].data_rows.extend(cur.data_rows)
            merged[-1].notes.extend(cur.notes)
            merged[-1].pages.extend(cur.pages)
            continue
        merged.append(cur)
    tables: list[Table] = []
    for parsed in merged:
        table = _build(parsed, len(tables))
        if table is not None:
            tables.append(table)
    return tables
