"""The product's jobs as plain functions, one per stage of the data flow.

The command line (`budgetqa.cli`) and the Dagster assets (`orchestration`) both call these;
neither the stages nor these functions know Dagster exists.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from budgetqa.model import Document


def extract_files(paths: Iterable[Path], urls: dict[str, str] | None = None) -> list[Document]:
    """Read every file (a ZIP may hold several documents); unreadable files become documents with a status."""
    from extract import extract_file

    urls = urls or {}
    documents: list[Document] = []
    for path in paths:
        documents.extend(extract_file(Path(path), url=urls.get(str(path))))
    return documents


def validate_documents(documents: list[Document]) -> list[Document]:
    """Run the rule suites over all documents at once and attach the findings."""
    from expectations import validate

    for document, findings in zip(documents, validate(documents), strict=True):
        document.findings = findings
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
    """Record the crawl log, then extract → validate → score → store the files not yet in the warehouse."""
    from warehouse import Warehouse

    wh = Warehouse.open(warehouse_url)
    try:
        wh.record_crawl(crawl_report.records_as_dicts())
        files = crawl_report.stored_files()
        known = wh.known_documents() if only_new else set()
        todo = [f for f in files if f.sha256 not in known]
        documents = extract_files([f.path for f in todo], urls={str(f.path): f.url for f in todo})
        check_documents(documents)
        wh.save_documents(documents, run_id=run_id)
        return documents
    finally:
        wh.close()


def check_documents(documents: list[Document]) -> list[Document]:
    return score_documents(validate_documents(documents))
