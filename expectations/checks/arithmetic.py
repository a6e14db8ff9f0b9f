"""Arithmetic check frames: sums down the code hierarchy, across columns, totals.

Each frame has `excess` = |observed − expected| − tolerance (null when not applicable);
the expectation is `excess <= 0`. A value whose cell has a format problem is skipped:
format.malformed_amount reports it once.
"""

from __future__ import annotations

import re

import polars as pl

from budgetqa.model import MEASURES, Document, Table
from expectations.frames import (
    CODED_KINDS,
    ORDINAL_NAME,
    SUBTOTAL_NAME,
    TableView,
    check_frame,
    clean_name,
    hierarchy,
    is_total,
    row_positions,
    value,
)

EXTRA = {"excess": pl.Float64}
SUMMARY_KINDS = frozenset({"fiscal_summary", "overall_summary", "fa_overall_summary", "fa_fiscal_summary"})
LIST_KINDS = frozenset({"projects", "procurement", "purchased_services", "fa_procurement"})


def _col_zh(column: str) -> str:
    return MEASURES.get(column, column).split(" ")[0]


def _compare(view: TableView, cells: list[tuple[int, str]], observed: float | None,
             parts: list[float | None]) -> tuple[float, float, float] | None:
    """(expected, observed, excess) or None when nothing to compare / a cell is malformed."""
    if observed is None and all(p is None for p in parts):
        return None
    if any(c in view.problems for c in cells):
        return None
    exp = sum(p or 0.0 for p in parts)
    obs = observed or 0.0
    return exp, obs, abs(obs - exp) - view.tolerance


def _record(d: int, t: int, table: Table, pos: int, column: str, cmp: tuple[float, float, float],
            view: TableView, zh: str, en: str) -> dict:
    rows = table.rows
    exp, obs, excess = cmp
    return {
        "doc": d, "table": table.kind, "tindex": t, "row": int(rows["row"][pos]),
        "code": rows["code"][pos] if "code" in rows.columns else None,
        "name": rows["name"][pos] if "name" in rows.columns else None,
        "column": column, "expected": view.fmt(exp), "observed": view.fmt(obs),
        "message": f"{zh}：应为 {view.fmt(exp)}，列示 {view.fmt(obs)} / {en}: expected {view.fmt(exp)}, printed {view.fmt(obs)}",
        "excess": excess,
    }


def parent_sum(documents: list[Document]) -> pl.DataFrame:
    """类 = Σ款, 款 = Σ项 in every amount column; children grouped by position as printed."""
    out: list[dict] = []
    for d, doc in enumerate(documents):
        for t, table in enumerate(doc.tables):
            if table.kind not in CODED_KINDS or not table.rows.height:
                continue
            view = TableView.of(table)
            pos = row_positions(table)
            items = hierarchy(table)
            for k, it in enumerate(items):
                below = []
                for other in items[k + 1:]:
                    if other["level"] <= it["level"] or other["side"] != it["side"]:
                        break
                    below.append(other)
                if not below:
                    continue
                top = min(o["level"] for o in below)
                children = [o for o in below if o["level"] == top]
                p = pos[it["row"]]
                for col in view.measures():
                    if col == "previous":
                        continue
                    parts = [value(table, pos[c["row"]], col) for c in children]
                    cells = [(it["row"], col)] + [(c["row"], col) for c in children]
                    cmp = _compare(view, cells, value(table, p, col), parts)
                    if cmp:
                        out.append(_record(d, t, table, p, col, cmp, view,
                                           f"科目 {it['code']} 的{_col_zh(col)}不等于下级科目之和",
                                           f"{it['code']} {col} is not the sum of its sub-items"))
    return check_frame(out, EXTRA)


# Row-wise partitions: (whole, parts) — a table with all these columns is checked per row.
ROW_PARTITIONS: list[tuple[str, tuple[str, ...]]] = [("total", ("basic", "project"))]


def basic_plus_project(documents: list[Document]) -> pl.DataFrame:
    """合计 = 基本支出 + 项目支出 on every row."""
    out: list[dict] = []
    for d, doc in enumerate(documents):
        for t, table in enumerate(doc.tables):
            if not table.rows.height:
                continue
            view = TableView.of(table)
            for whole, parts in ROW_PARTITIONS:
                if len(view.measures(whole, *parts)) != len(parts) + 1:
                    continue
                for p in range(table.rows.height):
                    r = int(table.rows["row"][p])
                    cmp = _compare(view, [(r, c) for c in (whole, *parts)], value(table, p, whole),
                                   [value(table, p, c) for c in parts])
                    if cmp:
                        out.append(_record(d, t, table, p, whole, cmp, view,
                                           "合计不等于基本支出与项目支出之和",
                                           "total is not basic + project"))
    return check_frame(out, EXTRA)


def _summands(table: Table, total_pos: int) -> list[int] | None:
    """Positions of the rows a 合计/小计 row adds up, or None when the table gives no clear rule."""
    rows = table.rows
    side = rows["side"][total_pos] if "side" in rows.columns else ""
    names = rows["raw_name"].to_list() if "raw_name" in rows.columns else rows["name"].to_list()
    same_side = [p for p in range(total_pos) if (rows["side"][p] if "side" in rows.columns else "") == side]
    if table.kind in CODED_KINDS:
        items = [it for it in hierarchy(table) if it["side"] == side]
        if not items:
            return None
        top = min(it["level"] for it in items)
        pos = row_positions(table)
        return [pos[it["row"]] for it in items if it["level"] == top and pos[it["row"]] < total_pos]
    ordinal = [p for p in same_side if ORDINAL_NAME.match((names[p] or "").strip())]
    if ordinal:
        return ordinal
    if table.kind in LIST_KINDS:
        if any(SUBTOTAL_NAME.search(n or "") or is_total(n) for n in (names[p] for p in same_side)):
            return None
        return same_side
    return None


