"""Dagster definitions: `dagster dev -m orchestration.definitions` (DAGSTER_HOME holds dagster.yaml).

The portal partitions are the portals of the deployment's configuration (BUDGETQA_PORTALS, the
same file the resource names); every other setting reaches the assets through the resource."""

from __future__ import annotations

import dagster as dg

from orchestration.assets import NIGHTLY_CRON, TIMEZONE, Built, portal_names
from orchestration.resources import BudgetQASettings

__all__ = ["NIGHTLY_CRON", "TIMEZONE", "build_definitions", "defs"]


def build_definitions(settings: BudgetQASettings, portals: list[str] | None = None) -> tuple[dg.Definitions, Built]:
    """Definitions for these settings; partitions for `portals` (default: those the settings configure)."""
    built = Built(portal_names(settings.portals) if portals is None else portals)
    defs = dg.Definitions(
        assets=built.assets, asset_checks=built.checks,
        jobs=[built.crawl_job, built.check_job, built.report_job],
        schedules=[built.schedule], sensors=[built.sensor, built.report_sensor],
        resources={"settings": settings},
        executor=dg.multiprocess_executor,  # a run's steps in separate processes (one step per asset here)
    )
    return defs, built


defs, _built = build_definitions(BudgetQASettings.from_env())
