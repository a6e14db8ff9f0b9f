"""The stored extraction (warehouse migration 7): a document saved and loaded back validates to the
same findings as the freshly extracted one, on DuckDB and PostgreSQL; `check --recheck` checks
stored documents from it without reading their files (the files are moved away), and re-reads a
document whose extraction was not stored or is stale. Real PDFs of the tuning half (上海) and the
seed DOCX/XLSX built by the tests."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest
from polars.testing import assert_frame_equal

try:
    from tests.pg import postgres_server, postgres_url  # noqa: F401
except ImportError:  # tests/ on sys.path rather than a package
    from pg import postgres_server, postgres_url  # noqa: F401

from extract import extract_file
from orchestration import jobs
from tests.fixtures.seed_files import seed_files  # noqa: F401
from tests.shared_inputs import SHARED
from warehouse import Warehouse

REPO = Path(__file__).resolve().parents[1]
SHANGHAI = SHARED / "corpus/real/renwu/001_上海"
PDFS = sorted(SHANGHAI.glob("*.pdf"))[:3] if SHANGHAI.is_dir() else []
needs_corpus = pytest.mark.skipif(len(PDFS) < 3, reason="the real corpus (tuning half) is not here")


@pytest.fixture(params=["duckdb", "postgresql"])
def url(request, tmp_path):
    if request.param == "duckdb":
        return f"duckdb://{tmp_path}/wh.duckdb"
    return request.getfixturevalue("postgres_url")


def findings(doc) -> list[dict]:
    return [f.to_dict() for f in doc.findings]


@pytest.fixture(scope="module")
def fresh(seed_files):  # noqa: F811
    """The real PDFs and the seed DOCX/XLSX, extracted and checked once for the module."""
    docs = [d for p in [*PDFS, seed_files.docx, seed_files.xlsx] for d in extract_file(p)]
    return jobs.check_documents(docs)


@needs_corpus
@pytest.mark.slow
def test_saved_extraction_loads_back_and_validates_the_same(url, fresh):
    with Warehouse.open(url) as wh:
        wh.save_documents(fresh, "run-1")
        shas = [d.doc_id for d in fresh]
        assert wh.reusable_extractions(shas) == set(shas)
        loaded = wh.load_documents(shas)
    assert [d.doc_id for d in loaded] == shas
    assert sum(bool(d.findings) for d in fresh) >= 2  # something to compare
    for a, b in zip(fresh, loaded, strict=True):
        assert (b.source.path, b.source.format, b.department, b.region, b.year, b.kind, b.unit, b.status,
                b.page_count) == (a.source.path, a.source.format, a.department, a.region, a.year, a.kind, a.unit,
                                  a.status, a.page_count)
        assert b.paragraphs == a.paragraphs and a.paragraphs
        assert len(b.tables) == len(a.tables) > 0
        for x, y in zip(a.tables, b.tables, strict=True):
            assert (y.kind, y.title, y.number, y.unit, y.pages, y.measures, y.notes, y.index) == \
                   (x.kind, x.title, x.number, x.unit, x.pages, x.measures, x.notes, x.index)
            assert_frame_equal(y.rows, x.rows)
            assert_frame_equal(y.cells, x.cells)
        assert b.findings == [] and b.scorecard is None
    jobs.check_documents(loaded)
    for a, b in zip(fresh, loaded, strict=True):
        assert findings(b) == findings(a), a.source.path
        assert b.scorecard == a.scorecard


@needs_corpus
@pytest.mark.slow
def test_table_view_grid_is_derived_from_the_stored_frames(tmp_path, fresh):
    """The report's table view (table_grids) reads the frames; the grid column is no longer duplicated."""
    from warehouse.store import grid_dict

    doc = fresh[0]
    with Warehouse.open(f"duckdb://{tmp_path}/wh.duckdb") as wh:
        wh.save_documents([doc])
        assert wh.conn.query("SELECT COUNT(*) AS n FROM doc_tables WHERE grid IS NOT NULL")[0]["n"] == 0
        grids = wh.table_grids(doc.doc_id)
    for table, grid in zip(doc.tables, grids, strict=True):
        expected = grid_dict(table)
        assert grid["rows"] == [dict(zip(expected["rows"], v, strict=True)) for v in zip(*expected["rows"].values(), strict=True)]
        assert len(grid["cells"]) == table.cells.height


