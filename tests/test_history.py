"""Document versions and history in the warehouse (issue 12.2): a new version supersedes the old, the
old stays queryable, results are kept per document version and rule-set version, and scorecards and
rankings use the current version only. Synthetic documents on both engines; a real tuning-half PDF
and a generated defective copy of it through the pipeline on DuckDB."""

from __future__ import annotations

import shutil
from datetime import datetime

import pytest

try:
    from tests.pg import postgres_server, postgres_url  # noqa: F401
except ImportError:  # tests/ on sys.path rather than a package
    from pg import postgres_server, postgres_url  # noqa: F401

from report.rankings import department_rankings
from samples.warehouse_docs import document, finding
from scoring import score_document
from tests.shared_inputs import SHARED
from warehouse import SCHEMA_VERSION, Warehouse
from warehouse.db import Connection
from warehouse.schema import MIGRATIONS

REAL = SHARED / "corpus/real/renwu/001_上海/2026年上海市水务局_部门预算.pdf"  # tuning half (上海市)
DEPT = dict(department="杜集区财政局", region="淮北市杜集区", year=2021, kind="budget")


@pytest.fixture(params=["duckdb", "postgresql"])
def url(request, tmp_path):
    if request.param == "duckdb":
        return f"duckdb://{tmp_path}/wh/budgetqa.duckdb"
    return request.getfixturevalue("postgres_url")


def scored(*docs):
    for d in docs:
        d.scorecard = score_document(d)
    return list(docs)


def test_a_new_version_at_the_same_url_supersedes_the_old(url):
    v1, = scored(document("v1", [finding("arithmetic")] * 3, url="http://x/2021/ys.pdf", **DEPT))
    v2, = scored(document("v2", [finding("arithmetic")], url="http://x/2021/ys.pdf", **DEPT))
    assert v1.scorecard.score < v2.scorecard.score
    with Warehouse.open(url) as wh:
        wh.save_documents([v1], "r1")
        (before,) = department_rankings(wh.scorecards(), year=2021)
        assert before["score"] == v1.scorecard.score
        wh.save_documents([v2], "r2")
        # scorecards and rankings: the current version only (no blend of the two)
        assert [c["sha256"] for c in wh.scorecards()] == [v2.doc_id]
        (after,) = department_rankings(wh.scorecards(), year=2021)
        assert after["score"] == v2.scorecard.score and [d["sha256"] for d in after["documents"]] == [v2.doc_id]
        assert len(wh.scorecards(current=False)) == 2
        # the old version stays queryable, marked superseded
        old = wh.document(v1.doc_id)
        assert old["superseded_by"] == v2.doc_id and len(old["findings"]) == 3
        assert wh.document(v2.doc_id)["superseded_by"] is None
        assert {f["sha256"] for f in wh.findings()} == {v2.doc_id}  # findings of current versions
        # the report's reads: tables and copies of current versions only (every version's on demand)
        assert {t["sha256"] for t in wh.tables(current=True)} == {c["sha256"] for c in wh.copies(current=True)} == {v2.doc_id}
        assert {t["sha256"] for t in wh.tables()} == {c["sha256"] for c in wh.copies()} == {v1.doc_id, v2.doc_id}
        assert list(wh.documents()) == [v2.doc_id]
        history = wh.department_history("杜集区财政局", "淮北市杜集区")
        assert [(h["sha256"], h["current"], h["run_id"], h["score"]) for h in history] == [
            (v1.doc_id, False, "r1", v1.scorecard.score), (v2.doc_id, True, "r2", v2.scorecard.score)]
        # saving the old bytes again (a recheck) keeps them superseded: their place in history stays
        wh.save_documents([v1], "r3")
        assert [c["sha256"] for c in wh.scorecards()] == [v2.doc_id]
        assert wh.document(v1.doc_id)["superseded_by"] == v2.doc_id


