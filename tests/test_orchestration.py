"""Dagster: the definitions validate with the repo's dagster.yaml; the downstream assets run in-process."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import dagster as dg
import pytest

from crawler.localserver import serve
from domain.model import CATEGORIES
from orchestration.assets import CRAWL_FRESHNESS, GX_CHECK, year_keys
from orchestration.definitions import NIGHTLY_CRON, TIMEZONE, build_definitions, defs
from orchestration.resources import BudgetQASettings
from warehouse import Warehouse

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


def test_nightly_schedule_partitions_and_asset_graph():
    schedule = defs.resolve_schedule_def("nightly_0230_shanghai")
    assert schedule.cron_schedule == NIGHTLY_CRON == "30 2 * * *"
    assert schedule.execution_timezone == TIMEZONE == "Asia/Shanghai"
    assert schedule.default_status == dg.DefaultScheduleStatus.STOPPED  # never crawls until turned on
    assert schedule.job_name == "nightly"
    graph = defs.resolve_asset_graph()
    keys = {k.to_user_string() for k in graph.get_all_asset_keys()}
    assert keys == {"crawled_files", "checked_documents", "report"}
    parents = {k: {p.to_user_string() for p in graph.get(dg.AssetKey(k)).parent_keys} for k in keys}
    assert parents == {"crawled_files": set(), "checked_documents": {"crawled_files"}, "report": {"checked_documents"}}
    assert {c.name for c in graph.asset_check_keys} == {GX_CHECK, "report_pages_exist"}
    assert graph.get(dg.AssetKey("crawled_files")).freshness_policy.fail_window.to_timedelta() == CRAWL_FRESHNESS
    # the partitions are the portals the deployment configures (crawler/portals by default) × years
    crawl = defs.resolve_job_def("nightly").partitions_def.get_partition_keys()
    assert crawl == sorted(p.stem for p in (ROOT / "crawler" / "portals").glob("*.yaml"))
    check = defs.resolve_job_def("check").partitions_def
    assert len(check.get_partition_keys()) == len(crawl) * len(year_keys())


def test_schedule_requests_every_configured_portal_and_the_warehouse_is_an_env_var(monkeypatch, tmp_path):
    monkeypatch.setenv("BUDGETQA_WAREHOUSE", "postgresql://u:s3cret@127.0.0.1:1/db")
    settings = BudgetQASettings.from_env()
    assert isinstance(settings.warehouse, dg.EnvVar)  # resolved at run time; not stored with the run
    local, _ = build_definitions(settings, ["a", "b"])
    schedule = local.resolve_schedule_def("nightly_0230_shanghai")
    with dg.instance_for_test() as instance:
        ctx = dg.build_schedule_context(instance=instance, scheduled_execution_time=datetime(2026, 1, 2),
                                        repository_def=local.get_repository_def())
        requests = list(schedule.evaluate_tick(ctx).run_requests)
    assert [r.partition_key for r in requests] == ["a", "b"]


def _portals(path: Path, base: str, other: str) -> None:
    """Two portals over the demo site: `demo` at `base`, `demo_b` at `other`."""
    import yaml

    demo = yaml.safe_load((ROOT / "demo" / "portal.yaml").read_text(encoding="utf-8"))
    items = [demo | {"name": name, "start_urls": [f"{url}/index.html"]} for name, url in (("demo", base), ("demo_b", other))]
    path.write_text(yaml.safe_dump({"portals": items}, allow_unicode=True), encoding="utf-8")


@pytest.mark.slow
def test_partitions_materialise_and_a_failed_partition_is_retried_alone(tmp_path, monkeypatch):
    """Against the local demo portal: the crawl of `demo` succeeds, `demo_b` (its portal down) fails;
    `demo_b` alone is retried once its portal is back; then demo × 2021 is checked through the
    warehouse (GX results per category on the check) and the report written."""
    portals = tmp_path / "portals.yaml"
    settings = BudgetQASettings(warehouse=f"duckdb://{tmp_path}/wh.duckdb", store=(tmp_path / "raw").as_uri(),
                                portals=str(portals), report_dir=str(tmp_path / "site"), home=str(tmp_path / "home"),
                                workers=1, keep_gx_results=False)
    local, built = build_definitions(settings, ["demo", "demo_b"])
    with serve(ROOT / "demo" / "portal") as base, dg.instance_for_test() as instance:
        _portals(portals, base, "http://127.0.0.1:9/down")
        crawl = local.resolve_job_def("nightly")
        good = crawl.execute_in_process(instance=instance, partition_key="demo")
        bad = crawl.execute_in_process(instance=instance, partition_key="demo_b", raise_on_error=False)
        assert good.success and not bad.success
        _portals(portals, base, base)  # the portal is back
        retried = crawl.execute_in_process(instance=instance, partition_key="demo_b")
        assert retried.success
        done = [r.partition_key for r in instance.fetch_materializations(dg.AssetKey("crawled_files"), limit=10).records]
        assert sorted(done) == ["demo", "demo_b"]  # demo was not crawled again
        # the sensor asks for one check run per (portal, year) the crawl found
        sensor = local.resolve_sensor_def("check_after_crawl")
        requests = sensor.evaluate_tick(dg.build_sensor_context(instance=instance, definitions=local)).run_requests
        assert {str(r.partition_key) for r in requests} == {"demo|2021"}
        key = dg.MultiPartitionKey({"portal": "demo", "year": "2021"})
        checked = local.resolve_job_def("check").execute_in_process(instance=instance, partition_key=key)
        assert checked.success
        (evaluation,) = checked.get_asset_check_evaluations()
        assert evaluation.check_name == GX_CHECK and evaluation.passed
        meta = {k: v.value for k, v in evaluation.metadata.items()}
        assert meta["documents"] == 2 and all(f"{c}.errors" in meta and f"{c}.not_assessed" in meta for c in CATEGORIES)
        assert local.resolve_job_def("write_report").execute_in_process(instance=instance).success
    with Warehouse.open(settings.warehouse) as wh:
        assert {c["format"] for c in wh.scorecards()} == {"docx", "pdf"}
        (run,) = wh.runs()
        assert run["id"].startswith("dagster-") and run["id"].endswith("-demo-2021") and run["status"] == "finished"
        assert run["counts"]["documents"] == 2 and {r["portal"] for r in wh.crawl_log()} == {"demo", "demo_b"}
    assert (tmp_path / "site" / "index.html").exists()