def column_total(documents: list[Document]) -> pl.DataFrame:
    """The 合计 (or 本年收入/支出小计) row = Σ the top-level rows above it."""
    out: list[dict] = []
    for d, doc in enumerate(documents):
        for t, table in enumerate(doc.tables):
            rows = table.rows
            if not rows.height or "name" not in rows.columns:
                continue
            view = TableView.of(table)
            names = rows["name"].to_list()
            summary = table.kind in SUMMARY_KINDS
            seen_sides: set[str] = set()
            for p, name in enumerate(names):
                side = rows["side"][p] if "side" in rows.columns else ""
                target = SUBTOTAL_NAME.search(name or "") if summary else is_total(name)
                if not target or side in seen_sides:
                    continue
                if "code" in rows.columns and rows["code"][p]:
                    continue
                seen_sides.add(side)  # first total of each side only
                summands = _summands(table, p)
                if not summands:
                    continue
                r = int(rows["row"][p])
                for col in view.measures():
                    if col == "previous":
                        continue
                    cells = [(r, col)] + [(int(rows["row"][s]), col) for s in summands]
                    cmp = _compare(view, cells, value(table, p, col), [value(table, s, col) for s in summands])
                    if cmp:
                        out.append(_record(d, t, table, p, col, cmp, view,
                                           f"{clean_name(name)}行不等于各项之和", "total row is not the sum of the rows"))
    return check_frame(out, EXTRA)


_GRAND = re.compile(r"总\s*计")


def income_equals_expenditure(documents: list[Document]) -> pl.DataFrame:
    """收入总计 = 支出总计 in the summary tables."""
    out: list[dict] = []
    for d, doc in enumerate(documents):
        for t, table in enumerate(doc.tables):
            rows = table.rows
            if table.kind not in SUMMARY_KINDS or not rows.height or "side" not in rows.columns:
                continue
            view = TableView.of(table)

            def grand(side: str, rows=rows, table=table, view=view) -> tuple[int, str, float] | None:
                for p in range(rows.height):
                    if rows["side"][p] == side and _GRAND.search(rows["name"][p] or ""):
                        for col in view.measures("total", "amount"):
                            v = value(table, p, col)
                            if v is not None and (int(rows["row"][p]), col) not in view.problems:
                                return p, col, v
                        return None
                return None

            inc, exp = grand("income"), grand("expenditure")
            if not inc or not exp:
                continue
            excess = abs(inc[2] - exp[2]) - view.tolerance
            rec = _record(d, t, table, exp[0], exp[1], (inc[2], exp[2], excess), view,
                          "支出总计与收入总计不相等", "total expenditure differs from total income")
            out.append(rec)
    return check_frame(out, EXTRA)


THREE_PUBLIC_KINDS = frozenset({"three_public", "fa_three_public"})
# (whole, parts) by measure column, and the same by row name when the items are rows.
THREE_PUBLIC_PARTS = [("total", ("abroad", "vehicle", "reception")),
                      ("vehicle", ("vehicle_purchase", "vehicle_operation"))]
_ROW_KEYS = {
    "abroad": re.compile(r"因公出国"), "vehicle": re.compile(r"公务用车购置及运[行营]"),
    "vehicle_purchase": re.compile(r"公务用车购置费|^购置费|车辆购置"),
    "vehicle_operation": re.compile(r"公务用车运[行营]|^运行维护费|运行费"),
    "reception": re.compile(r"公务接待"), "total": re.compile(r"合\s*计|总\s*计|三公"),
}


def three_public_sum(documents: list[Document]) -> pl.DataFrame:
    """三公 = 出国 + 车辆 + 接待; 车辆 = 购置 + 运行 — by column, or by row when items are rows."""
    out: list[dict] = []
    for d, doc in enumerate(documents):
        for t, table in enumerate(doc.tables):
            rows = table.rows
            if table.kind not in THREE_PUBLIC_KINDS or not rows.height:
                continue
            view = TableView.of(table)
            for whole, parts in THREE_PUBLIC_PARTS:  # items as columns
                cols = view.measures(whole, *parts)
                if whole not in cols or not set(parts) & set(cols):
                    continue
                present = [c for c in parts if c in cols]
                if whole == "total" and len(present) < 3:
                    continue
                for p in range(rows.height):
                    r = int(rows["row"][p])
                    cmp = _compare(view, [(r, c) for c in (whole, *present)], value(table, p, whole),
                                   [value(table, p, c) for c in present])
                    if cmp:
                        out.append(_record(d, t, table, p, whole, cmp, view, f"“三公”经费{_col_zh(whole)}不等于各项之和",
                                           f"three-public {whole} is not the sum of its items"))
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
                    cells = [(int(rows["row"][found[k]]), col) for k in (whole, *parts)]
                    cmp = _compare(view, cells, value(table, p, col), [value(table, found[k], col) for k in parts])
                    if cmp:
                        out.append(_record(d, t, table, p, col, cmp, view, "“三公”经费合计不等于各项之和",
                                           "three-public total is not the sum of its items"))
                break
    return check_frame(out, EXTRA)
