"""Arithmetic check frames: sums down the code hierarchy, across columns, totals.

Each frame has `excess` = |observed − expected| − tolerance (null when not applicable);
the expectation is `excess <= 0`. A value whose cell has a format problem is skipped:
format.malformed_amount reports it once.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

import polars as pl

from domain.model import INDICATOR_KINDS, MEASURES, SUMMARY_KINDS, THREE_PUBLIC_KINDS, Document, Table
from expectations.frames import (
    CODED_KINDS,
    ORDINAL_NAME,
    SUBTOTAL_NAME,
    Derived,
    TableView,
    amount,
    check_frame,
    clean_name,
    framed,
    is_total,
    or_zero,
)

EXTRA = {"excess": pl.Float64}
LIST_KINDS = frozenset({"projects", "procurement", "purchased_services", "fa_procurement"})


def _col_zh(column: str) -> str:
    return MEASURES.get(column, column).split(" ")[0]


def _compare(view: TableView, cells: list[tuple[int, str]], observed: float | None,
             parts: list[float | None]) -> tuple[float, float, float, float] | None:
    """(expected, observed, excess, rounding) or None when nothing to compare / a cell is malformed.

    `rounding` bounds what printing each term rounded can add up to: half a printed unit per term.
    """
    if observed is None and all(p is None for p in parts):
        return None
    if any(c in view.problems for c in cells):
        return None
    exp = sum(p or 0.0 for p in parts)
    obs = observed or 0.0
    terms = 1 + sum(p is not None for p in parts)
    return exp, obs, abs(obs - exp) - view.tolerance, terms * 0.5 * 10.0 ** -view.decimals + 1e-6


def _record(derived: Derived, d: int, t: int, table: Table, pos: int, column: str, cmp: tuple[float, ...],
            view: TableView, zh: str, en: str) -> dict:
    """A check row; a difference within the accumulated rounding of many terms is only 'info'."""
    cols = derived.columns(table)
    exp, obs, excess = cmp[:3]
    rounding = len(cmp) > 3 and excess > 0 and abs(obs - exp) <= cmp[3]
    note = ("（差额在各项四舍五入的累计误差之内 / within the accumulated rounding of the terms）"
            if rounding else "")
    return {
        "doc": d, "table": table.kind, "tindex": t, "row": int(cols["row"][pos]),
        "code": cols["code"][pos] if "code" in cols else None, "name": cols["name"][pos] if "name" in cols else None,
        "column": column, "expected": view.fmt(exp), "observed": view.fmt(obs),
        "expected_value": view.printed(exp), "observed_value": view.printed(obs), "rounding_step": view.step,
        "message": f"{zh}：应为 {view.fmt(exp)}，列示 {view.fmt(obs)} / {en}: expected {view.fmt(exp)}, "
                   f"printed {view.fmt(obs)}{note}",
        "severity": "info" if rounding else None,
        "excess": excess,
    }


# --- the same comparison as polars expressions, over a table's rows at once ------------------------

ROUNDING_NOTE = "（差额在各项四舍五入的累计误差之内 / within the accumulated rounding of the terms）"


def _bad_rows(view: TableView, column: str) -> list[int]:
    """The rows whose cell of `column` has a format problem (TableView.problems)."""
    return [r for r, c in view.problems if c == column]


def _bad(view: TableView, columns: list[str]) -> pl.Expr:
    """True on a row where a cell of one of `columns` has a format problem."""
    return pl.any_horizontal([pl.lit(False)] + [pl.col("row").is_in(_bad_rows(view, c)) for c in columns])


def _excess(frame: pl.DataFrame, view: TableView) -> pl.DataFrame:
    """From `_exp`, `_obs` and `_terms` (the number of terms compared), _compare's excess and whether
    the difference is within the accumulated rounding of the terms (`_rounding`)."""
    diff = (pl.col("_obs") - pl.col("_exp")).abs()
    bound = pl.col("_terms").cast(pl.Float64) * 0.5 * (10.0 ** -view.decimals) + 1e-6
    return frame.with_columns(excess=diff - view.tolerance).with_columns(
        _rounding=(pl.col("excess") > 0) & (diff <= bound))


def _compared(frame: pl.DataFrame, view: TableView, observed: pl.Expr, parts: list[pl.Expr], bad: pl.Expr
              ) -> pl.DataFrame:
    """_compare on every row: observed vs Σ parts (in order). Rows with nothing printed to compare or
    a malformed cell are dropped."""
    exp = pl.lit(0.0)
    for part in parts:
        exp = exp + or_zero(part)
    empty = pl.all_horizontal([observed.is_null()] + [q.is_null() for q in parts])
    terms = pl.sum_horizontal([pl.lit(1, pl.Int64)] + [q.is_not_null().cast(pl.Int64) for q in parts])
    out = frame.with_columns(_exp=exp, _obs=or_zero(observed), _terms=terms, _skip=empty | bad)
    return _excess(out.filter(~pl.col("_skip")), view)


def _records(frame: pl.DataFrame, d: int, t: int, table: Table, view: TableView, column: pl.Expr,
             zh: pl.Expr, en: pl.Expr) -> pl.DataFrame:
    """_record for every row of a compared frame (`row`, optional `code`/`name`, `_exp`, `_obs`,
    `excess`, `_rounding`). Amounts are printed by Python's formatting, as _record prints them."""
    if not frame.height:
        return frame.clear()
    exp, obs = frame["_exp"].to_list(), frame["_obs"].to_list()
    expected = pl.Series([view.fmt(v) for v in exp], dtype=pl.Utf8)
    observed = pl.Series([view.fmt(v) for v in obs], dtype=pl.Utf8)
    frame = frame.with_columns(expected=expected, observed=observed,
                               expected_value=pl.Series([view.printed(v) for v in exp], dtype=pl.Float64),
                               observed_value=pl.Series([view.printed(v) for v in obs], dtype=pl.Float64))
    note = pl.when(pl.col("_rounding")).then(pl.lit(ROUNDING_NOTE)).otherwise(pl.lit(""))
    shown, printed = pl.col("expected"), pl.col("observed")
    return frame.select(
        doc=pl.lit(d, pl.Int64), table=pl.lit(table.kind, pl.Utf8), tindex=pl.lit(t, pl.Int64),
        row=pl.col("row").cast(pl.Int64),
        code=pl.col("code") if "code" in frame.columns else pl.lit(None, pl.Utf8),
        name=pl.col("name") if "name" in frame.columns else pl.lit(None, pl.Utf8),
        column=column, expected=shown, observed=printed, expected_value=pl.col("expected_value"),
        observed_value=pl.col("observed_value"), rounding_step=pl.lit(view.step, pl.Float64),
        message=pl.concat_str([zh, pl.lit("：应为 "), shown, pl.lit("，列示 "), printed, pl.lit(" / "), en,
                               pl.lit(": expected "), shown, pl.lit(", printed "), printed, note]),
        severity=pl.when(pl.col("_rounding")).then(pl.lit("info")).otherwise(pl.lit(None, pl.Utf8)),
        excess=pl.col("excess"),
    )


