"""Arithmetic check frames: sums down the code hierarchy, across columns, totals.

Each frame has `excess` = |observed − expected| − tolerance (null when not applicable);
the expectation is `excess <= 0`. A value whose cell has a format problem is skipped:
format.malformed_amount reports it once.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import polars as pl

from domain.model import INDICATOR_KINDS, MEASURES, SUMMARY_KINDS, THREE_PUBLIC_KINDS, Document, Table
from expectations.frames import (
    CODED_KINDS,
    HIERARCHY_SCHEMA,
    ORDINAL_NAME,
    SUBTOTAL_NAME,
    TOTAL_NAME,
    Batch,
    Derived,
    amount,
    check_frame,
    fmt_amount,
    framed,
    or_zero,
    printed_amount,
)

EXTRA = {"excess": pl.Float64}
LIST_KINDS = frozenset({"projects", "procurement", "purchased_services", "fa_procurement"})


def _col_zh(column: str) -> str:
    return MEASURES.get(column, column).split(" ")[0]


# --- comparisons as polars expressions, over all tables of a run at once (Derived.batch) -----------

ROUNDING_NOTE = "（差额在各项四舍五入的累计误差之内 / within the accumulated rounding of the terms）"
PRECISION = ("doc", "tindex", "kind", "decimals", "tolerance", "step")


def _rows_of(batch: Batch, tids: list[int]) -> pl.DataFrame:
    """The stacked rows of these tables, with their table's precision."""
    return (batch.rows.filter(pl.col("tid").is_in(tids))
            .join(batch.tables.select("tid", *PRECISION), on="tid", how="left", maintain_order="left"))


def _with_bad(frame: pl.DataFrame, batch: Batch, columns: list[str]) -> pl.DataFrame:
    """`_bad_<column>`: the row's cell of that column has a format problem."""
    todo = [c for c in dict.fromkeys(columns) if f"_bad_{c}" not in frame.columns]
    if not todo:
        return frame
    flags = (batch.problems.filter(pl.col("column").is_in(todo)).group_by("tid", "row")
             .agg([(pl.col("column") == c).any().alias(f"_bad_{c}") for c in todo]))
    return (frame.join(flags, on=["tid", "row"], how="left", maintain_order="left")
            .with_columns([pl.col(f"_bad_{c}").fill_null(False) for c in todo]))


def _bad(columns: list[str]) -> pl.Expr:
    return pl.any_horizontal([pl.lit(False)] + [pl.col(f"_bad_{c}") for c in columns])


def _excess(frame: pl.DataFrame) -> pl.DataFrame:
    """From `_exp`, `_obs` and `_terms` (the number of terms compared, the whole included): `excess` =
    |observed − expected| − tolerance, and whether a difference is within the accumulated rounding of
    the terms, half a printed unit per term (`_rounding`: the row is then only 'info')."""
    diff = (pl.col("_obs") - pl.col("_exp")).abs()
    bound = pl.col("_terms").cast(pl.Float64) * 0.5 * pl.col("step") + 1e-6
    return frame.with_columns(excess=diff - pl.col("tolerance")).with_columns(
        _rounding=(pl.col("excess") > 0) & (diff <= bound))


def _compared(frame: pl.DataFrame, observed: pl.Expr, parts: list[pl.Expr], bad: pl.Expr) -> pl.DataFrame:
    """observed vs Σ parts (in order, an empty part as 0) on every row. Rows with nothing printed to
    compare or a malformed cell are dropped."""
    exp = pl.lit(0.0)
    for part in parts:
        exp = exp + or_zero(part)
    empty = pl.all_horizontal([observed.is_null()] + [q.is_null() for q in parts])
    terms = pl.sum_horizontal([pl.lit(1, pl.Int64)] + [q.is_not_null().cast(pl.Int64) for q in parts])
    out = frame.with_columns(_exp=exp, _obs=or_zero(observed), _terms=terms, _skip=empty | bad)
    return _excess(out.filter(~pl.col("_skip")))


def _records(frame: pl.DataFrame, column: pl.Expr, zh: pl.Expr, en: pl.Expr, keys: tuple[str, ...] = ()
             ) -> pl.DataFrame:
    """The check row of every row of a compared frame (precision columns, `row`, optional `code`/`name`,
    `_exp`, `_obs`, `excess`, `_rounding`), with the sort `keys` kept. Amounts are printed by Python's
    formatting with each table's decimals (TableView.fmt, .printed)."""
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


# --- rows found by name, as the Python patterns read them ------------------------------------------

# Python's \s (str.isspace, str.strip) also covers \x1c-\x1f, which polars' (Rust) regex \s does not
_WS = r"[\s\x1c-\x1f]"
_NO_SIDE = "\x00"  # a null side, kept apart from "" (a table without a side column)


