"""The deployment files parse and load: deploy/docker-compose.yaml (YAML, services wired, no secret
inline), deploy/dagster.yaml validated by Dagster's own instance schema and loaded as an instance
against a real PostgreSQL server, where a job runs with the multiprocess executor."""

from __future__ import annotations

import os
from pathlib import Path

import dagster as dg
import pytest
import yaml

try:
    from tests.pg import postgres_server, postgres_url  # noqa: F401
except ImportError:  # tests/ on sys.path rather than a package
    from pg import postgres_server, postgres_url  # noqa: F401

DEPLOY = Path(__file__).resolve().parents[1] / "deploy"


def test_compose_file_parses_and_keeps_secrets_out():
    compose = yaml.safe_load((DEPLOY / "docker-compose.yaml").read_text(encoding="utf-8"))
    assert set(compose["services"]) == {"postgres", "code", "webserver", "daemon"}
    for name in ("code", "webserver", "daemon"):
        service = compose["services"][name]
        env = service["environment"]
        assert env["DAGSTER_PG_PASSWORD"] == "${POSTGRES_PASSWORD:?set POSTGRES_PASSWORD}"
        assert env["BUDGETQA_WAREHOUSE"].startswith("postgresql://budgetqa:${POSTGRES_PASSWORD}@")
        assert service["build"]["dockerfile"] == "deploy/Dockerfile"
    assert "orchestration.definitions" in compose["services"]["code"]["command"]
    workspace = yaml.safe_load((DEPLOY / "workspace.yaml").read_text(encoding="utf-8"))
    assert workspace["load_from"][0]["grpc_server"]["port"] == 4000
    assert "CREATE DATABASE warehouse" in (DEPLOY / "initdb" / "warehouse.sql").read_text(encoding="utf-8")


def test_dagster_yaml_passes_dagsters_instance_schema(tmp_path):
    from dagster._core.instance.config import dagster_instance_config

    (tmp_path / "dagster.yaml").write_text((DEPLOY / "dagster.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    config, _ = dagster_instance_config(str(tmp_path))
    assert config["storage"]["postgres"]["postgres_db"]["password"] == {"env": "DAGSTER_PG_PASSWORD"}
    assert config["run_coordinator"]["class"] == "QueuedRunCoordinator"


@dg.op
def pid() -> int:
    return os.getpid()


@dg.op
def other_pid() -> int:
    return os.getpid()


@dg.op
def both(a: int, b: int) -> list[int]:
    return [a, b, os.getpid()]


@dg.job(executor_def=dg.multiprocess_executor)
def two_processes():
    both(pid(), other_pid())


def _two_processes():
    return two_processes


@pytest.mark.slow
def test_postgres_instance_runs_a_multiprocess_job(postgres_url, tmp_path, monkeypatch):
    from urllib.parse import urlsplit

    import dagster_postgres  # noqa: F401  (the `deploy` extra, installed by scripts/setup.sh)

    parts = urlsplit(postgres_url)
    monkeypatch.setenv("DAGSTER_PG_HOST", parts.hostname)
    monkeypatch.setenv("DAGSTER_PG_PORT", str(parts.port))
    monkeypatch.setenv("DAGSTER_PG_USER", parts.username)
    monkeypatch.setenv("DAGSTER_PG_PASSWORD", "")
    monkeypatch.setenv("DAGSTER_PG_DB", parts.path.lstrip("/"))
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path))
    (tmp_path / "dagster.yaml").write_text((DEPLOY / "dagster.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    with dg.DagsterInstance.get() as instance:
        assert type(instance.run_storage).__name__ == "PostgresRunStorage"
        assert type(instance.event_log_storage).__name__ == "PostgresEventLogStorage"
        with dg.execute_job(dg.reconstructable(_two_processes), instance=instance) as result:
            assert result.success
            a, b, joined = result.output_for_node("both")
        assert len({a, b, joined, os.getpid()}) == 4  # every step in its own process
        (run,) = instance.get_runs()
        assert run.run_id == result.run_id and run.is_success


def test_definitions_use_the_multiprocess_executor():
    from orchestration.definitions import defs

    assert defs.resolve_job_def("check").executor_def.name == "multiprocess"
