"""Where budgetqa keeps its things, from the environment with embedded defaults.

BUDGETQA_HOME      working folder (default ./var): raw store, caches, warehouse, report
BUDGETQA_WAREHOUSE warehouse URL: duckdb:///path.duckdb (default) or postgresql://…
BUDGETQA_STORE     raw file store URI (default file://<home>/raw)
BUDGETQA_PORTALS   portal configuration YAML (default crawler/portals/)
BUDGETQA_WORKERS   extraction processes (default 2)
BUDGETQA_EXTRACT_TIMEOUT  seconds allowed per document (default 300)
BUDGETQA_GX_RESULTS   keep each `run`'s GX results and Data Docs in <home>/runs/<run id>/gx (default 1; 0: off)
BUDGETQA_CONVERT_TIMEOUT  seconds allowed per LibreOffice conversion (default 120; read by extract.convert)
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]


def warehouse_url(value: str) -> str:
    """Accept a URL or a plain file path (taken as a DuckDB file)."""
    if "://" in value:
        return value
    return f"duckdb:///{Path(value).resolve()}"


@dataclass(frozen=True)
class Settings:
    home: Path
    warehouse: str
    store: str
    portals: Path
    report_dir: Path
    workers: int = 2
    extract_timeout: float = 300.0
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
            keep_gx_results=os.environ.get("BUDGETQA_GX_RESULTS", "1").strip().lower() not in ("0", "false", "no", ""),
        )
