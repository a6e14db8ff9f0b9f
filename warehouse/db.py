"""A thin DB-API adapter so the same SQL (with `?` placeholders) runs on DuckDB and PostgreSQL."""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

DUCKDB_BUSY_SECONDS = 120.0  # how long to wait for another process holding the DuckDB file


def _connect_duckdb(path: str):
    """duckdb.connect, waiting while another process holds the file's write lock (one writer at a time)."""
    import duckdb

    deadline = time.monotonic() + DUCKDB_BUSY_SECONDS
    while True:
        try:
            return duckdb.connect(path)
        except duckdb.IOException as exc:
            if "lock" not in str(exc).lower() or time.monotonic() > deadline:
                raise
            time.sleep(0.2)


class Connection:
    def __init__(self, url: str):
        self.url = url
        if url.startswith("duckdb://") or url.endswith(".duckdb"):
            # duckdb:///abs/file.duckdb → /abs/file.duckdb; duckdb://rel/file.duckdb → rel/file.duckdb
            path = url.removeprefix("duckdb://")
            path = "/" + path.lstrip("/") if path.startswith("//") else path
            if path in ("", ":memory:", "/:memory:"):
                path = ":memory:"
            else:
                Path(path).parent.mkdir(parents=True, exist_ok=True)
            self.dialect = "duckdb"
            self._conn = _connect_duckdb(path)
        elif url.startswith(("postgresql://", "postgres://")):
            import psycopg

            self.dialect = "postgresql"
            self._conn = psycopg.connect(url, autocommit=True)  # writes use transaction()
        else:
            raise ValueError(f"unsupported warehouse URL {url!r}: use duckdb:///path or postgresql://…")

    def _sql(self, sql: str) -> str:
        return sql.replace("?", "%s") if self.dialect == "postgresql" else sql

    def execute(self, sql: str, params: Sequence[Any] = ()) -> None:
        cur = self._conn.cursor()
        cur.execute(self._sql(sql), list(params))
        cur.close()

    def executemany(self, sql: str, rows: list[Sequence[Any]]) -> None:
        if not rows:
            return
        cur = self._conn.cursor()
        if self.dialect == "duckdb" and sql.rstrip().endswith(")") and " VALUES (" in sql:
            # DuckDB's executemany runs row by row; one multi-row VALUES per chunk is ~50× faster.
            head, values = sql.rsplit(" VALUES ", 1)
            for i in range(0, len(rows), 200):
                chunk = rows[i : i + 200]
                cur.execute(f"{head} VALUES {', '.join([values] * len(chunk))}", [v for r in chunk for v in r])
        else:
            cur.executemany(self._sql(sql), [list(r) for r in rows])
        cur.close()

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
        cur = self._conn.cursor()
        cur.execute(self._sql(sql), list(params))
        names = [d[0] for d in cur.description]
        rows = [dict(zip(names, r, strict=True)) for r in cur.fetchall()]
        cur.close()
        return rows

    def lock(self, key: str) -> None:
        """Hold an advisory lock on `key` until the current transaction ends (PostgreSQL; DuckDB has one writer)."""
        if self.dialect == "postgresql":
            self.execute("SELECT pg_advisory_xact_lock(hashtextextended(?, 0))", (key,))

    @contextmanager
    def transaction(self) -> Iterator[None]:
        if self.dialect == "postgresql":
            with self._conn.transaction():
                yield
            return
        self._conn.execute("BEGIN TRANSACTION")
        try:
            yield
        except BaseException:
            self._conn.rollback()
            raise
        self._conn.commit()

    def close(self) -> None:
        self._conn.close()
