"""Cross-table check frames: one code, one name and one amount everywhere; totals that tie."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

import polars as pl

from domain.model import TABLE_KINDS, THREE_PUBLIC_CODES, THREE_PUBLIC_KINDS, Document
from domain.scope import scope_of
from domain.units import wan_per
from expectations import catalog
from expectations.checks.codes import catalog_contradiction
from expectations.frames import (
    CODED_KINDS,
    SUBTOTAL_NAME,
    Derived,
    TableView,
    amount,
    base_name,
    check_frame,
    fmt_amount,
    framed,
    is_total,
    or_zero,
    printed_amount,
)

KIND_ORDER = {k: i for i, k in enumerate(TABLE_KINDS)}


def _occurrences(derived: Derived, doc: Document) -> dict[str, list[tuple[int, dict]]]:
    """code (repaired where a truncated code is unambiguous) → [(table index, hierarchy item)]."""
    out: dict[str, list[tuple[int, dict]]] = {}
    for t, table in enumerate(doc.tables):
        if table.kind in CODED_KINDS and table.rows.height:
            for it in derived.hierarchy(table):
                if it["repaired"]:
                    out.setdefault(it["repaired"], []).append((t, it))
    return out


def same_code_same_name(documents: list[Document], derived: Derived) -> pl.DataFrame:
    """Each occurrence of a code with `name_key` vs the name most tables give it (`majority`)."""
    out: list[dict] = []
    for d, doc in enumerate(documents):
        for code, all_occ in _occurrences(derived, doc).items():
            # a name that is another code's catalog name is code.catalog's error, not reported twice
            occ = [(t, it) for t, it in all_occ if catalog_contradiction(code, it["name"]) is None]
            kinds = {doc.tables[t].kind for t, _ in occ}
            if len(kinds) < 2:
                continue
            keys = [base_name(it["name"]) for _, it in occ]
            if not all(keys):
                continue
            counts = Counter(keys)
            entry = catalog.entries(catalog.system_of(code, None)).get(code)
            # most tables; on a tie the catalog's wording, then the first table printed
            majority = max(counts, key=lambda k: (counts[k], bool(entry and catalog.similar(k, entry.name)),
                                                  -keys.index(k)))
            printed = next(it["name"] for (_, it), k in zip(occ, keys, strict=True) if k == majority)
            for (t, it), key in zip(occ, keys, strict=True):
                out.append({
                    "doc": d, "table": doc.tables[t].kind, "tindex": t, "row": int(it["row"]), "code": it["code"],
                    "name": it["name"], "column": "name", "expected": printed.strip(), "observed": it["name"].strip(),
                    "message": f"科目 {code} 名称“{key}”与其他表中的“{majority}”不一致 / "
                               f"code {code} is named differently in other tables ({majority})",
                    "name_key": key, "majority": majority,
                })
    return check_frame(out, {"name_key": pl.Utf8, "majority": pl.Utf8})


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


def _all_gpb(derived: Derived, doc: Document) -> bool:
    inc = doc.table("income_summary")
    if inc is None or "total" not in inc.rows.columns or "gpb" not in inc.rows.columns:
        return False
    for p, name in enumerate(inc.rows["name"].to_list()):
        if is_total(name) and not inc.rows["code"][p]:
            tot, gpb = derived.value(inc, p, "total"), derived.value(inc, p, "gpb")
            return tot is not None and gpb is not None and abs(tot - gpb) <= 0.011
    return False


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
    jobs: dict[str, list] = {c: [] for c in ("doc", "p", "ta", "tb", "a_column", "b_column")}
    for d, doc in enumerate(documents):
        all_gpb = None
        for p, pair in enumerate(AMOUNT_PAIRS):
            if pair.only_if_all_gpb and not (all_gpb := _all_gpb(derived, doc) if all_gpb is None else all_gpb):
                continue
            ta = next((t for t, tb in enumerate(doc.tables) if tb.kind == pair.a), None)
            tb_ = next((t for t, tb in enumerate(doc.tables) if tb.kind == pair.b), None)
            if ta is None or tb_ is None:
                continue
            A, B = doc.tables[ta], doc.tables[tb_]
            ca = next((c for c in pair.a_col if c in A.rows.columns), None)
            cb = next((c for c in pair.b_col if c in B.rows.columns), None)
            if ca and cb and A.rows.height and B.rows.height:
                for key, value in (("doc", d), ("p", p), ("ta", ta), ("tb", tb_), ("a_column", ca), ("b_column", cb)):
                    jobs[key].append(value)
    if not jobs["doc"] or not batch.items.height:
        return pl.DataFrame()
    jobs_frame = pl.DataFrame(jobs, schema={"doc": pl.Int64, "p": pl.Int64, "ta": pl.Int64, "tb": pl.Int64,
                                            "a_column": pl.Utf8, "b_column": pl.Utf8})
    tables = batch.tables.select("tid", "doc", "tindex", "kind", "decimals", "tolerance", "step")
    items = (batch.items.filter(pl.col("repaired").is_not_null() & (pl.col("repaired") != ""))
             .join(tables.select("tid", "doc", "tindex"), on="tid", how="left", maintain_order="left"))
    # the codes of each document in the order it first prints them
    rank = (items.select("doc", pl.col("repaired").alias("key")).unique(keep="first", maintain_order=True)
            .with_columns(rank=pl.int_range(pl.len(), dtype=pl.Int64).over("doc")))
    firsts = items.unique(subset=["tid", "repaired"], keep="first", maintain_order=True)
    names = sorted(set(jobs["a_column"]) | set(jobs["b_column"]))
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


def _same_scope(doc: Document, ta: int, tb: int) -> bool:
    """Both tables cover the same money (domain.scope): otherwise their totals differ by design."""
    a, b = doc.tables[ta], doc.tables[tb]
    return scope_of(a.kind, a.title) == scope_of(b.kind, b.title) or a.kind in ("fiscal_summary", "overall_summary")


def spot_total(derived: Derived, doc: Document, spot: Spot) -> tuple[int, int, str, float, TableView] | None:
    """(table index, row position, column, amount, view) of the declared total, or None when the
    table, the row or a printed amount is missing (an empty cell is not compared, not read as 0)."""
    for t, table in enumerate(doc.tables):
        rows = table.rows
        if table.kind != spot.kind or not rows.height or "name" not in rows.columns:
            continue
        view = derived.view(table)
        for p, name in enumerate(rows["name"].to_list()):
            if spot.side and "side" in rows.columns and derived.columns(table)["side"][p] != spot.side:
                continue
            if "code" in rows.columns and derived.columns(table)["code"][p]:
                continue
            if name and re.search(spot.name, name):
                for col in spot.cols:
                    if col in rows.columns and (int(derived.columns(table)["row"][p]), col) not in view.problems:
                        v = derived.value(table, p, col)
                        return None if v is None else (t, p, col, v, view)
                return None
    return None


def _has_carryover(derived: Derived, table, pos: int) -> bool:
    return "carryover" in table.rows.columns and bool(derived.value(table, pos, "carryover"))


def totals(documents: list[Document], derived: Derived) -> pl.DataFrame:
    """Declared totals that must agree between tables (TOTAL_PAIRS)."""
    out: list[dict] = []
    for d, doc in enumerate(documents):
        for sa, sb in TOTAL_PAIRS:
            a, b = spot_total(derived, doc, sa), spot_total(derived, doc, sb)
            if not a or not b or (sb.kind == "income_summary" and _has_carryover(derived, doc.tables[b[0]], b[1])):
                continue  # 收入总表合计 includes 上年结转, 本年收入小计 does not
            ta, _, ca, xa, va = a
            tb, pb, cb, xb, vb = b
            if not _same_scope(doc, ta, tb):
                continue
            B = doc.tables[tb]
            fa, fb = _factor(doc.tables[ta].unit), _factor(B.unit)
            if fa != fb:  # compare in 万元 when one table prints 元
                xa, xb = xa * fa, xb * fb
                va = vb = TableView(B, 2, set())
            out.append({
                "doc": d, "table": B.kind, "tindex": tb, "row": int(B.rows["row"][pb]), "code": None,
                "name": B.rows["name"][pb], "column": cb, "expected": va.fmt(xa), "observed": vb.fmt(xb),
                "expected_value": va.printed(xa), "observed_value": vb.printed(xb), "rounding_step": max(va.step, vb.step),
                "message": f"{TABLE_KINDS[B.kind]}合计 {vb.fmt(xb)} 与{TABLE_KINDS[sa.kind]} {va.fmt(xa)} 不一致 / "
                           f"{B.kind}.{cb} total differs from {sa.kind}.{ca}",
                "excess": abs(xa - xb) - max(va.tolerance, vb.tolerance), "other_tindex": ta,
            })
    return check_frame(out, {"excess": pl.Float64, "other_tindex": pl.Int64})


def _factor(unit: str | None) -> float:
    """To 万元."""
    return wan_per(unit)


# 经济分类 line of the 基本支出表 → the 三公 item that includes it (三公 covers basic AND project spending).
THREE_PUBLIC_LINES = {code: line for code, line in THREE_PUBLIC_CODES.items() if code.startswith("302")}
_ITEM_ROW = {"abroad": re.compile(r"因公出国"), "reception": re.compile(r"公务接待"),
             "vehicle_operation": re.compile(r"运行(维护)?费|运[行营]")}


def _three_public_amount(derived: Derived, table, item: str) -> float | None:
    """This year's amount of a 三公 item: its column on the first row with a total, or its row."""
    rows = table.rows
    if item in rows.columns:
        for p in range(rows.height):
            if "total" not in rows.columns or derived.value(table, p, "total") is not None:
                name = (derived.columns(table)["name"][p] or "") if "name" in rows.columns else ""
                if re.search(r"上年|增减|变动", name):
                    continue
                return derived.value(table, p, item) or 0.0
        return None
    col = next((c for c in ("amount", "total") if c in rows.columns), None)
    if col is None or "name" not in rows.columns:
        return None
    for p, name in enumerate(rows["name"].to_list()):
        if name and _ITEM_ROW[item].search(name) and not (item == "vehicle_operation" and "购置" in name):
            return derived.value(table, p, col) or 0.0
    return None