def _rx(pattern: re.Pattern[str], stripped: bool = False) -> str:
    """A Python pattern for `str.contains`, with `\\s` as Python reads it; `stripped`: a `^` pattern
    that Python matches on the text after str.strip()."""
    text = pattern.pattern.replace(r"\s", _WS)
    return "^" + _WS + "*" + text[1:] if stripped else text


def _text(rows: pl.DataFrame, column: str) -> pl.Expr:
    """A text column of Batch.rows (null where no table has it)."""
    return pl.col(column) if column in rows.columns else pl.lit(None, pl.Utf8).alias(column)


def _value(rows: pl.DataFrame, column: str) -> pl.Expr:
    """An amount column of Batch.rows as Derived.value reads it (null where no table has it)."""
    return amount(column) if column in rows.columns else pl.lit(None, pl.Float64)


def _tables_by_column(batch: Batch) -> dict[str, list[int]]:
    out: dict[str, list[int]] = {}
    for tid, table in enumerate(batch.objects):
        for column in table.rows.columns:
            out.setdefault(column, []).append(tid)
    return out


def _has(derived: Derived, batch: Batch, column: str) -> pl.Expr:
    """Whether the row's table has this column (Batch.rows holds nulls for the tables that lack it)."""
    return pl.col("tid").is_in(derived.get("tables by column", batch, lambda: _tables_by_column(batch)).get(column, []))


def _side(derived: Derived, batch: Batch) -> pl.Expr:
    """A row's side as the checks compare it: "" in a table without a side column."""
    return (pl.when(_has(derived, batch, "side"))
            .then(_text(batch.rows, "side").fill_null(_NO_SIDE)).otherwise(pl.lit("")))


def _printed_name(derived: Derived, batch: Batch) -> pl.Expr:
    """A row's name as printed: raw_name in the tables that have it, else name."""
    return (pl.when(_has(derived, batch, "raw_name"))
            .then(_text(batch.rows, "raw_name")).otherwise(_text(batch.rows, "name")))


def _in_kinds(kinds: frozenset[str]) -> pl.Expr:
    return pl.col("kind").is_in(list(kinds)).fill_null(False)


def _items_of(batch: Batch, derived: Derived, tids: list[int]) -> pl.DataFrame:
    """The code hierarchy of these tables: Batch.items for the coded kinds, computed for the others."""
    extra: dict[str, list] = {c: [] for c in HIERARCHY_SCHEMA}
    for tid in tids:
        table = batch.objects[tid]
        if table.kind in CODED_KINDS:
            continue
        found = derived.hierarchy(table)
        extra["tid"] += [tid] * len(found)
        extra["k"] += range(len(found))
        for c in HIERARCHY_SCHEMA:
            if c not in ("k", "tid"):
                extra[c] += [it[c] for it in found]
    return pl.concat([batch.items.filter(pl.col("tid").is_in(tids)), pl.DataFrame(extra, schema=HIERARCHY_SCHEMA)])


def _long(batch: Batch, measured: pl.DataFrame) -> pl.DataFrame:
    """tid, pos, row, column, m, x (the amount), bad (a format problem) of every cell of the measured
    (tid, column, m) columns."""
    names = sorted(set(measured["column"].to_list()))
    tids = measured["tid"].unique().to_list()
    return (batch.rows.filter(pl.col("tid").is_in(tids)).select("tid", "pos", "row", *[amount(c) for c in names])
            .unpivot(index=["tid", "pos", "row"], on=names, variable_name="column", value_name="x")
            .join(measured, on=["tid", "column"], how="inner")
            .join(batch.problems.unique().with_columns(pl.lit(True).alias("bad")), on=["tid", "row", "column"],
                  how="left")
            .with_columns(pl.col("bad").fill_null(False)))


def _total_rows(derived: Derived, batch: Batch) -> pl.DataFrame:
    """The 合计 row (本年收入/支出小计 in a summary table) each side of a table is checked on: its first
    total row that carries no code. tid, pos, row, side, code, name, name_key, kind, list (a list kind), coded
    (a coded kind, or a list kind with codes)."""
    rows = batch.rows
    name, code = _text(rows, "name").fill_null(""), _text(rows, "code")
    target = (pl.when(_in_kinds(SUMMARY_KINDS)).then(name.str.contains(_rx(SUBTOTAL_NAME)))
              .otherwise(name.str.contains(_rx(TOTAL_NAME))))
    return (rows.select("tid", "pos", "row", _side(derived, batch).alias("side"), code, _text(rows, "name"),
                        _text(rows, "name_key"), code.is_not_null().any().over("tid").alias("_has_code"))
            .join(batch.tables.select("tid", "kind"), on="tid", how="left", maintain_order="left")
            .filter(target & ~(code.is_not_null() & (code != "")))
            .filter(pl.col("pos") == pl.col("pos").min().over("tid", "side"))
            .with_columns(list=_in_kinds(LIST_KINDS),
                          coded=_in_kinds(CODED_KINDS) | (_in_kinds(LIST_KINDS) & pl.col("_has_code")))
            .drop("_has_code"))


