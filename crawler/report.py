"""What a crawl hands back: the crawl log records and the files stored."""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

OUTCOMES = ("new", "unchanged", "new_version", "duplicate", "found")  # or "error: <cause>"; found = dry run
STATUS_WORDS = {"ok": "正常", "partial": "部分失败", "failed": "失败"}


@dataclass
class CrawlRecord:
    """One line of the crawl log: a document fetched (or not), or a page that failed."""

    portal: str
    url: str
    outcome: str  # new | unchanged | new_version | duplicate | "error: <cause>"
    kind: str = "document"  # document | list | article | api | link (a disclosure link not followed: offsite)
    referer: str | None = None
    title: str | None = None
    published: str | None = None  # as shown on the portal, YYYY-MM-DD
    fetched_at: str | None = None  # UTC ISO 8601
    status: int | None = None  # HTTP status (304 for a conditional hit)
    size: int | None = None  # bytes downloaded
    sha256: str | None = None
    path: str | None = None  # the stored object
    format: str | None = None
    department: str | None = None
    year: int | None = None
    doc_kind: str | None = None  # budget | final_accounts

    @property
    def is_error(self) -> bool:
        return self.outcome.startswith("error")


@dataclass
class StoredFile:
    sha256: str
    path: Path
    url: str
    format: str
    portal: str
    title: str | None = None
    department: str | None = None
    year: int | None = None
    doc_kind: str | None = None
    published: str | None = None


@dataclass
class CrawlReport:
    store_uri: str
    records: list[CrawlRecord] = field(default_factory=list)
    started_at: str | None = None
    finished_at: str | None = None
    stats: dict[str, Any] = field(default_factory=dict)  # per portal: pages, requests, bytes
    portals: list[str] = field(default_factory=list)  # every portal configured for this crawl

    def records_as_dicts(self) -> list[dict[str, Any]]:
        return [asdict(r) for r in self.records]

    def stored_files(self) -> list[StoredFile]:
        """Every distinct file this crawl found (new, new version, unchanged or duplicate), once per sha256."""
        files: dict[str, StoredFile] = {}
        for r in self.records:
            if r.is_error or not r.sha256 or not r.path or r.sha256 in files:
                continue
            files[r.sha256] = StoredFile(
                sha256=r.sha256, path=Path(r.path), url=r.url, format=r.format or "",
                portal=r.portal, title=r.title, department=r.department, year=r.year,
                doc_kind=r.doc_kind, published=r.published,
            )
        return list(files.values())

    def outcomes(self) -> Counter[str]:
        return Counter(r.outcome for r in self.records)

    def errors(self) -> list[CrawlRecord]:
        return [r for r in self.records if r.is_error]

    def cost(self) -> tuple[int, int]:
        """(requests, bytes downloaded) of this crawl, all portals."""
        return (sum(s.get("requests", 0) for s in self.stats.values()),
                sum(s.get("bytes", 0) for s in self.stats.values()))

    def summary(self) -> str:
        c = self.outcomes()
        errors = sum(v for k, v in c.items() if k.startswith("error"))
        portals = len(set(self.portals) | {r.portal for r in self.records})
        requests, nbytes = self.cost()
        return (
            f"抓取 {portals} 个门户：新文件 {c['new']}，新版本 {c['new_version']}，未变 {c['unchanged']}，"
            f"重复 {c['duplicate']}，错误 {errors}，请求 {requests} 次，下载 {nbytes:,} 字节 / crawled {portals} "
            f"portal(s): new {c['new']}, new_version {c['new_version']}, unchanged {c['unchanged']}, "
            f"duplicate {c['duplicate']}, errors {errors}, requests {requests}, bytes {nbytes:,}"
        )

    def portal_status(self) -> dict[str, dict[str, Any]]:
        """Per portal: `failed` (no document at all: unreachable, unreadable or nothing found — the
        cause is the first page-level error), `partial` (documents, but a list / article / API page
        failed) or `ok`; with its counts and its cost."""
        names = list(dict.fromkeys([*self.portals, *(r.portal for r in self.records)]))
        result: dict[str, dict[str, Any]] = {}
        for name in names:
            recs = [r for r in self.records if r.portal == name]
            docs = [r for r in recs if not r.is_error]
            errors = [r for r in recs if r.is_error]
            page_errors = [r for r in errors if r.kind not in ("document", "link")]  # link: offsite, not followed
            status = "failed" if not docs else "partial" if page_errors else "ok"
            first = (page_errors or errors or [None])[0]
            cause = first.outcome.removeprefix("error: ") if first else "no answer at all / 无任何结果"
            stats = self.stats.get(name, {})
            result[name] = {"status": status, "documents": len(docs), "errors": len(errors),
                            "page_errors": len(page_errors), "cause": None if status == "ok" else cause,
                            "requests": stats.get("requests", 0), "bytes": stats.get("bytes", 0)}
        return result

    def failed_portals(self) -> list[str]:
        return [n for n, s in self.portal_status().items() if s["status"] == "failed"]

    def portal_lines(self) -> list[str]:
        """One line per portal for the command line: status, documents, errors, cost and the cause."""
        lines = []
        for name, s in self.portal_status().items():
            line = (f"  {name}: {STATUS_WORDS[s['status']]} / {s['status']} — 文件 documents {s['documents']}, "
                    f"错误 errors {s['errors']}, 请求 requests {s['requests']}, 字节 bytes {s['bytes']:,}")
            lines.append(line + (f" — {s['cause']}" if s["cause"] else ""))
        return lines

    def to_dict(self) -> dict[str, Any]:
        return {
            "store_uri": self.store_uri, "started_at": self.started_at, "finished_at": self.finished_at,
            "stats": self.stats, "records": self.records_as_dicts(), "portals": self.portals,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CrawlReport:
        return cls(
            store_uri=data["store_uri"], started_at=data.get("started_at"), finished_at=data.get("finished_at"),
            stats=data.get("stats", {}), records=[CrawlRecord(**r) for r in data.get("records", [])],
            portals=data.get("portals", []),
        )
