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
from domain.names import name_key
from expectations.frames import (
    CODED_KINDS,
    ORDINAL_NAME,
    SUBTOTAL_NAME,
    Batch,
    Derived,
    TableView,
    amount,
    check_frame,
    fmt_amount,
    framed,
    is_total,
    or_zero,
    printed_amount,
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


# --- the same comparison as polars expressions, over all tables at once (Derived.batch) ----------

ROUNDING_NOTE = "（差额在各项四舍五入的累计误差之内 / within the accumulated rounding of the terms）"
PRECISION = ("doc", "tindex", "kind", "decimals", "tolerance", "step")


def _rows_of(batch: Batch, tids: list[int]) -> pl.DataFrame:
    """The stacked rows of these tables, with their table's precision."""
    return (batch.rows.filter(pl.col("tid").is_in(tids))
            .join(batch.tables.select("tid", *PRECISION), on="tid", how="left", maintain_order="left"))


def _with_bad(frame: pl.DataFrame, batch: Batch, columns: list[str]) -> pl.DataFrame:
    """`_bad_<column>`: the row's cell of that column has a format problem."""
    for c in dict.fromkeys(columns):
        if f"_bad_{c}" in frame.columns:
            continue
        flags = batch.bad_rows([c]).with_columns(pl.lit(True).alias(f"_bad_{c}"))
        frame = frame.join(flags, on=["tid", "row"], how="left", maintain_order="left").with_columns(
            pl.col(f"_bad_{c}").fill_null(False))
    return frame


def _bad(columns: list[str]) -> pl.Expr:
    return pl.any_horizontal([pl.lit(False)] + [pl.col(f"_bad_{c}") for c in columns])


def _excess(frame: pl.DataFrame) -> pl.DataFrame:
    """From `_exp`, `_obs` and `_terms` (the number of terms compared), _compare's excess and whether
    the difference is within the accumulated rounding of the terms (`_rounding`)."""
    diff = (pl.col("_obs") - pl.col("_exp")).abs()
    bound = pl.col("_terms").cast(pl.Float64) * 0.5 * pl.col("step") + 1e-6
    return frame.with_columns(excess=diff - pl.col("tolerance")).with_columns(
        _rounding=(pl.col("excess") > 0) & (diff <= bound))


def _compared(frame: pl.DataFrame, observed: pl.Expr, parts: list[pl.Expr], bad: pl.Expr) -> pl.DataFrame:
    """_compare on every row: observed vs Σ parts (in order). Rows with nothing printed to compare or
    a malformed cell are dropped."""
    exp = pl.lit(0.0)
    for part in parts:
        exp = exp + or_zero(part)
    empty = pl.all_horizontal([observed.is_null()] + [q.is_null() for q in parts])
    terms = pl.sum_horizontal([pl.lit(1, pl.Int64)] + [q.is_not_null().cast(pl.Int64) for q in parts])
    out = frame.with_columns(_exp=exp, _obs=or_zero(observed), _terms=terms, _skip=empty | bad)
    return _excess(out.filter(~pl.col("_skip")))


def _records(frame: pl.DataFrame, column: pl.Expr, zh: pl.Expr, en: pl.Expr, keys: tuple[str, ...] = ()
             ) -> pl.DataFrame:
    """_record for every row of a compared frame (precision columns, `row`, optional `code`/`name`,
    `_exp`, `_obs`, `excess`, `_rounding`), with the sort `keys` kept. Amounts are printed by Python's
    formatting with each table's decimals, as _record prints them."""
    if not frame.height:
        return pl.DataFrame()
    dec = frame["decimals"].to_list()
    exp, obs = frame["_exp"].to_list(), frame["_obs"].to_list()
    frame = frame.with_columns(
        expected=pl.Series([fmt_amount(v, n) for v, n in zip(exp, dec, strict=True)], dtype=pl.Utf8),
        observed=pl.Series([fmt_amount(v, n) for v, n in zip(obs, dec, strict=True)], dtype=pl.Utf8),
        expected_value=pl.Series([printed_amount(v, n) for v, n in zip(exp, dec, strict=True)], dtype=pl.Float64),
        observed_value=pl.Series([printed_amount(v, n) for v, n in zip(obs, dec, strict=True)], dtype=pl.Float64))
    note = pl.when(pl.col("_rounding")).then(pl.lit(ROUNDING_NOTE)).otherwise(pl.lit(""))
    shown, printed = pl.col("expected"), pl.col("observed")
    return frame.select(
        *keys, "doc", pl.col("kind").alias("table"), "tindex", pl.col("row").cast(pl.Int64),
        pl.col("code") if "code" in frame.columns else pl.lit(None, pl.Utf8).alias("code"),
        pl.col("name") if "name" in frame.columns else pl.lit(None, pl.Utf8).alias("name"),
        column.alias("column"), shown, printed, "expected_value", "observed_value", pl.col("step").alias("rounding_step"),
        pl.concat_str([zh, pl.lit("：应为 "), shown, pl.lit("，列示 "), printed, pl.lit(" / "), en,
                       pl.lit(": expected "), shown, pl.lit(", printed "), printed, note]).alias("message"),
        pl.when(pl.col("_rounding")).then(pl.lit("info")).otherwise(pl.lit(None, pl.Utf8)).alias("severity"),
        "excess",
    )


def _row_sums(batch: Batch, jobs: list[tuple[int, str, tuple[str, ...]]], zh: str | Callable[[str], str],
              en: str | Callable[[str], str], keep: Callable[[pl.DataFrame, int], pl.DataFrame] | None = None
              ) -> pl.DataFrame:
    """whole = Σ parts on every row whose `whole` is printed, for each (tid, whole, parts) job; one
    frame computation per distinct (whole, parts). Sorted by table then row (`tid`, `pos`)."""
    by_sig: dict[tuple[str, tuple[str, ...]], list[int]] = {}
    for tid, whole, parts in jobs:
        by_sig.setdefault((whole, parts), []).append(tid)
    out = []
    for (whole, parts), tids in by_sig.items():
        rows = _with_bad(_rows_of(batch, tids).filter(amount(whole).is_not_null()), batch, [whole, *parts])
        rows = _compared(rows, amount(whole), [amount(c) for c in parts], _bad([whole, *parts]))
        if keep is not None:
            rows = keep(rows, 0)
        out.append(_records(rows, pl.lit(whole), pl.lit(zh(whole) if callable(zh) else zh),
                            pl.lit(en(whole) if callable(en) else en), keys=("tid", "pos")))
    found = [f for f in out if f.height]
    return pl.concat(found).sort("tid", "pos", maintain_order=True) if found else pl.DataFrame()


def _children(items: pl.DataFrame) -> pl.DataFrame:
    """The items each parent adds up (`anchor` = the parent's `k`): the items after a parent down to the
    next one at its level or above (same table and side), at the least level among them. An item's
    anchor is the nearest item before it, in its table and side, of a lower level; of the items
    anchored to one parent only those at the least level are its children."""
    group = ["tid", "side"]
    anchor = pl.coalesce([
        pl.when(pl.col("level") == lv).then(
            pl.when(pl.col("level") < lv).then(pl.col("k")).shift(1).forward_fill().over(group))
        for lv in items["level"].unique().sort()] or [pl.lit(None, pl.Int64)])
    return (items.with_columns(anchor=anchor).filter(pl.col("anchor").is_not_null())
            .filter(pl.col("level") == pl.col("level").min().over("tid", "anchor")))


def parent_sum(documents: list[Document], derived: Derived) -> pl.DataFrame:
    """类 = Σ款, 款 = Σ项 in every amount column; children grouped by position as printed: each
    parent's amounts joined with the sums of its children's (group_by parent and column)."""
    batch = derived.batch(documents)
    items = batch.items.filter(pl.col("duplicate_of").is_null()).select("tid", "k", "row", "side", "level", "code")
    # every amount column of every coded table, in the table's order ('previous' is not summed)
    measures: dict[str, list] = {"tid": [], "column": [], "m": []}
    for tid, table in enumerate(batch.objects):
        if table.kind in CODED_KINDS and table.rows.height:
            cols = [c for c in derived.view(table).measures() if c != "previous"]
            measures["tid"] += [tid] * len(cols)
            measures["column"] += cols
            measures["m"] += range(len(cols))
    if not items.height or not measures["tid"]:
        return check_frame([], EXTRA)
    measured = pl.DataFrame(measures, schema={"tid": pl.Int64, "column": pl.Utf8, "m": pl.Int64})
    names = sorted(set(measures["column"]))
    tids = sorted(set(measures["tid"]))
    long = (batch.rows.filter(pl.col("tid").is_in(tids)).select("tid", "row", *[amount(c) for c in names])
            .unpivot(index=["tid", "row"], on=names, variable_name="column", value_name="x")
            .join(measured, on=["tid", "column"], how="inner")
            .join(batch.problems.unique().with_columns(pl.lit(True).alias("bad")), on=["tid", "row", "column"], how="left")
            .with_columns(pl.col("bad").fill_null(False)))
    children = _children(items).select("tid", "anchor", "k", "row")
    sums = (children.join(long, on=["tid", "row"], how="inner").sort("tid", "anchor", "column", "k")
            .group_by("tid", "anchor", "column", maintain_order=True)
            .agg(_exp=or_zero(pl.col("x")).cum_sum().last(),
                 _terms=pl.col("x").is_not_null().sum().cast(pl.Int64) + 1,
                 _child_bad=pl.col("bad").any()))
    keep = [c for c in ("code", "name") if c in batch.rows.columns]
    # an empty parent cell: nothing printed to compare (often a reading gap)
    frame = (items.select("tid", "k", "row", pl.col("code").alias("icode"))
             .join(long.filter(pl.col("x").is_not_null() & ~pl.col("bad")), on=["tid", "row"], how="inner")
             .join(sums.rename({"anchor": "k"}), on=["tid", "k", "column"], how="inner")
             .filter(~pl.col("_child_bad"))
             .join(batch.rows.select("tid", "row", *keep), on=["tid", "row"], how="left")
             .join(batch.tables.select("tid", *PRECISION), on="tid", how="left")
             .with_columns(_obs=or_zero(pl.col("x")))
             .sort("tid", "k", "m"))
    zh = pl.concat_str([pl.lit("科目 "), pl.col("icode"), pl.lit(" 的"),
                        pl.col("column").replace_strict({c: _col_zh(c) for c in names}, return_dtype=pl.Utf8),
                        pl.lit("不等于下级科目之和")])
    en = pl.concat_str([pl.col("icode"), pl.lit(" "), pl.col("column"), pl.lit(" is not the sum of its sub-items")])
    return framed([_records(_excess(frame), pl.col("column"), zh, en)], EXTRA)


OPEN_EXPENDITURE_KINDS = frozenset({"expenditure_summary", "fa_expenditure"})
# Row-wise partitions: (whole, parts) — a table with all these columns is checked per row.
ROW_PARTITIONS: list[tuple[str, tuple[str, ...]]] = [("total", ("basic", "project"))]


def basic_plus_project(documents: list[Document], derived: Derived) -> pl.DataFrame:
    """合计 = 基本支出 + 项目支出 on every row."""
    batch = derived.batch(documents)
    jobs = []
    for (d, t), tid in batch.tid.items():
        table = documents[d].tables[t]
        if not table.rows.height or table.kind in INDICATOR_KINDS:
            continue  # indicator values (95, 100) under a 项目支出 banner are not amounts
        view = derived.view(table)
        for whole, parts in ROW_PARTITIONS:
            if len(view.measures(whole, *parts)) == len(parts) + 1:
                jobs.append((tid, whole, parts))

    def keep(rows: pl.DataFrame, _: int) -> pl.DataFrame:
        # 支出总表 may add columns (上缴上级支出、结转下年、预留机动经费 …) beyond basic+project
        return rows.filter(~pl.col("kind").is_in(list(OPEN_EXPENDITURE_KINDS)) | (pl.col("_obs") <= pl.col("_exp")))

    # an empty total cell: nothing printed to compare (often a reading gap)
    return framed([_row_sums(batch, jobs, "合计不等于基本支出与项目支出之和", "total is not basic + project", keep)],
                  EXTRA)


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
                                           f"{name_key(name)}行不等于各项之和", "total row is not the sum of the rows"))
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


