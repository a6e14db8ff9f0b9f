"""Partitioned assets: crawled_files (one partition per portal) → checked_documents (portal × year)
→ report. docs/deploy.md explains the choice of partitions.

Each asset calls the same functions of orchestration.jobs as `budgetqa run` (crawl_portals,
record_crawl_log, crawled_candidates, run_crawled → run_files); those know nothing of Dagster.
Nothing is pickled between steps: the crawl writes the raw store and the crawl log, each
checked_documents partition reads its files from the raw store and writes its documents, findings
and run row to the warehouse (one short transaction per file), and the report reads the warehouse.
"""


from collections import Counter
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import dagster as dg

from domain.model import CATEGORIES, SEVERITIES, STATUSES
from orchestration import jobs
from orchestration.resources import BudgetQASettings

GROUP = "budgetqa"
FIRST_YEAR = 2014  # budgets disclosed under the 2014 budget law
UNKNOWN_YEAR = "unknown"  # files whose title gives no year
CRAWL_FRESHNESS = timedelta(hours=26)  # a nightly crawl, with two hours' slack: stale after that


def year_keys(last: int | None = None) -> list[str]:
    last = last or date.today().year + 1
    return [str(y) for y in range(FIRST_YEAR, last + 1)] + [UNKNOWN_YEAR]


class Built:
    """The assets, checks, jobs, schedule and sensor for one set of configured portals."""

    def __init__(self, portals: list[str]):
        self.portal_partitions = dg.StaticPartitionsDefinition(portals)
        self.portal_year = dg.MultiPartitionsDefinition(
            {"portal": self.portal_partitions, "year": dg.StaticPartitionsDefinition(year_keys())})
        self.crawled_files = _crawled_files(self.portal_partitions)
        self.checked_documents = _checked_documents(self.portal_year, self.crawled_files)
        self.report = _report(self.checked_documents)
        self.assets = [self.crawled_files, self.checked_documents, self.report]
        self.checks = [_report_pages_exist(self.report)]
        self.crawl_job = dg.define_asset_job(
            "nightly", selection=[self.crawled_files],
            description="每晚抓取一个门户 / crawl one portal (one run per portal); checks follow per year")
        self.check_job = dg.define_asset_job(
            "check", selection=[self.checked_documents],
            description="提取、校验、评分、入库（门户×年度）/ extract, validate, score, store one portal × year")
        self.report_job = dg.define_asset_job("write_report", selection=[self.report],
                                              description="生成报告网站 / write the report site")
        self.schedule = _nightly_schedule(self.crawl_job, self.portal_partitions)
        self.sensor = _check_after_crawl(self.crawled_files, self.check_job)
        self.report_sensor = _report_after_checks(self.checked_documents, self.report_job)


def _crawled_files(partitions: dg.PartitionsDefinition) -> dg.AssetsDefinition:
    @dg.asset(group_name=GROUP, partitions_def=partitions,
              freshness_policy=dg.FreshnessPolicy.time_window(fail_window=CRAWL_FRESHNESS),
              description="抓取一个门户（只取新文件或改动的文件）/ crawl one portal; new or changed files only")
    def crawled_files(context: dg.AssetExecutionContext, settings: BudgetQASettings) -> dg.MaterializeResult:
        conf = settings.to_settings()
        portals = jobs.load_portals(conf.portals, portal=context.partition_key)
        report = jobs.crawl_portals(portals, conf.store, progress=context.log.info)
        with settings.open_warehouse(transient=True) as wh:
            recorded = jobs.record_crawl_log(report, wh)
        if report.failed_portals():  # nothing found: fail the partition (it is retried alone)
            raise dg.Failure(f"门户未取得任何文件 / portal {context.partition_key} yielded nothing",
                             metadata={"portals": "; ".join(report.portal_lines())})
        files = jobs.crawled_candidates(report, portal=context.partition_key)
        years = sorted({jobs.year_key(f.year) for f in files})
        return dg.MaterializeResult(metadata={
            "outcomes": dict(report.outcomes()), "logged": recorded, "files": len(files),
            "years": dg.MetadataValue.json(years)})

    return crawled_files