def _summands(batch: Batch, derived: Derived, totals: pl.DataFrame) -> pl.DataFrame:
    """The readings of which rows each total adds up: tid, P (the total's position), r (the reading),
    s (a summand's position). A coded table has two readings when they differ: its top-level rows (r=0),
    and its root rows (r=1: no parent printed above them, e.g. a 款 printed without its 类 beside full 项
    codes). Else the ordinal rows ('一、') above the total, or in a list every row above a total that
    is the list's only one; otherwise no reading."""
    key = pl.col("tid"), pl.col("side")
    coded = totals.filter("coded").select("tid", "side", pl.col("pos").alias("P"))
    items = _items_of(batch, derived, coded["tid"].unique().to_list())
    parents = items.select("tid", pl.col("k").alias("parent"), pl.col("valid").alias("_pvalid"),
                           pl.col("code").alias("_pcode"))
    root = pl.col("parent").is_null() | (pl.col("valid") & pl.col("_pvalid")
                                         & ~pl.col("code").str.starts_with(pl.col("_pcode")))
    # readings by code: the items (not printed twice) of the total's side above it
    by_code = (items.filter(pl.col("duplicate_of").is_null()).with_columns(pl.col("side").fill_null(_NO_SIDE))
               .join(parents, on=["tid", "parent"], how="left", maintain_order="left")
               .join(batch.rows.select("tid", "row", pl.col("pos").alias("s")), on=["tid", "row"], how="inner",
                     maintain_order="left")
               .with_columns(top=pl.col("level") == pl.col("level").min().over(*key), root=root)
               .join(coded, on=["tid", "side"], how="inner", maintain_order="left")
               .filter(pl.col("s") < pl.col("P")))
    # the root reading only when it differs from the top-level one
    same = ((pl.col("top").sum() == pl.col("root").sum()) & (pl.col("top").sum() == (pl.col("top") & pl.col("root")).sum())
            ).over("tid", "P")
    by_code = pl.concat([by_code.filter("top").select("tid", "P", pl.lit(0, pl.Int64).alias("r"), "s"),
                         by_code.filter(pl.col("root") & ~same).select("tid", "P", pl.lit(1, pl.Int64).alias("r"), "s")])
    # readings by name
    printed = _printed_name(derived, batch).fill_null("")
    ordinal = printed.str.contains(_rx(ORDINAL_NAME, stripped=True))
    totalish = printed.str.contains(_rx(SUBTOTAL_NAME)) | printed.str.contains(_rx(TOTAL_NAME))
    named = (batch.rows.select("tid", pl.col("pos").alias("s"), _side(derived, batch).alias("side"), ordinal.alias("ordinal"),
                               totalish.alias("totalish"))
             .join(totals.filter(~pl.col("coded")).select("tid", "side", pl.col("pos").alias("P"), "list"),
                   on=["tid", "side"], how="inner", maintain_order="left")
             .filter(pl.col("s") < pl.col("P")))
    by_name = named.filter(pl.when(pl.col("ordinal").any().over("tid", "P")).then(pl.col("ordinal"))
                           .otherwise(pl.col("list") & ~pl.col("totalish").any().over("tid", "P")))
    return pl.concat([by_code, by_name.select("tid", "P", pl.lit(0, pl.Int64).alias("r"), "s")])


