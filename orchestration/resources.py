"""Everything that touches the outside world, as one resource configured from the environment."""


from pathlib import Path

import dagster as dg

from domain.settings import Settings


class BudgetQASettings(dg.ConfigurableResource):
    """Where budgetqa reads and writes (see domain.settings for the BUDGETQA_* variables)."""

    warehouse: str  # duckdb:///… or postgresql://…
    store: str  # raw file store URI
    portals: str  # portal configuration YAML (file or folder)
    report_dir: str  # where the static site goes
    portal: str | None = None  # crawl only this portal

    @classmethod
    def from_env(cls) -> "BudgetQASettings":
        s = Settings.from_env()
        return cls(warehouse=s.warehouse, store=s.store, portals=str(s.portals), report_dir=str(s.report_dir))

    def open_warehouse(self):
        from warehouse import Warehouse

        return Warehouse.open(self.warehouse)

    @property
    def report_path(self) -> Path:
        return Path(self.report_dir)
