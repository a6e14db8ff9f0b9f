"""Cross-table check frames: one code, one name and one amount everywhere; totals that tie."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import polars as pl

from domain.model import TABLE_KINDS, THREE_PUBLIC_CODES, THREE_PUBLIC_KINDS, Document, Table
from domain.scope import scope_of
from domain.units import wan_per
from expectations import catalog
from expectations.checks.codes import catalog_contradiction
from expectations.frames import (
    SUBTOTAL_NAME,
    TOTAL_NAME,
    Batch,
    Derived,
    TableView,
    amount,
    base_name,
    check_frame,
    fmt_amount,
    framed,
    or_zero,
    printed_amount,
)

KIND_ORDER = {k: i for i, k in enumerate(TABLE_KINDS)}


def same_code_same_name(documents: list[Document], derived: Derived) -> pl.DataFrame:
    """Each occurrence of a code with `name_key` vs the name most tables give it (`majority`): every line
    of every coded table grouped by document and (repaired) code, codes in the order the document first
    prints them; a code printed in one table kind only, or once without a name, is not compared."""
    extra = {"name_key": pl.Utf8, "majority": pl.Utf8}
    batch = derived.batch(documents)
    occ = (batch.items.filter(pl.col("repaired").is_not_null() & (pl.col("repaired") != ""))
           .join(batch.tables.select("tid", "doc", "tindex", "kind"), on="tid", how="left", maintain_order="left")
           .with_row_index("i"))
    if not occ.height:
        return framed([], extra)
    occ = occ.join(occ.select("doc", "repaired").unique(keep="first", maintain_order=True)
                   .with_row_index("rank"), on=["doc", "repaired"], how="left", maintain_order="left")
    # a name that is another code's catalog name is code.catalog's error, not reported twice
    pairs = occ.select("repaired", "name").unique(maintain_order=True)
    contradicted = pairs.with_columns(pl.Series("_other", [catalog_contradiction(c, n) is not None for c, n in
                                                          pairs.iter_rows()], dtype=pl.Boolean))
    occ = (occ.join(contradicted, on=["repaired", "name"], how="left", maintain_order="left", nulls_equal=True)
           .filter(~pl.col("_other")))
    names = occ["name"].fill_null("").unique(maintain_order=True).to_list()
    name = pl.col("name").fill_null("")
    occ = occ.with_columns(name.replace_strict(names, [base_name(n) for n in names], return_dtype=pl.Utf8).alias("name_key"),
                           name.replace_strict(names, [n.strip() for n in names], return_dtype=pl.Utf8).alias("observed"))
    group = ["doc", "repaired"]
    occ = occ.filter((pl.col("kind").n_unique().over(group) >= 2) & (pl.col("name_key") != "").all().over(group))
    if not occ.height:
        return framed([], extra)
    # most tables; on a tie the catalog's wording, then the first table printed
    keys = (occ.group_by(*group, "name_key", maintain_order=True)
            .agg(n=pl.len(), first=pl.col("i").min(), printed=pl.col("observed").first()))
    similar = keys.select("repaired", "name_key").unique(maintain_order=True)
    similar = similar.with_columns(pl.Series("similar", [_catalog_wording(c, k) for c, k in similar.iter_rows()],
                                             dtype=pl.Boolean))
    majority = (keys.join(similar, on=["repaired", "name_key"], how="left", maintain_order="left")
                .sort([*group, "n", "similar", "first"], descending=[False, False, True, True, False])
                .unique(subset=group, keep="first", maintain_order=True)
                .select(*group, pl.col("name_key").alias("majority"), pl.col("printed").alias("expected")))
    frame = (occ.join(majority, on=group, how="left", maintain_order="left").sort("doc", "rank", "i")
             .select("doc", pl.col("kind").alias("table"), "tindex", "row", "code", "name", pl.lit("name").alias("column"),
                     "expected", "observed",
                     pl.concat_str([pl.lit("科目 "), pl.col("repaired"), pl.lit(" 名称“"), pl.col("name_key"),
                                    pl.lit("”与其他表中的“"), pl.col("majority"), pl.lit("”不一致 / code "),
                                    pl.col("repaired"), pl.lit(" is named differently in other tables ("),
                                    pl.col("majority"), pl.lit(")")]).alias("message"),
                     "name_key", "majority"))
    return framed([frame], extra)


def _catalog_wording(code: str, key: str) -> bool:
    """The name is the catalog's for the code."""
    entry = catalog.entries(catalog.system_of(code, None)).get(code)
    return bool(entry and catalog.similar(key, entry.name))