def column_total(documents: list[Document], derived: Derived) -> pl.DataFrame:
    """The 合计 (or 本年收入/支出小计) row = Σ the top-level rows above it: per amount column with the
    total printed, Σ each reading of the summands (in order, group_by); one reading that adds up is
    enough, else the first is reported."""
    batch = derived.batch(documents)
    if not batch.rows.height:
        return check_frame([], EXTRA)
    totals = _total_rows(derived, batch)
    summands = _summands(batch, derived, totals)
    measures: dict[str, list] = {"tid": [], "column": [], "m": []}
    for tid in summands["tid"].unique().sort().to_list():
        cols = [c for c in derived.view(batch.objects[tid]).measures() if c != "previous"]
        measures["tid"] += [tid] * len(cols)
        measures["column"] += cols
        measures["m"] += range(len(cols))
    if not measures["tid"]:
        return check_frame([], EXTRA)
    long = _long(batch, pl.DataFrame(measures, schema={"tid": pl.Int64, "column": pl.Utf8, "m": pl.Int64}))
    # an empty total cell: nothing printed to compare (often a reading gap)
    printed = (totals.select("tid", pl.col("pos").alias("P"), "row", "code", "name", "name_key")
               .join(summands.select("tid", "P").unique(), on=["tid", "P"], how="semi")
               .join(long.select("tid", pl.col("pos").alias("P"), "column", "m", pl.col("x").alias("_total"),
                                 pl.col("bad").alias("_total_bad")), on=["tid", "P"], how="inner")
               .filter(pl.col("_total").is_not_null()))
    sums = (summands.join(printed.select("tid", "P", "column"), on=["tid", "P"], how="inner")
            .join(long.select("tid", pl.col("pos").alias("s"), "column", "x", "bad"), on=["tid", "s", "column"],
                  how="inner")
            .sort("tid", "P", "column", "r", "s")
            .group_by("tid", "P", "column", "r", maintain_order=True)
            .agg(_exp=or_zero(pl.col("x")).cum_sum().last(),
                 _terms=pl.col("x").is_not_null().sum().cast(pl.Int64) + 1,
                 _bad=pl.col("bad").any()))
    group = ("tid", "P", "column")
    compared = _excess(printed.join(sums, on=list(group), how="inner")
                       .join(batch.tables.select("tid", *PRECISION), on="tid", how="left")
                       .with_columns(_obs=or_zero(pl.col("_total")))
                       # a malformed cell in any reading: that column is not compared
                       .filter(~(pl.col("_total_bad") | pl.col("_bad")).any().over(*group)))
    # one reading that adds up is enough; else the first reading
    chosen = pl.coalesce(pl.when(pl.col("excess") <= 0).then(pl.col("r")).min().over(*group),
                         pl.col("r").min().over(*group))
    frame = compared.filter(pl.col("r") == chosen).sort("tid", "P", "m")
    zh = pl.concat_str([pl.col("name_key").fill_null(""), pl.lit("行不等于各项之和")])
    return framed([_records(frame, pl.col("column"), zh, pl.lit("total row is not the sum of the rows"))], EXTRA)


_GRAND = re.compile(r"总\s*计")


def _summary_tids(batch: Batch) -> list[int]:
    """The summary tables with income/expenditure sides."""
    return [tid for tid, table in enumerate(batch.objects)
            if table.kind in SUMMARY_KINDS and table.rows.height and "side" in table.rows.columns]


def income_equals_expenditure(documents: list[Document], derived: Derived) -> pl.DataFrame:
    """收入总计 = 支出总计 in the summary tables: each side's first 总计 row, read in its 合计 (else 金额)
    column when printed and well formed."""
    batch = derived.batch(documents)
    tids = _summary_tids(batch)
    if not tids:
        return check_frame([], EXTRA)
    rows = _with_bad(_rows_of(batch, tids), batch, ["total", "amount"])
    ok = {c: _value(rows, c).is_not_null() & ~pl.col(f"_bad_{c}") for c in ("total", "amount")}
    grand = (rows.filter(pl.col("side").is_in(["income", "expenditure"])
                         & _text(rows, "name").fill_null("").str.contains(_rx(_GRAND)))
             .filter(pl.col("pos") == pl.col("pos").min().over("tid", "side"))
             .with_columns(column=pl.when(ok["total"]).then(pl.lit("total")).when(ok["amount"]).then(pl.lit("amount")),
                           _v=pl.when(ok["total"]).then(_value(rows, "total")).when(ok["amount"])
                           .then(_value(rows, "amount")))
             .filter(pl.col("column").is_not_null()))
    income = grand.filter(pl.col("side") == "income").select("tid", pl.col("_v").alias("_exp"))
    frame = (grand.filter(pl.col("side") == "expenditure").join(income, on="tid", how="inner")
             .with_columns(_obs=pl.col("_v"), excess=(pl.col("_exp") - pl.col("_v")).abs() - pl.col("tolerance"),
                           _rounding=pl.lit(False))
             .sort("tid"))
    return framed([_records(frame, pl.col("column"), pl.lit("支出总计与收入总计不相等"),
                            pl.lit("total expenditure differs from total income"))], EXTRA)


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


