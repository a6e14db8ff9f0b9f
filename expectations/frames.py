"""Shared building blocks for check frames: row identity, code hierarchy, number printing, and
`Derived`, what the rules of one validate() call derive once from the same table or document.

Every check frame has the CHECK_COLUMNS below (the identity of the thing checked, how to print a
finding about it and, for amounts, the numbers compared) followed by the value columns its
expectation tests. A table's printed precision is read from its cells' `decimals`, recorded at
extraction; nothing here parses an amount's text.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any, TypeVar

import polars as pl

from domain.model import Document, Table
from domain.names import name_key
from domain.units import printed_decimals

# Identity and reporting columns of every check frame.
CHECK_COLUMNS: dict[str, pl.DataType] = {
    "doc": pl.Int64,  # index of the document in the validate() call
    "table": pl.Utf8,  # table kind, "narrative", or null for document-level checks
    "tindex": pl.Int64,  # index of the table in Document.tables (for locating cells)
    "row": pl.Int64,  # row of Table.rows
    "code": pl.Utf8,
    "name": pl.Utf8,
    "column": pl.Utf8,  # measure key
    "expected": pl.Utf8,  # as the document would print it
    "observed": pl.Utf8,
    # the same amounts as numbers at their printed precision, and one unit of the last printed
    # decimal (Finding.expected_value / observed_value / rounding_step); null when not amounts
    "expected_value": pl.Float64,
    "observed_value": pl.Float64,
    "rounding_step": pl.Float64,
    "paragraph": pl.Int64,
    "message": pl.Utf8,  # "中文 / English"
    "severity": pl.Utf8,  # overrides the rule's severity when not null
}

# Table kinds whose codes are 支出功能分类 (3/5/7 digits) or 经济分类 (3/5 digits).
FUNCTIONAL_KINDS = frozenset(
    {
        "gpb_expenditure",
        "gov_fund_expenditure",
        "soe_capital_expenditure",
        "income_summary",
        "expenditure_summary",
        "fa_income",
        "fa_expenditure",
        "fa_gpb_expenditure",
        "fa_gov_fund",
        "fa_soe_capital",
    }
)
ECONOMIC_KINDS = frozenset({"gpb_basic_expenditure", "fa_gpb_basic_expenditure", "fa_operating_costs"})
CODED_KINDS = FUNCTIONAL_KINDS | ECONOMIC_KINDS

LEVEL_OF_LENGTH = {3: 1, 5: 2, 7: 3}
# More codes printed twice than this on one side of a table: the table lists its lines per unit or
# project (北京's 部门预算报表), so a repeated code is the layout, not a duplicate line.
MAX_DUPLICATES = 2
TOTAL_NAME = re.compile(r"(合\s*计|总\s*计)")
SUBTOTAL_NAME = re.compile(r"(小\s*计|本年收入合计|本年支出合计)")
ORDINAL_NAME = re.compile(r"^[一二三四五六七八九十]+[、.．]")
_SPACE = re.compile(r"\s+")


T = TypeVar("T")


class Derived:
    """What the rules of ONE validate() call derive from the same table or document — a table's view,
    hierarchy and columns, a document's parsed statements, a builder's frame — computed once.

    The call creates it (expectations.gx_runner.run) and passes it to every check-frame builder, which
    passes it on; it goes away with the call. Entries hold their object, so an id is never reused while
    the entry lives, and are recomputed when the guarded frame (table.rows, table.cells) was replaced.
    Results are shared: read only.
    """

    def __init__(self) -> None:
        self._store: dict[tuple[str, int], tuple[Any, Any, Any]] = {}

    def get(self, name: str, obj: Any, compute: Callable[[], T], guard: Any = None) -> T:
        """compute() once per (name, obj) while `guard` is the same object."""
        key = (name, id(obj))
        hit = self._store.get(key)
        if hit is not None and hit[0] is obj and hit[1] is guard:
            return hit[2]
        out = compute()
        self._store[key] = (obj, guard, out)
        return out

    def frame(self, build: Callable[[list[Document], Derived], pl.DataFrame], documents: list[Document]
              ) -> pl.DataFrame:
        """A check-frame builder's frame of these documents, built once: the reading gate
        (checks/reliability.py) builds the identity rules' frames, and their rules reuse them."""
        return self.get(f"frame:{build.__module__}.{build.__qualname__}", documents, lambda: build(documents, self))

    def view(self, table: Table) -> TableView:
        return self.get("view", table, lambda: TableView.of(table), table.cells)

    def hierarchy(self, table: Table) -> list[dict]:
        """The code hierarchy of a table (see `hierarchy`)."""
        return self.get("hierarchy", table, lambda: hierarchy(table), table.rows)

    def batch(self, documents: list[Document]) -> Batch:
        """All tables of the documents stacked as frames (see `Batch`), built once."""
        return self.get("batch", documents, lambda: Batch.of(documents, self))

    def distinct_items(self, table: Table) -> list[dict]:
        """The hierarchy without codes printed a second time (code.duplicate reports those)."""
        return [it for it in self.hierarchy(table) if it["duplicate_of"] is None]

    def columns(self, table: Table) -> dict[str, list]:
        """The table's columns as Python lists (indexing a frame cell is slow)."""
        return self.get("columns", table, lambda: {c: table.rows[c].to_list() for c in table.rows.columns},
                        table.rows)

    def value(self, table: Table, row_pos: int, column: str) -> float | None:
        """The amount at a row position of a column, None when empty."""
        v = self.columns(table)[column][row_pos]
        return None if v is None or (isinstance(v, float) and math.isnan(v)) else float(v)

    def positions(self, table: Table) -> dict[int, int]:
        """Table.rows 'row' id → position in the frame."""
        return self.get("positions", table, lambda: {int(r): i for i, r in enumerate(table.rows["row"].to_list())},
                        table.rows)