@dataclass(frozen=True)
class Pair:
    """Two columns of two tables that must carry the same amount for the same code."""

    a: str
    a_col: tuple[str, ...]
    b: str
    b_col: tuple[str, ...]
    only_if_all_gpb: bool = False  # comparable only when every fund is 一般公共预算


AMOUNT_PAIRS = [
    Pair("gpb_expenditure", ("total",), "income_summary", ("gpb", "fiscal")),
    Pair("expenditure_summary", ("total",), "income_summary", ("total",)),
    Pair("gpb_expenditure", ("total",), "expenditure_summary", ("total",), only_if_all_gpb=True),
    Pair("gpb_expenditure", ("basic",), "expenditure_summary", ("basic",), only_if_all_gpb=True),
    Pair("gpb_expenditure", ("project",), "expenditure_summary", ("project",), only_if_all_gpb=True),
]


def _all_gpb(derived: Derived, documents: list[Document]) -> pl.DataFrame:
    """doc of every document whose every fund is 一般公共预算: its first 收入总表 prints 合计 and 一般公共预算
    and, on its first total line without a code, they agree."""
    tables = table_facts(derived, documents)
    inc = (tables.filter(pl.col("kind") == "income_summary").unique(subset="doc", keep="first", maintain_order=True)
           .filter(has("total") & has("gpb") & (pl.col("height") > 0)).select("tid", "doc"))
    if not inc.height:
        return inc.select("doc")
    total_line = (lines_of(derived, documents, inc, ("name", "code"), ("total", "gpb"))
                  .filter(pl.col("name").str.contains(TOTAL_NAME.pattern).fill_null(False)
                          & (pl.col("code").is_null() | (pl.col("code") == "")))
                  .unique(subset="doc", keep="first", maintain_order=True))
    return total_line.filter((pl.col("total") - pl.col("gpb")).abs() <= 0.011).select("doc")


def same_code_same_amount(documents: list[Document], derived: Derived) -> pl.DataFrame:
    """`excess` = |a − b| − tolerance for a code printed in both tables of a declared pair.

    When the code is in three tables and two agree, the odd one out is the table reported (not
    always the second of the pair); each (table, row, column) is reported once."""
    compared = _compared_amounts(derived, documents)
    if not compared.height:
        return check_frame([], {"excess": pl.Float64, "other_tindex": pl.Int64})
    # (document, code, table) where some comparison agrees
    agree = pl.concat([compared.filter(pl.col("excess") <= 0).select("doc", "key", pl.col(t).alias("t")) for t in ("ta", "tb")]
                      ).unique()
    blame = (compared
             .join(agree.with_columns(b_agrees=pl.lit(True)).rename({"t": "tb"}), on=["doc", "key", "tb"], how="left",
                   maintain_order="left")
             .join(agree.with_columns(a_agrees=pl.lit(True)).rename({"t": "ta"}), on=["doc", "key", "ta"], how="left",
                   maintain_order="left")
             .with_columns(blame_a=(pl.col("excess") > 0) & pl.col("b_agrees").fill_null(False)
                           & ~pl.col("a_agrees").fill_null(False)))
    side = [pl.when(pl.col("blame_a")).then(pl.col(f"a_{c}")).otherwise(pl.col(f"b_{c}")).alias(c) for c in AMOUNT_RECORD]
    frame = (blame.select("doc", *side, "excess",
                          pl.when(pl.col("blame_a")).then(pl.col("tb")).otherwise(pl.col("ta")).alias("other_tindex"))
             .unique(subset=["doc", "tindex", "row", "column"], keep="first", maintain_order=True))
    return framed([frame], {"excess": pl.Float64, "other_tindex": pl.Int64})


# The fields of the record reported on either side of a comparison (_amount_records).
AMOUNT_RECORD = ("table", "tindex", "row", "code", "name", "column", "expected", "observed", "expected_value",
                 "observed_value", "rounding_step", "message")