def _three_public_rows(derived: Derived, batch: Batch, tids: list[int]) -> pl.DataFrame:
    """三公 sums where the items are rows, found by name: each key of _ROW_KEYS is the first row whose
    cleaned name matches it and no earlier key took (each row names one item, the first key it
    matches that is still unfound). A table with at least three items found is checked in its 金额
    (else 合计) column. Keys tid, _j, pos."""
    rows = _with_bad(_rows_of(batch, tids), batch, ["amount", "total"])
    named = rows.select("tid", "pos", _text(rows, "name_key").fill_null("").alias("n"))
    found: list[pl.DataFrame] = []
    for key, pat in _ROW_KEYS.items():
        taken = pl.concat(found).select("tid", "pos") if found else named.clear().select("tid", "pos")
        found.append(named.filter(pl.col("n").str.contains(_rx(pat))).join(taken, on=["tid", "pos"], how="anti")
                     .group_by("tid").agg(pl.col("pos").min()).with_columns(key=pl.lit(key)))
    keys = pl.concat(found).filter(pl.len().over("tid") >= 3)
    has_amount, has_total = _has(derived, batch, "amount"), _has(derived, batch, "total")
    rows = rows.with_columns(
        column=pl.when(has_amount).then(pl.lit("amount")).when(has_total).then(pl.lit("total")),
        _x=pl.when(has_amount).then(_value(rows, "amount")).otherwise(_value(rows, "total")),
        _xbad=pl.when(has_amount).then(pl.col("_bad_amount")).otherwise(pl.col("_bad_total")))
    out = []
    for j, (whole, parts) in enumerate(THREE_PUBLIC_PARTS):
        terms = pl.DataFrame({"key": [whole, *parts], "i": list(range(len(parts) + 1))},
                             schema={"key": pl.Utf8, "i": pl.Int64})
        cells = (keys.join(terms, on="key", how="inner").filter(pl.len().over("tid") == terms.height)
                 .join(rows.filter(pl.col("column").is_not_null()), on=["tid", "pos"], how="inner")
                 .sort("tid", "i"))
        if not cells.height:
            continue
        sums = _sum_of(cells.filter(pl.col("i") > 0), ["tid"])
        frame = (cells.filter(pl.col("i") == 0).join(sums, on="tid", how="inner")
                 .filter(~((pl.col("_x").is_null() & pl.col("_none")) | pl.col("_xbad") | pl.col("_pbad")))
                 .with_columns(_obs=or_zero(pl.col("_x")), _j=pl.lit(len(THREE_PUBLIC_PARTS), pl.Int64),
                               _item=pl.lit(j, pl.Int64)))
        out.append(_records(_excess(frame), pl.col("column"), pl.lit("“三公”经费合计不等于各项之和"),
                            pl.lit("three-public total is not the sum of its items"), keys=("tid", "_j", "_item")))
    return framed(out, {**EXTRA, "tid": pl.Int64, "_j": pl.Int64, "_item": pl.Int64}).rename({"_item": "pos"})


def three_public_sum(documents: list[Document], derived: Derived) -> pl.DataFrame:
    """三公 = 出国 + 车辆 + 接待; 车辆 = 购置 + 运行 — by column, or by row when items are rows."""
    batch = derived.batch(documents)
    # items as columns: per (whole, its columns, which of them expand into their items) the tables
    jobs: dict[tuple[int, str, tuple[tuple[str, bool], ...]], list[int]] = {}
    tables: list[int] = []  # for the items as rows
    for (d, t), tid in batch.tid.items():
        doc, table = documents[d], documents[d].tables[t]
        rows = table.rows
        if table.kind not in THREE_PUBLIC_KINDS or not rows.height:
            continue
        tables.append(tid)
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
    by_rows = [_three_public_rows(derived, batch, tables)] if tables else []
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


def _first(condition: pl.Expr) -> pl.Expr:
    """The position of the first row of its table and side where `condition` holds."""
    return pl.when(condition).then(pl.col("pos")).min().over("tid", "side")


def _summary_rows(derived: Derived, batch: Batch, tids: list[int], more: list[str] | None = None) -> pl.DataFrame:
    """The income and expenditure rows of these summary tables with `cname` (the cleaned name),
    `carry` (a 结转/结余 line, not a detail line '1.…' printed under the line above) and, per
    column c of 合计/金额, `_c_<c>` (its amount) and `_bad_<c>` (also for the `more` columns)."""
    rows = _with_bad(_rows_of(batch, tids), batch, ["total", "amount", *(more or [])])
    cname = _text(rows, "name_key").fill_null("")
    detail = _printed_name(derived, batch).fill_null("").str.contains(_rx(_SUB_ITEM, stripped=True))
    return (rows.filter(pl.col("side").is_in(["income", "expenditure"]))
            .with_columns(cname=cname, carry=cname.str.contains(_rx(_CARRY)) & ~detail,
                          _c_total=_value(rows, "total"), _c_amount=_value(rows, "amount")))


def _sum_of(parts: pl.DataFrame, group: list[str]) -> pl.DataFrame:
    """Per group, the terms compared over the rows in order: `_exp` (Σ `_x`), `_terms`, `_none` (no part
    printed), `_pbad` (a part's cell is malformed)."""
    return parts.group_by(*group, maintain_order=True).agg(
        _exp=or_zero(pl.col("_x")).cum_sum().last(), _terms=pl.col("_x").is_not_null().sum().cast(pl.Int64) + 1,
        _none=pl.col("_x").is_null().all(), _pbad=pl.col("_xbad").any())


