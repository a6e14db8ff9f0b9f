"""Cross-table check frames: one code, one name and one amount everywhere; totals that tie."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

import polars as pl

from budgetqa.model import TABLE_KINDS, Document
from expectations import catalog
from expectations.frames import (
    CODED_KINDS,
    SUBTOTAL_NAME,
    TableView,
    base_name,
    check_frame,
    hierarchy,
    is_total,
    row_positions,
    value,
)

KIND_ORDER = {k: i for i, k in enumerate(TABLE_KINDS)}


def _occurrences(doc: Document) -> dict[str, list[tuple[int, dict]]]:
    """code (repaired where a truncated code is unambiguous) → [(table index, hierarchy item)]."""
    out: dict[str, list[tuple[int, dict]]] = {}
    for t, table in enumerate(doc.tables):
        if table.kind in CODED_KINDS and table.rows.height:
            for it in hierarchy(table):
                if it["repaired"]:
                    out.setdefault(it["repaired"], []).append((t, it))
    return out


def same_code_same_name(documents: list[Document]) -> pl.DataFrame:
    """Each occurrence of a code with `name_key` vs the name most tables give it (`majority`)."""
    out: list[dict] = []
    for d, doc in enumerate(documents):
        for code, occ in _occurrences(doc).items():
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


def _all_gpb(doc: Document) -> bool:
    inc = doc.table("income_summary")
    if inc is None or "total" not in inc.rows.columns or "gpb" not in inc.rows.columns:
        return False
    for p, name in enumerate(inc.rows["name"].to_list()):
        if is_total(name) and not inc.rows["code"][p]:
            tot, gpb = value(inc, p, "total"), value(inc, p, "gpb")
            return tot is not None and gpb is not None and abs(tot - gpb) <= 0.011
    return False


def same_code_same_amount(documents: list[Document]) -> pl.DataFrame:
    """`excess` = |a − b| − tolerance for a code printed in both tables of a declared pair."""
    out: list[dict] = []
    for d, doc in enumerate(documents):
        occ = _occurrences(doc)
        all_gpb = _all_gpb(doc)
        for pair in AMOUNT_PAIRS:
            if pair.only_if_all_gpb and not all_gpb:
                continue
            ta = next((t for t, tb in enumerate(doc.tables) if tb.kind == pair.a), None)
            tb_ = next((t for t, tb in enumerate(doc.tables) if tb.kind == pair.b), None)
            if ta is None or tb_ is None:
                continue
            A, B = doc.tables[ta], doc.tables[tb_]
            ca = next((c for c in pair.a_col if c in A.rows.columns), None)
            cb = next((c for c in pair.b_col if c in B.rows.columns), None)
            if not ca or not cb:
                continue
            va, vb = TableView.of(A), TableView.of(B)
            pa, pb = row_positions(A), row_positions(B)
            for code, items in occ.items():
                ia = next((it for t, it in items if t == ta), None)
                ib = next((it for t, it in items if t == tb_), None)
                if not ia or not ib or (ia["row"], ca) in va.problems or (ib["row"], cb) in vb.problems:
                    continue
                xa, xb = value(A, pa[ia["row"]], ca), value(B, pb[ib["row"]], cb)
                if xa is None and xb is None:
                    continue
                xa, xb = xa or 0.0, xb or 0.0
                out.append({
                    "doc": d, "table": B.kind, "tindex": tb_, "row": int(ib["row"]), "code": ib["code"],
                    "name": ib["name"], "column": cb, "expected": va.fmt(xa), "observed": vb.fmt(xb),
                    "message": f"科目 {code} 在{TABLE_KINDS[B.kind]}中为 {vb.fmt(xb)}，{TABLE_KINDS[A.kind]}中为 "
                               f"{va.fmt(xa)} / {code}: {B.kind}.{cb} differs from {A.kind}.{ca}",
                    "excess": abs(xa - xb) - max(va.tolerance, vb.tolerance),
                })
    return check_frame(out, {"excess": pl.Float64})


@dataclass(frozen=True)
class Spot:
    """A total in a table: the row whose name matches `name` on `side`, first of `cols` with a value."""

    kind: str
    name: str
    cols: tuple[str, ...]
    side: str | None = None


SUBTOTAL = SUBTOTAL_NAME.pattern
TOTAL_PAIRS: list[tuple[Spot, Spot]] = [
    (Spot("fiscal_summary", r"一般公共预算", ("amount", "total"), "income"), Spot("gpb_expenditure", r"合\s*计|总\s*计", ("total",))),
    (Spot("fiscal_summary", SUBTOTAL, ("gpb",), "expenditure"), Spot("gpb_expenditure", r"合\s*计|总\s*计", ("total",))),
    (Spot("gpb_expenditure", r"合\s*计|总\s*计", ("basic",)), Spot("gpb_basic_expenditure", r"合\s*计|总\s*计", ("total", "amount"))),
    (Spot("overall_summary", SUBTOTAL, ("amount", "total"), "income"), Spot("income_summary", r"合\s*计|总\s*计", ("total",))),
    (Spot("overall_summary", SUBTOTAL, ("amount", "total"), "expenditure"), Spot("expenditure_summary", r"合\s*计|总\s*计", ("total",))),
    (Spot("expenditure_summary", r"合\s*计|总\s*计", ("project",)), Spot("projects", r"合\s*计|总\s*计", ("total", "amount"))),
]


def _spot(doc: Document, spot: Spot) -> tuple[int, int, str, float, TableView] | None:
    for t, table in enumerate(doc.tables):
        rows = table.rows
        if table.kind != spot.kind or not rows.height or "name" not in rows.columns:
            continue
        view = TableView.of(table)
        for p, name in enumerate(rows["name"].to_list()):
            if spot.side and "side" in rows.columns and rows["side"][p] != spot.side:
                continue
            if "code" in rows.columns and rows["code"][p]:
                continue
            if name and re.search(spot.name, name):
                for col in spot.cols:
                    if col in rows.columns and (int(rows["row"][p]), col) not in view.problems:
                        v = value(table, p, col)
                        return t, p, col, (v or 0.0), view
                return None
    return None


def totals(documents: list[Document]) -> pl.DataFrame:
    """Declared totals that must agree between tables (TOTAL_PAIRS)."""
    out: list[dict] = []
    for d, doc in enumerate(documents):
        for sa, sb in TOTAL_PAIRS:
            a, b = _spot(doc, sa), _spot(doc, sb)
            if not a or not b:
                continue
            ta, _, ca, xa, va = a
            tb, pb, cb, xb, vb = b
            B = doc.tables[tb]
            out.append({
                "doc": d, "table": B.kind, "tindex": tb, "row": int(B.rows["row"][pb]), "code": None,
                "name": B.rows["name"][pb], "column": cb, "expected": va.fmt(xa), "observed": vb.fmt(xb),
                "message": f"{TABLE_KINDS[B.kind]}合计 {vb.fmt(xb)} 与{TABLE_KINDS[sa.kind]} {va.fmt(xa)} 不一致 / "
                           f"{B.kind}.{cb} total differs from {sa.kind}.{ca}",
                "excess": abs(xa - xb) - max(va.tolerance, vb.tolerance),
            })
    return check_frame(out, {"excess": pl.Float64})
