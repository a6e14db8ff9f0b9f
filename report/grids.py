"""Table views: every extracted table as the tool read it (codes, names, amounts, the measure each
column was read as), one page per table (`tables/<sha16>/<index>.html`), with the cells of the
findings marked and linked back to them.

A finding names its table by kind and its place by cell address (DOCX/XLSX/HTML), page and bbox
(PDF), code or row name; `locate` finds the table, row and column from the stored grid
(warehouse `table_grids`) in that order, so a finding of any format leads to its cell.
"""

from __future__ import annotations

# How far (points) a cell's centre may lie outside a finding's bbox and still be in it.
SLACK = 1.0


def table_href(sha256: str, index: int) -> str:
    return f"tables/{sha256[:16]}/{index}.html"


def cell_anchor(row: int | None, column: str | None) -> str:
    """The anchor of a cell (`r3-total`), of a row (`r3`) or of the table's own findings in a table view."""
    if row is None:
        return "table-findings"
    return f"r{row}-{column}" if column else f"r{row}"


def _inside(cell: dict, page: int, bbox: list[float]) -> bool:
    if cell.get("page") != page or cell.get("x0") is None:
        return False
    cx, cy = (cell["x0"] + cell["x1"]) / 2, (cell["top"] + cell["bottom"]) / 2
    x0, top, x1, bottom = bbox
    return x0 - SLACK <= cx <= x1 + SLACK and top - SLACK <= cy <= bottom + SLACK


def _column(finding: dict, grid: dict) -> str | None:
    column = finding.get("column")
    return column if column in grid["measures"] or column in ("code", "name") else None


def locate(finding: dict, grids: list[dict]) -> tuple[int, int | None, str | None] | None:
    """(table index, row, column) of a finding in the document's stored grids; row/column None when
    only the table is known; None when no stored table is the finding's."""
    kind = finding.get("table")
    if not kind:
        return None
    tables = [g for g in grids if g["kind"] == kind and g["cells"] is not None]
    loc = finding.get("location") or {}
    if loc.get("cell"):
        for g in tables:
            for c in g["cells"]:
                if c.get("address") == loc["cell"]:
                    return g["index"], c["row"], c["column"]
    if loc.get("bbox") and loc.get("page"):
        for g in tables:
            hits = [c for c in g["cells"] if _inside(c, loc["page"], loc["bbox"])]
            exact = [c for c in hits if c["column"] == finding.get("column")]
            if exact:
                return g["index"], exact[0]["row"], exact[0]["column"]
            rows = sorted({c["row"] for c in hits})
            if rows:
                return g["index"], rows[0], _column(finding, g)
    for key, value in (("code", finding.get("code")), ("name", finding.get("row"))):
        if not value:
            continue
        for g in tables:
            row = next((r for r in g["rows"] if (r.get(key) or "").strip() == value.strip()), None)
            if row is not None:
                return g["index"], row["row"], _column(finding, g)
    return (tables[0]["index"], None, None) if len(tables) == 1 else None


def _amount(value: float | None) -> str:
    if value is None:
        return ""
    return f"{value:,.2f}".rstrip("0").rstrip(".") if value != int(value) else f"{int(value):,}"


def grid_view(grid: dict, marks: list[dict]) -> dict:
    """The table as rows of cells for the template: header columns, and per row its cells with the
    printed text (else the parsed amount), where it was read, and the findings marked on it."""
    columns = ["code", "name", *grid["measures"]]
    printed = {(c["row"], c["column"]): c for c in grid["cells"] or []}
    by_cell: dict[tuple[int, str | None], list[dict]] = {}
    for m in marks:
        by_cell.setdefault((m["row"], m["column"]), []).append(m)
    body = []
    for r in grid["rows"] or []:
        cells = []
        for col in columns:
            c = printed.get((r["row"], col), {})
            key = "raw_" + col if col in ("code", "name") else col
            text = c.get("text") or (r.get(key) or r.get(col) if col in ("code", "name") else _amount(r.get(col)))
            where = c.get("address") or (f"第{c['page']}页 ({c['x0']:.0f}, {c['top']:.0f})–({c['x1']:.0f}, {c['bottom']:.0f})"
                                         if c.get("x0") is not None else "")
            cells.append({"column": col, "text": text or "", "value": r.get(col) if col in grid["measures"] else None,
                          "problem": c.get("problem"), "where": where, "marks": by_cell.get((r["row"], col), []),
                          "num": col in grid["measures"]})
        body.append({"row": r["row"], "side": r.get("side") or "", "cells": cells,
                     "marks": by_cell.get((r["row"], None), [])})
    return {"columns": columns, "rows": body}

