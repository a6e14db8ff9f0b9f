"""What a crawl hands back: the crawl log records and the files stored."""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

OUTCOMES = ("new", "unchanged", "new_version", "duplicate")  # or "error: <cause>"


@dataclass
class CrawlRecord:
    """One line of the crawl log: a document fetched (or not), or a page that failed."""

    portal: str
    url: str
    outcome: str  # new | unchanged | new_version | duplicate | "error: <cause>"
    kind: str = "document"  # document | list | article | api
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

    def summary(self) -> str:
        c = self.outcomes()
        errors = sum(v for k, v in c.items() if k.startswith("error"))
        portals = len({r.portal for r in self.records})
        return (
            f"抓取 {portals} 个门户：新文件 {c['new']}，新版本 {c['new_version']}，未变 {c['unchanged']}，"
            f"重复 {c['duplicate']}，错误 {errors} / crawled {portals} portal(s): new {c['new']}, "
            f"new_version {c['new_version']}, unchanged {c['unchanged']}, duplicate {c['duplicate']}, errors {errors}"
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "store_uri": self.store_uri, "started_at": self.started_at, "finished_at": self.finished_at,
            "stats": self.stats, "records": self.records_as_dicts(),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CrawlReport:
        return cls(
            store_uri=data["store_uri"], started_at=data.get("started_at"), finished_at=data.get("finished_at"),
            stats=data.get("stats", {}), records=[CrawlRecord(**r) for r in data.get("records", [])],
        )