def _printed_terms(column: str, expand: bool) -> tuple[list[pl.Expr], pl.Expr]:
    """The terms a column adds to a 三公 sum, row by row, and whether one of their cells is malformed:
    the column itself, or (`expand`: its items are columns of the table) its own items where its
    subtotal cell is blank (车辆 小计 left empty while 购置费 and 运行维护费 are printed). A term that
    does not apply on a row is null (adds 0, not counted)."""
    parts = dict(THREE_PUBLIC_PARTS).get(column)
    if not expand or not parts:
        return [amount(column)], _bad([column])
    blank = amount(column).is_null()
    terms = [pl.when(blank).then(amount(parts[0])).otherwise(amount(column))]
    terms += [pl.when(blank).then(amount(c)).otherwise(pl.lit(None, pl.Float64)) for c in parts[1:]]
    return terms, pl.when(blank).then(_bad(list(parts))).otherwise(_bad([column]))


def three_public_sum(documents: list[Document], derived: Derived) -> pl.DataFrame:
    """三公 = 出国 + 车辆 + 接待; 车辆 = 购置 + 运行 — by column, or by row when items are rows."""
    batch = derived.batch(documents)
    # items as columns: per (whole, its columns, which of them expand into their items) the tables
    jobs: dict[tuple[int, str, tuple[tuple[str, bool], ...]], list[int]] = {}
    by_rows: list[pl.DataFrame] = []  # items as rows, per table
    for (d, t), tid in batch.tid.items():
        doc, table = documents[d], documents[d].tables[t]
        rows = table.rows
        if table.kind not in THREE_PUBLIC_KINDS or not rows.height:
            continue
        view = derived.view(table)
        meetings = bool(_WITH_MEETINGS.search(table.title or "")) or any(
            _WITH_MEETINGS.search(p.text) and "三公" in p.text for p in doc.paragraphs)
        for j, (whole, parts) in enumerate(THREE_PUBLIC_PARTS):
            cols = view.measures(whole, *parts)
            if whole not in cols or not set(parts) & set(cols):
                continue
            present = [c for c in parts if c in cols]
            if len(present) < len(parts) or (whole.endswith("total") and meetings):
                continue  # 江苏: 合计 also covers 会议费 and 培训费, so it is not the 三公 total
            spec = tuple((c, bool((sub := dict(THREE_PUBLIC_PARTS).get(c)) and set(sub) <= set(view.measures(*sub))))
                         for c in present)
            jobs.setdefault((j, whole, spec), []).append(tid)
        # items as rows (one amount column)
        found: dict[str, int] = {}
        for p, name in enumerate(rows["name"].to_list() if "name" in rows.columns else []):
            n = name_key(name)
            for key, pat in _ROW_KEYS.items():
                if key not in found and pat.search(n):
                    found[key] = p
                    break
        if len(found) < 3:
            continue
        records = []
        for col in view.measures("amount", "total"):
            for whole, parts in THREE_PUBLIC_PARTS:
                if whole not in found or not all(k in found for k in parts):
                    continue
                p = found[whole]
                cells = [(int(derived.columns(table)["row"][found[k]]), col) for k in (whole, *parts)]
                cmp = _compare(view, cells, derived.value(table, p, col), [derived.value(table, found[k], col) for k in parts])
                if cmp:
                    records.append(_record(derived, d, t, table, p, col, cmp, view, "“三公”经费合计不等于各项之和",
                                           "three-public total is not the sum of its items"))
            break
        if records:
            by_rows.append(check_frame(records, EXTRA).with_columns(
                tid=pl.lit(tid, pl.Int64), _j=pl.lit(len(THREE_PUBLIC_PARTS), pl.Int64), pos=pl.int_range(pl.len(), dtype=pl.Int64)))
    out = []
    for (j, whole, spec), tids in jobs.items():
        terms: list[pl.Expr] = []
        bad = _bad([whole])
        for c, expand in spec:
            more, more_bad = _printed_terms(c, expand)
            terms += more
            bad = bad | more_bad
        needed = [whole, *(c for c, _ in spec), *(x for c, e in spec if e for x in dict(THREE_PUBLIC_PARTS)[c])]
        # an empty 小计/总额 cell: nothing printed to compare
        rows = _with_bad(_rows_of(batch, tids).filter(amount(whole).is_not_null()), batch, needed)
        out.append(_records(_compared(rows, amount(whole), terms, bad).with_columns(_j=pl.lit(j, pl.Int64)),
                            pl.lit(whole), pl.lit(f"“三公”经费{_col_zh(whole)}不等于各项之和"),
                            pl.lit(f"three-public {whole} is not the sum of its items"), keys=("tid", "_j", "pos")))
    stacked = framed(out + by_rows, {**EXTRA, "tid": pl.Int64, "_j": pl.Int64, "pos": pl.Int64})
    return stacked.sort("tid", "_j", "pos", maintain_order=True).drop("tid", "_j", "pos")