@dataclass
class Batch:
    """Every table of the documents of one validate() call as frames, for the check frames written
    as polars expressions (joins, group_by, windows over all tables at once). A table is `tid`, its
    number in document then table order.

    tables: tid, doc, tindex, kind, decimals, tolerance, step (TableView's precision)
    rows: tid, pos (position in the table) and the tables' rows stacked (a column a table lacks is null)
    problems: tid, row, column of every cell with a format problem (TableView.problems)
    items: tid, k and the code hierarchy of every coded table (`hierarchy`; parent/duplicate_of are `k`s)
    Built once per call (Derived.batch): the rules read the tables, none replaces them.
    """

    tables: pl.DataFrame
    rows: pl.DataFrame
    problems: pl.DataFrame
    items: pl.DataFrame
    # (doc, tindex) → tid, and the Table objects by tid
    tid: dict[tuple[int, int], int]
    objects: list[Table]

    @classmethod
    def of(cls, documents: list[Document], derived: Derived) -> Batch:
        tid: dict[tuple[int, int], int] = {}
        objects: list[Table] = []
        meta: dict[str, list] = {c: [] for c in ("doc", "tindex", "kind", "decimals", "tolerance", "step")}
        bad: dict[str, list] = {"tid": [], "row": [], "column": []}
        items: dict[str, list] = {c: [] for c in HIERARCHY_SCHEMA}
        frames, heights = [], []
        for d, doc in enumerate(documents):
            for t, table in enumerate(doc.tables):
                n = tid[(d, t)] = len(objects)
                objects.append(table)
                view = derived.view(table)
                for key, value in (("doc", d), ("tindex", t), ("kind", table.kind), ("decimals", view.decimals),
                                   ("tolerance", view.tolerance), ("step", view.step)):
                    meta[key].append(value)
                for r, c in sorted(view.problems):
                    bad["tid"].append(n)
                    bad["row"].append(r)
                    bad["column"].append(c)
                if table.rows.height:
                    frames.append(table.rows)
                    heights.append(table.rows.height)
                    if table.kind in CODED_KINDS:
                        found = derived.hierarchy(table)
                        items["k"] += range(len(found))
                        for c in HIERARCHY_SCHEMA:
                            if c not in ("k", "tid"):
                                items[c] += [it[c] for it in found]
                        items["tid"] += [n] * len(found)
                else:
                    heights.append(0)
        ids = [n for n, h in enumerate(heights) for _ in range(h)]
        rows = (pl.concat(frames, how="diagonal_relaxed") if frames else pl.DataFrame())
        rows = rows.with_columns(pl.Series("tid", ids, dtype=pl.Int64)).with_columns(
            pos=pl.int_range(pl.len(), dtype=pl.Int64).over("tid"))
        if "row" in rows.columns:
            rows = rows.with_columns(pl.col("row").cast(pl.Int64))
        tables = pl.DataFrame({"tid": list(range(len(objects))), **meta},
                              schema={"tid": pl.Int64, "doc": pl.Int64, "tindex": pl.Int64, "kind": pl.Utf8,
                                      "decimals": pl.Int64, "tolerance": pl.Float64, "step": pl.Float64})
        problems = pl.DataFrame(bad, schema={"tid": pl.Int64, "row": pl.Int64, "column": pl.Utf8})
        return cls(tables, rows, problems, pl.DataFrame(items, schema=HIERARCHY_SCHEMA), tid, objects)

    def bad_rows(self, columns: list[str]) -> pl.DataFrame:
        """tid, row of the rows where a cell of one of `columns` has a format problem."""
        return self.problems.filter(pl.col("column").is_in(columns)).select("tid", "row").unique()


