"""crawler — Scrapy spiders where a portal is configuration.

    portals = crawler.load_portals(Path("crawler/portals"))
    report = crawler.crawl(portals, "file:///var/budgetqa/raw")

Each crawl runs in its own process (`python -m crawler`), so callers can crawl many times.
"""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from crawler.config import ConfigError, PortalConfig, load_portals
from crawler.report import CrawlRecord, CrawlReport, StoredFile
from crawler.store import open_store

__all__ = ["ConfigError", "CrawlRecord", "CrawlReport", "PortalConfig", "StoredFile", "crawl", "dry_run", "history",
           "load_portals", "unrecorded"]


class CrawlError(RuntimeError):
    """The crawl process itself failed (not a portal: portal failures are crawl log records)."""


def _remove_stale_jobs(folder: Path) -> None:
    """Job folders left by a crawl whose process was killed (SIGKILL cannot clean up): removed when
    the process that made them is gone."""
    for job in folder.glob("crawl-*-*"):
        try:
            os.kill(int(job.name.split("-")[1]), 0)
        except ProcessLookupError:
            shutil.rmtree(job, ignore_errors=True)
        except (ValueError, PermissionError):
            continue


def crawl(portals: list[PortalConfig], store_uri: str, *, log: Callable[[str], None] | None = None,
          timeout: float | None = None, resolve: dict[str, str] | None = None,
          dry_run: bool = False) -> CrawlReport:
    """Crawl the portals into the raw store at `store_uri`; returns the crawl log and the files.
    `resolve` pins host names to addresses (like curl --resolve; the safety checks apply all the same).
    The job folder lives in the store's `tmp/` and is removed on every exit path (a killed parent's
    folder by the next crawl)."""
    store = open_store(store_uri)  # fail early on a bad URI, and create the folder
    jobs_dir = store.root / "tmp"
    jobs_dir.mkdir(exist_ok=True)
    _remove_stale_jobs(jobs_dir)
    with tempfile.TemporaryDirectory(prefix=f"crawl-{os.getpid()}-", dir=jobs_dir) as tmp:
        job, result = Path(tmp) / "job.json", Path(tmp) / "result.json"
        job.write_text(json.dumps({"portals": [p.to_dict() for p in portals], "store_uri": store.uri,
                                   "resolve": resolve or {}, "dry_run": dry_run}, ensure_ascii=False), "utf-8")
        env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(Path(__file__).resolve().parents[1]),
                                                             os.environ.get("PYTHONPATH", "")])}
        errors = Path(tmp) / "stderr.txt"
        with open(errors, "w", encoding="utf-8") as err:  # a file, not a pipe: a chatty child cannot block
            proc = subprocess.Popen(
                [sys.executable, "-m", "crawler", "--job", str(job), "--result", str(result)],
                stdout=subprocess.PIPE, stderr=err, text=True, env=env,
            )
            watchdog = threading.Timer(timeout, proc.kill) if timeout else None
            if watchdog:
                watchdog.start()
            try:
                assert proc.stdout is not None
                for line in proc.stdout:
                    if log and line.startswith("budgetqa: "):
                        log(line[len("budgetqa: "):].rstrip("\n"))
                code = proc.wait()
            finally:
                if watchdog:
                    watchdog.cancel()
                if proc.poll() is None:
                    proc.kill()
                    proc.wait()
        if code != 0 or not result.exists():
            stderr = errors.read_text("utf-8", errors="replace")[-2000:]
            raise CrawlError(f"抓取进程失败 / crawl process failed (exit {code}): {stderr}")
        return CrawlReport.from_dict(json.loads(result.read_text("utf-8")))


def dry_run(portals: list[PortalConfig], *, pages: int = 1, log: Callable[[str], None] | None = None,
            timeout: float | None = None, resolve: dict[str, str] | None = None) -> CrawlReport:
    """What the portals' YAML finds on their first `pages` list page(s): the articles are read, the
    attachments listed (outcome `found`, with title, department, year, kind, published) but not
    fetched. Nothing is stored: the crawl runs against a throw-away store."""
    trial = [dataclasses.replace(p, paging=dataclasses.replace(p.paging, max_pages=max(1, pages))) for p in portals]
    with tempfile.TemporaryDirectory(prefix="budgetqa-portal-test-") as tmp:
        return crawl(trial, Path(tmp).as_uri(), log=log, timeout=timeout, resolve=resolve, dry_run=True)


def history(store_uri: str) -> CrawlReport:
    """Every crawl-log record the raw store holds (all crawls, a killed one included)."""
    store = open_store(store_uri)
    return CrawlReport(store_uri=store.uri, records=[CrawlRecord(**r) for r in store.read_log()])


def _log_key(r: dict[str, Any]) -> tuple[Any, ...]:
    t = r.get("fetched_at")
    if isinstance(t, str):
        t = datetime.fromisoformat(t.replace("Z", "+00:00"))
    if isinstance(t, datetime) and t.tzinfo is not None:
        t = t.astimezone(UTC).replace(tzinfo=None)
    return r.get("portal"), r.get("url"), t, r.get("outcome")


def unrecorded(store_uri: str, recorded: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """The store's crawl-log records not yet in `recorded` (the warehouse's crawl_log rows), so the
    warehouse gets each record exactly once, also after a crawl was killed mid-way."""
    seen = {_log_key(r) for r in recorded}
    return [r for r in history(store_uri).records_as_dicts() if _log_key(r) not in seen]