def _amount_records(frame: pl.DataFrame, p: str, q: str) -> dict[str, pl.Series]:
    """The finding's fields, one per comparison, when side `p` ('a_'/'b_') is the one reported
    against side `q`."""
    got, want = frame[f"{p}x"].to_list(), frame[f"{q}x"].to_list()
    dec, other_dec = frame[f"{p}decimals"].to_list(), frame[f"{q}decimals"].to_list()
    kinds, other_kinds = frame[f"{p}kind"].to_list(), frame[f"{q}kind"].to_list()
    cols, other_cols = frame[f"{p}column"].to_list(), frame[f"{q}column"].to_list()
    shown_got = [fmt_amount(v, n) for v, n in zip(got, dec, strict=True)]
    shown_want = [fmt_amount(v, n) for v, n in zip(want, other_dec, strict=True)]
    return {
        "table": frame[f"{p}kind"], "tindex": frame[f"{p}tindex"], "row": frame[f"{p}row"],
        "code": frame[f"{p}code"], "name": frame[f"{p}name"], "column": frame[f"{p}column"],
        "expected": pl.Series(shown_want, dtype=pl.Utf8), "observed": pl.Series(shown_got, dtype=pl.Utf8),
        "expected_value": pl.Series([printed_amount(v, n) for v, n in zip(want, other_dec, strict=True)], dtype=pl.Float64),
        "observed_value": pl.Series([printed_amount(v, n) for v, n in zip(got, dec, strict=True)], dtype=pl.Float64),
        "rounding_step": pl.Series([max(a, b) for a, b in zip(frame[f"{p}step"].to_list(), frame[f"{q}step"].to_list(),
                                                              strict=True)], dtype=pl.Float64),
        "message": pl.Series([f"科目 {code} 在{TABLE_KINDS[k]}中为 {g}，{TABLE_KINDS[ok]}中为 {w} / "
                              f"{code}: {k}.{c} differs from {ok}.{oc}"
                              for code, k, ok, c, oc, g, w in zip(frame["key"].to_list(), kinds, other_kinds, cols,
                                                                  other_cols, shown_got, shown_want, strict=True)],
                             dtype=pl.Utf8),
    }