def carryover_total(documents: list[Document], derived: Derived) -> pl.DataFrame:
    """收支总表 (budget and 决算): 总计 = 本年收入(支出)合计 + the 结转/结余 lines between them, per side,
    in the table's 合计 column (else 金额)."""
    batch = derived.batch(documents)
    tids = _summary_tids(batch)
    if not tids:
        return check_frame([], EXTRA)
    has_total, has_amount = _has(derived, batch, "total"), _has(derived, batch, "amount")
    rows = (_summary_rows(derived, batch, tids)
            .with_columns(column=pl.when(has_total).then(pl.lit("total")).when(has_amount).then(pl.lit("amount")),
                          _x=pl.when(has_total).then(pl.col("_c_total")).otherwise(pl.col("_c_amount")),
                          _xbad=pl.when(has_total).then(pl.col("_bad_total")).otherwise(pl.col("_bad_amount")),
                          _sub=_first(pl.col("cname").str.contains(_rx(SUBTOTAL_NAME))),
                          _grand=_first(pl.col("cname").str.contains(_rx(_GRAND))))
            .filter(pl.col("_grand") >= pl.col("_sub"), pl.col("column").is_not_null()))
    pos = pl.col("pos")
    parts = rows.filter((pos == pl.col("_sub"))
                        | ((pos > pl.col("_sub")) & (pos < pl.col("_grand")) & pl.col("carry")))
    subs = rows.filter(pos == pl.col("_sub")).select("tid", "side", pl.col("cname").alias("_sub_name"))
    frame = (rows.filter(pos == pl.col("_grand"))
             .join(_sum_of(parts, ["tid", "side"]), on=["tid", "side"], how="inner")
             .join(subs, on=["tid", "side"], how="inner")
             .filter(~((pl.col("_x").is_null() & pl.col("_none")) | pl.col("_xbad") | pl.col("_pbad")))
             .with_columns(_obs=or_zero(pl.col("_x")))
             .sort("tid", pl.col("side") == "expenditure"))
    zh = pl.concat_str([pl.col("cname"), pl.lit("不等于"), pl.col("_sub_name"), pl.lit("与结转结余之和")])
    return framed([_records(_excess(frame), pl.col("column"), zh,
                            pl.lit("the grand total is not this year's total plus carry-overs"))], EXTRA)


# --- 决算: 年初结转和结余 + 本年收入 = 本年支出 + 年末结转和结余 ------------------------------------

FA_SUMMARY_KINDS = frozenset(k for k in SUMMARY_KINDS if k.startswith("fa_"))
_YEAR_END = re.compile(r"年末.*结转|结转下年")
_AFTER_ALL = 1 << 62  # a position after every row: no 总计 line


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


def _side_totals(rows: pl.DataFrame) -> pl.DataFrame:
    """_summary_rows with each side's 本年合计 line `_sub`, the column it is read in `_col` (合计, else
    金额, whichever is printed on that line), the 总计 after it `_grand`, `carried` (a 结转/结余 line
    between them), and the row's amount `_x` (`_xbad`: malformed) in its side's `_col`."""
    pos = pl.col("pos")

    def printed_on_sub(column: str) -> pl.Expr:
        return pl.when(pos == pl.col("_sub")).then(pl.col(f"_c_{column}").is_not_null()).any().over("tid", "side")

    rows = rows.with_columns(_sub=_first(pl.col("cname").str.contains(_rx(SUBTOTAL_NAME)))).with_columns(
        _col=pl.when(printed_on_sub("total")).then(pl.lit("total")).when(printed_on_sub("amount")).then(pl.lit("amount")),
        _grand=_first(pl.col("cname").str.contains(_rx(_GRAND)) & (pos > pl.col("_sub"))))
    return rows.with_columns(
        carried=(pos > pl.col("_sub")) & (pos < pl.col("_grand").fill_null(_AFTER_ALL)) & pl.col("carry"),
        _x=pl.when(pl.col("_col") == "total").then(pl.col("_c_total")).when(pl.col("_col") == "amount")
        .then(pl.col("_c_amount")),
        _xbad=pl.when(pl.col("_col") == "total").then(pl.col("_bad_total")).otherwise(pl.col("_bad_amount")))


