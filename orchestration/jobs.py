"""The product's jobs as plain functions that chain the stages of the data flow.

The command line (`budgetqa.cli`) and the Dagster assets (orchestration/assets.py) both call these;
neither the stages nor these functions know Dagster exists.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

from domain.model import REPORT_SCHEMA, Document
from domain.settings import Settings

Say = Callable[[str], None]


def extract_files(
    paths: Iterable[Path], urls: dict[str, str] | None = None, progress: Say | None = None,
    workers: int | None = None,
) -> list[Document]:
    """Read every file (a ZIP may hold several documents) in parallel, each distinct file once and
    within the time limit; unreadable files become documents with a status, copies get `duplicate_of`."""
    from extract import extract_many

    settings = Settings.from_env()
    paths = list(paths)
    report = (lambda done, total, path: progress(f"[{done}/{total}] 已读取 / read {path}")) if progress else None
    return extract_many(paths, urls=urls, workers=settings.workers if workers is None else workers,
                        timeout=settings.extract_timeout, progress=report)


def validate_documents(documents: list[Document]) -> list[Document]:
    """Run the rule suites over all documents at once and attach the findings; a copy of a file
    (`duplicate_of`) is validated once, through its original, and shares its findings."""
    from expectations import validate

    originals = [d for d in documents if not d.duplicate_of]
    for document, findings in zip(originals, validate(originals), strict=True):
        document.findings = findings
    by_path = {d.source.path: d for d in originals}
    for document in documents:
        if document.duplicate_of in by_path:
            document.findings = list(by_path[document.duplicate_of].findings)
    return documents


def score_documents(documents: list[Document]) -> list[Document]:
    from scoring import score_document

    for document in documents:
        document.scorecard = score_document(document)
    return documents


def check_documents(documents: list[Document]) -> list[Document]:
    """validate → score."""
    return score_documents(validate_documents(documents))


def report_json(documents: list[Document]) -> dict:
    """The `budgetqa.report/1` report (CONTRACT §3)."""
    return {"schema": REPORT_SCHEMA, "documents": [d.to_report() for d in documents]}


def load_portals(portals_path: Path, portal: str | None = None, base_url: str | None = None) -> list:
    """The configured portals (all, or the one named)."""
    import crawler

    portals = crawler.load_portals(portals_path, base_url=base_url)
    if portal:
        portals = [p for p in portals if p.name == portal]
        if not portals:
            raise crawler.ConfigError(f"未配置名为 {portal} 的门户 / no portal named {portal} in {portals_path}")
    return portals


def crawl_portals(portals: list, store_uri: str, progress: Say | None = None):
    """Run the spiders for these portals; returns the CrawlReport."""
    import crawler

    return crawler.crawl(portals, store_uri, log=progress)


def portal_regions(portals: list) -> dict[str, str]:
    return {p.name: p.region for p in portals if getattr(p, "region", None)}


def record_crawl_log(crawl_report, wh) -> int:
    """Copy the raw store's crawl log into the warehouse, each record exactly once (also the records
    of a crawl that was killed mid-way); returns how many were added."""
    import crawler

    records = crawler.unrecorded(crawl_report.store_uri, wh.crawl_log())
    wh.record_crawl(records)
    return len(records)


def pending_files(crawl_report, wh, *, only_new: bool = True) -> list:
    """The stored files to process: those not yet in the warehouse (`only_new`), or every file this
    crawl saw. Files from an earlier, killed run are in the store and so are picked up too."""
    import crawler

    files = [f for f in crawler.history(crawl_report.store_uri).stored_files() if f.path.exists()]
    if only_new:
        known = wh.known_documents()
        return [f for f in files if f.sha256 not in known]
    seen = {r.sha256 for r in crawl_report.records if r.sha256}
    return [f for f in files if f.sha256 in seen]


def apply_crawl_hints(documents: list[Document], files: list, regions: dict[str, str] | None = None) -> None:
    """Fill the facts the content does not state from what the portal said: department, year and
    kind read from the article title, the region from the portal's configuration (a more specific
    configured region, e.g. 淮北市杜集区 for 杜集区, wins). The content's facts are never overridden."""
    regions = regions or {}
    by_path = {str(f.path): f for f in files}
    for document in documents:
        stored = by_path.get(document.source.path.split("!/")[0])
        if stored is None:
            continue
        document.department = document.department or stored.department
        document.year = document.year or stored.year
        document.kind = document.kind or stored.doc_kind
        region = regions.get(stored.portal)
        if region and (not document.region or region.endswith(document.region)):
            document.region = region


def process_crawl(crawl_report, warehouse_url: str, run_id: str, *, only_new: bool = True,
                  progress: Say | None = None, regions: dict[str, str] | None = None) -> list[Document]:
    """Record the crawl log, then extract → validate → score → store the pending files, as one run.
    `regions` maps a portal's name to its configured region (see `apply_crawl_hints`)."""
    from warehouse import Warehouse

    wh = Warehouse.open(warehouse_url)
    try:
        wh.start_run(run_id)
        record_crawl_log(crawl_report, wh)
        todo = pending_files(crawl_report, wh, only_new=only_new)
        documents = extract_files([f.path for f in todo], urls={str(f.path): f.url for f in todo}, progress=progress)
        apply_crawl_hints(documents, todo, regions)
        check_documents(documents)
        wh.save_documents(documents, run_id=run_id)
        wh.finish_run(run_id, run_counts(documents, crawled=len(crawl_report.records)))
        return documents
    finally:
        wh.close()


def run_counts(documents: list[Document], crawled: int | None = None) -> dict[str, int]:
    """What a run did, for the warehouse's `runs` table (the CLI and Dagster write the same keys)."""
    findings = [f for d in documents for f in d.findings]
    counts = {
        "documents": len(documents),
        "scored": sum(bool(d.scorecard and d.scorecard.score is not None) for d in documents),
        "unreadable": sum(d.status != "ok" for d in documents),
        "errors": sum(f.severity == "error" for f in findings),
        "warnings": sum(f.severity == "warning" for f in findings),
    }
    return counts if crawled is None else {"crawled": crawled, **counts}
