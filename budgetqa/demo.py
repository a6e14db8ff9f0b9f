"""`budgetqa demo`: the main job on the embedded default.

Serves the bundled demo portal (demo/portal) on 127.0.0.1, crawls it with its Scrapy spider,
extracts, validates and scores what was fetched into a DuckDB warehouse, and writes the report.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from domain.model import Document
from domain.settings import REPO_ROOT, warehouse_url
from orchestration import jobs

DEMO_ROOT = REPO_ROOT / "demo"


@dataclass
class DemoResult:
    documents: list[Document]
    warehouse: str
    site: Path
    scorecard_page: Path
    data_docs: Path | None = None  # this run's GX Data Docs (home/runs/<run id>/gx/…/index.html)


def run_demo(home: Path | None = None, progress: Callable[[str], None] = print) -> DemoResult:
    from crawler.localserver import serve
    from report import write_scorecard, write_site
    from warehouse import Warehouse

    home = (home or REPO_ROOT / "var" / "demo").resolve()
    home.mkdir(parents=True, exist_ok=True)
    store_uri = (home / "raw").as_uri()
    url = warehouse_url(str(home / "budgetqa.duckdb"))
    run_id = f"demo-{time.strftime('%Y%m%dT%H%M%S')}"

    with serve(DEMO_ROOT / "portal") as base_url:
        progress(f"演示门户 / demo portal: {base_url}")
        portals = jobs.load_portals(DEMO_ROOT / "portal.yaml", base_url=base_url)
        crawl_report = jobs.crawl_portals(portals, store_uri, progress=progress)
    progress(crawl_report.summary())

    folder = jobs.run_folder(home, run_id)
    documents = jobs.process_crawl(crawl_report, url, run_id, recheck=True, progress=progress,
                                   regions=jobs.portal_regions(portals), folder=folder).documents
    wh = Warehouse.open(url)
    try:
        site = write_site(wh, home / "report", gx_runs=folder.parent)
    finally:
        wh.close()
    readable = sorted((d for d in documents if d.status == "ok"), key=lambda d: d.source.format)
    page = write_scorecard(readable[0], home / "scorecard.html") if readable else site
    return DemoResult(documents=documents, warehouse=url, site=site, scorecard_page=page,
                      data_docs=jobs.data_docs(folder))
