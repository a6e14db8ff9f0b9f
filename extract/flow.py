"""Reading order shared by the DOCX, XLSX and HTML readers: raw table rows → `Grid`s with the
lines around them, and paragraphs, in the order the document shows them.

A table's leading single-cell caption rows (title, 部门公开表N, 单位：万元) and trailing note rows
(注：…) become `Grid.before` / `Grid.after` lines like the paragraphs around the table; `Flow`
collects paragraphs and grids and wires those lines.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import polars as pl

from domain.model import Paragraph
from extract.grid import GRID_COLUMNS, Grid, ReadResult

NOTE_RE = re.compile(r"^\s*(注|说明|备注|数据来源|资料来源)\s*[:：\d１-９（(]")
# A single-cell row reading like a caption: 单位 line, 表N label, or a title.
CAPTION_RE = re.compile(
    r"单位\s*[:：]|公开\s*\d*\s*表|^\s*表\s*[\d一二三四五六七八九十]|表\s*[\d一二三四五六七八九十]*\s*$|预算|决算"
)
MAX_BEFORE_PARAGRAPHS = 4


@dataclass
class RawCell:
    text: str
    origin: bool  # a cell starts here (False: covered by a merge, or padding)
    address: str
    span: int = 1  # grid columns covered by the cell starting here


def text_lines(text: str) -> list[str]:
    return [s.strip() for s in text.split("\n") if s.strip()]


def _row_kind(row: list[RawCell], width: int) -> str:
    """'blank', 'single' (one non-empty cell), or 'multi'."""
    filled = [c for c in row if c.origin and c.text.strip()]
    if not filled:
        return "blank"
    return "single" if len(filled) == 1 else "multi"


def _is_caption(row: list[RawCell], width: int) -> bool:
    filled = [c for c in row if c.origin and c.text.strip()]
    if len(filled) != 1:
        return False
    cell = filled[0]
    return cell.span * 2 >= width or bool(CAPTION_RE.search(cell.text))


def assemble_grid(
    index: int,
    rows: list[list[RawCell]],
    *,
    sheet: str | None = None,
) -> tuple[Grid | None, list[str], list[str]]:
    """Turn a table's raw rows into a Grid; returns (grid or None, caption lines, note lines).

    Leading caption rows (title / 表N / 单位 as a single cell) and trailing note rows (注：…)
    become lines; grid columns in which no remaining cell starts are dropped. A table that is
    only captions (e.g. a 1×1 layout box) gives no grid: its text comes back as caption lines.
    """
    width = max((len(r) for r in rows), default=0)
    rows = [r + [RawCell("", False, "")] * (width - len(r)) for r in rows]
    captions: list[str] = []
    notes: list[str] = []
    start, stop = 0, len(rows)
    while stop - start > 1:
        kind = _row_kind(rows[start], width)
        if kind == "blank":
            start += 1
        elif kind == "single" and _is_caption(rows[start], width):
            captions += [s for c in rows[start] if c.origin for s in text_lines(c.text)]
            start += 1
        else:
            break
    while stop - start > 1 and _row_kind(rows[stop - 1], width) == "single":
        text = next(c.text for c in rows[stop - 1] if c.origin and c.text.strip())
        if not NOTE_RE.match(text):
            break
        notes[:0] = text_lines(text)
        stop -= 1
    body = rows[start:stop]
    if width <= 1 and len(body) <= 1:  # a text box drawn as a table
        lines = [s for r in body for c in r if c.origin for s in text_lines(c.text)]
        return None, captions + lines, notes
    keep = [c for c in range(width) if any(r[c].origin for r in body)]
    records = []
    for ri, row in enumerate(body):
        for ci, col in enumerate(keep):
            cell = row[col]
            records.append((ri, ci, cell.text if cell.origin else "", cell.address))
    cells = pl.DataFrame(
        {
            "row": [r[0] for r in records],
            "col": [r[1] for r in records],
            "text": [r[2] for r in records],
            "page": [None] * len(records),
            "x0": [None] * len(records),
            "top": [None] * len(records),
            "x1": [None] * len(records),
            "bottom": [None] * len(records),
            "address": [r[3] for r in records],
        },
        schema=GRID_COLUMNS,
    )
    return Grid(index=index, cells=cells, sheet=sheet), captions, notes


class Flow:
    """Collects paragraphs and grids in reading order and wires before/after lines."""

    def __init__(self) -> None:
        self.grids: list[Grid] = []
        self.paragraphs: list[Paragraph] = []
        self._since_table: list[str] = []  # non-empty lines since the last table
        self._after_open = False  # still right below the last table (notes may follow)

    def new_context(self) -> None:
        """A new sheet/page: lines above no longer belong to the next table."""
        self._since_table = []
        self._after_open = False

    def paragraph(self, text: str) -> None:
        if not text.strip():
            return
        self.paragraphs.append(Paragraph(index=len(self.paragraphs), text=text))
        lines = text_lines(text)
        if self._after_open and self.grids and NOTE_RE.match(text):
            self.grids[-1].after += lines
            return
        self._after_open = False
        self._since_table += lines

    def table(self, rows: list[list[RawCell]], sheet: str | None = None) -> None:
        grid, captions, notes = assemble_grid(len(self.grids), rows, sheet=sheet)
        if grid is None:  # treat as text
            for line in captions + notes:
                self.paragraph(line)
            return
        grid.before = self._since_table[-MAX_BEFORE_PARAGRAPHS:] + captions
        grid.after = notes
        self.grids.append(grid)
        self._since_table = []
        self._after_open = True

    def result(self, **kw) -> ReadResult:
        return ReadResult(grids=self.grids, paragraphs=self.paragraphs, **kw)