def _row_sums(table: Table, view: TableView, whole: str, parts: list[str]) -> pl.DataFrame:
    """whole = Σ parts compared on every row whose `whole` is printed (the frame of _compared)."""
    rows = table.rows.filter(amount(whole).is_not_null())
    return _compared(rows, view, amount(whole), [amount(c) for c in parts], _bad(view, [whole, *parts]))


def _children(items: list[dict]) -> pl.DataFrame:
    """Each item's position `k` and, for the items it adds up, the position of that parent (`anchor`):
    the items after a parent down to the next one at its level or above (same side), at the highest
    level among them. An item's anchor is the nearest item before it, on its side, of a lower level;
    of the items anchored to one parent only those at the least level are its children."""
    frame = pl.DataFrame({"k": list(range(len(items))), "row": [it["row"] for it in items],
                          "side": [it["side"] for it in items], "level": [it["level"] for it in items]},
                         schema={"k": pl.Int64, "row": pl.Int64, "side": pl.Utf8, "level": pl.Int64})
    anchor = pl.coalesce([
        pl.when(pl.col("level") == lv).then(
            pl.when(pl.col("level") < lv).then(pl.col("k")).shift(1).forward_fill().over("side"))
        for lv in frame["level"].unique().sort()])
    return (frame.with_columns(anchor=anchor).filter(pl.col("anchor").is_not_null())
            .filter(pl.col("level") == pl.col("level").min().over("anchor")))