def test_same_department_year_kind_supersedes_only_across_runs(url):
    pdf, = scored(document("p", [finding("code")], **DEPT))
    xlsx, = scored(document("x", [], format="xlsx", **DEPT))
    with Warehouse.open(url) as wh:
        # published together (one run, PDF and XLSX): both current
        wh.save_documents([pdf, xlsx], "r1")
        assert {c["sha256"] for c in wh.scorecards()} == {pdf.doc_id, xlsx.doc_id}
        # a corrected PDF at another address, in a later run: replaces the PDF, not the XLSX
        fixed, = scored(document("p-fixed", [], url="http://x/2021/ys-gz.pdf", **DEPT))
        wh.save_documents([fixed], "r2")
        assert {c["sha256"] for c in wh.scorecards()} == {fixed.doc_id, xlsx.doc_id}
        assert wh.document(pdf.doc_id)["superseded_by"] == fixed.doc_id
        # another year or another department is another document
        other, = scored(document("p2022", [], **(DEPT | {"year": 2022})))
        wh.save_documents([other], "r3")
        assert wh.document(fixed.doc_id)["superseded_by"] is None


def test_results_are_kept_per_rule_set(url):
    doc, = scored(document("d", [finding("code")] * 2, **DEPT))
    with Warehouse.open(url) as wh:
        wh.save_documents([doc], "r1", ruleset="rules-a")
        doc.findings = []  # the rules changed: the same bytes score differently
        doc.scorecard = score_document(doc)
        wh.save_documents([doc], "r2", ruleset="rules-b")
        history = wh.department_history("杜集区财政局")
        assert [(h["ruleset"], h["run_id"]) for h in history] == [("rules-a", "r1"), ("rules-b", "r2")]
        assert history[0]["score"] < history[1]["score"] == doc.scorecard.score
        assert wh.known_documents(ruleset="rules-a") == set()  # the document row holds the latest rules
        assert wh.scorecards()[0]["score"] == doc.scorecard.score


def test_versions_migration_keeps_the_stored_documents(url):
    """A warehouse at schema 3 with a document: after the upgrade it is current, with its result kept."""
    conn = Connection(url)
    conn.execute("CREATE TABLE schema_version (version INTEGER PRIMARY KEY, applied TIMESTAMP)")
    for version, statements in MIGRATIONS[:3]:
        for sql in statements:
            conn.execute(sql)
        conn.execute("INSERT INTO schema_version (version) VALUES (?)", (version,))
    insert = ("INSERT INTO documents (sha256, path, url, department, region, year, kind, status, score, "
              "extracted_at, run_id, ruleset, format) VALUES (?, ?, ?, ?, '某市', 2020, 'budget', 'ok', ?, ?, ?, 'rs0', 'pdf')")
    # 'aa' alone; 'b1' then its replacement 'b2' at the same URL, both current before versions existed
    conn.execute(insert, ("aa", "/d/a.pdf", None, "部门", 81.5, datetime(2024, 1, 2, 3, 4, 5), "old-run"))
    conn.execute(insert, ("b1", "/d/b1.pdf", "http://x/b.pdf", "另一部门", 43.5, datetime(2024, 1, 2), "r1"))
    conn.execute(insert, ("b2", "/d/b2.pdf", "http://x/b.pdf", "另一部门", 37.6, datetime(2024, 2, 2), "r2"))
    conn.close()
    with Warehouse.open(url) as wh:
        assert wh.schema_version() == SCHEMA_VERSION
        (h,) = wh.department_history("部门")
        assert (h["current"], h["ruleset"], h["score"], h["locator"]) == (True, "rs0", 81.5, "/d/a.pdf")
        # the blend is undone: b1 is superseded by b2, the department's score is b2's alone
        assert [(h["sha256"], h["current"]) for h in wh.department_history("另一部门")] == [("b1", False), ("b2", True)]
        assert wh.document("b1")["superseded_by"] == "b2"
        (ranked,) = [r for r in department_rankings(wh.scorecards(), year=2020) if r["department"] == "另一部门"]
        assert [(d["sha256"], d["score"]) for d in ranked["documents"]] == [("b2", 37.6)]
        new, = scored(document("b", [], department="部门", region="某市", year=2020, kind="budget"))
        wh.save_documents([new], "new-run")
        assert wh.document("aa")["superseded_by"] == new.doc_id  # identity kept by the upgrade


