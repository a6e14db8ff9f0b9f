"""The command line as users call it (CONTRACT §2), in a subprocess."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SEED_DOCX = REPO / "demo" / "files" / "杜集区政府办公室2021年部门预算.docx"
COMMANDS = ["check", "crawl", "run", "report", "demo"]


def budgetqa(*args: str, cwd: Path | None = None, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "budgetqa", *args],
        capture_output=True, text=True, cwd=cwd or REPO, env=env, timeout=600,
    )


@pytest.mark.parametrize("command", COMMANDS)
def test_help_answers_for_every_command(command: str) -> None:
    done = budgetqa(command, "--help")
    assert done.returncode == 0
    assert f"budgetqa {command}" in done.stdout


def test_usage_errors_exit_2(tmp_path: Path) -> None:
    assert budgetqa().returncode == 2
    assert budgetqa("check").returncode == 2
    missing = budgetqa("check", str(tmp_path / "nope.pdf"))
    assert missing.returncode == 2
    assert "nope.pdf" in missing.stderr


def test_check_writes_the_report_and_keeps_going_past_bad_files(tmp_path: Path) -> None:
    bad = tmp_path / "broken.pdf"
    bad.write_bytes(b"<html><body>502 Bad Gateway</body></html>")
    out = tmp_path / "report.json"
    done = budgetqa("check", str(bad), str(SEED_DOCX), "--json", str(out),
                    "--warehouse", str(tmp_path / "wh.duckdb"))
    assert done.returncode == 0, done.stderr
    report = json.loads(out.read_text("utf-8"))
    assert report["schema"] == "budgetqa.report/1"
    by_format = {d["source"]["path"]: d for d in report["documents"]}
    broken = by_format[str(bad)]
    assert broken["status"] == "unreadable" and broken["error"]
    assert broken["scorecard"]["score"] is None  # listed, not scored
    seed = by_format[str(SEED_DOCX)]
    assert seed["status"] == "ok"
    assert seed["department"] == "杜集区政府办公室" and seed["year"] == 2021 and seed["kind"] == "budget"
    assert len(seed["tables"]) == 11
    assert 0 <= seed["scorecard"]["score"] < 100
    assert {f["category"] for f in seed["findings"]} >= {"code", "narrative", "format", "completeness"}
    # one scorecard line per document on stdout
    lines = [line for line in done.stdout.splitlines() if str(SEED_DOCX) in line or str(bad) in line]
    assert len(lines) == 2
    assert (tmp_path / "wh.duckdb").exists()


def test_check_keeps_the_gx_record_in_the_folder_given(tmp_path: Path) -> None:
    """`check --gx DIR`: GX's suites, Validation Results and Data Docs of this run, and run.json
    naming the Data Docs page (relative to DIR) for the report to link."""
    folder = tmp_path / "run"
    done = budgetqa("check", str(SEED_DOCX), "--gx", str(folder))
    assert done.returncode == 0, done.stderr
    record = json.loads((folder / "run.json").read_text("utf-8"))
    assert record["run"].startswith("check-") and record["counts"]["documents"] == 1
    index = folder / record["data_docs"]
    assert index.is_file() and str(index) in done.stderr
    assert "code.parent_prefix" in index.read_text("utf-8")
    assert list((folder / "gx" / "uncommitted" / "validations").rglob("*.json"))