def parent_sum(documents: list[Document], derived: Derived) -> pl.DataFrame:
    """类 = Σ款, 款 = Σ项 in every amount column; children grouped by position as printed (a join of
    each parent with the sums of its children, per column)."""
    out: list[pl.DataFrame] = []
    for d, doc in enumerate(documents):
        for t, table in enumerate(doc.tables):
            if table.kind not in CODED_KINDS or not table.rows.height:
                continue
            view = derived.view(table)
            items = derived.distinct_items(table)
            measures = [c for c in view.measures() if c != "previous"]
            if not items or not measures:
                continue
            children = _children(items)
            if not children.height:
                continue
            amounts = table.rows.select("row", *[amount(c) for c in measures]).with_columns(pl.col("row").cast(pl.Int64))
            children = children.join(amounts, on="row", how="left", maintain_order="left")
            parents = pl.DataFrame({"k": list(range(len(items))), "icode": [it["code"] for it in items],
                                    "row": [it["row"] for it in items]},
                                   schema={"k": pl.Int64, "icode": pl.Utf8, "row": pl.Int64})
            keep = [c for c in ("code", "name") if c in table.rows.columns]
            parents = parents.join(table.rows.select(pl.col("row").cast(pl.Int64), *keep),
                                   on="row", how="left", maintain_order="left")
            per_column = []
            for m, col in enumerate(measures):
                sums = children.group_by("anchor", maintain_order=True).agg(
                    _exp=or_zero(pl.col(col)).cum_sum().last(),
                    _terms=pl.col(col).is_not_null().sum().cast(pl.Int64) + 1,
                    _child_bad=pl.col("row").is_in(_bad_rows(view, col)).any())
                # an empty parent cell: nothing printed to compare (often a reading gap)
                frame = (parents.join(amounts.select("row", col), on="row", how="left", maintain_order="left")
                         .join(sums, left_on="k", right_on="anchor", how="inner", maintain_order="left")
                         .filter(pl.col(col).is_not_null() & ~pl.col("_child_bad")
                                 & ~pl.col("row").is_in(_bad_rows(view, col)))
                         .with_columns(_obs=or_zero(pl.col(col)), _m=pl.lit(m, pl.Int64)))
                per_column.append(_records(
                    _excess(frame, view), d, t, table, view, pl.lit(col),
                    pl.concat_str([pl.lit("科目 "), pl.col("icode"), pl.lit(f" 的{_col_zh(col)}不等于下级科目之和")]),
                    pl.concat_str([pl.col("icode"), pl.lit(f" {col} is not the sum of its sub-items")]),
                ).with_columns(frame["k"].alias("_k"), frame["_m"]) if frame.height else frame.clear())
            found = [f for f in per_column if f.height]
            if found:
                out.append(pl.concat(found).sort("_k", "_m", maintain_order=True).drop("_k", "_m"))
    return framed(out, EXTRA)


OPEN_EXPENDITURE_KINDS = frozenset({"expenditure_summary", "fa_expenditure"})
# Row-wise partitions: (whole, parts) — a table with all these columns is checked per row.
ROW_PARTITIONS: list[tuple[str, tuple[str, ...]]] = [("total", ("basic", "project"))]


def basic_plus_project(documents: list[Document], derived: Derived) -> pl.DataFrame:
    """合计 = 基本支出 + 项目支出 on every row."""
    out: list[pl.DataFrame] = []
    for d, doc in enumerate(documents):
        for t, table in enumerate(doc.tables):
            if not table.rows.height or table.kind in INDICATOR_KINDS:
                continue  # indicator values (95, 100) under a 项目支出 banner are not amounts
            view = derived.view(table)
            for whole, parts in ROW_PARTITIONS:
                if len(view.measures(whole, *parts)) != len(parts) + 1:
                    continue
                # an empty total cell: nothing printed to compare (often a reading gap)
                rows = _row_sums(table, view, whole, list(parts))
                if table.kind in OPEN_EXPENDITURE_KINDS:
                    # 支出总表 may add columns (上缴上级支出、结转下年、预留机动经费 …) beyond basic+project
                    rows = rows.filter(pl.col("_obs") <= pl.col("_exp"))
                out.append(_records(rows, d, t, table, view, pl.lit(whole), pl.lit("合计不等于基本支出与项目支出之和"),
                                    pl.lit("total is not basic + project")))
    return framed(out, EXTRA)


def _summands(derived: Derived, table: Table, total_pos: int) -> list[list[int]]:
    """The readings of which rows a 合计/小计 row adds up: lists of row positions, [] when the table
    gives no clear rule. A coded table has two readings when they differ: its top-level rows, and its
    root rows (no parent printed above them, e.g. a 款 printed without its 类 beside full 项 codes)."""
    rows = table.rows
    side = derived.columns(table)["side"][total_pos] if "side" in rows.columns else ""
    names = rows["raw_name"].to_list() if "raw_name" in rows.columns else rows["name"].to_list()
    same_side = [p for p in range(total_pos) if (derived.columns(table)["side"][p] if "side" in rows.columns else "") == side]
    coded = "code" in rows.columns and rows["code"].drop_nulls().len() > 0
    if table.kind in CODED_KINDS or (table.kind in LIST_KINDS and coded):  # a project list grouped by code
        items = [it for it in derived.distinct_items(table) if it["side"] == side]
        if not items:
            return []
        every = derived.hierarchy(table)
        pos = derived.positions(table)
        top = min(it["level"] for it in items)

        def is_root(it: dict) -> bool:
            parent = every[it["parent"]] if it["parent"] is not None else None
            return parent is None or (it["valid"] and parent["valid"] and not it["code"].startswith(parent["code"]))

        readings = [[pos[it["row"]] for it in items if test(it) and pos[it["row"]] < total_pos]
                    for test in (lambda it: it["level"] == top, is_root)]
        return [r for k, r in enumerate(readings) if r and r not in readings[:k]]
    ordinal = [p for p in same_side if ORDINAL_NAME.match((names[p] or "").strip())]
    if ordinal:
        return [ordinal]
    if table.kind in LIST_KINDS:
        if any(SUBTOTAL_NAME.search(n or "") or is_total(n) for n in (names[p] for p in same_side)):
            return []
        return [same_side] if same_side else []
    return []