def _compared_amounts(derived: Derived, documents: list[Document]) -> pl.DataFrame:
    """Every comparison of a code's amount between the tables of a declared pair: the two tables' first
    line of each (repaired) code joined on the code; per document, pairs in declaration order and codes
    in the order the document first prints them; the record to report on either side as a_* / b_*."""
    batch = derived.batch(documents)
    tables = table_facts(derived, documents)
    first = tables.unique(subset=["doc", "kind"], keep="first", maintain_order=True)
    pairs = pl.DataFrame({"p": list(range(len(AMOUNT_PAIRS))), "a": [pair.a for pair in AMOUNT_PAIRS],
                          "b": [pair.b for pair in AMOUNT_PAIRS], "gpb_only": [pair.only_if_all_gpb for pair in AMOUNT_PAIRS]},
                         schema={"p": pl.Int64, "a": pl.Utf8, "b": pl.Utf8, "gpb_only": pl.Boolean})

    def side_of(p: str) -> pl.DataFrame:
        """The document's first table of each kind as side `p` of a pair."""
        return first.select("doc", pl.col("kind").alias(p), pl.col("tindex").alias(f"t{p}"),
                            pl.col("height").alias(f"{p}_height"), *[has(c).alias(f"{p}_has_{c}") for c in PRINTED_COLUMNS])

    def column_of(p: str) -> pl.Expr:
        """The first of the pair's columns that side `p`'s table prints."""
        chain = None
        for n, pair in enumerate(AMOUNT_PAIRS):
            this = pl.col("p") == n
            column = first_usable(pair.a_col if p == "a" else pair.b_col, lambda c: pl.col(f"{p}_has_{c}"), pl.lit)
            chain = pl.when(this).then(column) if chain is None else chain.when(this).then(column)
        return chain.otherwise(None).cast(pl.Utf8).alias(f"{p}_column")

    all_gpb = _all_gpb(derived, documents)["doc"].to_list()
    jobs_frame = (pairs.join(side_of("a"), on="a", how="inner").join(side_of("b"), on=["doc", "b"], how="inner")
                  .filter((pl.col("a_height") > 0) & (pl.col("b_height") > 0)
                          & (~pl.col("gpb_only") | pl.col("doc").is_in(pl.Series(all_gpb, dtype=pl.Int64).implode())))
                  .select("doc", "p", "ta", "tb", column_of("a"), column_of("b"))
                  .filter(pl.col("a_column").is_not_null() & pl.col("b_column").is_not_null())
                  .sort("doc", "p"))
    if not jobs_frame.height or not batch.items.height:
        return pl.DataFrame()
    tables = batch.tables.select("tid", "doc", "tindex", "kind", "decimals", "tolerance", "step")
    items = (batch.items.filter(pl.col("repaired").is_not_null() & (pl.col("repaired") != ""))
             .join(tables.select("tid", "doc", "tindex"), on="tid", how="left", maintain_order="left"))
    # the codes of each document in the order it first prints them
    rank = (items.select("doc", pl.col("repaired").alias("key")).unique(keep="first", maintain_order=True)
            .with_columns(rank=pl.int_range(pl.len(), dtype=pl.Int64).over("doc")))
    firsts = items.unique(subset=["tid", "repaired"], keep="first", maintain_order=True)
    names = sorted(set(jobs_frame["a_column"].to_list()) | set(jobs_frame["b_column"].to_list()))
    long = (batch.rows.select("tid", "row", *[amount(c) if c in batch.rows.columns else pl.lit(None, pl.Float64).alias(c)
                                              for c in names])
            .unpivot(index=["tid", "row"], on=names, variable_name="column", value_name="x")
            .join(batch.problems, on=["tid", "row", "column"], how="anti"))

    def side(p: str) -> pl.DataFrame:
        """Each job's table on side `p`: its first line of each code with its amount (a malformed cell: dropped)."""
        t = "ta" if p == "a_" else "tb"
        return (jobs_frame.select("doc", "p", pl.col(t).alias("tindex"), pl.col(f"{p}column").alias("column"))
                .join(firsts.select("doc", "tindex", "tid", pl.col("repaired").alias("key"), "row", "code", "name"),
                      on=["doc", "tindex"], how="inner")
                .join(long, on=["tid", "row", "column"], how="inner")
                .join(tables.drop("doc", "tindex"), on="tid", how="left")
                .select("doc", "p", "key", *[pl.col(c).alias(f"{p}{c}") for c in
                                             ("tindex", "row", "code", "name", "column", "x", "kind", "decimals",
                                              "tolerance", "step")]))

    both = (side("a_").join(side("b_"), on=["doc", "p", "key"], how="inner")
            .join(rank, on=["doc", "key"], how="inner").sort("doc", "p", "rank")
            .filter(pl.col("a_x").is_not_null() | pl.col("b_x").is_not_null())
            .with_columns(or_zero(pl.col("a_x")).alias("a_x"), or_zero(pl.col("b_x")).alias("b_x")))
    if not both.height:
        return pl.DataFrame()
    both = both.with_columns(ta=pl.col("a_tindex"), tb=pl.col("b_tindex"),
                             excess=(pl.col("a_x") - pl.col("b_x")).abs()
                             - pl.max_horizontal(pl.col("a_tolerance"), pl.col("b_tolerance")))
    fields = {f"a_{c}": v for c, v in _amount_records(both, "a_", "b_").items()}
    fields |= {f"b_{c}": v for c, v in _amount_records(both, "b_", "a_").items()}
    return both.select("doc", "key", "ta", "tb", "excess").with_columns(**fields)


@dataclass(frozen=True)
class Spot:
    """A total in a table: the row whose name matches `name` on `side`, first of `cols` with a value."""

    kind: str
    name: str
    cols: tuple[str, ...]
    side: str | None = None


SUBTOTAL = SUBTOTAL_NAME.pattern
# Not compared: 财政拨款总表's 一般公共预算 INCOME with the 一般公共预算支出表 合计 — spending also uses last
# year's carry-over (杭州), so they differ by design; the expenditure side below is the sound pair.
TOTAL_PAIRS: list[tuple[Spot, Spot]] = [
    (Spot("fiscal_summary", SUBTOTAL, ("gpb",), "expenditure"), Spot("gpb_expenditure", r"合\s*计|总\s*计", ("total",))),
    (Spot("gpb_expenditure", r"合\s*计|总\s*计", ("basic",)), Spot("gpb_basic_expenditure", r"合\s*计|总\s*计", ("total", "amount"))),
    (Spot("overall_summary", SUBTOTAL, ("amount", "total"), "income"), Spot("income_summary", r"合\s*计|总\s*计", ("total",))),
    (Spot("overall_summary", SUBTOTAL, ("amount", "total"), "expenditure"), Spot("expenditure_summary", r"合\s*计|总\s*计", ("total",))),
    (Spot("expenditure_summary", r"合\s*计|总\s*计", ("project",)), Spot("projects", r"合\s*计|总\s*计", ("total", "amount"))),
]


# Every distinct spot of TOTAL_PAIRS, in order (spot_totals' `spot`).
SPOTS: list[Spot] = list(dict.fromkeys(s for pair in TOTAL_PAIRS for s in pair))


