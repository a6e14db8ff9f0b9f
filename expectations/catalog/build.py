"""Build expectations/catalog/catalog.csv from the compiled 政府收支分类科目 fragments.

    python -m expectations.catalog.build [SOURCE_DIR]

Each row keeps its provenance (status, evidence keys, source file) so a finding can say how
sure the catalog is. Status: C/P code and name seen together · N/K one of them seen ·
M/U knowledge only.
"""

from __future__ import annotations

import sys
from pathlib import Path

import polars as pl

SOURCE = Path(__file__).resolve().parents[3] / "shared" / "catalog"  # the compiled fragments
TARGET = Path(__file__).with_name("catalog.csv")
FILES = ("functional_partial_2021.csv", "economic_dept_compiled.csv", "economic_gov_compiled.csv")


def build(source: Path = SOURCE) -> pl.DataFrame:
    prov = pl.read_csv(source / "provenance.csv", schema_overrides={"code": pl.Utf8})
    parts = []
    for name in FILES:
        frame = pl.read_csv(source / name, schema_overrides={"code": pl.Utf8, "parent_code": pl.Utf8})
        parts.append(frame.with_columns(pl.lit(name).alias("source_file")))
    rows = pl.concat(parts).join(prov.select("system", "code", "status", "evidence"), on=["system", "code"], how="left")
    return rows.with_columns(pl.col("status").fill_null("M"), pl.col("evidence").fill_null("-")).select(
        "system", "code", "name", "level", "parent_code", "year", "status", "evidence", "source_file"
    ).sort("system", "code")


if __name__ == "__main__":
    src = Path(sys.argv[1]) if len(sys.argv) > 1 else SOURCE
    build(src).write_csv(TARGET)
    print(f"wrote {TARGET}")
