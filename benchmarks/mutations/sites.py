"""Where a mutation can land: tables and paragraphs of a document written as seed-style `blocks`.

A document is the `blocks` list of tests/data/seed/*.yaml (paragraphs `p` and tables whose rows list
the cells that start in them). These helpers find a table by kind, its code / name / amount columns
and body rows on the laid-out grid, and edit one cell in place.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from extract.kinds import kind_from_title
from samples.seed_docs import layout

CODE = re.compile(r"^\d{3,7}$")
AMOUNT = re.compile(r"^\d[\d,]*\.?\d*$")
# header labels → the measure a column holds (enough for the tables mutated here)
_MEASURES = (("basic", r"基本支出"), ("project", r"项目支出"), ("total", r"^合\s*计$|^总计$"))


def table_kind(block: dict) -> str | None:
    return kind_from_title(block["table"]["title"]) if "table" in block else None


def find_tables(blocks: list[dict], kind: str) -> list[int]:
    return [i for i, b in enumerate(blocks) if table_kind(b) == kind]


def text(value: str | dict) -> str:
    return value if isinstance(value, str) else value["text"]


@dataclass
class Grid:
    """A table block laid out: text by (row, col) of the cells that start there."""

    block: dict

    @property
    def t(self) -> dict:
        return self.block["table"]

    def cells(self) -> dict[tuple[int, int], str]:
        return {(c.row, c.col): c.text for c in layout(self.t["rows"], self.t["width"])}

    def body_rows(self) -> range:
        return range(self.t["caption_rows"], len(self.t["rows"]) - self.t["note_rows"])

    def get(self, r: int, c: int) -> str:
        return self.cells().get((r, c), "")

    def set(self, r: int, c: int, value: str) -> None:
        """Replace the text of the cell that starts at (r, c)."""
        starts = [c0 for (r0, c0) in sorted(k for k in self.cells() if k[0] == r)]
        i = starts.index(c)
        row = self.t["rows"][r]
        row[i] = value if isinstance(row[i], str) else {**row[i], "text": value}

    def code_col(self) -> int | None:
        for (r, c), s in self.cells().items():
            if r in self.body_rows() and "编码" in s.replace(" ", ""):
                return c
        return None

    def measure_cols(self) -> dict[str, int]:
        """measure → column, from the header rows (the last label that names a measure wins)."""
        out: dict[str, int] = {}
        cells = self.cells()
        for (r, c), s in sorted(cells.items()):
            if r not in self.body_rows():
                continue
            label = re.sub(r"\s+", "", s)
            for key, pat in _MEASURES:
                if re.search(pat, label) and not CODE.match(label):
                    out.setdefault(key, c)
        return out

    def coded_rows(self) -> list[tuple[int, str]]:
        """(row, code) of each body row whose code cell holds a 3–7 digit code."""
        cc = self.code_col()
        if cc is None:
            return []
        out = []
        for r in self.body_rows():
            code = self.get(r, cc).strip()
            if CODE.match(code):
                out.append((r, code))
        return out

    def row_of(self, label: str) -> int | None:
        """The last body row with a cell reading `label` (spaces ignored) in its left half."""
        for r in reversed(self.body_rows()):
            for c in range((self.t["width"] + 1) // 2):
                if re.sub(r"\s+", "", self.get(r, c)) == label:
                    return r
        return None


def amount(s: str) -> float | None:
    t = s.strip().replace("\u3000", "").replace(",", "")
    return float(t) if t and AMOUNT.match(t) and not t.endswith(".") else None


def fmt(value: float, like: str) -> str:
    """`value` printed with as many decimals as `like` (and its trailing space, if any)."""
    core = like.strip().replace("\u3000", "")
    decimals = len(core.split(".")[1]) if "." in core else 0
    out = f"{value:.{decimals}f}"
    return out + (like[len(like.rstrip()):] if like.rstrip() != like else "")
