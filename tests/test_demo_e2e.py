"""End to end: `budgetqa demo` serves the bundled portal on 127.0.0.1, crawls it with Scrapy,
extracts, validates, scores into DuckDB and writes the report — as a user runs it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

REPO = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def demo_home(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, subprocess.CompletedProcess]:
    home = tmp_path_factory.mktemp("demo")
    env = {**os.environ, "BUDGETQA_HOME": str(home)}
    done = subprocess.run(
        [sys.executable, "-m", "budgetqa", "demo", "--home", str(home)],
        capture_output=True, text=True, cwd=REPO, env=env, timeout=900,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return home, done


def test_demo_prints_the_scorecards_and_the_report_path(demo_home) -> None:
    home, done = demo_home
    lines = done.stdout.splitlines()
    seed_lines = [line for line in lines if "杜集区政府办公室" in line]
    assert len(seed_lines) == 2  # the DOCX and the PDF attachment
    report_line = next(line for line in lines if line.startswith("报告网站"))
    site = Path(report_line.split(": ", 1)[1])
    assert site.exists() and site.is_relative_to(home)
    assert "杜集区政府办公室" in (site.parent / "list" / "documents-1.html").read_text("utf-8")  # the ranking is in chunks
    assert "杜集区政府办公室" in "".join(p.read_text("utf-8") for p in (site.parent / "v").rglob("*.js"))
    card_line = next(line for line in lines if line.startswith("记分卡"))
    card = Path(card_line.split(": ", 1)[1])
    assert card.exists() and card.parent == home
    page = card.read_text("utf-8")
    assert "杜集区政府办公室" in page and "2050505" in page  # the scorecard names the failing code
    docs_line = next(line for line in lines if line.startswith("GX 数据文档"))
    data_docs = Path(docs_line.split(": ", 1)[1])  # the run's GX Data Docs, kept under home/runs/<run id>
    assert data_docs.is_file() and data_docs.is_relative_to(home / "runs")
    assert (data_docs.parents[4] / "run.json").is_file()


def test_demo_fills_the_warehouse_with_both_formats_alike(demo_home) -> None:
    home, _ = demo_home
    con = duckdb.connect(str(home / "budgetqa.duckdb"), read_only=True)
    try:
        docs = con.execute("select sha256, format, department, year, status, score, region from documents").fetchall()
        assert sorted(d[1] for d in docs) == ["docx", "pdf"]
        assert {(d[2], d[3], d[4]) for d in docs} == {("杜集区政府办公室", 2021, "ok")}
        # the text says 杜集区; the portal's configuration makes it the more specific 淮北市杜集区
        assert {d[6] for d in docs} == {"淮北市杜集区"}
        assert len({d[5] for d in docs}) == 1  # the same findings give the same score
        per_doc = {
            sha: con.execute(
                "select rule, coalesce(code, ''), coalesce(row_label, '') from findings where sha256 = ? order by 1, 2, 3",
                [sha],
            ).fetchall()
            for sha, *_ in docs
        }
        first, second = per_doc.values()
        assert first == second and len(first) >= 20
        crawl = con.execute("select count(*) from crawl_log where outcome = 'new'").fetchone()[0]
        assert crawl >= 2
    finally:
        con.close()


def test_demo_rerun_is_idempotent(demo_home) -> None:
    home, _ = demo_home
    env = {**os.environ, "BUDGETQA_HOME": str(home)}
    done = subprocess.run(
        [sys.executable, "-m", "budgetqa", "demo", "--home", str(home)],
        capture_output=True, text=True, cwd=REPO, env=env, timeout=900,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    con = duckdb.connect(str(home / "budgetqa.duckdb"), read_only=True)
    try:
        assert con.execute("select count(*) from documents").fetchone()[0] == 2
        objects = list((home / "raw").rglob("objects/*/*"))
        assert len([p for p in objects if p.is_file()]) >= 2
        assert con.execute("select count(*) from crawl_log where outcome = 'new'").fetchone()[0] == 2
    finally:
        con.close()