Partition = tuple[str, tuple[str, ...]]


def _row_sum_rule(derived: Derived, documents: list[Document], partitions: Callable[[Table], list[Partition]], kinds: frozenset | None,
                  zh: str, en: str, min_parts: int = 2) -> pl.DataFrame:
    """whole = Σ parts on every row of the tables (of `kinds`) that have the whole and ≥ min_parts parts."""
    batch = derived.batch(documents)
    jobs = []
    for (d, t), tid in batch.tid.items():
        table = documents[d].tables[t]
        if (kinds and table.kind not in kinds) or not table.rows.height:
            continue
        for whole, parts in partitions(table):
            present = tuple(c for c in parts if c in table.rows.columns)
            if whole in table.rows.columns and len(present) >= min_parts:
                jobs.append((tid, whole, present))
                break  # first applicable partition only
    return _row_sums(batch, jobs, zh, en)


INCOME_KINDS = frozenset({"income_summary", "fa_income"})
OTHER_SOURCES = ("special_nontax", "business", "operating", "superior_subsidy", "subsidiary_remit", "other",
                 "carryover")


def _income_partition(table: Table) -> list[Partition]:
    funds = ("fiscal",) if "fiscal" in table.rows.columns else ("gpb", "gov_fund", "soe_capital")
    return [("total", funds + OTHER_SOURCES)]