def column_total(documents: list[Document], derived: Derived) -> pl.DataFrame:
    """The 合计 (or 本年收入/支出小计) row = Σ the top-level rows above it."""
    out: list[dict] = []
    for d, doc in enumerate(documents):
        for t, table in enumerate(doc.tables):
            rows = table.rows
            if not rows.height or "name" not in rows.columns:
                continue
            view = derived.view(table)
            names = rows["name"].to_list()
            summary = table.kind in SUMMARY_KINDS
            seen_sides: set[str] = set()
            for p, name in enumerate(names):
                side = derived.columns(table)["side"][p] if "side" in rows.columns else ""
                target = SUBTOTAL_NAME.search(name or "") if summary else is_total(name)
                if not target or side in seen_sides:
                    continue
                if "code" in rows.columns and derived.columns(table)["code"][p]:
                    continue
                seen_sides.add(side)  # first total of each side only
                readings = _summands(derived, table, p)
                r = int(derived.columns(table)["row"][p])
                for col in view.measures() if readings else ():
                    if col == "previous" or derived.value(table, p, col) is None:
                        continue  # an empty total cell: nothing printed to compare (often a reading gap)
                    cmps = [_compare(view, [(r, col)] + [(int(derived.columns(table)["row"][s]), col) for s in summands],
                                     derived.value(table, p, col), [derived.value(table, s, col) for s in summands])
                            for summands in readings]
                    if any(c is None for c in cmps):
                        continue
                    # one reading of the table that adds up is enough: no error
                    cmp = next((c for c in cmps if c[2] <= 0), cmps[0])
                    if cmp:
                        out.append(_record(derived, d, t, table, p, col, cmp, view,
                                           f"{clean_name(name)}行不等于各项之和", "total row is not the sum of the rows"))
    return check_frame(out, EXTRA)


_GRAND = re.compile(r"总\s*计")


def _summary_tables(documents: list[Document]) -> Iterator[tuple[int, int, Table]]:
    """(document index, table index, table) for every summary table with income/expenditure sides."""
    for d, doc in enumerate(documents):
        for t, table in enumerate(doc.tables):
            if table.kind in SUMMARY_KINDS and table.rows.height and "side" in table.rows.columns:
                yield d, t, table


def income_equals_expenditure(documents: list[Document], derived: Derived) -> pl.DataFrame:
    """收入总计 = 支出总计 in the summary tables."""
    out: list[dict] = []
    for d, t, table in _summary_tables(documents):
        rows = table.rows
        view = derived.view(table)

        def grand(side: str, rows=rows, table=table, view=view) -> tuple[int, str, float] | None:
            for p in range(rows.height):
                if derived.columns(table)["side"][p] == side and _GRAND.search(derived.columns(table)["name"][p] or ""):
                    for col in view.measures("total", "amount"):
                        v = derived.value(table, p, col)
                        if v is not None and (int(derived.columns(table)["row"][p]), col) not in view.problems:
                            return p, col, v
                    return None
            return None

        inc, exp = grand("income"), grand("expenditure")
        if not inc or not exp:
            continue
        excess = abs(inc[2] - exp[2]) - view.tolerance
        rec = _record(derived, d, t, table, exp[0], exp[1], (inc[2], exp[2], excess), view,
                      "支出总计与收入总计不相等", "total expenditure differs from total income")
        out.append(rec)
    return check_frame(out, EXTRA)


# “三公”经费、会议费、培训费支出预算表 (江苏): its 合计 is not the 三公 total
_WITH_MEETINGS = re.compile(r"三公[”\"]?经费[、和及]会议费")
# (whole, parts) by measure column, and the same by row name when the items are rows.
THREE_PUBLIC_PARTS = [("total", ("abroad", "vehicle", "reception")),
                      ("vehicle", ("vehicle_purchase", "vehicle_operation"))]