# The columns whose presence in a table the frames below ask about (`has`).
PRINTED_COLUMNS = ("name", "code", "side", "total", "amount", "public", "gpb", "fiscal", "basic", "project",
                   "carryover", "abroad", "reception", "vehicle_operation")


def table_facts(derived: Derived, documents: list[Document]) -> pl.DataFrame:
    """The batch's tables (Batch.tables) with what its frames do not say: `height`, `wan` (one printed
    unit in 万元) and `has_<column>` for PRINTED_COLUMNS (see `has`). Built once per call."""
    batch = derived.batch(documents)
    return derived.get("table_facts", batch, lambda: _table_facts(batch))


def _table_facts(batch: Batch) -> pl.DataFrame:
    objs = batch.objects
    printed = [frozenset(t.rows.columns) for t in objs]
    extra = pl.DataFrame(
        {"tid": list(range(len(objs))), "height": [t.rows.height for t in objs], "wan": [wan_per(t.unit) for t in objs],
         **{f"has_{c}": [c in p for p in printed] for c in PRINTED_COLUMNS}},
        schema={"tid": pl.Int64, "height": pl.Int64, "wan": pl.Float64, **{f"has_{c}": pl.Boolean for c in PRINTED_COLUMNS}})
    return batch.tables.join(extra, on="tid", how="left", maintain_order="left")


def has(column: str) -> pl.Expr:
    """The table prints `column` (one of PRINTED_COLUMNS): a stacked row is null either way."""
    return pl.col(f"has_{column}")


def lines_of(derived: Derived, documents: list[Document], tables: pl.DataFrame, texts: tuple[str, ...] = (),
             amounts: tuple[str, ...] = ()) -> pl.DataFrame:
    """The stacked rows (tid, pos, row) of these tables (some rows of table_facts), in table then row
    order, with the `texts` and `amounts` columns (null when no table prints one) and the tables' facts."""
    rows = derived.batch(documents).rows
    if not rows.height:
        return pl.DataFrame()
    return (rows.filter(pl.col("tid").is_in(tables["tid"].to_list()))
            .select("tid", "pos", "row", *[text_of(rows, c) for c in texts], *[amount_of(rows, c) for c in amounts])
            .join(tables, on="tid", how="left", maintain_order="left"))


def text_of(frame: pl.DataFrame, column: str) -> pl.Expr:
    """A text column of the stacked rows, null when no table prints it."""
    return pl.col(column).cast(pl.Utf8) if column in frame.columns else pl.lit(None, pl.Utf8).alias(column)


def amount_of(frame: pl.DataFrame, column: str) -> pl.Expr:
    """An amount column of the stacked rows (`amount`), null when no table prints it."""
    return amount(column) if column in frame.columns else pl.lit(None, pl.Float64).alias(column)


def _flag_bad(frame: pl.DataFrame, batch: Batch, column: str) -> pl.DataFrame:
    """`_bad_<column>`: the row's cell of that column has a format problem."""
    flags = batch.bad_rows([column]).with_columns(pl.lit(True).alias(f"_bad_{column}"))
    return frame.join(flags, on=["tid", "row"], how="left", maintain_order="left").with_columns(
        pl.col(f"_bad_{column}").fill_null(False))


def first_usable(columns: tuple[str, ...], usable: Callable[[str], pl.Expr], value: Callable[[str], pl.Expr]) -> pl.Expr:
    """value(c) of the first of `columns` that is usable(c); null when none is."""
    chain = pl.when(usable(columns[0])).then(value(columns[0]))
    for c in columns[1:]:
        chain = chain.when(usable(c)).then(value(c))
    return chain.otherwise(None)