def income_sources(documents: list[Document], derived: Derived) -> pl.DataFrame:
    """部门收入总表: 合计 = 财政拨款 (or its three funds when no 财政拨款 column) + the other sources, per row."""
    return framed([_row_sum_rule(derived, documents, _income_partition, INCOME_KINDS, "合计不等于各项收入之和",
                                 "total is not the sum of the income sources")], EXTRA)


BASIC_PARTS: list[Partition] = [("basic", ("personnel", "public"))]
BASIC_TABLE_PARTS: list[Partition] = [("total", ("personnel", "public"))]
BASIC_KINDS = frozenset({"gpb_basic_expenditure", "fa_gpb_basic_expenditure"})


def personnel_plus_public(documents: list[Document], derived: Derived) -> pl.DataFrame:
    """基本支出 = 人员经费 + 公用经费 on every row; in a 基本支出表 its 合计 column = 人员经费 + 公用经费."""
    out = _row_sum_rule(derived, documents, lambda _t: BASIC_PARTS, None, "基本支出不等于人员经费与公用经费之和",
                        "basic is not personnel + public")
    rows = _row_sum_rule(derived, documents, lambda _t: BASIC_TABLE_PARTS, BASIC_KINDS, "基本支出合计不等于人员经费与公用经费之和",
                         "basic total is not personnel + public")
    if out.height and rows.height:
        rows = rows.filter(~pl.col("tid").is_in(out["tid"].unique().to_list()))
    return framed([out, rows], EXTRA)