def check_frame(records: list[dict], extra: dict[str, pl.DataType]) -> pl.DataFrame:
    """A check frame from row dicts; missing keys become nulls."""
    schema = {**CHECK_COLUMNS, **extra}
    return pl.DataFrame(
        [{k: r.get(k) for k in schema} for r in records], schema=schema, orient="row"
    ) if records else pl.DataFrame(schema=schema)


def amount(column: str) -> pl.Expr:
    """An amount column as Derived.value reads it: NaN as null."""
    return pl.col(column).cast(pl.Float64).fill_nan(None)


def or_zero(e: pl.Expr) -> pl.Expr:
    """Python's `value or 0.0` on an amount: null (and -0.0) as 0.0."""
    return pl.when(e.is_null() | (e == 0.0)).then(pl.lit(0.0)).otherwise(e)


def framed(frames: list[pl.DataFrame], extra: dict[str, pl.DataType]) -> pl.DataFrame:
    """A check frame from partial frames, stacked in order: CHECK_COLUMNS then `extra`, a column a
    frame lacks filled with nulls (what check_frame does for row dicts)."""
    schema = {**CHECK_COLUMNS, **extra}
    parts = [f.select([(pl.col(c) if c in f.columns else pl.lit(None)).cast(t).alias(c) for c, t in schema.items()])
             for f in frames if f.height]
    return pl.concat(parts, how="vertical") if parts else pl.DataFrame(schema=schema)


def coded_tables(documents: list[Document], kinds: Iterable[str]) -> Iterator[tuple[int, int, Table]]:
    kinds = frozenset(kinds)
    for d, doc in enumerate(documents):
        for t, table in enumerate(doc.tables):
            if table.kind in kinds and table.rows.height:
                yield d, t, table


def base_name(name: str | None) -> str:
    """name_key without a trailing bracketed qualifier: 一般行政管理事务（政府办公室） → 一般行政管理事务."""
    key = name_key(name)
    return re.sub(r"（[^（）]*）$", "", key) or key


def is_total(name: str | None) -> bool:
    return bool(name and TOTAL_NAME.search(name))


@dataclass
class TableView:
    """What the rules need from a Table: values by column, problem cells, precision."""

    table: Table
    decimals: int
    problems: set[tuple[int, str]]

    @classmethod
    def of(cls, table: Table) -> TableView:
        """The view of a table, computed now (Derived.view keeps one per validate() call)."""
        cells = table.cells
        problems: set[tuple[int, str]] = set()
        if "problem" in cells.columns and cells.height:
            # a misplaced thousands separator ('120258,600') still reads as one number: keep checking it
            bad = cells.filter(pl.col("problem").is_not_null()
                               & ~((pl.col("problem") == "bad_grouping") & pl.col("value").is_not_null()))
            problems = {(int(r), str(c)) for r, c in bad.select("row", "column").iter_rows()}
        if not cells.height:
            return cls(table, 2, problems)
        if "decimals" not in cells.columns:  # a Document pickled before cells carried their decimals
            cells = cells.with_columns(pl.col("text").map_elements(printed_decimals, return_dtype=pl.Int64)
                                       .alias("decimals"))
        # the printed precision: the most decimals an amount of the table is printed with
        return cls(table, int(cells["decimals"].max() or 0), problems)

    @property
    def tolerance(self) -> float:
        """One unit of the printed last decimal (0.01 for 2 decimals), plus float epsilon."""
        return 10.0 ** (-self.decimals) + 1e-6

    @property
    def step(self) -> float:
        """One unit of the printed last decimal: the rounding step of the table's amounts."""
        return 10.0 ** -self.decimals

    def fmt(self, value: float | None) -> str:
        return fmt_amount(value, self.decimals)

    def printed(self, value: float | None) -> float | None:
        """`value` as the table would print it (rounded to its decimals), as a number."""
        return printed_amount(value, self.decimals)

    def measures(self, *wanted: str) -> list[str]:
        cols = self.table.rows.columns
        return [m for m in (wanted or self.table.measures) if m in cols]


def fmt_amount(value: float | None, decimals: int = 2) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return f"{value:.{decimals}f}"


