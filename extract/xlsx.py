"""Excel (.xlsx) reader: each sheet's tables as grids, other text rows as paragraphs.

A sheet may hold one table or several, separated by blank or title rows. When the sheet draws
cell borders, a row belongs to a table when it has at least two bordered cells; otherwise when
it has at least two non-empty cells (single-cell and blank rows between table rows are kept in
the table when no caption-like row intervenes). Title / 表N / 单位 rows above a table go to
`Grid.before`, 注：… rows below to `Grid.after`. Numbers read as the sheet displays them
(simple number formats such as '0.00' or '#,##0.00' are honoured). Addresses are 'Sheet!B12'.
"""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from pathlib import Path

from extract.flow import CAPTION_RE, NOTE_RE, Flow, RawCell
from extract.grid import ReadError, ReadResult, check_office_file

_QUOTED = re.compile(r'"[^"]*"|\[[^\]]*\]|\\.|_.|\*.')


def display_number(value: float | int, number_format: str | None) -> str:
    """A number as Excel shows it under a simple format; falls back to General."""
    fmt = (number_format or "General").split(";")[0]
    section = _QUOTED.sub("", fmt)
    if fmt in ("General", "@") or not re.search(r"[0#?]", section):
        if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return f"{value:.15g}" if isinstance(value, float) else str(value)
    percent = "%" in section
    v = value * 100 if percent else value
    m = re.search(r"\.([0#?]+)", section)
    decimals = len(m.group(1)) if m else 0
    thousands = "," in section.split(".")[0]
    text = f"{v:,.{decimals}f}" if thousands else f"{v:.{decimals}f}"
    return text + ("%" if percent else "")


def display_value(cell) -> str:
    value = cell.value
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time(0) else value.isoformat(sep=" ")
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, (int, float)):
        return display_number(value, cell.number_format)
    return str(value)


def _bordered(cell) -> bool:
    b = cell.border
    return b is not None and any(getattr(b, side).style for side in ("left", "right", "top", "bottom"))


def _open_workbook(path: Path):
    import openpyxl

    path = check_office_file(
        path,
        "文件是旧版 .xls 或已加密的 Excel 文件，无法按 XLSX 读取 / legacy .xls or encrypted workbook, not an XLSX",
    )
    try:
        return openpyxl.load_workbook(path, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as e:
        raise ReadError(
            "unreadable", f"XLSX 文件已损坏或不是 Excel 文件 / corrupt or not an XLSX file: {e}"
        ) from e
    except Exception as e:
        raise ReadError(
            "unreadable", f"XLSX 文件无法解析 / cannot parse the workbook: {type(e).__name__}: {e}"
        ) from e


def _sheet_blocks(ws) -> list[tuple[str, object]]:
    """The sheet as ('text', line) and ('table', rows of RawCell) items in row order."""
    from openpyxl.utils import get_column_letter

    n_rows, n_cols = ws.max_row or 0, ws.max_column or 0
    if n_rows == 0 or n_cols == 0:
        return []
    texts = [[""] * n_cols for _ in range(n_rows)]
    origin = [[True] * n_cols for _ in range(n_rows)]
    span = [[1] * n_cols for _ in range(n_rows)]
    border = [[False] * n_cols for _ in range(n_rows)]
    for r, row in enumerate(ws.iter_rows(min_row=1, max_row=n_rows, max_col=n_cols)):
        for c, cell in enumerate(row):
            texts[r][c] = display_value(cell)
            border[r][c] = _bordered(cell)
    for rng in ws.merged_cells.ranges:
        r0, c0, r1, c1 = rng.min_row - 1, rng.min_col - 1, rng.max_row - 1, rng.max_col - 1
        for r in range(r0, min(r1, n_rows - 1) + 1):
            for c in range(c0, min(c1, n_cols - 1) + 1):
                if (r, c) != (r0, c0):
                    origin[r][c] = False
                    texts[r][c] = ""
        if r0 < n_rows and c0 < n_cols:
            span[r0][c0] = c1 - c0 + 1
    has_borders = any(any(row) for row in border)

    def filled(r: int) -> list[str]:
        return [t for t in texts[r] if t.strip()]

    def is_table_row(r: int) -> bool:
        if has_borders:
            return sum(border[r]) >= 2
        return len(filled(r)) >= 2

    def caption_like(r: int) -> bool:
        f = filled(r)
        return len(f) == 1 and bool(CAPTION_RE.search(f[0]) or NOTE_RE.match(f[0]))

    items: list[tuple[str, object]] = []
    r = 0
    while r < n_rows:
        if not is_table_row(r):
            f = filled(r)
            if f:
                items.append(("text", " ".join(t for t in texts[r] if t.strip()) if len(f) > 1 else f[0]))
            r += 1
            continue
        block = [r]
        r += 1
        while r < n_rows:
            if is_table_row(r):
                block.append(r)
                r += 1
                continue
            if has_borders or len(filled(r)) > 1 or caption_like(r):
                break
            # a blank or single-cell row (本表无数据) inside a borderless table: look ahead
            ahead = next(
                (k for k in range(r + 1, min(r + 4, n_rows)) if is_table_row(k) or caption_like(k)), None
            )
            if ahead is None or not is_table_row(ahead):
                break
            block.extend(range(r, ahead))
            r = ahead
        cols = [
            c
            for c in range(n_cols)
            if any(texts[k][c].strip() or border[k][c] or not origin[k][c] for k in block)
        ]
        c_lo, c_hi = (min(cols), max(cols)) if cols else (0, n_cols - 1)
        rows = [
            [
                RawCell(
                    texts[k][c],
                    origin[k][c],
                    f"{ws.title}!{get_column_letter(c + 1)}{k + 1}",
                    min(span[k][c], c_hi - c + 1),
                )
                for c in range(c_lo, c_hi + 1)
            ]
            for k in block
        ]
        items.append(("table", rows))
    return items


def read_xlsx(path: Path) -> ReadResult:
    """Read an .xlsx workbook: grids per sheet (several when a sheet holds several tables), and
    the remaining text rows as paragraphs, sheet by sheet."""
    wb = _open_workbook(path)
    flow = Flow()
    try:
        for ws in wb.worksheets:
            flow.new_context()
            for kind, item in _sheet_blocks(ws):
                if kind == "text":
                    flow.paragraph(item)  # type: ignore[arg-type]
                else:
                    flow.table(item, sheet=ws.title)  # type: ignore[arg-type]
    except ReadError:
        raise
    except Exception as e:
        raise ReadError(
            "unreadable", f"XLSX 内容无法解析 / cannot read the workbook: {type(e).__name__}: {e}"
        ) from e
    finally:
        wb.close()
    return flow.result()
