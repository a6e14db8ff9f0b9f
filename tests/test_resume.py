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

REPO = Path(__file__).resolve().parents[1]
SHANGHAI = Path("/work/shared/corpus/real/renwu/001_上海")
PDFS = sorted(SHANGHAI.glob("*.pdf"))[:20] if SHANGHAI.is_dir() else []
pytestmark = pytest.mark.skipif(len(PDFS) < 20, reason="the real corpus (tuning half) is not here")


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

    # a third time: nothing to read; --recheck reads everything again
    third = subprocess.run([sys.executable, "-m", "budgetqa", "check", *map(str, PDFS[:3]), "--warehouse",
                            str(warehouse), "--recheck"], cwd=REPO, capture_output=True, text=True, timeout=300)
    assert third.returncode == 0 and third.stderr.count("已读取 / read") == 3
    assert query(warehouse, "SELECT count(*) FROM documents")[0][0] == 20


def test_report_waits_one_write_not_the_whole_check(tmp_path: Path) -> None:
    """A `report` started while a check is storing its files runs at once (DuckDB: the check
    opens the file only for each short write)."""
    warehouse = tmp_path / "wh.duckdb"
    proc = start_check(PDFS[:12], warehouse)
    try:
        wait_stored(proc, 2)
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
    assert query(warehouse, "SELECT count(*) FROM documents")[0][0] == 12
    assert (tmp_path / "site" / "index.html").is_file()
