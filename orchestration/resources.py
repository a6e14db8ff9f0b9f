"""Everything that touches the outside world, as one resource: the assets read every setting here
(never the environment), so a deployment configures Dagster runs in one place."""


from pathlib import Path

import dagster as dg

from domain.settings import Settings


class BudgetQASettings(dg.ConfigurableResource):
    """Where budgetqa reads and writes and within which limits (see domain.settings for the
    BUDGETQA_* variables that `from_env` reads)."""

    warehouse: str  # duckdb:///… or postgresql://… (a password: give it as dg.EnvVar, never inline)
    store: str  # raw file store URI
    portals: str  # portal configuration YAML (file or folder)
    report_dir: str  # where the static site goes
    home: str = "var"  # runs/<run id> (GX results) go here
    workers: int = 2  # extraction processes per run
    extract_timeout: float = 300.0  # seconds per document
    extract_memory_mb: int = 3072  # address space per extraction worker (0: no limit)
    keep_gx_results: bool = True  # keep each partition's GX results and Data Docs under home/runs
    recheck: bool = False  # check again files already stored with the current rules (from their stored extraction)
    reextract: bool = False  # with recheck: read the files again even when their extraction is stored

    @classmethod
    def from_env(cls) -> "BudgetQASettings":
        """From the BUDGETQA_* variables; the warehouse URL as dg.EnvVar when BUDGETQA_WAREHOUSE is
        set, so a password in it is read at run time and never shown in the UI or stored in a run."""
        import os

        s = Settings.from_env()
        warehouse = dg.EnvVar("BUDGETQA_WAREHOUSE") if os.environ.get("BUDGETQA_WAREHOUSE") else s.warehouse
        return cls(warehouse=warehouse, store=s.store, portals=str(s.portals), report_dir=str(s.report_dir),
                   home=str(s.home), workers=s.workers, extract_timeout=s.extract_timeout,
                   extract_memory_mb=s.extract_memory_mb, keep_gx_results=s.keep_gx_results)

    def to_settings(self) -> Settings:
        """The same values as the product's Settings (what orchestration.jobs takes)."""
        from domain.settings import warehouse_url

        return Settings(home=Path(self.home).resolve(), warehouse=warehouse_url(self.warehouse), store=self.store,
                        portals=Path(self.portals), report_dir=Path(self.report_dir), workers=self.workers,
                        extract_timeout=self.extract_timeout, extract_memory_mb=self.extract_memory_mb,
                        keep_gx_results=self.keep_gx_results)

    def open_warehouse(self, *, transient: bool = False):
        from warehouse import Warehouse

        return Warehouse.open(self.to_settings().warehouse, transient=transient)

    @property
    def report_path(self) -> Path:
        return Path(self.report_dir)
