"""PostgreSQL for many users, through the command line: check → report, and the nightly `run`."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

try:
    from tests.pg import postgres_server, postgres_url  # noqa: F401
except ImportError:  # tests/ on sys.path rather than a package
    from pg import postgres_server, postgres_url  # noqa: F401

from crawler.localserver import serve
from report.site import doc_href
from warehouse import Warehouse

ROOT = Path(__file__).resolve().parents[1]
BUDGETQA = [sys.executable, "-m", "budgetqa.cli"]
DOCX = ROOT / "demo" / "files" / "杜集区政府办公室2021年部门预算.docx"


def budgetqa(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    done = subprocess.run([*BUDGETQA, *args], cwd=ROOT, capture_output=True, text=True, timeout=600,
                          env={**os.environ, **(env or {})})
    assert done.returncode == 0, done.stdout + done.stderr
    return done


def test_check_then_report_on_postgresql(postgres_url, tmp_path):
    budgetqa("check", str(DOCX), "--warehouse", postgres_url)
    with Warehouse.open(postgres_url) as wh:
        (card,) = wh.scorecards()
        assert card["department"] == "杜集区政府办公室" and card["score"] < 100 and card["counts"]["error"] > 0
        n_findings = len(wh.findings())
    # the report reads the same server, named by the environment this time
    out = budgetqa("report", "--out", str(tmp_path / "site"), env={"BUDGETQA_WAREHOUSE": postgres_url})
    index = Path(out.stdout.strip().splitlines()[-1])
    assert index == tmp_path / "site" / "index.html" and "杜集区政府办公室" in (index.parent / "list" / "documents-1.html").read_text(encoding="utf-8")
    page = (tmp_path / "site" / doc_href(card["sha256"])).read_text(encoding="utf-8")
    assert page.count('class="finding') == n_findings


def test_nightly_run_on_postgresql(postgres_url, tmp_path):
    with serve(ROOT / "demo" / "portal") as base:
        portals = tmp_path / "portal.yaml"
        portals.write_text((ROOT / "demo" / "portal.yaml").read_text(encoding="utf-8").replace("{base_url}", base),
                           encoding="utf-8")
        env = {"BUDGETQA_WAREHOUSE": postgres_url, "BUDGETQA_HOME": str(tmp_path / "var"),
               "BUDGETQA_PORTALS": str(portals), "BUDGETQA_WORKERS": "1"}
        out = budgetqa("run", env=env)
    assert "报告 / report:" in out.stdout
    with Warehouse.open(postgres_url) as wh:
        cards = wh.scorecards()
        assert {c["format"] for c in cards} == {"docx", "pdf"} and all(c["url"].startswith(base) for c in cards)
        assert wh.crawl_log("demo")
    assert (tmp_path / "var" / "report" / "index.html").exists()