@pytest.mark.slow
def test_a_corrected_real_file_replaces_the_defective_one(tmp_path):
    """A real tuning-half PDF with one table page removed (v1) is checked, then the full file is
    published under a corrected name (v2) in a later run: the department's score is v2's alone."""
    import pypdfium2 as pdfium

    from orchestration import jobs

    v1 = tmp_path / "v1" / "2026年上海市水务局_部门预算.pdf"
    v2 = tmp_path / "v2" / "2026年上海市水务局_部门预算（更正）.pdf"
    v1.parent.mkdir()
    v2.parent.mkdir()
    pdf = pdfium.PdfDocument(REAL)
    pdf.del_page(6)  # a table page
    pdf.save(v1)
    pdf.close()
    shutil.copy(REAL, v2)
    url = f"duckdb://{tmp_path}/wh.duckdb"
    with Warehouse.open(url, transient=True) as wh:
        (d1,) = jobs.process_files([v1], wh, "run-1")
        (d2,) = jobs.process_files([v2], wh, "run-2")
        assert (d1.department, d1.year, d1.kind) == (d2.department, d2.year, d2.kind)
        assert d1.scorecard.score < d2.scorecard.score  # the missing page costs points
        ranks = [r for r in department_rankings(wh.scorecards(), year=d2.year) if r["department"] == d2.department]
        assert [(r["score"], len(r["documents"])) for r in ranks] == [(d2.scorecard.score, 1)]
        history = wh.department_history(d2.department, d2.region)
        assert [(h["sha256"], h["current"], h["score"]) for h in history] == [
            (d1.doc_id, False, d1.scorecard.score), (d2.doc_id, True, d2.scorecard.score)]
        assert wh.document(d1.doc_id)["superseded_by"] == d2.doc_id


def test_the_site_lists_current_versions_and_their_copies_only(url, tmp_path):
    from lxml import html

    from report import write_site
    from report.site import doc_href

    v1, v2 = scored(document("v1", [finding("arithmetic")] * 3, url="http://x/2021/ys.pdf", **DEPT),
                    document("v2", [finding("arithmetic")], url="http://x/2021/ys.pdf", **DEPT))
    mirror, = scored(document("v2", [finding("arithmetic")], url="http://mirror/ys.pdf", **DEPT))
    mirror.source.path, mirror.duplicate_of = "/mirror/ys.pdf", v2.source.path
    with Warehouse.open(url) as wh:
        wh.save_documents([v1], "r1")
        wh.record_copies([(v1.doc_id, "/old-mirror/ys.pdf", None)])
        wh.save_documents([v2, mirror], "r2")
        index = write_site(wh, tmp_path / "site", gx_runs=[])
    site = index.parent
    listed = html.fromstring((site / "list" / "documents-1.html").read_text(encoding="utf-8"))
    rows = listed.xpath('//table[@id="documents"]/tbody/tr')
    dup = listed.xpath('//table[@id="documents"]/tbody/tr[@class="dup"]')
    # v2 and its copy; neither the superseded v1 nor v1's copy (they have no page to link to)
    assert len(rows) == 2 and len(dup) == 1 and "http://mirror/ys.pdf" in dup[0].text_content()
    assert all((site / href.removeprefix("../")).is_file() for href in listed.xpath("//tbody//a[starts-with(@href, '../doc/')]/@href"))
    assert "1 份重复副本" in index.read_text(encoding="utf-8")
    assert (site / doc_href(v2.doc_id)).is_file() and not (site / doc_href(v1.doc_id)).exists()
