"""Dagster: the definitions validate with the repo's dagster.yaml; the downstream assets run in-process."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import dagster as dg

from crawler.localserver import serve
from domain.model import Document
from orchestration.assets import ASSETS, CHECKS, report, report_pages_exist, scorecards, scores_in_range
from orchestration.definitions import NIGHTLY_CRON, TIMEZONE, defs, nightly_job
from orchestration.resources import BudgetQASettings
from warehouse import Warehouse
from warehouse.sample import seed_like

ROOT = Path(__file__).resolve().parents[1]


def test_definitions_validate_cli(tmp_path):
    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copy(ROOT / "dagster.yaml", home / "dagster.yaml")
    env = {**os.environ, "DAGSTER_HOME": str(home), "BUDGETQA_HOME": str(tmp_path / "var")}
    dagster = Path(sys.executable).with_name("dagster")
    done = subprocess.run([str(dagster), "definitions", "validate", "-m", "orchestration.definitions", "-d", str(ROOT)],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Validation successful for code location orchestration.definitions" in done.stdout + done.stderr
    # the instance storage went where dagster.yaml says (relative to the working directory), not elsewhere
    assert (tmp_path / "var" / "dagster" / "storage").is_dir()


def test_dagster_yaml_disables_telemetry_and_uses_sqlite():
    import yaml

    conf = yaml.safe_load((ROOT / "dagster.yaml").read_text())
    assert conf["telemetry"]["enabled"] is False
    assert conf["storage"]["sqlite"]["base_dir"].startswith("var/dagster")


def test_nightly_schedule_and_asset_graph():
    schedule = defs.resolve_schedule_def("nightly_0230_shanghai")
    assert schedule.cron_schedule == NIGHTLY_CRON == "30 2 * * *"
    assert schedule.execution_timezone == TIMEZONE == "Asia/Shanghai"
    assert schedule.job_name == "nightly"
    graph = defs.resolve_asset_graph()
    keys = {k.to_user_string() for k in graph.get_all_asset_keys()}
    assert keys == {"crawled_files", "documents", "findings", "scorecards", "report"}
    parents = {k: {p.to_user_string() for p in graph.get(dg.AssetKey(k)).parent_keys} for k in keys}
    assert parents == {"crawled_files": set(), "documents": {"crawled_files"}, "findings": {"documents"},
                       "scorecards": {"findings"}, "report": {"scorecards"}}
    assert {c.name for c in graph.asset_check_keys} >= {"findings_follow_contract", "scores_in_range",
                                                           "report_pages_exist"}


def test_scorecards_to_report_in_process(tmp_path):
    @dg.asset(name="findings")
    def handmade_findings() -> list[Document]:
        return seed_like()

    settings = BudgetQASettings(warehouse=f"duckdb://{tmp_path}/wh.duckdb", store=(tmp_path / "raw").as_uri(),
                                portals=str(tmp_path / "none.yaml"), report_dir=str(tmp_path / "site"))
    result = dg.materialize([handmade_findings, scorecards, report, scores_in_range, report_pages_exist],
                            resources={"settings": settings}, instance=dg.DagsterInstance.ephemeral())
    assert result.success
    checks = {e.check_name: e.passed for e in result.get_asset_check_evaluations()}
    assert checks == {"scores_in_range": True, "report_pages_exist": True}
    cards = result.output_for_node("scorecards")
    assert len(cards) == 4 and sum(c["score"] is None for c in cards) == 1
    index = Path(result.output_for_node("report"))
    assert index == tmp_path / "site" / "index.html" and "杜集区政府办公室" in (index.parent / "list" / "documents-1.html").read_text(encoding="utf-8")
    with Warehouse.open(settings.warehouse) as wh:
        (run,) = wh.runs()
        assert run["id"] == result.run_id and run["counts"]["documents"] == 4 and run["counts"]["scored"] == 3
        assert len(wh.scorecards()) == 4


def test_nightly_job_materialises_every_asset_on_the_demo_portal(tmp_path, monkeypatch):
    monkeypatch.setenv("BUDGETQA_WORKERS", "1")
    assert defs.resolve_schedule_def("nightly_0230_shanghai").job_name == nightly_job.name
    with serve(ROOT / "demo" / "portal") as base:
        portals = tmp_path / "portal.yaml"
        portals.write_text((ROOT / "demo" / "portal.yaml").read_text(encoding="utf-8").replace("{base_url}", base),
                           encoding="utf-8")
        settings = BudgetQASettings(warehouse=f"duckdb://{tmp_path}/wh.duckdb", store=(tmp_path / "raw").as_uri(),
                                    portals=str(portals), report_dir=str(tmp_path / "site"))
        job = dg.Definitions(assets=ASSETS, asset_checks=CHECKS, jobs=[nightly_job],
                             resources={"settings": settings}).resolve_job_def("nightly")
        result = job.execute_in_process(instance=dg.DagsterInstance.ephemeral())
    assert result.success
    done = {e.asset_key.to_user_string() for e in result.get_asset_materialization_events()}
    assert done == {"crawled_files", "documents", "findings", "scorecards", "report"}
    checks = {e.check_name: e.passed for e in result.get_asset_check_evaluations()}
    assert checks == {"findings_follow_contract": True, "scores_in_range": True, "report_pages_exist": True}
    docs = result.output_for_node("findings")
    assert {d.source.format for d in docs} == {"docx", "pdf"} and all(d.findings for d in docs)
    assert Path(result.output_for_node("report")) == tmp_path / "site" / "index.html"
    with Warehouse.open(settings.warehouse) as wh:
        assert len(wh.scorecards()) == 2 and wh.crawl_log("demo") and wh.runs()[0]["id"] == result.run_id
