"""Work survives a kill, measured: `budgetqa check --warehouse` over N tuning-half PDFs is killed
(SIGKILL) once half of them are stored, then run again; prints the time of an uninterrupted check,
of the killed run up to the kill, of the resumed run (only the unfinished files), and how long a
`budgetqa report` started during the check took (its wait for the writer included).

    python -m benchmarks.resume_after_kill [--n 20]
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("BUDGETQA_SHARED", REPO.parent / "shared"))
SHANGHAI = SHARED / "corpus/real/renwu/001_上海"  # tuning half
STORED = "已保存 / stored"


def _check(paths: list[Path], warehouse: Path) -> subprocess.Popen:
    env = {**os.environ, "BUDGETQA_WORKERS": "2"}
    return subprocess.Popen([sys.executable, "-m", "budgetqa", "check", *map(str, paths), "--warehouse", str(warehouse)],
                            cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def _until_stored(proc: subprocess.Popen, n: int) -> None:
    seen = 0
    while seen < n:
        line = proc.stderr.readline()
        if not line and proc.poll() is not None:
            raise SystemExit(f"check ended before {n} files were stored")
        seen += STORED in line


def _report(warehouse: Path, out: Path) -> float:
    t = time.monotonic()
    subprocess.run([sys.executable, "-m", "budgetqa", "report", "--out", str(out), "--warehouse", str(warehouse)],
                   cwd=REPO, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.monotonic() - t


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=20, help="PDFs of the tuning half (上海)")
    args = ap.parse_args()
    pdfs = sorted(SHANGHAI.glob("*.pdf"))[: args.n]
    if len(pdfs) < args.n:
        raise SystemExit(f"需要 {SHANGHAI} / needs the shared corpus ({len(pdfs)} PDFs found)")
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        t = time.monotonic()
        full = _check(pdfs, work / "full.duckdb")
        _until_stored(full, args.n // 4)
        report_alone = _report(work / "full.duckdb", work / "site-during")  # while the check writes
        full.communicate()
        uninterrupted = time.monotonic() - t
        report_idle = _report(work / "full.duckdb", work / "site-after")

        t = time.monotonic()
        killed = _check(pdfs, work / "killed.duckdb")
        _until_stored(killed, args.n // 2)
        os.kill(killed.pid, signal.SIGKILL)  # its workers exit when their input closes
        killed.communicate()
        until_kill = time.monotonic() - t
        t = time.monotonic()
        resumed = _check(pdfs, work / "killed.duckdb")
        resumed.communicate()
        resume = time.monotonic() - t
    print(f"{args.n} PDFs (上海, tuning half), 2 workers")
    print(f"uninterrupted check        {uninterrupted:7.1f} s")
    print(f"killed at {args.n // 2} stored         {until_kill:7.1f} s")
    print(f"resumed run                {resume:7.1f} s  ({resume / uninterrupted:.0%} of an uninterrupted check)")
    print(f"report during the check    {report_alone:7.1f} s  (after it: {report_idle:.1f} s; "
          f"difference = the wait for the writer and the shared CPU)")


if __name__ == "__main__":
    main()