def spot_totals(documents: list[Document], derived: Derived) -> pl.DataFrame:
    """Every spot (SPOTS) found in every document (doc, spot, tid, row, name, column, x and the line's
    carryover): the first line of its table kind (in table then row order) without a code whose name
    matches, on its side, and there the first of its columns printed without a format problem (`column`,
    amount `x`). No line when the table, the row, such a column or its amount is missing (an empty cell
    is not compared, not read as 0)."""
    batch = derived.batch(documents)
    schema = {"doc": pl.Int64, "spot": pl.Int64, "tid": pl.Int64, "row": pl.Int64, "name": pl.Utf8,
              "column": pl.Utf8, "x": pl.Float64, "carryover": pl.Float64}
    facts = table_facts(derived, documents)
    tables = facts.filter(pl.col("kind").is_in([spot.kind for spot in SPOTS]) & (pl.col("height") > 0))
    if not tables.height:
        return pl.DataFrame(schema=schema)
    cols = list(dict.fromkeys(c for spot in SPOTS for c in spot.cols))
    patterns = list(dict.fromkeys(spot.name for spot in SPOTS))
    lines = (lines_of(derived, documents, tables, ("name", "code", "side"), (*cols, "carryover"))
             .filter(pl.col("code").is_null() | (pl.col("code") == ""))
             .with_columns([pl.col("name").str.contains(pat).fill_null(False).alias(f"_name{i}")
                            for i, pat in enumerate(patterns)]))
    found = []
    for s, spot in enumerate(SPOTS):
        on_side = (~has("side") | (pl.col("side") == spot.side).fill_null(False)) if spot.side else pl.lit(True)
        line = (lines.filter((pl.col("kind") == spot.kind) & on_side & pl.col(f"_name{patterns.index(spot.name)}"))
                .unique(subset="doc", keep="first", maintain_order=True))
        for c in spot.cols:
            line = _flag_bad(line, batch, c)

        def usable(c: str) -> pl.Expr:
            return has(c) & ~pl.col(f"_bad_{c}")

        found.append(line.select("doc", pl.lit(s, pl.Int64).alias("spot"), "tid", "row", "name",
                                 first_usable(spot.cols, usable, pl.lit).cast(pl.Utf8).alias("column"),
                                 first_usable(spot.cols, usable, pl.col).cast(pl.Float64).alias("x"), "carryover")
                     .filter(pl.col("x").is_not_null()))
    return pl.concat(found).sort("doc", "spot", maintain_order=True).cast(schema)


def spot_pairs(spots: pl.DataFrame) -> pl.DataFrame:
    """The two spots of each of TOTAL_PAIRS found in a document side by side (`p`, a_*, b_* from the
    columns of `spots`), by document then pair."""
    pairs = pl.DataFrame({"p": list(range(len(TOTAL_PAIRS))), "sa": [SPOTS.index(a) for a, _ in TOTAL_PAIRS],
                          "sb": [SPOTS.index(b) for _, b in TOTAL_PAIRS]},
                         schema={"p": pl.Int64, "sa": pl.Int64, "sb": pl.Int64})
    return (pairs.join(spots.rename({c: f"a_{c}" for c in spots.columns if c != "doc"}), left_on="sa",
                       right_on="a_spot", how="inner")
            .join(spots.rename({c: f"b_{c}" for c in spots.columns if c != "doc"}), left_on=["doc", "sb"],
                  right_on=["doc", "b_spot"], how="inner")
            .sort("doc", "p"))


