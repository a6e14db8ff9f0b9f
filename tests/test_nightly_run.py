"""`budgetqa run`, the nightly job, end to end: a local portal served on 127.0.0.1, the real crawl
subprocess, real extraction, validation and scoring into a real DuckDB file, and the report site."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

import duckdb
import pytest
from docx import Document as DocxDocument

from crawler.localserver import Route, serve

REPO = Path(__file__).resolve().parents[1]
BUDGETQA = Path(sys.executable).parent / "budgetqa"
DOCX = "杜集区政府办公室2021年部门预算.docx"
PDF = "杜集区政府办公室2021年部门预算.pdf"
pytestmark = pytest.mark.skipif(not (REPO / "demo" / "files" / PDF).exists(), reason="demo/files not written")


def portal_yaml(path: Path, base: str) -> Path:
    """A portal added by YAML alone: the demo portal's layout at the test server's address."""
    path.write_text(f"""name: nightly
family: trs
local: true
region: 淮北市杜集区
start_urls: ["{base}/index.html"]
exclude: [网页表格]
title_pattern: "^(?P<department>.+?)(?P<year>20\\\\d{{2}})年"
revalidate: true
delay: 0
timeout: 30
retries: 0
""", "utf-8")
    return path


def run(home: Path, config: Path, *, wait: bool = True) -> subprocess.Popen | subprocess.CompletedProcess:
    env = {**os.environ, "BUDGETQA_HOME": str(home), "BUDGETQA_PORTALS": str(config)}
    env.pop("BUDGETQA_WAREHOUSE", None)
    env.pop("BUDGETQA_STORE", None)
    if not wait:
        return subprocess.Popen([str(BUDGETQA), "run"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    return subprocess.run([str(BUDGETQA), "run"], env=env, capture_output=True, text=True, timeout=600)


def query(home: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(home / "budgetqa.duckdb"), read_only=True) as con:
        return con.execute(sql).fetchall()


def store_log_lines(home: Path) -> int:
    return len((home / "raw" / "crawl_log.jsonl").read_text("utf-8").splitlines())


@pytest.fixture
def site(tmp_path: Path):
    files = tmp_path / "files"
    files.mkdir()
    for name in (DOCX, PDF):
        shutil.copy(REPO / "demo" / "files" / name, files / name)
    with serve(REPO / "demo" / "portal", {"/files/": files}) as base:
        yield base, files


def test_nightly_run_second_run_and_new_version(tmp_path: Path, site) -> None:
    base, files = site
    home, config = tmp_path / "home", portal_yaml(tmp_path / "portal.yaml", base)

    first = run(home, config)
    assert first.returncode == 0, first.stderr[-3000:]
    docs = query(home, "SELECT sha256, format, department, year, kind, status, score, grade FROM documents ORDER BY format")
    assert [(d[1], d[2], d[3], d[4], d[5]) for d in docs] == [
        ("docx", "杜集区政府办公室", 2021, "budget", "ok"), ("pdf", "杜集区政府办公室", 2021, "budget", "ok")]
    assert all(d[6] is not None and d[7] for d in docs)  # scored
    assert query(home, "SELECT count(*) FROM crawl_log")[0][0] == store_log_lines(home) == 2
    assert (home / "report" / "index.html").is_file() and "报告 / report:" in first.stdout
    snapshot = {t: query(home, f"SELECT * FROM {t} ORDER BY ALL") for t in ("documents", "doc_tables", "findings", "doc_copies")}
    assert snapshot["findings"]  # the seed disclosure has known defects

    n = len(base.requests)
    second = run(home, config)
    assert second.returncode == 0, second.stderr[-3000:]
    downloads = [r for r in base.requests[n:] if r["path"].startswith("/files/") and r["status"] == 200]
    assert downloads == []  # revalidated by conditional requests: 304
    assert base.count("/files/", status=304) == 2
    assert {t: query(home, f"SELECT * FROM {t} ORDER BY ALL") for t in snapshot} == snapshot  # nothing new
    assert query(home, "SELECT outcome, count(*) FROM crawl_log GROUP BY outcome ORDER BY outcome") == [
        ("new", 2), ("unchanged", 2)]

    doc = DocxDocument(str(files / DOCX))  # the portal replaces the DOCX at the same URL
    doc.add_paragraph("（2021年3月15日更正）")
    doc.save(str(files / DOCX))
    third = run(home, config)
    assert third.returncode == 0, third.stderr[-3000:]
    rows = query(home, "SELECT sha256, format, url, score FROM documents ORDER BY format, sha256")
    assert len(rows) == 3 and [r[1] for r in rows] == ["docx", "docx", "pdf"]
    new = [r for r in rows if r[0] not in {d[0] for d in docs}]
    assert len(new) == 1 and new[0][2].endswith(quote(DOCX)) and new[0][3] is not None  # the new version, scored
    assert query(home, "SELECT outcome FROM crawl_log WHERE outcome = 'new_version'") == [("new_version",)]
    assert len(list((home / "raw" / "objects").rglob("*.*"))) == 3  # both DOCX versions kept


def _children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def test_nightly_run_killed_mid_crawl_resumes(tmp_path: Path, site) -> None:
    base, files = site
    home, config = tmp_path / "home", portal_yaml(tmp_path / "portal.yaml", base)
    base.routes[f"/files/{PDF}"] = Route(file=files / PDF, delay=20.0)  # the PDF hangs: the crawl is killed meanwhile
    proc = run(home, config, wait=False)
    records = home / "raw" / "records.jsonl"
    deadline = time.monotonic() + 120
    while not (records.exists() and DOCX in records.read_text("utf-8")):
        assert proc.poll() is None and time.monotonic() < deadline, "the DOCX was never stored"
        time.sleep(0.2)
    crawl = [c for c in _children(proc.pid) if "crawler" in Path(f"/proc/{c}/cmdline").read_text()]
    assert len(crawl) == 1
    os.kill(crawl[0], signal.SIGKILL)
    _out, err = proc.communicate(timeout=120)
    assert proc.returncode != 0 and "crawl process failed" in err
    assert not (home / "budgetqa.duckdb").exists() or query(home, "SELECT count(*) FROM documents")[0][0] == 0

    del base.routes[f"/files/{PDF}"]
    n = len(base.requests)
    again = run(home, config)
    assert again.returncode == 0, again.stderr[-3000:]
    # the DOCX stored before the kill is not downloaded again, and is extracted and scored once
    assert [r["status"] for r in base.requests[n:] if r["path"].endswith(quote(DOCX))] == [304]
    assert query(home, "SELECT format, count(*) FROM documents GROUP BY format ORDER BY format") == [("docx", 1), ("pdf", 1)]
    assert len(list((home / "raw" / "objects").rglob("*.*"))) == 2
    log = query(home, "SELECT url, fetched_at, outcome FROM crawl_log ORDER BY fetched_at, url")
    assert len(log) == len(set(log)) == store_log_lines(home) == 3  # the killed crawl's record included, once
    assert [o for _u, _t, o in log] == ["new", "unchanged", "new"]


def test_cli_crawl_records_the_log_in_the_warehouse(tmp_path: Path, site) -> None:
    """`budgetqa crawl --config FILE` writes the crawl log into the DuckDB warehouse; a later
    `budgetqa run` adds its own records and never repeats the earlier ones."""
    base, _files = site
    home, config = tmp_path / "home", portal_yaml(tmp_path / "portal.yaml", base)
    env = {**os.environ, "BUDGETQA_HOME": str(home)}
    env.pop("BUDGETQA_WAREHOUSE", None)
    env.pop("BUDGETQA_STORE", None)
    out = subprocess.run([str(BUDGETQA), "crawl", "--config", str(config)], env=env, capture_output=True,
                         text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-3000:]
    assert "new 2" in out.stdout
    rows = query(home, "SELECT portal, url, referer, title, published, status, size, sha256, outcome FROM crawl_log "
                       "ORDER BY url")
    assert [(r[0], r[1].rsplit(".", 1)[1], r[3], r[4], r[5], r[8]) for r in rows] == [
        ("nightly", "docx", "杜集区政府办公室2021年部门预算.docx", "2021-03-10", 200, "new"),
        ("nightly", "pdf", "杜集区政府办公室2021年部门预算.pdf", "2021-03-10", 200, "new"),
    ]
    assert all(r[2].endswith(".html") and r[6] > 1000 and len(r[7]) == 64 for r in rows)
    assert query(home, "SELECT count(*) FROM documents")[0][0] == 0  # crawl alone extracts nothing
    again = run(home, config)
    assert again.returncode == 0, again.stderr[-3000:]
    assert query(home, "SELECT outcome, count(*) FROM crawl_log GROUP BY ALL ORDER BY ALL") == [("new", 2), ("unchanged", 2)]
    assert query(home, "SELECT count(*) FROM documents")[0][0] == 2  # the crawled files are processed by `run`
