"""One crawl's shared state inside the crawl process: the store, the incremental state, the log.

Every spider, middleware and pipeline of the crawl reaches it as `spider.session`. It decides each
document's outcome (new / unchanged / new_version / duplicate) and writes the crawl log.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict
from datetime import UTC, datetime
from typing import Any

from crawler.report import CrawlRecord
from crawler.store import FileStore, url_ext, url_key


def now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class Session:
    def __init__(self, store: FileStore, progress: Callable[[str], None] | None = None, *, dry_run: bool = False):
        self.store = store
        self.dry_run = dry_run  # `budgetqa portal test`: attachments are listed, not fetched
        self.state = store.load_state()
        self.records: list[CrawlRecord] = []
        self.shas_this_crawl: set[str] = set()
        self.progress = progress or (lambda _msg: None)

    def record(self, **fields: Any) -> CrawlRecord:
        fields.setdefault("fetched_at", now())
        rec = CrawlRecord(**fields)
        self.records.append(rec)
        self.store.add_log(asdict(rec))
        self.progress(f"{rec.portal}: {rec.outcome} {rec.title or ''} {rec.url}")
        return rec

    def previous(self, url: str) -> dict[str, Any] | None:
        prev = self.state["urls"].get(url_key(url))
        if prev and prev.get("sha256") and self.store.find(prev["sha256"]):
            return prev
        return None

    # ---------- pages (lists, articles, API answers) ----------
    def page_state(self, url: str) -> dict[str, Any] | None:
        """What the last crawl saw on a page: validators, content hash and what it links to."""
        return self.state["pages"].get(url_key(url))

    def remember_page(self, url: str, **fields: Any) -> None:
        self.state["pages"][url_key(url)] = {"url": url, "fetched_at": now(), **fields}

    def validators(self, url: str, kind: str) -> dict[str, str]:
        """Headers of a conditional request for a page or document fetched before."""
        prev = self.previous(url) if kind == "document" else self.page_state(url)
        headers = {}
        if prev and prev.get("etag"):
            headers["If-None-Match"] = prev["etag"]
        if prev and prev.get("last_modified"):
            headers["If-Modified-Since"] = prev["last_modified"]
        return headers

    def known_unchanged(self, *, portal: str, doc: dict[str, Any], status: int | None = None) -> CrawlRecord:
        """A known document whose page did not change: logged as unchanged, not requested (status None),
        or confirmed by a HEAD answer of the same size (status 200, nothing downloaded)."""
        prev = self.previous(doc["url"])
        assert prev is not None
        self.shas_this_crawl.add(prev["sha256"])
        path = self.store.find(prev["sha256"])
        return self.record(portal=portal, url=doc["url"], kind="document", status=status, size=0,
                           sha256=prev["sha256"], path=str(path), format=path.suffix.lstrip(".") if path else None,
                           outcome="unchanged", **_doc_fields(doc))

    def store_document(
        self, *, portal: str, doc: dict[str, Any], body: bytes | None, status: int,
        etag: str | None = None, last_modified: str | None = None,
    ) -> CrawlRecord:
        """File one fetched document (body None = the server said 304 Not Modified)."""
        url = doc["url"]
        prev = self.previous(url)
        fetched_at = now()
        if body is None:
            if not prev:  # 304 to a request we did not make conditional: treat as an error
                return self.record(portal=portal, url=url, kind="document", status=status,
                                   outcome="error: 304 without a stored copy", **_doc_fields(doc))
            sha, path, size, outcome = prev["sha256"], self.store.find(prev["sha256"]), 0, "unchanged"
        else:
            sha, path, created = self.store.put(body, doc.get("ext") or url_ext(url))
            size = len(body)
            if prev and prev["sha256"] == sha:
                outcome = "unchanged"
            elif prev:
                outcome = "new_version"
            elif not created or sha in self.shas_this_crawl:
                outcome = "duplicate"
            else:
                outcome = "new"
        self.shas_this_crawl.add(sha)
        entry = dict(prev or {})
        entry.update(url=url, sha256=sha, fetched_at=fetched_at, path=str(path))
        if body is not None:
            entry.update(etag=etag, last_modified=last_modified, size=size)
        self.state["urls"][url_key(url)] = entry
        self.store.add_metadata({
            "url": url, "sha256": sha, "fetched_at": fetched_at, "status": status, "size": size,
            "etag": etag, "last_modified": last_modified, "portal": portal,
            "referer": doc.get("referer"), "title": doc.get("title"), "path": str(path),
        })
        fmt = path.suffix.lstrip(".") if path else None
        return self.record(portal=portal, url=url, kind="document", status=status, size=size, sha256=sha,
                           path=str(path), format=fmt, outcome=outcome, fetched_at=fetched_at,
                           **_doc_fields(doc))

    def save(self) -> None:
        self.store.save_state(self.state)


def _doc_fields(doc: dict[str, Any]) -> dict[str, Any]:
    keys = ("referer", "title", "published", "department", "year", "doc_kind")
    return {k: doc.get(k) for k in keys}
