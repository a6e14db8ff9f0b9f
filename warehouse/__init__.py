"""The warehouse: one schema, DuckDB (embedded default) or PostgreSQL, chosen by URL (docs/warehouse.md)."""

from warehouse.schema import SCHEMA_VERSION
from warehouse.store import Warehouse

__all__ = ["SCHEMA_VERSION", "Warehouse"]
