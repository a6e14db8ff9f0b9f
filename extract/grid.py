"""What a format reader hands to table normalisation: raw grids and paragraphs.

Each reader (pdf, docx, xlsx, html, …) turns a file into a `ReadResult`: the tables as
`Grid`s of raw cell text with locations, in document order, and the running text as
paragraphs. Readers do not interpret; `extract.tables` recognises and normalises.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from domain.model import Paragraph
from extract.detect import UnsafeArchive, check_office_package

# Columns of `Grid.cells`: one row per grid cell (merged cells repeated or left empty as
# the reader sees them; `text` is "" for an empty cell, never null).
GRID_COLUMNS: dict[str, pl.DataType] = {
    "row": pl.Int64,
    "col": pl.Int64,
    "text": pl.Utf8,
    "page": pl.Int64,
    "x0": pl.Float64,
    "top": pl.Float64,
    "x1": pl.Float64,
    "bottom": pl.Float64,
    "address": pl.Utf8,  # "Sheet1!B12" for spreadsheets, "t3/r5/c2" for DOCX/HTML
}


@dataclass
class Grid:
    index: int  # order in the document
    cells: pl.DataFrame  # GRID_COLUMNS
    before: list[str] = field(default_factory=list)  # text lines just above (title, 单位, 表N)
    after: list[str] = field(default_factory=list)  # text lines just below (注：…)
    pages: list[int] = field(default_factory=list)
    sheet: str | None = None

    def matrix(self) -> list[list[str]]:
        """The raw texts as a list of rows (for recognition and debugging)."""
        if self.cells.is_empty():
            return []
        n_rows = int(self.cells["row"].max()) + 1
        n_cols = int(self.cells["col"].max()) + 1
        out = [[""] * n_cols for _ in range(n_rows)]
        for r, c, t in self.cells.select("row", "col", "text").iter_rows():
            out[r][c] = t
        return out


@dataclass
class ReadResult:
    grids: list[Grid]
    paragraphs: list[Paragraph]
    page_count: int | None = None
    producer: str | None = None  # PDF producer / generator, when known


class ReadError(Exception):
    """A file that cannot be read; `status` is the Document status to record."""

    def __init__(self, status: str, reason: str):
        super().__init__(reason)
        self.status = status
        self.reason = reason


def check_office_file(path: Path, legacy: str) -> Path:
    """An OOXML file to open: it exists, is not empty, is not an OLE2 container (a legacy binary or
    an encrypted Office file, described by `legacy`) and does not inflate past the package bounds
    (extract.detect.check_office_package: no zip bomb). Raises ReadError('unreadable')."""
    path = Path(path)
    if not path.is_file():
        raise ReadError("unreadable", f"文件不存在 / file not found: {path}")
    if path.stat().st_size == 0:
        raise ReadError("unreadable", "文件为空 / the file is empty")
    with path.open("rb") as f:
        head = f.read(8)
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise ReadError("unreadable", legacy)
    try:
        check_office_package(path)
    except UnsafeArchive as e:
        raise ReadError("unreadable", str(e)) from e
    except (zipfile.BadZipFile, OSError, ValueError):
        pass  # not a readable ZIP: the reader says so in its own words
    return path