def budgetqa(*args: str) -> subprocess.CompletedProcess:
    done = subprocess.run([sys.executable, "-m", "budgetqa", *args], cwd=REPO, capture_output=True, text=True,
                          timeout=600, env={**os.environ, "BUDGETQA_WORKERS": "1"})
    assert done.returncode == 0, done.stdout + done.stderr
    return done


def report_findings(path: Path) -> dict[str, list]:
    report = json.loads(path.read_text(encoding="utf-8"))
    return {d["source"]["sha256"]: (d["findings"], d["scorecard"]) for d in report["documents"]}


def last_counts(url: str) -> dict:
    with Warehouse.open(url) as wh:
        return wh.runs()[0]["counts"]


@needs_corpus
@pytest.mark.slow
def test_recheck_of_the_warehouse_does_not_read_the_files(url, tmp_path, seed_files):  # noqa: F811
    folder = tmp_path / "files"
    folder.mkdir()
    for p in [*PDFS, seed_files.docx, seed_files.xlsx]:
        shutil.copy(p, folder / p.name)
    budgetqa("check", str(folder), "--warehouse", url, "--json", str(tmp_path / "first.json"))
    first = report_findings(tmp_path / "first.json")
    assert len(first) == 5 and any(f for f, _ in first.values())
    with Warehouse.open(url) as wh:  # as after a rule change: the stored results are of other rules
        wh.conn.execute("UPDATE documents SET ruleset = 'older'")
    moved = shutil.move(folder, tmp_path / "elsewhere")
    out = budgetqa("check", "--warehouse", url, "--recheck", "--json", str(tmp_path / "again.json"))
    assert report_findings(tmp_path / "again.json") == first
    assert "5 files rechecked from their stored extraction" in out.stderr
    counts = last_counts(url)
    assert (counts["from_warehouse"], counts["extracted"], counts["kept"], counts["documents"]) == (5, 0, 0, 5)
    with Warehouse.open(url) as wh:
        from domain.ruleset import ruleset_version

        assert {c["sha256"] for c in wh.scorecards()} == set(first)
        assert wh.known_documents(ruleset=ruleset_version()) == set(first)  # stored under the current rules
    # with paths: the same files found elsewhere are checked from the warehouse too (only hashed)
    budgetqa("check", str(moved), "--warehouse", url, "--recheck", "--json", str(tmp_path / "third.json"))
    assert report_findings(tmp_path / "third.json") == first
    assert (last_counts(url)["from_warehouse"], last_counts(url)["extracted"]) == (5, 0)


@needs_corpus
@pytest.mark.slow
def test_a_document_stored_without_its_extraction_is_read_again(tmp_path):
    url = f"duckdb://{tmp_path}/wh.duckdb"
    pdf, other = PDFS[0], PDFS[1]
    budgetqa("check", str(pdf), str(other), "--warehouse", url, "--json", str(tmp_path / "first.json"))
    first = report_findings(tmp_path / "first.json")
    with Warehouse.open(url) as wh:
        sha = next(d.doc_id for d in wh.load_documents(first) if Path(d.source.path).name == pdf.name)
        # `pdf` as stored before migration 7: no extraction; `other` by another extractor version
        wh.conn.execute("UPDATE documents SET extractor = NULL WHERE sha256 = ?", (sha,))
        wh.conn.execute("DELETE FROM doc_paragraphs WHERE sha256 = ?", (sha,))
        wh.conn.execute("UPDATE doc_tables SET frames = NULL WHERE sha256 = ?", (sha,))
        wh.conn.execute("UPDATE documents SET extractor = 'stale' WHERE sha256 <> ?", (sha,))
        assert wh.reusable_extractions(first) == set() and len(wh.load_documents(first)) == 1
    budgetqa("check", str(pdf), str(other), "--warehouse", url, "--recheck", "--json", str(tmp_path / "again.json"))
    assert report_findings(tmp_path / "again.json") == first
    assert (last_counts(url)["from_warehouse"], last_counts(url)["extracted"]) == (0, 2)
    with Warehouse.open(url) as wh:  # both are stored whole again, by the current extractor
        assert wh.reusable_extractions(first) == set(first)
    # --reextract reads the files even though their extraction is current
    budgetqa("check", str(pdf), "--warehouse", url, "--recheck", "--reextract")
    assert (last_counts(url)["from_warehouse"], last_counts(url)["extracted"]) == (0, 1)


