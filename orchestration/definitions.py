"""Dagster definitions: `dagster dev -m orchestration.definitions` (DAGSTER_HOME holds dagster.yaml)."""

from __future__ import annotations

import dagster as dg

from orchestration.assets import ASSETS, CHECKS
from orchestration.resources import BudgetQASettings

NIGHTLY_CRON = "30 2 * * *"
TIMEZONE = "Asia/Shanghai"

nightly_job = dg.define_asset_job(
    "nightly", selection=dg.AssetSelection.assets(*ASSETS),
    description="每晚：抓取 → 提取 → 校验 → 评分 → 报告 / crawl, extract, validate, score, report",
)

nightly_schedule = dg.ScheduleDefinition(
    name="nightly_0230_shanghai", job=nightly_job, cron_schedule=NIGHTLY_CRON, execution_timezone=TIMEZONE,
    default_status=dg.DefaultScheduleStatus.RUNNING,
)

defs = dg.Definitions(
    assets=ASSETS,
    asset_checks=CHECKS,
    jobs=[nightly_job],
    schedules=[nightly_schedule],
    resources={"settings": BudgetQASettings.from_env()},
)