GX_CHECK = "gx_results"


def _checked_documents(partitions: dg.MultiPartitionsDefinition, crawled: dg.AssetsDefinition) -> dg.AssetsDefinition:
    @dg.asset(
        group_name=GROUP, partitions_def=partitions,
        ins={"crawled_files": dg.AssetIn(dagster_type=dg.Nothing, partition_mapping=dg.MultiToSingleDimensionPartitionMapping(
            partition_dimension_name="portal"))},
        check_specs=[dg.AssetCheckSpec(GX_CHECK, asset="checked_documents",
                                       description="GX 校验结果（按类别）/ the GX results per category")],
        description="提取、校验、评分并入库（一个门户的一个年度）/ extract, validate, score and store one portal × year")
    def checked_documents(context: dg.AssetExecutionContext, settings: BudgetQASettings) -> Iterator:
        import crawler

        key = context.partition_key.keys_by_dimension
        conf = settings.to_settings()
        history = crawler.history(conf.store)
        files = jobs.crawled_candidates(history, recheck=settings.recheck, portal=key["portal"], year=key["year"])
        portals = jobs.load_portals(conf.portals, portal=key["portal"])
        run_id = f"dagster-{context.run.run_id[:8]}-{key['portal']}-{key['year']}"
        folder = jobs.run_folder(conf.home, run_id) if conf.keep_gx_results else None
        with settings.open_warehouse(transient=True) as wh:
            result = jobs.run_crawled(files, wh, run_id, recheck=settings.recheck, reextract=settings.reextract,
                                      progress=context.log.info,
                                      regions=jobs.portal_regions(portals), folder=folder, settings=conf)
        yield dg.MaterializeResult(metadata={"run": run_id, **result.counts,
                                             "status": dg.MetadataValue.json(dict(Counter(d.status for d in result.documents)))})
        yield gx_check(result)

    return checked_documents


def gx_check(result: jobs.RunResult) -> dg.AssetCheckResult:
    """The partition's GX results per category: errors found and documents not assessed (read but
    without a score in that category); fails only if a finding breaks the contract (category,
    severity, status) or a score is out of range — errors in a disclosure are what we look for."""
    docs = result.documents
    read = [d for d in docs if d.status == "ok" and d.scorecard]
    metadata: dict = {}
    for category in CATEGORIES:
        metadata[f"{category}.errors"] = sum(f.category == category and f.severity == "error"
                                             for d in docs for f in d.findings)
        metadata[f"{category}.not_assessed"] = sum(category not in d.scorecard.categories for d in read)
    bad = [f"{d.source.path}: {f.rule} {f.category}/{f.severity}" for d in docs for f in d.findings
           if f.category not in CATEGORIES or f.severity not in SEVERITIES]
    bad += [f"{d.source.path}: status {d.status}" for d in docs if d.status not in STATUSES]
    bad += [f"{d.source.path}: score {d.scorecard.score}" for d in read
            if d.scorecard.score is None or not 0 <= d.scorecard.score <= 100]
    metadata |= {"documents": len(docs), "unreadable": len(docs) - len(read), "violations": len(bad),
                 "first": dg.MetadataValue.json(bad[:5])}
    return dg.AssetCheckResult(check_name=GX_CHECK, asset_key="checked_documents", passed=not bad, metadata=metadata)


def _report(checked: dg.AssetsDefinition) -> dg.AssetsDefinition:
    @dg.asset(group_name=GROUP, deps=[checked], description="生成静态报告网站 / write the static scorecard site")
    def report(context: dg.AssetExecutionContext, settings: BudgetQASettings) -> dg.MaterializeResult:
        from report import write_site

        with settings.open_warehouse() as wh:
            index = write_site(wh, settings.report_path)
        return dg.MaterializeResult(metadata={"index": dg.MetadataValue.path(str(index))})

    return report


