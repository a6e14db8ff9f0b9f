"""Work survives a kill: `budgetqa check --warehouse` commits each file when it is finished, a
rerun after kill -9 reads only the unfinished files and stores every document exactly once, the
killed run is closed as failed, and a `report` run meanwhile waits one short write at most.
Real PDFs of the tuning half (上海), the real command in a subprocess, a real DuckDB file."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from extract.detect import file_sha256
from tests.shared_inputs import SHARED

REPO = Path(__file__).resolve().parents[1]
SHANGHAI = SHARED / "corpus/real/renwu/001_上海"
PDFS = sorted(SHANGHAI.glob("*.pdf"))[:20] if SHANGHAI.is_dir() else []
pytestmark = [pytest.mark.skipif(len(PDFS) < 20, reason="the real corpus (tuning half) is not here"),
              pytest.mark.slow]  # real extraction in subprocesses: 15–60 s each


def start_check(paths: list[Path], warehouse: Path, *extra: str) -> subprocess.Popen:
    env = {**os.environ, "BUDGETQA_WORKERS": "2"}
    return subprocess.Popen([sys.executable, "-m", "budgetqa", "check", *map(str, paths), "--warehouse", str(warehouse),
                             *extra], cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def wait_stored(proc: subprocess.Popen, n: int, timeout: float = 120) -> list[str]:
    """stderr lines until the n-th '已保存 / stored' line (the file is committed when it is printed)."""
    lines: list[str] = []
    deadline = time.monotonic() + timeout
    while sum("已保存 / stored" in line for line in lines) < n:
        assert time.monotonic() < deadline and proc.poll() is None, "".join(lines)[-3000:]
        lines.append(proc.stderr.readline())
    return lines


def query(warehouse: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(sql).fetchall()


def test_check_killed_at_half_resumes_with_the_unfinished_files(tmp_path: Path) -> None:
    warehouse = tmp_path / "wh.duckdb"
    expected = {file_sha256(p) for p in PDFS}
    assert len(expected) == 20

    proc = start_check(PDFS, warehouse)
    wait_stored(proc, 10)
    os.kill(proc.pid, signal.SIGKILL)  # its workers exit on their own when their input closes
    proc.communicate(timeout=60)
    assert proc.returncode == -signal.SIGKILL

    kept = query(warehouse, "SELECT sha256, run_id FROM documents")
    first_run = {r for _s, r in kept}
    assert len(kept) >= 10 and len(first_run) == 1 and {s for s, _r in kept} <= expected
    assert query(warehouse, "SELECT status, finished FROM runs") == [("running", None)]

    started = time.monotonic()
    again = subprocess.run([sys.executable, "-m", "budgetqa", "check", *map(str, PDFS), "--warehouse", str(warehouse)],
                           cwd=REPO, capture_output=True, text=True, timeout=300)
    resume_seconds = time.monotonic() - started
    assert again.returncode == 0, again.stderr[-3000:]
    read = [line for line in again.stderr.splitlines() if "已读取 / read" in line]
    assert len(read) == 20 - len(kept)  # only the unfinished files are read again
    assert f"跳过 {len(kept)} 份已存入的文件" in again.stderr
    assert {str(p) for p in PDFS} - {line.split(" read ", 1)[1] for line in read} == {
        path for path, sha in ((str(p), file_sha256(p)) for p in PDFS) if sha in {s for s, _r in kept}}
    # one scorecard line per file, the skipped ones marked as stored
    lines = [line for line in again.stdout.splitlines() if str(SHANGHAI) in line]
    assert len(lines) == 20 and sum("(已存入 / stored)" in line for line in lines) == len(kept)

    rows = query(warehouse, "SELECT sha256, run_id, ruleset FROM documents")
    assert len(rows) == 20 and {s for s, _r, _v in rows} == expected  # every document exactly once
    assert {s for s, r, _v in rows if r in first_run} == {s for s, _r in kept}  # the finished ones untouched
    assert len({v for _s, _r, v in rows}) == 1
    runs = query(warehouse, "SELECT status, counts, error FROM runs ORDER BY started, status")
    assert sorted(r[0] for r in runs) == ["failed", "finished"]
    failed = next(r for r in runs if r[0] == "failed")
    assert "the process ended before the run finished" in failed[2]
    finished = next(r for r in runs if r[0] == "finished")
    assert f'"skipped": {len(kept)}' in finished[1] and f'"documents": {20 - len(kept)}' in finished[1]
    print(f"\nresume after kill -9 at {len(kept)}/20 stored: {resume_seconds:.1f} s")

    # --recheck checks a stored file again from its stored extraction, --reextract reads it again
    # (and either still stores it once)
    for extra, reads in (((), 0), (("--reextract",), 1)):
        third = subprocess.run([sys.executable, "-m", "budgetqa", "check", str(PDFS[0]), "--warehouse",
                                str(warehouse), "--recheck", *extra], cwd=REPO, capture_output=True, text=True,
                               timeout=300)
        assert third.returncode == 0 and third.stderr.count("已读取 / read") == reads, third.stderr
        assert third.stderr.count("已保存 / stored") == 1
        assert query(warehouse, "SELECT count(*) FROM documents")[0][0] == 20


def test_report_waits_one_write_not_the_whole_check(tmp_path: Path) -> None:
    """A `report` started while a check is storing its files runs at once (DuckDB: the check
    opens the file only for each short write)."""
    warehouse = tmp_path / "wh.duckdb"
    proc = start_check(PDFS, warehouse)
    try:
        wait_stored(proc, 1)
        started = time.monotonic()
        report = subprocess.run([sys.executable, "-m", "budgetqa", "report", "--out", str(tmp_path / "site"),
                                 "--warehouse", str(warehouse)], cwd=REPO, capture_output=True, text=True, timeout=300)
        took = time.monotonic() - started
        assert report.returncode == 0, report.stderr[-2000:]
        assert proc.poll() is None  # the check was still running while the report was written
        print(f"\nreport during a check: {took:.1f} s")
    finally:
        out, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err[-2000:]
    assert query(warehouse, "SELECT count(*) FROM documents")[0][0] == 20
    assert (tmp_path / "site" / "index.html").is_file()


def small_portal(root: Path, pdfs: list[Path]) -> tuple[Path, Path]:
    """A portal (the demo portal's layout) listing one article per PDF, and the folder of PDFs."""
    site, files = root / "site", root / "files"
    (site / "a").mkdir(parents=True)
    files.mkdir()
    items = []
    for k, pdf in enumerate(pdfs):
        name = f"f{k:02d}.pdf"
        (files / name).write_bytes(pdf.read_bytes())
        title = f"上海市第{k}局2026年部门预算"
        (site / "a" / f"t{k:02d}.html").write_text(
            f'<html><head><meta charset="utf-8"><title>{title}</title></head><body><div class="article">'
            f'<h1>{title}</h1><div class="info">发布时间：2026-02-01</div><div class="content">'
            f'<p>附件：<a href="/files/{name}">{title}.pdf</a></p></div></div></body></html>', "utf-8")
        items.append(f'<li><span class="date">2026-02-01</span><a href="./a/t{k:02d}.html">{title}</a></li>')
    (site / "index.html").write_text(
        '<html><head><meta charset="utf-8"><title>部门预决算</title></head><body><div class="czys_listCount">'
        f'<ul class="czys_listCount_list">{"".join(items)}</ul></div></body></html>', "utf-8")
    return site, files


def test_run_killed_during_extraction_resumes_with_the_unfinished_files(tmp_path: Path) -> None:
    from crawler.localserver import serve

    pdfs = PDFS[:8]
    site, files = small_portal(tmp_path, pdfs)
    home = tmp_path / "home"
    with serve(site, {"/files/": files}) as base:
        config = tmp_path / "portal.yaml"
        config.write_text(f"""name: small
family: trs
local: true
region: 上海市
start_urls: ["{base}/index.html"]
title_pattern: "^(?P<department>.+?)(?P<year>20\\\\d{{2}})年"
delay: 0
timeout: 30
retries: 0
""", "utf-8")
        env = {**os.environ, "BUDGETQA_HOME": str(home), "BUDGETQA_PORTALS": str(config), "BUDGETQA_WORKERS": "1"}
        env.pop("BUDGETQA_WAREHOUSE", None)
        env.pop("BUDGETQA_STORE", None)
        proc = subprocess.Popen([sys.executable, "-m", "budgetqa", "run"], cwd=REPO, env=env, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)
        lines = wait_stored(proc, 1)
        assert any("待处理 8 份文件" in line for line in lines)
        os.kill(proc.pid, signal.SIGKILL)
        proc.communicate(timeout=60)
        warehouse = home / "budgetqa.duckdb"
        kept = {s for (s,) in query(warehouse, "SELECT sha256 FROM documents")}
        assert 1 <= len(kept) < 8
        assert query(warehouse, "SELECT status FROM runs") == [("running",)]

        again = subprocess.run([sys.executable, "-m", "budgetqa", "run"], cwd=REPO, env=env, capture_output=True,
                               text=True, timeout=300)
    assert again.returncode == 0, again.stderr[-3000:]
    assert f"待处理 {8 - len(kept)} 份文件" in again.stderr
    assert again.stderr.count("已读取 / read") == 8 - len(kept)
    rows = query(warehouse, "SELECT sha256, region FROM documents")
    assert len(rows) == 8 and {s for s, _r in rows} == {file_sha256(p) for p in pdfs}
    assert {r for _s, r in rows} == {"上海市"}
    assert sorted(s for (s,) in query(warehouse, "SELECT status FROM runs")) == ["failed", "finished"]