# 财政拨款“三公”经费支出决算表 prints a 预算数 and a 决算数 block: the 预算数 block adds up the same way
THREE_PUBLIC_PARTS += [("budget_" + whole, tuple("budget_" + p for p in parts)) for whole, parts in THREE_PUBLIC_PARTS]
_ROW_KEYS = {
    "abroad": re.compile(r"因公出国"), "vehicle": re.compile(r"公务用车购置及运[行营]"),
    "vehicle_purchase": re.compile(r"公务用车购置费|^购置费|车辆购置"),
    "vehicle_operation": re.compile(r"公务用车运[行营]|^运行维护费|运行费"),
    "reception": re.compile(r"公务接待"), "total": re.compile(r"合\s*计|总\s*计|三公"),
}


def _printed_terms(view: TableView, column: str) -> tuple[list[pl.Expr], pl.Expr]:
    """The terms a column adds to a 三公 sum, row by row, and whether one of their cells is malformed:
    the column itself, or its own items where its subtotal cell is blank (车辆 小计 left empty while
    购置费 and 运行维护费 are printed). A term that does not apply on a row is null (adds 0, not counted)."""
    parts = dict(THREE_PUBLIC_PARTS).get(column)
    if not parts or not set(parts) <= set(view.measures(*parts)):
        return [amount(column)], _bad(view, [column])
    blank = amount(column).is_null()
    terms = [pl.when(blank).then(amount(parts[0])).otherwise(amount(column))]
    terms += [pl.when(blank).then(amount(c)).otherwise(pl.lit(None, pl.Float64)) for c in parts[1:]]
    return terms, pl.when(blank).then(_bad(view, list(parts))).otherwise(_bad(view, [column]))


def three_public_sum(documents: list[Document], derived: Derived) -> pl.DataFrame:
    """三公 = 出国 + 车辆 + 接待; 车辆 = 购置 + 运行 — by column, or by row when items are rows."""
    out: list[pl.DataFrame] = []
    for d, doc in enumerate(documents):
        for t, table in enumerate(doc.tables):
            rows = table.rows
            if table.kind not in THREE_PUBLIC_KINDS or not rows.height:
                continue
            view = derived.view(table)
            meetings = bool(_WITH_MEETINGS.search(table.title or "")) or any(
                _WITH_MEETINGS.search(p.text) and "三公" in p.text for p in doc.paragraphs)
            for whole, parts in THREE_PUBLIC_PARTS:  # items as columns
                cols = view.measures(whole, *parts)
                if whole not in cols or not set(parts) & set(cols):
                    continue
                present = [c for c in parts if c in cols]
                if len(present) < len(parts) or (whole.endswith("total") and meetings):
                    continue  # 江苏: 合计 also covers 会议费 and 培训费, so it is not the 三公 total
                terms: list[pl.Expr] = []
                bad = _bad(view, [whole])
                for c in present:
                    more, more_bad = _printed_terms(view, c)
                    terms += more
                    bad = bad | more_bad
                # an empty 小计/总额 cell: nothing printed to compare
                compared = _compared(rows.filter(amount(whole).is_not_null()), view, amount(whole), terms, bad)
                out.append(_records(compared, d, t, table, view, pl.lit(whole),
                                    pl.lit(f"“三公”经费{_col_zh(whole)}不等于各项之和"),
                                    pl.lit(f"three-public {whole} is not the sum of its items")))
            found_rows: list[dict] = []
            # items as rows (one amount column)
            found: dict[str, int] = {}
            for p, name in enumerate(rows["name"].to_list() if "name" in rows.columns else []):
                n = clean_name(name)
                for key, pat in _ROW_KEYS.items():
                    if key not in found and pat.search(n):
                        found[key] = p
                        break
            if len(found) < 3:
                continue
            for col in view.measures("amount", "total"):
                for whole, parts in THREE_PUBLIC_PARTS:
                    if whole not in found or not all(k in found for k in parts):
                        continue
                    p = found[whole]
                    cells = [(int(derived.columns(table)["row"][found[k]]), col) for k in (whole, *parts)]
                    cmp = _compare(view, cells, derived.value(table, p, col), [derived.value(table, found[k], col) for k in parts])
                    if cmp:
                        found_rows.append(_record(derived, d, t, table, p, col, cmp, view, "“三公”经费合计不等于各项之和",
                                                  "three-public total is not the sum of its items"))
                break
            out.append(check_frame(found_rows, EXTRA))
    return framed(out, EXTRA)


Partition = tuple[str, tuple[str, ...]]


