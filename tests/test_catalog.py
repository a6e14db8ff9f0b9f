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
    assert set(frame["status"].unique()) <= set("CPNKMUR")  # R: harvested from real disclosures
    assert catalog.entries("functional")["21011"].name == "行政事业单位医疗"


def test_committed_catalog_matches_the_sources():
    if not Path(build.SOURCE, "provenance.csv").exists():
        pytest.skip("shared catalog sources not present")
    fresh = build.build()
    committed = catalog.load(compiled_only=True)
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


def test_harvest_keeps_codes_named_alike_by_two_departments_only():
    from expectations.catalog.harvest import harvest
    from tests.fixtures.documents import make_document, make_table

    def doc(department: str, rows: list[tuple]) -> object:
        return make_document([make_table("gpb_expenditure", ["total"], rows)], [], department=department,
                             name=department)

    docs = [
        doc("甲局", [("2010350", "事业运行", "1.00"), ("2049901", "其他公共安全支出", "1.00"), ("2010301", "行政运行", "1.00")]),
        doc("乙局", [("2010350", "事业 运行", "2.00"), ("2049901", "公安其他支出", "1.00")]),
        doc("丙局", [("2129999", "其他城乡社区支出", "3.00")]),
    ]
    rows = {r["code"]: r for r in harvest(docs).iter_rows(named=True)}
    assert rows["2010350"]["name"] == "事业运行" and rows["2010350"]["status"] == "R"
    assert rows["2010350"]["parent_code"] == "20103" and rows["2010350"]["evidence"].startswith("R:2:")
    assert "2129999" not in rows  # one department only
    assert "2049901" not in rows  # named differently by the two departments
    assert "2010301" not in rows or catalog.entries("functional", compiled_only=True).get("2010301") is None


def test_harvested_rows_are_well_formed_and_new():
    corpus = pl.read_csv(catalog.CORPUS_PATH, schema_overrides=catalog.COLUMNS)
    compiled = set(catalog.load(compiled_only=True)["code"])
    assert corpus.height > 50 and set(corpus["status"]) == {"R"}
    assert not set(corpus["code"]) & compiled
    assert all(len(c) in (3, 5, 7) and c.isdigit() for c in corpus["code"])


def test_the_economic_catalog_does_not_judge_documents_before_the_2018_reform():
    from expectations import validate
    from tests.fixtures.documents import make_document, make_table

    def findings(year: int) -> list:
        table = make_table("gpb_basic_expenditure", ["total"], [
            ("301", "工资福利支出", "5.00"), ("30311", "住房公积金", "5.00"), ("", "合计", "5.00")])
        doc = make_document([table], [], year=year)
        return [f for f in validate([doc])[0] if f.rule == "code.catalog" and f.code == "30311"]

    assert findings(2019)  # 30311 is 代缴社会保险费 since 2018
    assert not findings(2017)  # before the reform 30311 was 住房公积金