def three_public_items(documents: list[Document], derived: Derived) -> pl.DataFrame:
    """A 302 line of the 基本支出表 (30217 公务接待费 …) is not more than the 三公 table's item."""
    out: list[dict] = []
    for d, doc in enumerate(documents):
        tp = next(((t, tb) for t, tb in enumerate(doc.tables) if tb.kind in THREE_PUBLIC_KINDS
                   and tb.rows.height), None)
        if tp is None:
            continue
        _, three = tp
        for t, table in enumerate(doc.tables):
            if table.kind not in ("gpb_basic_expenditure", "fa_gpb_basic_expenditure") or "code" not in table.rows.columns:
                continue
            view = derived.view(table)
            col = next((c for c in ("total", "amount", "public") if c in table.rows.columns), None)
            if col is None:
                continue
            for p, code in enumerate(table.rows["code"].to_list()):
                if code not in THREE_PUBLIC_LINES or (int(derived.columns(table)["row"][p]), col) in view.problems:
                    continue
                item, zh = THREE_PUBLIC_LINES[code]
                if not _ITEM_ROW[item].search(derived.columns(table)["name"][p] or ""):
                    continue  # the code names another line here (code.catalog reports it): the subject is in doubt
                basic = derived.value(table, p, col)
                tp_amount = _three_public_amount(derived, three, item)
                if not basic or tp_amount is None:
                    continue
                basic_w, tp_w = basic * _factor(table.unit), tp_amount * _factor(three.unit)
                tol = max(derived.view(three).tolerance * _factor(three.unit), view.tolerance * _factor(table.unit))
                out.append({
                    "doc": d, "table": table.kind, "tindex": t, "row": int(derived.columns(table)["row"][p]), "code": code,
                    "name": derived.columns(table)["name"][p], "column": col, "expected": f"≤ {tp_w:.2f}", "observed": f"{basic_w:.2f}",
                    "message": f"基本支出表 {code} {zh} {basic_w:.2f}万元 大于“三公”经费表中的 {tp_w:.2f}万元 / "
                               f"{code} in the basic expenditure table exceeds the three-public item {item} "
                               f"({basic_w:.2f} > {tp_w:.2f})",
                    "excess": basic_w - tp_w - tol,
                })
    return check_frame(out, {"excess": pl.Float64})