def _row_sum_rule(derived: Derived, documents: list[Document], partitions: Callable[[Table], list[Partition]], kinds: frozenset | None,
                  zh: str, en: str, min_parts: int = 2) -> list[pl.DataFrame]:
    """whole = Σ parts on every row of the tables (of `kinds`) that have the whole and ≥ min_parts parts;
    one frame per table checked."""
    out: list[pl.DataFrame] = []
    for d, doc in enumerate(documents):
        for t, table in enumerate(doc.tables):
            if (kinds and table.kind not in kinds) or not table.rows.height:
                continue
            view = derived.view(table)
            for whole, parts in partitions(table):
                present = [c for c in parts if c in table.rows.columns]
                if whole not in table.rows.columns or len(present) < min_parts:
                    continue
                out.append(_records(_row_sums(table, view, whole, present), d, t, table, view, pl.lit(whole),
                                    pl.lit(zh), pl.lit(en)))
                break  # first applicable partition only
    return out


INCOME_KINDS = frozenset({"income_summary", "fa_income"})
OTHER_SOURCES = ("special_nontax", "business", "operating", "superior_subsidy", "subsidiary_remit", "other",
                 "carryover")


def _income_partition(table: Table) -> list[Partition]:
    funds = ("fiscal",) if "fiscal" in table.rows.columns else ("gpb", "gov_fund", "soe_capital")
    return [("total", funds + OTHER_SOURCES)]


def income_sources(documents: list[Document], derived: Derived) -> pl.DataFrame:
    """部门收入总表: 合计 = 财政拨款 (or its three funds when no 财政拨款 column) + the other sources, per row."""
    return framed(_row_sum_rule(derived, documents, _income_partition, INCOME_KINDS, "合计不等于各项收入之和",
                                "total is not the sum of the income sources"), EXTRA)


BASIC_PARTS: list[Partition] = [("basic", ("personnel", "public"))]
BASIC_TABLE_PARTS: list[Partition] = [("total", ("personnel", "public"))]
BASIC_KINDS = frozenset({"gpb_basic_expenditure", "fa_gpb_basic_expenditure"})


def personnel_plus_public(documents: list[Document], derived: Derived) -> pl.DataFrame:
    """基本支出 = 人员经费 + 公用经费 on every row; in a 基本支出表 its 合计 column = 人员经费 + 公用经费."""
    out = _row_sum_rule(derived, documents, lambda _t: BASIC_PARTS, None, "基本支出不等于人员经费与公用经费之和",
                        "basic is not personnel + public")
    rows = _row_sum_rule(derived, documents, lambda _t: BASIC_TABLE_PARTS, BASIC_KINDS, "基本支出合计不等于人员经费与公用经费之和",
                         "basic total is not personnel + public")
    seen = {(f["doc"][0], f["tindex"][0]) for f in out if f.height}
    out += [f for f in rows if f.height and (f["doc"][0], f["tindex"][0]) not in seen]
    return framed(out, EXTRA)


_CARRY = re.compile(r"结转|结余|弥补|调入|上年|年初|年末")
_SUB_ITEM = re.compile(r"^(其中|\d+[.．、]|[（(]\d+[）)])")  # '1.财政拨款结余、结转' is part of the line above


def _row_names(table: Table) -> tuple[list[str], list[str]]:
    """Each row's cleaned name (for matching) and its name as printed, stripped (for '1.…' detail lines)."""
    rows = table.rows
    printed = rows["raw_name"] if "raw_name" in rows.columns else rows["name"]
    return [clean_name(n) for n in rows["name"].to_list()], [(n or "").strip() for n in printed.to_list()]


def carryover_total(documents: list[Document], derived: Derived) -> pl.DataFrame:
    """收支总表 (budget and 决算): 总计 = 本年收入(支出)合计 + the 结转/结余 lines between them, per side."""
    out: list[dict] = []
    for d, t, table in _summary_tables(documents):
        rows = table.rows
        view = derived.view(table)
        names, raw = _row_names(table)
        for side in ("income", "expenditure"):
            idx = [p for p in range(rows.height) if derived.columns(table)["side"][p] == side]
            sub = next((p for p in idx if SUBTOTAL_NAME.search(names[p])), None)
            grand = next((p for p in idx if _GRAND.search(names[p])), None)
            if sub is None or grand is None or grand < sub:
                continue
            between = [p for p in idx if sub < p < grand and _CARRY.search(names[p])
                       and not _SUB_ITEM.match(raw[p])]
            for col in view.measures("total", "amount"):
                r = int(derived.columns(table)["row"][grand])
                cells = [(r, col), (int(derived.columns(table)["row"][sub]), col)] + [(int(derived.columns(table)["row"][p]), col) for p in between]
                cmp = _compare(view, cells, derived.value(table, grand, col),
                               [derived.value(table, sub, col)] + [derived.value(table, p, col) for p in between])
                if cmp:
                    out.append(_record(derived, d, t, table, grand, col, cmp, view,
                                       f"{names[grand]}不等于{names[sub]}与结转结余之和",
                                       "the grand total is not this year's total plus carry-overs"))
                break
    return check_frame(out, EXTRA)