def _summary_balance_rows(derived: Derived, documents: list[Document]) -> pl.DataFrame:
    """收支决算总表: 本年收入合计 + 年初结转和结余 (+ 使用非财政拨款结余) = 本年支出合计 + 年末结转和结余
    (+ 结余分配). Checked only when a side's 总计 is not printed or not read: otherwise
    arithmetic.carryover_total and arithmetic.income_equals_expenditure already decide it."""
    batch = derived.batch(documents)
    tids = [tid for tid in _summary_tids(batch) if batch.objects[tid].kind in FA_SUMMARY_KINDS]
    if not tids:
        return pl.DataFrame()
    pos, spent = pl.col("pos"), pl.col("side") == "expenditure"
    grand_printed = ((pos == pl.col("_grand")) & pl.col("_x").is_not_null()).any().over("tid", "side")
    rows = (_side_totals(_summary_rows(derived, batch, tids))
            .filter(pl.col("_sub").is_not_null() & pl.col("_col").is_not_null())
            # both sides read, and not both 总计 printed (the 总计 rules cover the identity)
            .filter((pl.col("side").n_unique().over("tid") == 2) & ~grand_printed.all().over("tid"))
            # the 年末 line among the expenditure side's 结转/结余 lines
            .with_columns(_end=pl.when(spent & pl.col("carried") & pl.col("cname").str.contains(_rx(_YEAR_END)))
                          .then(pos).min().over("tid"))
            .filter(pl.col("_end").is_not_null()))
    # + 本年收入合计 and the income side's lines, − 本年支出合计 and the expenditure side's other lines
    parts = (rows.filter(((pos == pl.col("_sub")) | pl.col("carried")) & (pos != pl.col("_end")))
             .with_columns(_x=pl.when(spent).then(-pl.col("_x")).otherwise(pl.col("_x")))
             .sort("tid", spent, "pos"))
    frame = (rows.filter(pos == pl.col("_end")).join(_sum_of(parts, ["tid"]), on="tid", how="inner")
             .filter(~((pl.col("_x").is_null() & pl.col("_none")) | pl.col("_xbad") | pl.col("_pbad")))
             .with_columns(_obs=or_zero(pl.col("_x")))
             .sort("tid"))
    return _records(_excess(frame), pl.col("_col"), pl.lit("年末结转和结余不等于本年收入合计 + 年初结转和结余 − 本年支出合计"),
                    pl.lit("year-end balance is not this year's income + year-start balance − expenditure"))


# a fund's lines in 财政拨款收入支出决算总表: its income line, its 年初 sub-line and its expenditure column
FUNDS = {"gpb": re.compile(r"一般公共预算"), "gov_fund": re.compile(r"政府性基金"), "soe_capital": re.compile(r"国有资本经营")}
_YEAR_START = re.compile(r"年初.*结转|上年结转")