def _report_pages_exist(report: dg.AssetsDefinition) -> dg.AssetChecksDefinition:
    @dg.asset_check(asset=report, description="首页与每份文件的页面都已生成 / index and one page per document exist")
    def report_pages_exist(settings: BudgetQASettings) -> dg.AssetCheckResult:
        from report.site import doc_href

        index = settings.report_path / "index.html"
        with settings.open_warehouse() as wh:
            shas = [c["sha256"] for c in wh.scorecards()]
        missing = [s[:12] for s in shas if not (index.parent / doc_href(s)).exists()]
        return dg.AssetCheckResult(passed=index.exists() and not missing,
                                   metadata={"pages": len(shas), "missing": dg.MetadataValue.json(missing[:5])})

    return report_pages_exist


NIGHTLY_CRON = "30 2 * * *"
TIMEZONE = "Asia/Shanghai"


def _nightly_schedule(job: "dg.JobDefinition", portals: dg.StaticPartitionsDefinition) -> dg.ScheduleDefinition:
    @dg.schedule(name="nightly_0230_shanghai", job=job, cron_schedule=NIGHTLY_CRON, execution_timezone=TIMEZONE,
                 default_status=dg.DefaultScheduleStatus.STOPPED,
                 description="每晚抓取部署所配置的每个门户（默认停用）/ crawl every portal the deployment configures "
                             "(stopped until turned on)")
    def nightly(context: dg.ScheduleEvaluationContext) -> Iterator[dg.RunRequest]:
        for portal in portals.get_partition_keys():
            yield dg.RunRequest(run_key=f"{context.scheduled_execution_time:%Y%m%d}-{portal}", partition_key=portal)

    return nightly


def _new_materializations(context: dg.SensorEvaluationContext, key: dg.AssetKey) -> list:
    """Materializations of `key` since the sensor's cursor (all of them, oldest first); moves the cursor."""
    records = context.instance.fetch_materializations(
        dg.AssetRecordsFilter(asset_key=key, after_storage_id=int(context.cursor or 0)), limit=1000, ascending=True,
    ).records
    if records:
        context.update_cursor(str(records[-1].storage_id))
    return records


def _check_after_crawl(crawled: dg.AssetsDefinition, job: "dg.JobDefinition") -> dg.SensorDefinition:
    @dg.sensor(job=job, name="check_after_crawl", default_status=dg.DefaultSensorStatus.RUNNING,
               description="门户抓取后，按年度逐个校验 / after each portal's crawl, one check run per year it holds")
    def check_after_crawl(context: dg.SensorEvaluationContext) -> Iterator[dg.RunRequest]:
        for record in _new_materializations(context, crawled.key):
            materialization = record.asset_materialization
            years = materialization.metadata["years"].value if "years" in materialization.metadata else []
            for year in years:
                key = dg.MultiPartitionKey({"portal": materialization.partition, "year": year})
                yield dg.RunRequest(run_key=f"{record.storage_id}-{key}", partition_key=key)

    return check_after_crawl


def _report_after_checks(checked: dg.AssetsDefinition, job: "dg.JobDefinition") -> dg.SensorDefinition:
    @dg.sensor(job=job, name="report_after_checks", minimum_interval_seconds=600,
               default_status=dg.DefaultSensorStatus.RUNNING,
               description="有新的校验结果时重写报告（至多每10分钟）/ rewrite the report after new checks (at most every 10 min)")
    def report_after_checks(context: dg.SensorEvaluationContext) -> Iterator[dg.RunRequest]:
        records = _new_materializations(context, checked.key)
        if records:
            yield dg.RunRequest(run_key=f"report-{records[-1].storage_id}")

    return report_after_checks


def portal_names(portals_path: Path) -> list[str]:
    """The configured portals' names (the crawl partitions); none when the configuration is absent."""
    if not Path(portals_path).exists():
        return []
    return [p.name for p in jobs.load_portals(Path(portals_path))]
