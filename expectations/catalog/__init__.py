"""The 政府收支分类科目 catalog as data: catalog.csv (compiled fragments, `expectations.catalog.build`) plus corpus.csv (codes named alike in real disclosures, `expectations.catalog.harvest`).

The functional catalog is PARTIAL (all 类, a few 款/项): a code missing from it means
nothing. The 部门经济分类 (301–399) is believed nearly complete. Names are compared after
normalisation (spaces removed, brackets unified) and with tolerance for abbreviations and
old names (行政事业单位离退休 for 行政事业单位养老支出): only a name that has little in
common with the catalog's is a contradiction.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from types import MappingProxyType

import polars as pl

from domain.names import name_key

PATH = Path(__file__).with_name("catalog.csv")
CORPUS_PATH = Path(__file__).with_name("corpus.csv")  # codes seen consistently in real disclosures (harvest.py)
COLUMNS = {"system": pl.Utf8, "code": pl.Utf8, "name": pl.Utf8, "level": pl.Int64, "parent_code": pl.Utf8,
           "year": pl.Utf8, "status": pl.Utf8, "evidence": pl.Utf8, "source_file": pl.Utf8}
SURE = frozenset({"C", "P"})  # code and name seen together in a public source
# (system, level) whose catalog is believed complete: absence is worth a warning.
COMPLETE = frozenset({("functional", 1), ("economic_dept", 1), ("economic_dept", 2)})


@dataclass(frozen=True)
class Entry:
    system: str
    code: str
    name: str
    level: int
    status: str
    evidence: str
    source_file: str


def similar(a: str, b: str) -> bool:
    """Same name up to brackets, abbreviation or an old wording."""
    a, b = name_key(a), name_key(b)
    strip = re.compile(r"[（）()“”\"、]")
    a, b = strip.sub("", a), strip.sub("", b)
    if not a or not b or a in b or b in a:
        return True
    short, long_ = sorted((a, b), key=len)
    shared = sum(1 for ch in short if ch in long_)
    return shared / len(short) >= 0.6


# The catalog is read from the repo's CSV files once per process (functools.cache): reference data,
# the same for every run, handed out read-only (a polars frame, read-only mappings of frozen entries).
@cache
def load(compiled_only: bool = False) -> pl.DataFrame:
    """The compiled catalog, plus (unless `compiled_only`) the rows harvested from real disclosures."""
    frames = [pl.read_csv(PATH, schema_overrides=COLUMNS)]
    if not compiled_only and CORPUS_PATH.exists():
        frames.append(pl.read_csv(CORPUS_PATH, schema_overrides=COLUMNS))
    return pl.concat(frames, how="vertical_relaxed").select(list(COLUMNS))


@cache
def entries(system: str, compiled_only: bool = False) -> Mapping[str, Entry]:
    frame = load(compiled_only).filter(pl.col("system") == system)
    return MappingProxyType({
        r["code"]: Entry(r["system"], r["code"], r["name"], r["level"], r["status"], r["evidence"], r["source_file"])
        for r in frame.iter_rows(named=True)
    })


@cache
def names(system: str) -> Mapping[str, tuple[str, ...]]:
    """A catalog name's key (domain.names.name_key) → the codes that carry it."""
    out: dict[str, list[str]] = {}
    for e in entries(system).values():
        out.setdefault(name_key(e.name), []).append(e.code)
    return MappingProxyType({k: tuple(v) for k, v in out.items()})


# The economic classification was reformed in 2018 (部门预算支出经济分类科目): the compiled rows
# describe 2018 onwards, so a document of an earlier year is not checked against them.
FIRST_YEAR = {"economic_dept": 2018, "economic_gov": 2018}


def covers_year(system: str, year: int | None) -> bool:
    return year is None or year >= FIRST_YEAR.get(system, 0)


def system_of(code: str, table_kind: str | None) -> str:
    if code[:1] == "3" and len(code) <= 5:
        return "economic_dept"
    if code[:1] == "5" and len(code) <= 5:
        return "economic_gov"
    return "functional"


# The same catalog as frames, for check frames written as polars expressions over all tables at once.
@cache
def entries_frame() -> pl.DataFrame:
    """system, code → name, its `entry_key` (name_key), level, status, evidence: the entry `entries`
    hands out (the last row of a code), with `order`, the place `entries` lists it in (the code's first row)."""
    frame = (load().with_row_index("order").with_columns(pl.col("order").first().over("system", "code"))
             .unique(["system", "code"], keep="last", maintain_order=True).sort("order"))
    keys = pl.Series("entry_key", [name_key(n) for n in frame["name"].to_list()], dtype=pl.Utf8)
    return frame.with_columns(keys).select("system", "code", "name", "entry_key", "level", "status", "evidence", "order")


@cache
def names_frame() -> pl.DataFrame:
    """system, key (the name's name_key) → code, order: `names` as a frame."""
    return entries_frame().select("system", pl.col("entry_key").alias("key"), "code", "order")


def similar_pairs(pairs: pl.DataFrame) -> pl.Series:
    """`similar(a, b)` for each row of a frame whose Utf8 columns a, b hold name keys (null as '')."""
    stripped = [pl.col(c).fill_null("").str.replace_all(r"[（）()“”\"、]", "").alias(f"s{c}") for c in ("a", "b")]
    sa, sb = pl.col("sa"), pl.col("sb")
    b_shorter = sb.str.len_chars() < sa.str.len_chars()  # sorted(key=len) is stable: a is short on a tie
    p = pairs.select("a", "b").with_row_index("pair").with_columns(stripped).with_columns(
        short=pl.when(b_shorter).then(sb).otherwise(sa), long=pl.when(b_shorter).then(sa).otherwise(sb))
    chars = [p.select("pair", pl.col(c).str.split("").alias("ch")).explode("ch") for c in ("short", "long")]
    shared = (chars[0].join(chars[1].unique(), on=["pair", "ch"], how="semi")
              .group_by("pair").agg(pl.len().alias("shared")))
    return (p.join(shared, on="pair", how="left", maintain_order="left")
            .select((sa.eq("") | sb.eq("") | sb.str.contains(sa, literal=True) | sa.str.contains(sb, literal=True)
                     | (pl.col("shared").fill_null(0) / pl.col("short").str.len_chars() >= 0.6)).alias("similar"))
            .to_series())
