"""The crawl itself, run inside `python -m crawler` (Twisted's reactor cannot restart in one process)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from scrapy.crawler import Crawler, CrawlerProcess

from crawler.config import PortalConfig
from crawler.report import CrawlReport
from crawler.session import Session, now
from crawler.settings import BASE, portal_settings
from crawler.spiders import SPIDERS
from crawler.store import open_store


def run(portals: list[PortalConfig], store_uri: str, *, resolve: dict[str, str] | None = None,
        dry_run: bool = False) -> CrawlReport:
    """`resolve`: host name → address pins (like curl --resolve), checked like any lookup.
    `dry_run`: list pages and articles are read, attachments are listed (outcome `found`), not fetched."""
    store = open_store(store_uri)
    started = now()
    start_errors: dict[str, str] = {}
    with store.lock():
        session = Session(store, progress=lambda msg: print(f"budgetqa: {msg}", flush=True), dry_run=dry_run)
        log_file = str(store.root / "logs" / f"crawl-{started.replace(':', '')}.log")
        process = CrawlerProcess({**BASE, "LOG_FILE": log_file, "BUDGETQA_RESOLVE": resolve or {},
                                  "BUDGETQA_LOOPBACK_OK": any(p.local for p in portals)}, install_root_handler=True)
        spiders = []
        for i, portal in enumerate(portals):
            crawler = Crawler(SPIDERS[portal.family], portal_settings(portal, log_file), init_reactor=i == 0)
            spiders.append((portal, crawler))
            d = process.crawl(crawler, portal=portal, session=session)
            d.addErrback(lambda f, name=portal.name: start_errors.setdefault(
                name, f"{type(f.value).__name__}: {f.value}"[:300]))
        process.start()
        for portal, crawler in spiders:
            if crawler.spider is None or portal.name in start_errors:  # visible per portal, not only in the log
                why = start_errors.get(portal.name, "spider did not start")
                session.record(portal=portal.name, url=(portal.start_urls or [""])[0], kind="list",
                               outcome=f"error: crawl failed / 抓取失败: {why}; see {log_file}")
        session.save()
    stats = {}
    for portal, crawler in spiders:
        s = crawler.stats.get_stats() if crawler.stats else {}
        stats[portal.name] = {
            "requests": s.get("downloader/request_count", 0),
            "responses": s.get("downloader/response_count", 0),
            "bytes": s.get("downloader/response_bytes", 0),
            "pages": getattr(crawler.spider, "pages", 0),
        }
    return CrawlReport(store_uri=store.uri, records=session.records, started_at=started, finished_at=now(),
                       stats=stats, portals=[p.name for p in portals])


def main(argv: list[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(prog="python -m crawler", description="抓取门户 / crawl portals (one process per crawl)")
    parser.add_argument("--job", required=True, help="JSON: {portals: [...], store_uri: ...}")
    parser.add_argument("--result", required=True, help="where to write the CrawlReport JSON")
    args = parser.parse_args(argv)
    job = json.loads(Path(args.job).read_text("utf-8"))
    portals = [PortalConfig.from_dict(p) for p in job["portals"]]
    report = run(portals, job["store_uri"], resolve=job.get("resolve"), dry_run=job.get("dry_run", False))
    Path(args.result).write_text(json.dumps(report.to_dict(), ensure_ascii=False), "utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
