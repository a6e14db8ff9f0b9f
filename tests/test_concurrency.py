"""Two writers and a report at once, on a DuckDB file and on PostgreSQL (issue 12.6): the writers
commit one document per transaction as `check` and `run` do (DuckDB opened transient), the report
writes the site three times meanwhile; every process succeeds, each document is stored once, and
the report never waits for a whole writer."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

try:
    from tests.pg import postgres_server, postgres_url  # noqa: F401
except ImportError:  # tests/ on sys.path rather than a package
    from pg import postgres_server, postgres_url  # noqa: F401

from warehouse import Warehouse

ROOT = Path(__file__).resolve().parents[1]

WRITER = """
import sys, time
from scoring import score_document
from warehouse import Warehouse
from samples.warehouse_docs import document, finding
url, tag = sys.argv[1], sys.argv[2]
with Warehouse.open(url, transient=True) as wh:
    run = wh.start_run(f"run-{tag}")
    for i in range(20):
        d = document(f"{tag}-{i}", [finding("code"), finding("format", "warning")], department=f"部门{tag}{i % 4}",
                     region="某县", year=2020 + i % 3, kind="budget", url=f"http://x/{tag}/{i}.pdf")
        d.scorecard = score_document(d)
        wh.save_documents([d], run)
        time.sleep(0.05)  # a file's reading between two commits
    wh.finish_run(run, {"documents": 20})
"""

REPORTER = """
import sys, time
from pathlib import Path
from report import write_site
from warehouse import Warehouse
url, out = sys.argv[1], Path(sys.argv[2])
for i in range(3):
    start = time.monotonic()
    with Warehouse.open(url) as wh:
        write_site(wh, out)
        n = len(wh.scorecards())
    print(f"{time.monotonic() - start:.2f} {n}", flush=True)
"""


@pytest.fixture(params=["duckdb", "postgresql"])
def url(request, tmp_path):
    if request.param == "duckdb":
        return f"duckdb://{tmp_path}/wh/budgetqa.duckdb"
    return request.getfixturevalue("postgres_url")


@pytest.mark.slow
def test_two_writers_and_a_report_at_once(url, tmp_path):
    with Warehouse.open(url):
        pass  # the schema exists: the report has something to read from its first pass
    env_cwd = {"cwd": ROOT}
    start = time.monotonic()
    procs = [subprocess.Popen([sys.executable, "-c", WRITER, url, tag], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True, **env_cwd) for tag in ("a", "b")]
    time.sleep(1.0)  # the writers are under way
    procs.append(subprocess.Popen([sys.executable, "-c", REPORTER, url, str(tmp_path / "site")],
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **env_cwd))
    outs = [p.communicate(timeout=600) for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0], [err for _, err in outs]
    report_lines = outs[2][0].split()
    seconds = [float(s) for s in report_lines[0::2]]
    assert len(seconds) == 3
    writers_took = time.monotonic() - start
    # each report pass is far shorter than the writers' whole run: it waited one commit at most
    assert max(seconds) < writers_took, (seconds, writers_took)
    with Warehouse.open(url) as wh:
        assert wh.conn.query("SELECT COUNT(*) AS n FROM documents")[0]["n"] == 40
        assert wh.conn.query("SELECT COUNT(*) AS n FROM findings")[0]["n"] == 80
        assert wh.conn.query("SELECT COUNT(*) AS n FROM results")[0]["n"] == 40
        assert sorted(r["status"] for r in wh.runs()) == ["finished", "finished"]
        assert len(wh.scorecards()) == 40  # distinct URLs and departments: no version replaced another
    assert (tmp_path / "site" / "index.html").exists()
