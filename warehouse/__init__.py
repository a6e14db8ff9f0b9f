"""The warehouse: one schema, DuckDB (embedded default) or PostgreSQL, chosen by URL (docs/warehouse.md)."""

from warehouse.schema import SCHEMA_VERSION
from warehouse.store import DEFAULT_URL, Warehouse

__all__ = ["DEFAULT_URL", "SCHEMA_VERSION", "Warehouse"]
