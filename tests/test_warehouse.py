"""The warehouse against a real DuckDB file and a real PostgreSQL server: the same test bodies."""

from __future__ import annotations

import csv
import json

import polars as pl
import pytest

try:
    from tests.pg import postgres_server, postgres_url  # noqa: F401
except ImportError:  # tests/ on sys.path rather than a package
    from pg import postgres_server, postgres_url  # noqa: F401

from domain.model import REPORT_SCHEMA
from report.exports import export_warehouse
from report.rankings import department_rankings, trends
from samples.warehouse_docs import document, finding, seed_like
from scoring import score_document
from warehouse import SCHEMA_VERSION, Warehouse


@pytest.fixture(params=["duckdb", "postgresql"])
def url(request, tmp_path):
    if request.param == "duckdb":
        return f"duckdb://{tmp_path}/wh/budgetqa.duckdb"
    return request.getfixturevalue("postgres_url")


def scored(docs):
    for d in docs:
        d.scorecard = score_document(d)
    return docs


def count(wh: Warehouse, table: str) -> int:
    return wh.conn.query(f"SELECT COUNT(*) AS n FROM {table}")[0]["n"]


def test_schema_version_and_reopen(url):
    with Warehouse.open(url) as wh:
        assert wh.schema_version() == SCHEMA_VERSION
    with Warehouse.open(url) as wh:  # re-opening does not re-apply migrations
        assert wh.schema_version() == SCHEMA_VERSION
        assert count(wh, "schema_version") == SCHEMA_VERSION


def test_save_is_idempotent_and_replaces_by_sha256(url):
    docs = scored(seed_like())
    with Warehouse.open(url) as wh:
        wh.save_documents(docs, "run-1")
        assert wh.save_documents(docs + docs[:2], "run-1") == 4  # a file twice in one batch counts once
        assert count(wh, "documents") == 4
        assert count(wh, "findings") == 5
        assert count(wh, "doc_tables") == 3
        assert wh.known_documents() == {d.doc_id for d in docs}
        # the same file again with fewer findings replaces its rows
        again = scored([document("dj2021", [finding("code")], department="杜集区政府办公室", region="淮北市杜集区",
                                 year=2021, kind="budget")])
        wh.save_documents(again, "run-2")
        assert count(wh, "documents") == 4
        assert len(wh.findings(again[0].doc_id)) == 1
        assert wh.document(again[0].doc_id)["run_id"] == "run-2"


def test_round_trip_of_a_document(url):
    docs = scored(seed_like())
    with Warehouse.open(url) as wh:
        wh.save_documents(docs, "r")
        got = wh.document(docs[0].doc_id)
    want = docs[0].to_report()
    for key in ("source", "department", "region", "year", "kind", "unit", "status", "error"):
        assert got[key] == want[key], key
    assert got["tables"] == [{**t, "unit": "万元"} for t in want["tables"]]
    # every field, locations included; plus the quoted paragraph of narrative findings
    assert [{k: v for k, v in f.items() if k != "excerpt"} for f in got["findings"]] == want["findings"]
    assert [f["excerpt"] for f in got["findings"]] == [None, None, None, "一般公共服务支出457.90万元，占44.35%；社会保障和就业支出20.78万元。"]
    assert got["scorecard"]["score"] == want["scorecard"]["score"]
    assert got["scorecard"]["categories"] == want["scorecard"]["categories"]
    assert got["findings"][0]["location"]["bbox"] == [72.0, 410.5, 520.3, 428.1]
    unread = wh_none(url, docs[3].doc_id)["scorecard"]  # unreadable: listed, not scored
    assert unread["score"] is None and unread["grade"] is None and unread["categories"] == {}


def wh_none(url, sha):
    with Warehouse.open(url) as wh:
        return wh.document(sha)


def test_rankings_and_trends(url):
    with Warehouse.open(url) as wh:
        wh.save_documents(scored(seed_like()), "r")
        ranks = department_rankings(wh.scorecards())
        assert [(r["rank"], r["department"], r["year"]) for r in ranks] == [
            (1, "杜集区信访局", 2022), (2, "杜集区政府办公室", 2022), (None, "杜集区财政局", 2022)]
        office = ranks[1]
        assert [t["year"] for t in office["trend"]] == [2021, 2022]
        assert office["trend"][0]["score"] < office["trend"][1]["score"]
        assert office["warnings"] == 1 and office["errors"] == 0
        r2021 = department_rankings(wh.scorecards(), year=2021)
        assert [r["department"] for r in r2021] == ["杜集区政府办公室"]
        assert r2021[0]["errors"] == 3
        assert trends(wh.scorecards(), "杜集区政府办公室") == office["trend"]


def test_crawl_log_and_runs(url):
    with Warehouse.open(url) as wh:
        wh.record_crawl([
            {"portal": "huaibei", "url": "http://x/a.pdf", "referer": "http://x/list", "title": "2021年部门预算",
             "published": "2021-03-01", "fetched_at": "2021-03-02T01:02:03+08:00", "status": 200, "size": 1234,
             "sha256": "ab" * 32, "outcome": "new", "extra": "ignored"},
            {"portal": "other", "url": "http://y/b.pdf", "status": 404, "outcome": "error"},
        ])
        log = wh.crawl_log("huaibei")
        assert len(log) == 1 and log[0]["size"] == 1234 and log[0]["title"] == "2021年部门预算"
        assert log[0]["fetched_at"].isoformat() == "2021-03-01T17:02:03"  # stored as UTC
        assert len(wh.crawl_log()) == 2
        run = wh.start_run("run-x")
        wh.finish_run(run, {"documents": 3, "findings": 7})
        (r,) = wh.runs()
        assert r["id"] == "run-x" and r["counts"] == {"documents": 3, "findings": 7} and r["finished"] >= r["started"]