@needs_corpus
@pytest.mark.slow
def test_warehouse_recheck_keeps_a_document_it_cannot_rebuild(tmp_path):
    """No stored extraction and the file gone: its stored results stay, counted as kept."""
    url = f"duckdb://{tmp_path}/wh.duckdb"
    folder = tmp_path / "files"
    folder.mkdir()
    for p in PDFS[:2]:
        shutil.copy(p, folder / p.name)
    budgetqa("check", str(folder), "--warehouse", url)
    with Warehouse.open(url) as wh:
        cards = {c["sha256"]: c for c in wh.scorecards()}
        gone = next(iter(cards))
        wh.conn.execute("UPDATE documents SET extractor = NULL WHERE sha256 = ?", (gone,))
        before = wh.findings(gone)
    shutil.rmtree(folder)
    out = budgetqa("check", "--warehouse", url, "--recheck")
    assert "1 documents kept as stored" in out.stderr
    counts = last_counts(url)
    assert (counts["from_warehouse"], counts["extracted"], counts["kept"]) == (1, 0, 1)
    with Warehouse.open(url) as wh:
        assert wh.findings(gone) == before and wh.scorecards()[0]["status"] == "ok"


def test_a_warehouse_from_before_migration_7_is_upgraded_and_its_documents_are_read_again(url):
    """Rows written by migration 6's code: after the upgrade they have no stored extraction (so a
    recheck reads their files), and their table views still come from the stored grid."""
    from samples.warehouse_docs import document
    from scoring import score_document
    from warehouse.db import Connection
    from warehouse.schema import DOCUMENT_COLUMNS, MIGRATIONS, TABLE_COLUMNS
    from warehouse.store import document_row, grid_json

    doc = document("old", department="甲局", year=2024, kind="budget")
    doc.scorecard = score_document(doc)
    conn = Connection(url)
    conn.execute("CREATE TABLE schema_version (version INTEGER PRIMARY KEY, applied TIMESTAMP)")
    for version, statements in MIGRATIONS[:6]:
        for sql in statements:
            conn.execute(sql)
        conn.execute("INSERT INTO schema_version (version, applied) VALUES (?, CURRENT_TIMESTAMP)", (version,))
    v6_documents, v6_tables = DOCUMENT_COLUMNS[:-1], TABLE_COLUMNS[:-1]
    conn.execute(f"INSERT INTO documents ({', '.join(v6_documents)}) VALUES ({', '.join('?' * len(v6_documents))})",
                 document_row(doc, "run-6", datetime(2025, 1, 1), "older")[:-1])
    t = doc.tables[0]
    conn.execute(f"INSERT INTO doc_tables ({', '.join(v6_tables)}) VALUES ({', '.join('?' * len(v6_tables))})",
                 (doc.doc_id, 0, t.kind, t.number, t.title, t.unit, json.dumps(t.pages), t.rows.height,
                  json.dumps(t.measures), grid_json(t)))
    conn.close()
    with Warehouse.open(url) as wh:
        assert wh.schema_version() == 7
        assert wh.reusable_extractions([doc.doc_id]) == set() and wh.load_documents([doc.doc_id]) == []
        (grid,) = wh.table_grids(doc.doc_id)
        assert len(grid["rows"]) == t.rows.height and len(grid["cells"]) == t.cells.height
        wh.save_documents([doc], "run-7")  # saved again by this version: whole and current
        assert wh.reusable_extractions([doc.doc_id]) == {doc.doc_id}
        (back,) = wh.load_documents([doc.doc_id])
        assert_frame_equal(back.tables[0].cells, t.cells)
