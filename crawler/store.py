"""The raw store, chosen by URI like Scrapy's FSFilesStore.

`file:///root` lays out:
  objects/<sha256[:2]>/<sha256>.<ext>   each distinct file once (ext sniffed from the bytes, so the
                                        extractors can tell PDF from DOCX)
  records.jsonl                         metadata per (url, sha256, fetched_at): nothing fetched is lost
  crawl_log.jsonl                       the crawl log, one record per line (crawler.report.CrawlRecord)
  state.json                            incremental state: ETag / Last-Modified / sha256 per URL,
                                        items seen per list page
  logs/                                 Scrapy logs, one per crawl
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from domain.formats import BINARY_FORMATS, sniff_format


def url_key(url: str) -> str:
    """The state key of a URL: scheme-less, so http/https links to one file are one file."""
    parts = urlsplit(url)
    return f"//{parts.netloc.lower()}{parts.path or '/'}" + (f"?{parts.query}" if parts.query else "")


def url_ext(url: str) -> str:
    name = unquote(urlsplit(url).path).rsplit("/", 1)[-1]
    return name.rsplit(".", 1)[-1].lower() if "." in name else ""


# Sniffed formats a stored file is named by; anything else keeps the suffix of its link.
_NAMED_FORMATS = frozenset({*BINARY_FORMATS, "html"})


def stored_suffix(data: bytes, fallback: str = "") -> str:
    """The suffix a stored file is named with: its format sniffed from the bytes, else the link's
    suffix (`fallback`), else 'zip' for a broken ZIP and 'bin' for bytes of no known format."""
    fmt = sniff_format(data)
    if fmt in _NAMED_FORMATS:
        return fmt
    return fallback or ("zip" if fmt == "corrupt_zip" else "bin")


class FileStore:
    """A local folder as the raw store."""

    def __init__(self, root: Path):
        self.root = Path(root)
        self.objects = self.root / "objects"
        self.objects.mkdir(parents=True, exist_ok=True)
        (self.root / "logs").mkdir(exist_ok=True)
        self.state_path = self.root / "state.json"

    @property
    def uri(self) -> str:
        return self.root.resolve().as_uri()

    @contextlib.contextmanager
    def lock(self) -> Iterator[None]:
        """One crawl at a time per store (the state file is read at the start and written at the end)."""
        with open(self.root / ".lock", "w") as fh:
            fcntl.flock(fh, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)

    def load_state(self) -> dict[str, Any]:
        """The incremental state. Documents stored after the last save (a crawl killed mid-way) are
        replayed from records.jsonl, so a restarted crawl knows them: nothing fetched is lost."""
        state = json.loads(self.state_path.read_text("utf-8")) if self.state_path.exists() else {}
        for key in ("urls", "lists", "pages"):
            state.setdefault(key, {})
        records = self.root / "records.jsonl"
        offset = state.get("records_offset", 0)
        if records.exists() and records.stat().st_size > offset:
            with open(records, "rb") as fh:
                fh.seek(offset)
                tail = fh.read()
            for line in tail.decode("utf-8", errors="replace").splitlines():
                try:
                    rec = json.loads(line)
                except ValueError:
                    continue  # a line cut short by the kill
                if not rec.get("sha256") or not self.find(rec["sha256"]):
                    continue
                entry = state["urls"].setdefault(url_key(rec["url"]), {})
                entry.update(url=rec["url"], sha256=rec["sha256"], fetched_at=rec.get("fetched_at"),
                             path=rec.get("path"))
                if rec.get("status") != 304:
                    entry.update(etag=rec.get("etag"), last_modified=rec.get("last_modified"), size=rec.get("size"))
        return state

    def save_state(self, state: dict[str, Any]) -> None:
        records = self.root / "records.jsonl"
        state["records_offset"] = records.stat().st_size if records.exists() else 0
        tmp = self.state_path.with_suffix(".tmp")
        tmp.write_text(json.dumps(state, ensure_ascii=False, indent=1, sort_keys=True), "utf-8")
        os.replace(tmp, self.state_path)

    def find(self, sha256: str) -> Path | None:
        folder = self.objects / sha256[:2]
        return next(iter(sorted(folder.glob(f"{sha256}.*"))), None) if folder.exists() else None

    def put(self, data: bytes, fallback_ext: str = "") -> tuple[str, Path, bool]:
        """Store bytes once; returns (sha256, path, created)."""
        sha = hashlib.sha256(data).hexdigest()
        existing = self.find(sha)
        if existing:
            return sha, existing, False
        path = self.objects / sha[:2] / f"{sha}.{stored_suffix(data, fallback_ext)}"
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".part")
        tmp.write_bytes(data)
        os.replace(tmp, path)
        return sha, path, True

    def _append(self, name: str, record: dict[str, Any]) -> None:
        with open(self.root / name, "a", encoding="utf-8") as fh:
            fh.write(json.dumps(record, ensure_ascii=False) + "\n")

    def add_metadata(self, record: dict[str, Any]) -> None:
        self._append("records.jsonl", record)

    def add_log(self, record: dict[str, Any]) -> None:
        self._append("crawl_log.jsonl", record)

    def read_log(self) -> list[dict[str, Any]]:
        path = self.root / "crawl_log.jsonl"
        if not path.exists():
            return []
        records = []
        for line in path.read_text("utf-8", errors="replace").splitlines():
            try:
                records.append(json.loads(line))
            except ValueError:
                continue  # a line cut short when a crawl was killed
        return records


def open_store(uri: str) -> FileStore:
    """The raw store for a URI. Only `file://` is built in; other schemes (s3://…) would plug in here."""
    parts = urlsplit(uri)
    if parts.scheme == "file":
        return FileStore(Path(unquote(parts.path)))
    if not parts.scheme:
        return FileStore(Path(uri))
    raise ValueError(f"不支持的存储 URI / unsupported store URI scheme: {parts.scheme}://")
