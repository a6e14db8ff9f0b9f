"""crawled_files → documents → findings → scorecards → report.

Each asset calls the plain functions of orchestration.jobs / warehouse / report; those know nothing
of Dagster. Documents travel between steps through the run's IO manager (pickled).
"""


from collections import Counter
from dataclasses import asdict
from pathlib import Path

import dagster as dg

from domain.model import CATEGORIES, SEVERITIES, STATUSES, Document
from orchestration import jobs
from orchestration.resources import BudgetQASettings

GROUP = "budgetqa"


@dg.asset(group_name=GROUP, description="抓取门户上的预决算文件 / crawl the configured portals; new or changed files only")
def crawled_files(context: dg.AssetExecutionContext, settings: BudgetQASettings) -> list[dict]:
    portals = jobs.load_portals(Path(settings.portals), portal=settings.portal)
    report = jobs.crawl_portals(portals, settings.store, progress=context.log.info)
    regions = jobs.portal_regions(portals)
    with settings.open_warehouse() as wh:
        jobs.record_crawl_log(report, wh)
        todo = [asdict(f) | {"path": str(f.path), "region": regions.get(f.portal)} for f in jobs.pending_files(report, wh)]
    context.add_output_metadata({"outcomes": dict(report.outcomes()), "to_process": len(todo)})
    return todo


@dg.asset(group_name=GROUP, description="提取表格与文字 / extract tables and narrative from each new file")
def documents(context: dg.AssetExecutionContext, crawled_files: list[dict]) -> list[Document]:
    from crawler.report import StoredFile

    docs = jobs.extract_files([Path(f["path"]) for f in crawled_files], urls={f["path"]: f["url"] for f in crawled_files})
    stored = [StoredFile(**{k: v for k, v in f.items() if k != "region"}) for f in crawled_files]
    jobs.apply_crawl_hints(docs, stored, {f["portal"]: f["region"] for f in crawled_files if f.get("region")})
    context.add_output_metadata({"documents": len(docs), "status": dict(Counter(d.status for d in docs))})
    return docs


@dg.asset(group_name=GROUP, description="按规则校验 / validate with the rule suites; attaches findings")
def findings(context: dg.AssetExecutionContext, documents: list[Document]) -> list[Document]:
    docs = jobs.validate_documents(documents)
    counts = Counter(f.severity for d in docs for f in d.findings)
    context.add_output_metadata({"findings": sum(counts.values()), **{s: counts.get(s, 0) for s in SEVERITIES}})
    return docs


@dg.asset(group_name=GROUP, description="评分并写入数据仓库 / score each document and store it in the warehouse")
def scorecards(context: dg.AssetExecutionContext, settings: BudgetQASettings, findings: list[Document]) -> list[dict]:
    docs = jobs.score_documents(findings)
    with settings.open_warehouse() as wh:
        run_id = wh.start_run(context.run.run_id)
        wh.save_documents(docs, run_id)
        wh.finish_run(run_id, jobs.run_counts(docs))
    cards = [{"sha256": d.doc_id, "department": d.department, "year": d.year, "status": d.status,
              "score": d.scorecard.score, "grade": d.scorecard.grade, "categories": d.scorecard.categories}
             for d in docs]
    scored = [c["score"] for c in cards if c["score"] is not None]
    context.add_output_metadata({"documents": len(cards), "scored": len(scored),
                                 "mean_score": round(sum(scored) / len(scored), 1) if scored else None})
    return cards


@dg.asset(group_name=GROUP, deps=[scorecards], description="生成静态报告网站 / write the static scorecard site")
def report(context: dg.AssetExecutionContext, settings: BudgetQASettings) -> str:
    from report import write_site

    with settings.open_warehouse() as wh:
        index = write_site(wh, settings.report_path)
    context.add_output_metadata({"index": dg.MetadataValue.path(str(index))})
    return str(index)


# -- asset checks ------------------------------------------------------------------------------
@dg.asset_check(asset=findings, description="每条问题的类别与严重程度符合约定 / findings use the contract's categories and severities")
def findings_follow_contract(findings: list[Document]) -> dg.AssetCheckResult:
    bad = [f"{d.source.path}: {f.rule} {f.category}/{f.severity}" for d in findings for f in d.findings
           if f.category not in CATEGORIES or f.severity not in SEVERITIES]
    bad += [f"{d.source.path}: status {d.status}" for d in findings if d.status not in STATUSES]
    return dg.AssetCheckResult(passed=not bad, metadata={"violations": len(bad), "first": bad[:5]})


@dg.asset_check(asset=scorecards, description="已读文件有0–100分和等级，其余不评分 / ok documents scored 0–100, others unscored")
def scores_in_range(scorecards: list[dict]) -> dg.AssetCheckResult:
    bad = [c["sha256"][:12] for c in scorecards
           if (c["status"] == "ok") != (c["score"] is not None)
           or (c["score"] is not None and not (0 <= c["score"] <= 100 and c["grade"]))]
    return dg.AssetCheckResult(passed=not bad, metadata={"violations": len(bad), "first": bad[:5]})


@dg.asset_check(asset=report, description="首页与每份文件的页面都已生成 / index and one page per document exist")
def report_pages_exist(settings: BudgetQASettings, report: str) -> dg.AssetCheckResult:
    from report.site import doc_href

    index = Path(report)
    with settings.open_warehouse() as wh:
        shas = [c["sha256"] for c in wh.scorecards()]
    missing = [s[:12] for s in shas if not (index.parent / doc_href(s)).exists()]
    return dg.AssetCheckResult(passed=index.exists() and not missing,
                               metadata={"pages": len(shas), "missing": missing[:5]})


ASSETS = [crawled_files, documents, findings, scorecards, report]
CHECKS = [findings_follow_contract, scores_in_range, report_pages_exist]
