"""The classification catalog: built from the shared sources with provenance; name tolerance."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from expectations import catalog
from expectations.catalog import build


def test_every_row_has_provenance():
    frame = catalog.load()
    assert frame.height > 200
    assert frame["status"].null_count() == 0 and frame["source_file"].null_count() == 0
    assert set(frame["status"].unique()) <= set("CPNKMU")
    assert catalog.entries("functional")["21011"].name == "行政事业单位医疗"


def test_committed_catalog_matches_the_sources():
    if not Path(build.SOURCE, "provenance.csv").exists():
        pytest.skip("shared catalog sources not present")
    fresh = build.build()
    committed = catalog.load()
    assert fresh.select(committed.columns).with_columns(pl.col("level").cast(pl.Int64)).equals(
        committed.with_columns(pl.col("level").cast(pl.Int64)))


@pytest.mark.parametrize(("printed", "official", "same"), [
    ("城镇职工基本医疗保险缴费", "职工基本医疗保险缴费", True),
    ("政府办公室", "政府办公厅（室）及相关机构事务", True),
    ("维修(护)费", "维修（护）费", True),
    ("行政事业单位离退休", "行政事业单位养老支出", True),
    ("卫生健康支出", "行政事业单位医疗", False),
])
def test_similar_names(printed, official, same):
    assert catalog.similar(printed, official) is same