# --- 决算: 年初结转和结余 + 本年收入 = 本年支出 + 年末结转和结余 ------------------------------------

FA_SUMMARY_KINDS = frozenset(k for k in SUMMARY_KINDS if k.startswith("fa_"))
_YEAR_END = re.compile(r"年末.*结转|结转下年")


def _balance_columns(table: Table) -> tuple[str, str, str, str] | None:
    """(年初, 本年收入, 本年支出, 年末) measure keys, or None when the header did not name all four.

    本年支出 is its own column, or the 合计 of a 本年支出 split into 基本支出/项目支出."""
    cols = table.rows.columns
    if not {"carryover_start", "income", "carryover_end"} <= set(cols):
        return None
    if "expenditure" in cols:
        return "carryover_start", "income", "expenditure", "carryover_end"
    if "total" in cols and ("basic" in cols or "project" in cols):
        return "carryover_start", "income", "total", "carryover_end"
    return None  # a 合计 alone could total anything: no check


def _balance_rows(derived: Derived, documents: list[Document]) -> list[pl.DataFrame]:
    """Per row of every table whose header names the four balance columns (政府性基金/国有资本经营 …)."""
    out: list[pl.DataFrame] = []
    for d, doc in enumerate(documents):
        for t, table in enumerate(doc.tables):
            cols = _balance_columns(table) if table.rows.height else None
            if cols is None:
                continue
            start, income, spent, end = cols
            view = derived.view(table)
            rows = _compared(table.rows, view, amount(end), [amount(start), amount(income), -amount(spent)],
                             _bad(view, list(cols)))
            out.append(_records(rows, d, t, table, view, pl.lit(end),
                                pl.lit("年末结转和结余不等于年初结转和结余 + 本年收入 − 本年支出"),
                                pl.lit("year-end balance is not year-start balance + income − expenditure")))
    return out


def _side_total(derived: Derived, table: Table, view: TableView, side: str, names: list[str], raw: list[str]
                ) -> tuple[int, str, list[int], int | None] | None:
    """(本年合计 position, its column, the 结转/结余 lines after it, the 总计 position) of one side."""
    rows = table.rows
    idx = [p for p in range(rows.height) if derived.columns(table)["side"][p] == side]
    sub = next((p for p in idx if SUBTOTAL_NAME.search(names[p])), None)
    if sub is None:
        return None
    col = next((c for c in view.measures("total", "amount") if derived.value(table, sub, c) is not None), None)
    if col is None:
        return None
    grand = next((p for p in idx if p > sub and _GRAND.search(names[p])), None)
    carries = [p for p in idx if sub < p < (grand if grand is not None else rows.height)
               and _CARRY.search(names[p]) and not _SUB_ITEM.match(raw[p])]
    return sub, col, carries, grand


def _summary_balance_rows(derived: Derived, documents: list[Document]) -> list[dict]:
    """收支决算总表: 本年收入合计 + 年初结转和结余 (+ 使用非财政拨款结余) = 本年支出合计 + 年末结转和结余
    (+ 结余分配). Checked only when a side's 总计 is not printed or not read: otherwise
    arithmetic.carryover_total and arithmetic.income_equals_expenditure already decide it."""
    out: list[dict] = []
    for d, t, table in _summary_tables(documents):
        if table.kind not in FA_SUMMARY_KINDS:
            continue
        view = derived.view(table)
        names, raw = _row_names(table)
        inc = _side_total(derived, table, view, "income", names, raw)
        exp = _side_total(derived, table, view, "expenditure", names, raw)
        if inc is None or exp is None:
            continue
        if all(g is not None and derived.value(table, g, c) is not None for _, c, _, g in (inc, exp)):
            continue  # both 总计 printed: the 总计 rules cover the identity
        end = next((p for p in exp[2] if _YEAR_END.search(names[p])), None)
        if end is None:
            continue  # no 年末 line recognised: no check
        others = [p for p in exp[2] if p != end]

        def v(p: int, col: str, table: Table = table) -> float | None:
            return derived.value(table, p, col)

        parts = [v(inc[0], inc[1])] + [v(p, inc[1]) for p in inc[2]]
        parts += [None if (x := v(p, exp[1])) is None else -x for p in [exp[0], *others]]
        cells = [(int(derived.columns(table)["row"][end]), exp[1])] + [(int(derived.columns(table)["row"][p]), inc[1]) for p in [inc[0], *inc[2]]]
        cells += [(int(derived.columns(table)["row"][p]), exp[1]) for p in [exp[0], *others]]
        cmp = _compare(view, cells, v(end, exp[1]), parts)
        if cmp:
            out.append(_record(derived, d, t, table, end, exp[1], cmp, view,
                               "年末结转和结余不等于本年收入合计 + 年初结转和结余 − 本年支出合计",
                               "year-end balance is not this year's income + year-start balance − expenditure"))
    return out