def totals(documents: list[Document], derived: Derived) -> pl.DataFrame:
    """Declared totals that must agree between tables (TOTAL_PAIRS): the spots of each pair joined on
    the document; compared in 万元 when one table prints 元."""
    extra = {"excess": pl.Float64, "other_tindex": pl.Int64}
    spots = derived.frame(spot_totals, documents)
    if not spots.height:
        return framed([], extra)
    tables = table_facts(derived, documents)
    objs = derived.batch(documents).objects
    tids = spots["tid"].unique(maintain_order=True).to_list()
    scopes = pl.DataFrame({"tid": tids, "scope": [scope_of(objs[t].kind, objs[t].title) for t in tids]},
                          schema={"tid": pl.Int64, "scope": pl.Utf8})
    side = (spots.join(tables.select("tid", "tindex", "kind", "decimals", "tolerance", "step", "wan"), on="tid", how="left")
            .join(scopes, on="tid", how="left"))
    wan = TableView(Table(None, ""), 2, set())  # both amounts in 万元, printed with 2 decimals
    converted = pl.col("a_wan") != pl.col("b_wan")

    def in_wan(p: str, what: str) -> pl.Expr:
        """The side's amount in 万元 and its precision when the two tables print different units."""
        own = pl.col(f"{p}{what}")
        if what == "x":
            return pl.when(converted).then(own * pl.col(f"{p}wan")).otherwise(own)
        return pl.when(converted).then(pl.lit(getattr(wan, what))).otherwise(own)

    both = (spot_pairs(side)
            # 收入总表合计 includes 上年结转, 本年收入小计 does not
            .filter(~((pl.col("b_kind") == "income_summary") & pl.col("b_carryover").is_not_null()
                      & (pl.col("b_carryover") != 0.0)))
            # both tables cover the same money (domain.scope): otherwise their totals differ by design
            .filter((pl.col("a_scope") == pl.col("b_scope"))
                    | pl.col("a_kind").is_in(["fiscal_summary", "overall_summary"]))
            .select("doc", "p", "a_kind", "b_kind", "b_tindex", "b_row", "b_name", "a_column", "b_column",
                    "a_tindex", *[in_wan(p, w).alias(f"{p}{w}") for p in ("a_", "b_")
                                  for w in ("x", "decimals", "tolerance", "step")]))
    if not both.height:
        return framed([], extra)
    xa, xb = both["a_x"].to_list(), both["b_x"].to_list()
    da, db = both["a_decimals"].to_list(), both["b_decimals"].to_list()
    shown_a = pl.Series([fmt_amount(v, n) for v, n in zip(xa, da, strict=True)], dtype=pl.Utf8)
    shown_b = pl.Series([fmt_amount(v, n) for v, n in zip(xb, db, strict=True)], dtype=pl.Utf8)
    kind_zh = {k: TABLE_KINDS[k] for k in set(both["a_kind"].to_list()) | set(both["b_kind"].to_list())}
    frame = both.with_columns(expected=shown_a, observed=shown_b).select(
        "doc", pl.col("b_kind").alias("table"), pl.col("b_tindex").alias("tindex"), pl.col("b_row").alias("row"),
        pl.col("b_name").alias("name"), pl.col("b_column").alias("column"), "expected", "observed",
        pl.Series([printed_amount(v, n) for v, n in zip(xa, da, strict=True)], dtype=pl.Float64).alias("expected_value"),
        pl.Series([printed_amount(v, n) for v, n in zip(xb, db, strict=True)], dtype=pl.Float64).alias("observed_value"),
        pl.max_horizontal("a_step", "b_step").alias("rounding_step"),
        pl.concat_str([pl.col("b_kind").replace_strict(kind_zh, return_dtype=pl.Utf8), pl.lit("合计 "), pl.col("observed"),
                       pl.lit(" 与"), pl.col("a_kind").replace_strict(kind_zh, return_dtype=pl.Utf8), pl.lit(" "),
                       pl.col("expected"), pl.lit(" 不一致 / "), pl.col("b_kind"), pl.lit("."), pl.col("b_column"),
                       pl.lit(" total differs from "), pl.col("a_kind"), pl.lit("."), pl.col("a_column")]).alias("message"),
        ((pl.col("a_x") - pl.col("b_x")).abs() - pl.max_horizontal("a_tolerance", "b_tolerance")).alias("excess"),
        pl.col("a_tindex").alias("other_tindex"))
    return framed([frame], extra)


# 经济分类 line of the 基本支出表 → the 三公 item that includes it (三公 covers basic AND project spending).
THREE_PUBLIC_LINES = {code: line for code, line in THREE_PUBLIC_CODES.items() if code.startswith("302")}
_ITEM_ROW = {"abroad": r"因公出国", "reception": r"公务接待", "vehicle_operation": r"运行(维护)?费|运[行营]"}


def _three_public_amounts(derived: Derived, documents: list[Document], docs: pl.Series) -> pl.DataFrame:
    """doc, item, `tp_tolerance`, `tp_wan` and `tp` of the documents `docs`: this year's amount of each
    三公 item in the document's first 三公 table with rows, its column on the first row with a total (not
    last year's or the change) or its row's amount (an empty amount as 0)."""
    facts = table_facts(derived, documents)
    three = (facts.filter(pl.col("kind").is_in(list(THREE_PUBLIC_KINDS)) & (pl.col("height") > 0))
             .unique(subset="doc", keep="first", maintain_order=True).filter(pl.col("doc").is_in(docs.to_list())))
    lines = lines_of(derived, documents, three, ("name",), ("total", "amount", *_ITEM_ROW))
    name = pl.col("name")
    found = []
    for item, pattern in _ITEM_ROW.items():
        has_item = has(item)
        in_column = (lines.filter(has_item & (~has("total") | pl.col("total").is_not_null())
                                  & ~name.fill_null("").str.contains(r"上年|增减|变动"))
                     .select("doc", or_zero(pl.col(item)).alias("tp")))
        on_row = name.str.contains(pattern).fill_null(False)
        if item == "vehicle_operation":
            on_row = on_row & ~name.str.contains("购置", literal=True)
        in_row = (lines.filter(~has_item & has("name") & (has("amount") | has("total")) & on_row)
                  .select("doc", or_zero(pl.when(has("amount")).then(pl.col("amount"))
                                         .otherwise(pl.col("total"))).alias("tp")))
        found.append(pl.concat([in_column, in_row]).unique(subset="doc", keep="first", maintain_order=True)
                     .with_columns(pl.lit(item).alias("item")))
    return pl.concat(found).join(three.select("doc", pl.col("tolerance").alias("tp_tolerance"),
                                              pl.col("wan").alias("tp_wan")), on="doc", how="left")