def test_export_csv_parquet_json(url, tmp_path):
    docs = scored(seed_like())
    with Warehouse.open(url) as wh:
        wh.save_documents(docs, "r")
        paths = export_warehouse(wh, tmp_path / "out")
    with open(paths["findings.csv"], encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 5
    first = next(r for r in rows if r["rule"] == "code.parent_prefix")
    assert first["department"] == "杜集区政府办公室" and first["page"] == "3" and first["row"].startswith("机关")
    assert first["source"] == "http://www.hbdj.gov.cn/2021/yusuan.pdf"
    cards = pl.read_parquet(paths["scorecards.parquet"])
    assert cards.height == 4 and set(cards["grade"].drop_nulls()) <= set("ABCDE")
    assert cards.filter(pl.col("status") != "ok")["score"].to_list() == [None]
    # the file's format and the `format` category score are two columns (the score once overwrote the format)
    by_sha = {d.source.sha256: d for d in docs}
    for row in cards.iter_rows(named=True):
        doc = by_sha[row["sha256"]]
        assert row["format"] == doc.source.format
        assert row["score_format"] == (doc.scorecard.categories.get("format") if doc.status == "ok" else None)
    assert cards["format"].to_list().count("xlsx") == 1
    report = json.loads(paths["report.json"].read_text(encoding="utf-8"))
    assert report["schema"] == REPORT_SCHEMA and len(report["documents"]) == 4


def test_bad_url_is_rejected():
    with pytest.raises(ValueError, match="unsupported warehouse URL"):
        Warehouse.open("mysql://nope")


def test_duplicates_keep_the_original_and_record_every_copy(url):
    first, other = scored(seed_like())[:2]
    copy = scored([document("dj2021", [], department="杜集区政府办公室", year=2021)])[0]
    copy.source.path, copy.duplicate_of = "/mirror/dj2021.pdf", first.source.path
    with Warehouse.open(url) as wh:
        assert wh.save_documents([first, copy, other], "r1") == 2  # the copy adds no document
        got = wh.document(first.doc_id)
        assert got["source"]["path"] == first.source.path and len(got["findings"]) == 4  # not the copy's
        assert [c["path"] for c in got["copies"]] == ["/mirror/dj2021.pdf"]
        # the copy alone in a later batch: the stored original stays
        assert wh.save_documents([copy], "r2") == 0
        assert wh.document(first.doc_id)["run_id"] == "r1" and count(wh, "doc_copies") == 3
    # a copy whose original was never stored is stored as the first copy seen
    with Warehouse.open(url) as wh:
        lone = scored([document("lone", [finding("code")])])[0]
        lone.duplicate_of = "/elsewhere/lone.pdf"
        assert wh.save_documents([lone], "r3") == 1 and len(wh.findings(lone.doc_id)) == 1


WRITER = """
import sys
from scoring import score_document
from warehouse import Warehouse
from samples.warehouse_docs import document, finding
url, tag = sys.argv[1], sys.argv[2]
wh = Warehouse.open(url)
for i in range(15):
    d = document(f"{tag}-{i}", [finding("code"), finding("format", "warning")], department=f"部门{tag}", year=2020 + i % 3)
    d.scorecard = score_document(d)
    wh.save_documents([d], f"run-{tag}")
    if wh.conn.dialect == "duckdb":  # one writer per DuckDB file: let the other process in between saves
        wh.close()
        wh = Warehouse.open(url)
wh.close()
"""


def test_two_processes_write_at_once(url):
    """Two writers start together on an empty database (both migrate) and save different documents."""
    import subprocess
    import sys

    procs = [subprocess.Popen([sys.executable, "-c", WRITER, url, tag], stderr=subprocess.PIPE, text=True)
             for tag in ("a", "b")]
    errors = [p.communicate(timeout=300)[1] for p in procs]
    assert [p.returncode for p in procs] == [0, 0], errors
    with Warehouse.open(url) as wh:
        assert count(wh, "schema_version") == SCHEMA_VERSION  # each migration applied once
        assert count(wh, "documents") == 30 and count(wh, "findings") == 60 and count(wh, "doc_copies") == 30
        assert {r["department"] for r in department_rankings(wh.scorecards())} == {"部门a", "部门b"}


def test_grids_of_many_documents_match_one_by_one(url):
    docs = scored(seed_like())  # one without tables (unreadable)
    shas = [d.doc_id for d in reversed(docs)] + ["0" * 64]  # any order; a sha256 not stored has no tables
    with Warehouse.open(url) as wh:
        wh.save_documents(docs, "run-1")
        one_by_one = [(sha, wh.table_grids(sha)) for sha in shas]
        assert list(wh.grids_of(shas, chunk=2)) == one_by_one  # in the order asked, across chunks
        assert list(wh.grids_of(shas)) == one_by_one
        assert [len(g) for _, g in one_by_one] == [0, 1, 1, 1, 0]
        assert one_by_one[1][1][0]["rows"] and one_by_one[1][1][0]["cells"] is not None
