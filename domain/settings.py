"""Where budgetqa keeps its things, from the environment with embedded defaults.

BUDGETQA_HOME      working folder (default ./var): raw store, caches, warehouse, report
BUDGETQA_WAREHOUSE warehouse URL: duckdb:///path.duckdb (default) or postgresql://…
BUDGETQA_STORE     raw file store URI (default file://<home>/raw)
BUDGETQA_PORTALS   portal configuration YAML (default crawler/portals/)
BUDGETQA_WORKERS   extraction processes (default 2)
BUDGETQA_EXTRACT_TIMEOUT  seconds allowed per document (default 300)
BUDGETQA_GX_RESULTS   keep each `run`'s GX results and Data Docs in <home>/runs/<run id>/gx (default 1; 0: off)
BUDGETQA_CONVERT_TIMEOUT  seconds allowed per LibreOffice conversion (default 120; read by extract.convert)
BUDGETQA_EXTRACT_MEMORY_MB address space allowed per extraction worker, in MiB (default 3072; 0 = no limit):
                   set with setrlimit(RLIMIT_AS) in the worker, so a hostile file fails alone
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]


def warehouse_url(value: str) -> str:
    """Accept a URL or a plain file path (taken as a DuckDB file)."""
    if "://" in value:
        return value
    return f"duckdb:///{Path(value).resolve()}"


_PASSWORD = re.compile(r"^(?P<head>[a-zA-Z][a-zA-Z0-9+.-]*://[^/@:]*:)(?P<password>[^/@]*)(?=@)")
_QUERY_PASSWORD = re.compile(r"(?P<head>[?&]password=)(?P<password>[^&#]*)", re.IGNORECASE)


def redact_url(url: str) -> str:
    """The URL as it may be printed or logged: a password (postgresql://user:secret@host/db, or
    ?password=secret) masked."""
    url = _PASSWORD.sub(lambda m: m["head"] + "***", url)
    return _QUERY_PASSWORD.sub(lambda m: m["head"] + "***", url)


def redact(text: str, url: str) -> str:
    """`text` (e.g. a driver's error message) with the URL and its password masked wherever they
    appear, percent-encoded or not."""
    from urllib.parse import unquote

    text = text.replace(url, redact_url(url))
    secrets = [m["password"] for m in (_PASSWORD.match(url), *_QUERY_PASSWORD.finditer(url)) if m and m["password"]]
    for secret in sorted({s for p in secrets for s in (p, unquote(p))}, key=len, reverse=True):
        text = text.replace(secret, "***")
    return text


@dataclass(frozen=True)
class Settings:
    home: Path
    warehouse: str
    store: str
    portals: Path
    report_dir: Path
    workers: int = 2
    extract_timeout: float = 300.0
    extract_memory_mb: int = 3072
    keep_gx_results: bool = True

    @classmethod
    def from_env(cls, home: Path | None = None) -> Settings:
        home = (home or Path(os.environ.get("BUDGETQA_HOME", "var"))).resolve()
        return cls(
            home=home,
            warehouse=warehouse_url(os.environ.get("BUDGETQA_WAREHOUSE", str(home / "budgetqa.duckdb"))),
            store=os.environ.get("BUDGETQA_STORE", (home / "raw").as_uri()),
            portals=Path(os.environ.get("BUDGETQA_PORTALS", REPO_ROOT / "crawler" / "portals")),
            report_dir=home / "report",
            workers=int(os.environ.get("BUDGETQA_WORKERS", "2")),
            extract_timeout=float(os.environ.get("BUDGETQA_EXTRACT_TIMEOUT", "300")),
            extract_memory_mb=int(os.environ.get("BUDGETQA_EXTRACT_MEMORY_MB", "3072")),
            keep_gx_results=os.environ.get("BUDGETQA_GX_RESULTS", "1").strip().lower() not in ("0", "false", "no", ""),
        )