def three_public_items(documents: list[Document], derived: Derived) -> pl.DataFrame:
    """A 302 line of the 基本支出表 (30217 公务接待费 …) is not more than the 三公 table's item: every such
    line of every document joined with its document's 三公 amounts, compared in 万元."""
    extra = {"excess": pl.Float64}
    batch = derived.batch(documents)
    measure = ("total", "amount", "public")
    facts = table_facts(derived, documents)
    basic = (facts.filter(pl.col("kind").is_in(["gpb_basic_expenditure", "fa_gpb_basic_expenditure"])
                          & has("code") & (pl.col("height") > 0))
             .with_columns(first_usable(measure, has, pl.lit).cast(pl.Utf8).alias("column"))
             .filter(pl.col("column").is_not_null())
             .select("tid", "doc", "tindex", "kind", "column", "tolerance", "wan"))
    if not basic.height:
        return framed([], extra)
    item_of = {code: item for code, (item, _) in THREE_PUBLIC_LINES.items()}
    zh_of = {code: zh for code, (_, zh) in THREE_PUBLIC_LINES.items()}
    name = pl.col("name").fill_null("")
    names_item = pl.coalesce([pl.when(pl.col("item") == item).then(name.str.contains(pattern))
                              for item, pattern in _ITEM_ROW.items()])
    lines = (lines_of(derived, documents, basic, ("name", "code"), measure)
             .filter(pl.col("code").is_in(list(THREE_PUBLIC_LINES)))
             .join(batch.problems.unique().with_columns(pl.lit(True).alias("_bad")), on=["tid", "row", "column"],
                   how="left", maintain_order="left")
             .filter(pl.col("_bad").is_null())
             .with_columns(pl.col("code").replace_strict(item_of, return_dtype=pl.Utf8).alias("item"),
                           first_usable(measure, lambda c: pl.col("column") == c, pl.col).alias("basic"))
             # the code names another line here (code.catalog reports it): the subject is in doubt
             .filter(names_item)
             .filter(pl.col("basic").is_not_null() & (pl.col("basic") != 0.0)))
    three = _three_public_amounts(derived, documents, lines["doc"].unique())
    lines = (lines.join(three, on=["doc", "item"], how="inner", maintain_order="left")
             .sort("tid", "pos", maintain_order=True)
             .with_columns((pl.col("basic") * pl.col("wan")).alias("basic_w"), (pl.col("tp") * pl.col("tp_wan")).alias("tp_w"),
                           pl.max_horizontal(pl.col("tp_tolerance") * pl.col("tp_wan"),
                                             pl.col("tolerance") * pl.col("wan")).alias("tol")))
    if not lines.height:
        return framed([], extra)
    basic_w = pl.Series([f"{v:.2f}" for v in lines["basic_w"].to_list()], dtype=pl.Utf8)
    tp_w = pl.Series([f"{v:.2f}" for v in lines["tp_w"].to_list()], dtype=pl.Utf8)
    frame = lines.with_columns(_basic=basic_w, _tp=tp_w).select(
        "doc", pl.col("kind").alias("table"), "tindex", "row", "code", "name", "column",
        pl.concat_str([pl.lit("≤ "), pl.col("_tp")]).alias("expected"), pl.col("_basic").alias("observed"),
        pl.concat_str([pl.lit("基本支出表 "), pl.col("code"), pl.lit(" "),
                       pl.col("code").replace_strict(zh_of, return_dtype=pl.Utf8), pl.lit(" "), pl.col("_basic"),
                       pl.lit("万元 大于“三公”经费表中的 "), pl.col("_tp"), pl.lit("万元 / "), pl.col("code"),
                       pl.lit(" in the basic expenditure table exceeds the three-public item "), pl.col("item"),
                       pl.lit(" ("), pl.col("_basic"), pl.lit(" > "), pl.col("_tp"), pl.lit(")")]).alias("message"),
        (pl.col("basic_w") - pl.col("tp_w") - pl.col("tol")).alias("excess"))
    return framed([frame], extra)