_CARRY = re.compile(r"结转|结余|弥补|调入|上年|年初|年末")
_SUB_ITEM = re.compile(r"^(其中|\d+[.．、]|[（(]\d+[）)])")  # '1.财政拨款结余、结转' is part of the line above


def _row_names(table: Table) -> tuple[list[str], list[str]]:
    """Each row's cleaned name (for matching) and its name as printed, stripped (for '1.…' detail lines)."""
    rows = table.rows
    printed = rows["raw_name"] if "raw_name" in rows.columns else rows["name"]
    return [n or "" for n in rows["name_key"].to_list()], [(n or "").strip() for n in printed.to_list()]


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


def _balance_rows(derived: Derived, documents: list[Document]) -> pl.DataFrame:
    """Per row of every table whose header names the four balance columns (政府性基金/国有资本经营 …)."""
    batch = derived.batch(documents)
    by_cols: dict[tuple[str, str, str, str], list[int]] = {}
    for (d, t), tid in batch.tid.items():
        table = documents[d].tables[t]
        cols = _balance_columns(table) if table.rows.height else None
        if cols is not None:
            by_cols.setdefault(cols, []).append(tid)
    out = []
    for cols, tids in by_cols.items():
        start, income, spent, end = cols
        rows = _with_bad(_rows_of(batch, tids), batch, list(cols))
        rows = _compared(rows, amount(end), [amount(start), amount(income), -amount(spent)], _bad(list(cols)))
        out.append(_records(rows, pl.lit(end), pl.lit("年末结转和结余不等于年初结转和结余 + 本年收入 − 本年支出"),
                            pl.lit("year-end balance is not year-start balance + income − expenditure"),
                            keys=("tid", "pos")))
    found = [f for f in out if f.height]
    return pl.concat(found).sort("tid", "pos", maintain_order=True) if found else pl.DataFrame()


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
    return framed([_balance_rows(derived, documents), check_frame(_fund_balance_rows(derived, documents), EXTRA),
                   check_frame(_summary_balance_rows(derived, documents), EXTRA)], EXTRA)