# a fund's lines in 财政拨款收入支出决算总表: its income line, its 年初 sub-line and its expenditure column
FUNDS = {"gpb": re.compile(r"一般公共预算"), "gov_fund": re.compile(r"政府性基金"), "soe_capital": re.compile(r"国有资本经营")}
_YEAR_START = re.compile(r"年初.*结转|上年结转")


def _fund_balance_rows(derived: Derived, documents: list[Document]) -> list[dict]:
    """财政拨款收入支出决算总表, per fund: its 本年收入 line + its 年初 sub-line = 本年支出合计 in its
    column + 年末结转和结余 in its column. A fund whose lines are not all recognised is not checked
    (a 年初 printed without per-fund lines counts as 0 only when it is empty or 0)."""
    out: list[dict] = []
    for d, t, table in _summary_tables(documents):
        if table.kind != "fa_fiscal_summary":
            continue
        rows = table.rows
        view = derived.view(table)
        names, raw = _row_names(table)
        inc = _side_total(derived, table, view, "income", names, raw)
        exp_idx = [p for p in range(rows.height) if derived.columns(table)["side"][p] == "expenditure"]
        exp_sub = next((p for p in exp_idx if SUBTOTAL_NAME.search(names[p])), None)
        end = next((p for p in exp_idx if exp_sub is not None and p > exp_sub and _YEAR_END.search(names[p])), None)
        if inc is None or exp_sub is None or end is None:
            continue
        sub, col = inc[0], inc[1]
        inc_idx = [p for p in range(rows.height) if derived.columns(table)["side"][p] == "income"]
        start = next((p for p in inc_idx if p > sub and _YEAR_START.search(names[p])), None)
        if start is None:
            continue
        grand = next((p for p in inc_idx if p > start and _GRAND.search(names[p])), rows.height)
        for fund, pat in FUNDS.items():
            if fund not in rows.columns:
                continue
            income = next((p for p in inc_idx if p < sub and pat.search(names[p]) and not _CARRY.search(names[p])), None)
            start_f = next((p for p in inc_idx if start < p < grand and pat.search(names[p])), None)
            if income is None:
                continue
            if start_f is None and (derived.value(table, start, col) or 0.0) != 0.0:
                continue  # a 年初 balance not split by fund: this fund's share is unknown
            parts = [derived.value(table, income, col), derived.value(table, start_f, col) if start_f is not None else None]
            spent = derived.value(table, exp_sub, fund)
            parts.append(None if spent is None else -spent)
            observed = derived.value(table, end, fund)
            split = any(derived.value(table, end, f) is not None for f in FUNDS if f in rows.columns)
            if observed is None and not split and (any(derived.value(table, end, c) for c in view.measures()) or any(
                    pat.search(names[p]) and any(derived.value(table, p, c) for c in view.measures())
                    for p in exp_idx if p > end)):
                continue  # the 年末 balance is not split into the fund columns: this fund's share is unknown
            cells = [(int(derived.columns(table)["row"][end]), fund), (int(derived.columns(table)["row"][exp_sub]), fund), (int(derived.columns(table)["row"][income]), col)]
            cells += [(int(derived.columns(table)["row"][start_f]), col)] if start_f is not None else []
            cmp = _compare(view, cells, observed, parts)
            if cmp:
                zh = _col_zh(fund)
                out.append(_record(derived, d, t, table, end, fund, cmp, view,
                                   f"{zh}财政拨款：年末结转和结余不等于本年收入 + 年初结转和结余 − 本年支出",
                                   f"{fund}: year-end balance is not income + year-start balance − expenditure"))
    return out


def carryover_identity(documents: list[Document], derived: Derived) -> pl.DataFrame:
    """决算: 年初结转和结余 + 本年收入 = 本年支出 + 年末结转和结余 — per row where the header names the
    four columns, per fund in the 财政拨款收入支出决算总表, and on the 收支决算总表's 本年合计 and
    结转结余 lines."""
    return framed(_balance_rows(derived, documents) + [check_frame(_fund_balance_rows(derived, documents), EXTRA),
                   check_frame(_summary_balance_rows(derived, documents), EXTRA)], EXTRA)