def _fund_balance_rows(derived: Derived, documents: list[Document]) -> pl.DataFrame:
    """财政拨款收入支出决算总表, per fund: its 本年收入 line + its 年初 sub-line = 本年支出合计 in its
    column + 年末结转和结余 in its column. A fund whose lines are not all recognised is not checked
    (a 年初 printed without per-fund lines counts as 0 only when it is empty or 0)."""
    batch = derived.batch(documents)
    tids = [tid for tid in _summary_tids(batch) if batch.objects[tid].kind == "fa_fiscal_summary"]
    if not tids:
        return pl.DataFrame()
    rows = _side_totals(_summary_rows(derived, batch, tids, list(FUNDS)))
    pos, cname = pl.col("pos"), pl.col("cname")
    income, spent = pl.col("side") == "income", pl.col("side") == "expenditure"
    # a row with an amount other than 0 in one of its table's measures
    measures: dict[str, list[int]] = {}
    for tid in tids:
        for c in derived.view(batch.objects[tid]).measures():
            measures.setdefault(c, []).append(tid)
    nonzero = pl.any_horizontal([pl.lit(False)] + [pl.col("tid").is_in(t) & (amount(c).fill_null(0.0) != 0.0)
                                                   for c, t in measures.items()])
    funds = [f for f in FUNDS if f in rows.columns]
    split = pl.any_horizontal([pl.lit(False)] + [_has(derived, batch, f) & amount(f).is_not_null()
                                                 for f in funds])

    def on_tid(e: pl.Expr) -> pl.Expr:
        return e.max().over("tid")

    # the income side's 本年合计 `_isub` and column `_icol`, 年初 line `_start` and 总计 `_igrand` after it;
    # the expenditure side's 本年合计 `_esub` and 年末 line `_end`
    rows = (rows.with_columns(_isub=on_tid(pl.when(income).then(pl.col("_sub"))),
                              _icol=on_tid(pl.when(income).then(pl.col("_col"))),
                              _esub=on_tid(pl.when(spent).then(pl.col("_sub"))),
                              _nonzero=nonzero, _split=split)
            .with_columns(_end=pl.when(spent & (pos > pl.col("_esub")) & cname.str.contains(_rx(_YEAR_END)))
                          .then(pos).min().over("tid"),
                          _start=pl.when(income & (pos > pl.col("_isub")) & cname.str.contains(_rx(_YEAR_START)))
                          .then(pos).min().over("tid"))
            .filter(pl.col("_isub").is_not_null() & pl.col("_icol").is_not_null() & pl.col("_end").is_not_null()
                    & pl.col("_start").is_not_null())
            .with_columns(_igrand=pl.when(income & (pos > pl.col("_start")) & cname.str.contains(_rx(_GRAND)))
                          .then(pos).min().over("tid").fill_null(_AFTER_ALL),
                          # the row's amount in the income side's column
                          _xi=pl.when(pl.col("_icol") == "total").then(pl.col("_c_total")).otherwise(pl.col("_c_amount")),
                          _xibad=pl.when(pl.col("_icol") == "total").then(pl.col("_bad_total"))
                          .otherwise(pl.col("_bad_amount"))))
    # every row once per fund column of its table: `_fund`, `_i` (its order), `_named` (a line of that
    # fund), `_fv` and `_fbad` (the row's amount in the fund's column)
    keep = ["tid", "pos", "row", "code", "name", "side", "cname", "_isub", "_start", "_igrand", "_end", "_esub",
            "_xi", "_xibad", "_nonzero", "_split"]
    stacked = pl.concat([
        rows.lazy().filter(_has(derived, batch, fund)).select(
            *[pl.col(c) if c in rows.columns else pl.lit(None, pl.Utf8).alias(c) for c in keep],
            _i=pl.lit(i, pl.Int64), _fund=pl.lit(fund), _named=cname.str.contains(_rx(FUNDS[fund])),
            _fv=amount(fund), _fbad=pl.col(f"_bad_{fund}"))
        for i, fund in enumerate(funds)])
    group = ("tid", "_i")
    named = pl.col("_named")

    def at(line: str, e: pl.Expr) -> pl.Expr:
        return e.filter(pos == pl.col(line)).first()

    # the fund's 本年收入 line `_inc` before the 本年合计, its 年初 line `_sf` between 年初 and 总计, and
    # whether an expenditure line of the fund after 年末 carries an amount (`_later`)
    per_table = (stacked.with_columns(
        _inc=pl.when(income & (pos < pl.col("_isub")) & named & ~cname.str.contains(_rx(_CARRY))).then(pos).min().over(*group),
        _sf=pl.when(income & (pos > pl.col("_start")) & (pos < pl.col("_igrand")) & named).then(pos).min().over(*group),
        _later=(spent & (pos > pl.col("_end")) & named & pl.col("_nonzero")).any().over(*group))
        .filter(pl.col("_inc").is_not_null())
        .group_by(*group, maintain_order=True).agg(
            at("_end", pl.col("row")), at("_end", pl.col("code")), at("_end", pl.col("name")),
            _fund=pl.col("_fund").first(), _observed=at("_end", pl.col("_fv")), _obs_bad=at("_end", pl.col("_fbad")),
            _split=at("_end", pl.col("_split")), _end_nonzero=at("_end", pl.col("_nonzero")),
            _spent=at("_esub", pl.col("_fv")), _spent_bad=at("_esub", pl.col("_fbad")),
            _a=at("_inc", pl.col("_xi")), _a_bad=at("_inc", pl.col("_xibad")),
            _b=at("_sf", pl.col("_xi")), _b_bad=at("_sf", pl.col("_xibad")), _start_value=at("_start", pl.col("_xi")),
            _sf=pl.col("_sf").first(), _later=pl.col("_later").first())
        # a 年初 balance not split by fund: this fund's share is unknown
        .filter(pl.col("_sf").is_not_null() | (or_zero(pl.col("_start_value")) == 0.0))
        # the 年末 balance not split into the fund columns: this fund's share is unknown
        .filter(~(pl.col("_observed").is_null() & ~pl.col("_split") & (pl.col("_end_nonzero") | pl.col("_later"))))
        .join(batch.tables.lazy().select("tid", *PRECISION), on="tid", how="left")
        .sort(*group)
        .collect())
    bad_cells = (pl.col("_obs_bad") | pl.col("_spent_bad") | pl.col("_a_bad")
                 | (pl.col("_sf").is_not_null() & pl.col("_b_bad").fill_null(False)))
    compared = _compared(per_table, pl.col("_observed"), [pl.col("_a"), pl.col("_b"), -pl.col("_spent")], bad_cells)
    zh = {f: f"{_col_zh(f)}财政拨款：年末结转和结余不等于本年收入 + 年初结转和结余 − 本年支出" for f in funds}
    en = {f: f"{f}: year-end balance is not income + year-start balance − expenditure" for f in funds}
    return _records(compared, pl.col("_fund"), pl.col("_fund").replace_strict(zh, return_dtype=pl.Utf8),
                    pl.col("_fund").replace_strict(en, return_dtype=pl.Utf8))


def carryover_identity(documents: list[Document], derived: Derived) -> pl.DataFrame:
    """决算: 年初结转和结余 + 本年收入 = 本年支出 + 年末结转和结余 — per row where the header names the
    four columns, per fund in the 财政拨款收入支出决算总表, and on the 收支决算总表's 本年合计 and
    结转结余 lines."""
    return framed([_balance_rows(derived, documents), _fund_balance_rows(derived, documents),
                   _summary_balance_rows(derived, documents)], EXTRA)
