"""A thin DB-API adapter so the same SQL (with `?` placeholders) runs on DuckDB and PostgreSQL.

A DuckDB file admits one process at a time (a writer locks it even against readers). A long job
(`check`, `run`) therefore opens the warehouse `transient`: the file is opened for each transaction
or query and closed right after, so a `report` or a second job waits at most one short write
(one document's rows), never the whole job. PostgreSQL keeps one connection; its readers never wait.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

DUCKDB_BUSY_SECONDS = 120.0  # how long to wait for another process holding the DuckDB file


def _connect_duckdb(path: str):
    """duckdb.connect, waiting while another process holds the file's write lock (one writer at a time)."""
    import duckdb

    start = time.monotonic()
    told = False
    while True:
        try:
            return duckdb.connect(path)
        except duckdb.IOException as exc:
            waited = time.monotonic() - start
            if "lock" not in str(exc).lower() or waited > DUCKDB_BUSY_SECONDS:
                raise
            if waited > 2 and not told:
                logging.getLogger(__name__).warning(
                    "数据仓库文件正被另一进程使用，等待中 / waiting for %s, held by another process", path)
                told = True
            time.sleep(0.05)


class Connection:
    def __init__(self, url: str, *, transient: bool = False):
        self.url = url
        self.transient = False
        if url.startswith("duckdb://") or url.endswith(".duckdb"):
            # duckdb:///abs/file.duckdb → /abs/file.duckdb; duckdb://rel/file.duckdb → rel/file.duckdb
            path = url.removeprefix("duckdb://")
            path = "/" + path.lstrip("/") if path.startswith("//") else path
            if path in ("", ":memory:", "/:memory:"):
                path = ":memory:"
            else:
                Path(path).parent.mkdir(parents=True, exist_ok=True)
            self.dialect = "duckdb"
            self._path = path
            self._conn = _connect_duckdb(path)
            if transient and path != ":memory:":
                self.transient = True  # opened for each transaction or query (see the module's note)
                self._conn.close()
                self._conn = None
        elif url.startswith(("postgresql://", "postgres://")):
            import psycopg

            self.dialect = "postgresql"
            self._conn = psycopg.connect(url, autocommit=True)  # writes use transaction()
        else:
            from domain.settings import redact_url

            raise ValueError(f"unsupported warehouse URL {redact_url(url)!r}: use duckdb:///path or postgresql://…")

    @contextmanager
    def opened(self) -> Iterator[Any]:
        """The open connection; a transient one is opened here and closed when the outermost use
        ends (so a block of reads can share one opening)."""
        if self._conn is not None:
            yield self._conn
            return
        self._conn = _connect_duckdb(self._path)
        try:
            yield self._conn
        finally:
            conn, self._conn = self._conn, None
            conn.close()

    def _sql(self, sql: str) -> str:
        return sql.replace("?", "%s") if self.dialect == "postgresql" else sql

    def execute(self, sql: str, params: Sequence[Any] = ()) -> None:
        with self.opened() as conn:
            cur = conn.cursor()
            cur.execute(self._sql(sql), list(params))
            cur.close()

    def executemany(self, sql: str, rows: list[Sequence[Any]]) -> None:
        if not rows:
            return
        with self.opened() as conn:
            self._executemany(conn, sql, rows)

    def _executemany(self, conn: Any, sql: str, rows: list[Sequence[Any]]) -> None:
        cur = conn.cursor()
        if self.dialect == "duckdb" and " VALUES (" in sql:
            # DuckDB's executemany runs row by row and large VALUES lists bind slowly: the rows go
            # in as one Arrow table (~100× faster); an ON CONFLICT clause may follow the VALUES row.
            import pyarrow as pa

            head, tail = sql.rsplit(" VALUES ", 1)
            values = tail[: tail.index(")") + 1]
            if len(rows) <= 50:  # a few rows (one document's): one multi-row VALUES binds faster
                cur.execute(f"{head} VALUES {', '.join([values] * len(rows))}{tail[len(values):]}",
                            [v for r in rows for v in r])
                cur.close()
                return
            columns = [c.strip() for c in head[head.index("(") + 1 : head.rindex(")")].split(",")]
            cur.register("budgetqa_rows", pa.table({c: pa.array([r[i] for r in rows]) for i, c in enumerate(columns)}))
            try:
                cur.execute(f"{head} SELECT * FROM budgetqa_rows{tail[len(values):]}")
            finally:
                cur.unregister("budgetqa_rows")
        else:
            cur.executemany(self._sql(sql), [list(r) for r in rows])
        cur.close()

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
        with self.opened() as conn:
            cur = conn.cursor()
            cur.execute(self._sql(sql), list(params))
            names = [d[0] for d in cur.description]
            rows = [dict(zip(names, r, strict=True)) for r in cur.fetchall()]
            cur.close()
        return rows

    def lock(self, key: str) -> None:
        """Hold an advisory lock on `key` until the current transaction ends (PostgreSQL; DuckDB has one writer)."""
        if self.dialect == "postgresql":
            self.execute("SELECT pg_advisory_xact_lock(hashtextextended(?, 0))", (key,))

    def session_lock(self, key: str, *, wait: bool = True) -> bool:
        """PostgreSQL: take an advisory lock on `key` held until `session_unlock` or until this
        process's connection ends (so its death frees it); with wait=False, only if free.
        DuckDB: nothing to take (True)."""
        if self.dialect != "postgresql":
            return True
        fn = "pg_advisory_lock" if wait else "pg_try_advisory_lock"
        rows = self.query(f"SELECT {fn}(hashtextextended(?, 0)) AS got", (key,))
        return rows[0]["got"] is not False

    def session_unlock(self, key: str) -> None:
        if self.dialect == "postgresql":
            self.query("SELECT pg_advisory_unlock(hashtextextended(?, 0)) AS released", (key,))

    @contextmanager
    def transaction(self) -> Iterator[None]:
        if self.dialect == "postgresql":
            with self._conn.transaction():
                yield
            return
        with self.opened() as conn:
            conn.execute("BEGIN TRANSACTION")
            try:
                yield
            except BaseException:
                conn.rollback()
                raise
            conn.commit()

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None