def printed_amount(value: float | None, decimals: int) -> float | None:
    """`value` rounded to `decimals`, the number fmt_amount prints; None for a missing value."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return round(value, decimals)


def fmt_percent(value: float, decimals: int) -> str:
    return f"{value:.{decimals}f}%"


def level_of(code: str | None) -> int | None:
    return LEVEL_OF_LENGTH.get(len(code)) if code and code.isdigit() else None


HIERARCHY_SCHEMA: dict[str, pl.DataType] = {
    "tid": pl.Int64, "k": pl.Int64, "row": pl.Int64, "side": pl.Utf8, "code": pl.Utf8, "name": pl.Utf8, "level": pl.Int64,
    "valid": pl.Boolean, "parent": pl.Int64, "repaired": pl.Utf8, "duplicate_of": pl.Int64,
}


def hierarchy(table: Table) -> list[dict]:
    """Each coded row with its level and parent, by POSITION as printed.

    Rows with a malformed code (wrong length) get the level their neighbours imply, so
    '11' between 210 and 2101101 counts as a 款 — arithmetic then still groups its children
    right and the code error is reported once, by code.format. Per side of the table.
    Returns dicts: row, side, code, name, name_key, parts (the code as printed, split by column), level, valid,
    parent (index into the list),
    repaired (a truncated 款 code completed from its parent: '11' under 210 → '21011') and
    duplicate_of (index of the first item with the same code on the same side, else None).
    """
    rows = table.rows
    if "code" not in rows.columns:
        return []
    sides = rows["side"].to_list() if "side" in rows.columns else [""] * rows.height
    raw = rows["raw_code"].to_list() if "raw_code" in rows.columns else [None] * rows.height
    names = rows["name"].to_list() if "name" in rows.columns else [None] * rows.height
    keys = rows["name_key"].to_list() if "name_key" in rows.columns else [None] * rows.height
    out: list[dict] = []
    for side in dict.fromkeys(sides):
        idx = [i for i in range(rows.height) if sides[i] == side]
        items = []
        for i in idx:
            code = rows["code"][i]
            if code is None and raw[i] and str(raw[i]).strip():
                code = _SPACE.sub("", str(raw[i]))
            if not code or is_total(names[i]) or not code.isdigit():
                continue  # a name or note read into the code column is not a code
            parts = str(raw[i] or code).split()  # several parts: printed over 类 | 款 | 项 columns
            # a 类 not of 3 digits ('7 | 11 | 02') is malformed; a malformed code over three columns is a 项
            valid = level_of(code) is not None and not (len(parts) == 3 and len(parts[0]) != 3)
            level = level_of(code) if valid else (3 if len(parts) == 3 else None)
            items.append({"row": rows["row"][i], "side": side, "code": code, "name": names[i], "name_key": keys[i], "parts": parts,
                          "level": level, "valid": valid})
        for k, it in enumerate(items):
            if it["level"] is None:  # infer from neighbours
                prev = next((x["level"] for x in reversed(items[:k]) if x["level"]), 0)
                nxt = next((x["level"] for x in items[k + 1:] if x["valid"]), 0)
                it["level"] = max(prev + 1, nxt - 1) if nxt > prev else max(prev, 1)
                if len(it["code"]) in (4, 6):  # one digit dropped from a 款/项 code: that level, if it fits here
                    it["level"] = min(len(it["code"]) // 2, prev + 1)
        first: dict[str, int] = {}
        for k, it in enumerate(items):  # a code printed again on the same side is not a further child
            it["duplicate_of"] = first.get(it["code"])
            if it["duplicate_of"] is not None:
                it["duplicate_of"] += len(out)
            first.setdefault(it["code"], k)
        if sum(it["duplicate_of"] is not None for it in items) > MAX_DUPLICATES:
            for it in items:  # codes repeated line after line: a listing per unit or project, not a slip
                it["duplicate_of"] = None
        for k, it in enumerate(items):
            it["parent"] = next((j for j in range(k - 1, -1, -1) if items[j]["level"] < it["level"]), None)
            it["repaired"] = it["code"] if it["valid"] else None
            p = items[it["parent"]] if it["parent"] is not None else None
            if not it["valid"] and p and p["valid"] and it["code"].isdigit() and len(it["code"]) <= 2:
                cand = p["code"] + it["code"].zfill(2)
                if level_of(cand) == it["level"]:
                    it["repaired"] = cand
        base = len(out)
        for it in items:
            if it["parent"] is not None:
                it["parent"] += base
        out.extend(items)
    return out
