"""The product's jobs as plain functions, one per stage of the data flow.

The command line (`budgetqa.cli`) and the Dagster assets (`orchestration`) both call these;
neither the stages nor these functions know Dagster exists.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from budgetqa.model import Document


def extract_files(
    paths: Iterable[Path], urls: dict[str, str] | None = None, progress=None, workers: int | None = None
) -> list[Document]:
    """Read every file (a ZIP may hold several documents) in parallel, each distinct file once and
    within the time limit; unreadable files become documents with a status, copies get `duplicate_of`.

    `workers` defaults to BUDGETQA_WORKERS or 2; `progress(done, total, path)` reports each file."""
    import os

    from extract import extract_many

    workers = workers if workers is not None else int(os.environ.get("BUDGETQA_WORKERS", "2"))
    timeout = float(os.environ.get("BUDGETQA_EXTRACT_TIMEOUT", "300"))
    return extract_many(list(paths), urls=urls, workers=workers, timeout=timeout, progress=progress)


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


def check_files(paths: Iterable[Path]) -> list[Document]:
    """extract → validate → score, for local files."""
    return check_documents(extract_files(paths))


def report_json(documents: list[Document]) -> dict:
    """The `budgetqa.report/1` report (CONTRACT §3)."""
    from budgetqa.model import REPORT_SCHEMA

    return {"schema": REPORT_SCHEMA, "documents": [d.to_report() for d in documents]}


def crawl_portals(portals_path: Path, store_uri: str, portal: str | None = None):
    """Run the spiders for the configured portals (all, or the one named); returns the CrawlReport."""
    import crawler

    portals = crawler.load_portals(portals_path)
    if portal:
        portals = [p for p in portals if p.name == portal]
        if not portals:
            raise ValueError(f"未配置名为 {portal} 的门户 / no portal named {portal} in {portals_path}")
    return crawler.crawl(portals, store_uri)


def process_crawl(crawl_report, warehouse_url: str, run_id: str, *, only_new: bool = True) -> list[Document]:
    """Record the crawl log, then extract → validate → score → store the files not yet in the warehouse
    (`only_new=False`: every file this crawl saw, re-checked and replaced).

    Both come from the raw store as a whole, not only from this crawl: a run killed after its crawl
    (or during it) leaves files and log records that the next run picks up, each exactly once."""
    from warehouse import Warehouse

    wh = Warehouse.open(warehouse_url)
    try:
        wh.start_run(run_id)
        todo = pending_files(crawl_report, wh, only_new=only_new)
        documents = check_documents(extract_files([f.path for f in todo], urls={str(f.path): f.url for f in todo}))
        wh.save_documents(documents, run_id=run_id)
        wh.finish_run(run_id, run_counts(crawl_report, documents))
        return documents
    finally:
        wh.close()


def pending_files(crawl_report, wh, *, only_new: bool = True) -> list:
    """Record the store's crawl log in the warehouse (each record once) and list the stored files
    to process: those not yet in the warehouse, or (`only_new=False`) all this crawl saw."""
    import crawler

    wh.record_crawl(crawler.unrecorded(crawl_report.store_uri, wh.crawl_log()))
    files = crawler.history(crawl_report.store_uri).stored_files()
    if only_new:
        known = wh.known_documents()
        return [f for f in files if f.sha256 not in known and f.path.exists()]
    seen = {r.sha256 for r in crawl_report.records if r.sha256}
    return [f for f in files if f.sha256 in seen and f.path.exists()]


def run_counts(crawl_report, documents: list[Document]) -> dict[str, int]:
    """What a run did, for the warehouse's `runs` table."""
    findings = [f for d in documents for f in d.findings]
    return {
        "crawled": len(crawl_report.records),
        "documents": len(documents),
        "unreadable": sum(d.status != "ok" for d in documents),
        "errors": sum(f.severity == "error" for f in findings),
        "warnings": sum(f.severity == "warning" for f in findings),
    }


def check_documents(documents: list[Document]) -> list[Document]:
    return score_documents(validate_documents(documents))
