"""The warehouse: documents, their tables and findings, the crawl log and runs, in DuckDB or PostgreSQL."""

from __future__ import annotations

import json
import os
import socket
import uuid
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from typing import Any

import polars as pl

from domain.model import CATEGORIES, REPORT_SCHEMA, Document, Table
from domain.ruleset import ruleset_version
from warehouse.db import Connection
from warehouse.extraction import (
    REUSABLE_STATUSES,
    NotStorable,
    document_from_rows,
    frames_json,
    paragraph_rows,
    stored_extractor,
    table_from_row,
)
from warehouse.schema import (
    COPY_COLUMNS,
    CRAWL_COLUMNS,
    DOCUMENT_COLUMNS,
    FINDING_COLUMNS,
    MIGRATIONS,
    PARAGRAPH_COLUMNS,
    RESULT_COLUMNS,
    SCHEMA_VERSION,
    TABLE_COLUMNS,
)

MIGRATION_LOCK = "budgetqa:migrate"


def _insert(table: str, columns: tuple[str, ...]) -> str:
    return f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"


# every place a file was found: the first sighting's row, its URL and time refreshed
_UPSERT_COPY = (_insert("doc_copies", COPY_COLUMNS)
                + " ON CONFLICT (sha256, path) DO UPDATE SET url = excluded.url, seen_at = excluded.seen_at")


def _ts(value: Any) -> datetime | None:
    """Timestamps are stored naive UTC so both engines agree."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None, microsecond=0)


def locator(doc: Document) -> str:
    """Where a document is published: its URL, else its path (an archive member's own path)."""
    return doc.source.url or doc.source.path


def identity(doc: Document) -> str | None:
    """region|department|year|kind, when department, year and kind are known (else None)."""
    if not (doc.department and doc.year and doc.kind):
        return None
    return f"{doc.region or ''}|{doc.department}|{doc.year}|{doc.kind}"


def _score_values(doc: Document) -> tuple:
    """status, score, grade, the category scores and the counts (as the documents/results columns)."""
    card = doc.scorecard
    cats = card.categories if card else {}
    counts = card.counts if card and card.counts else {}
    if not counts:
        counts = {s: sum(f.severity == s for f in doc.findings) for s in ("error", "warning", "info")}
    return (doc.status, card.score if card else None, card.grade if card else None,
            *(cats.get(c) for c in CATEGORIES),
            counts.get("error", 0), counts.get("warning", 0), counts.get("info", 0))


def document_row(doc: Document, run_id: str | None, extracted_at: datetime, ruleset: str | None = None,
                 version: dict | None = None, extractor: str | None = None) -> tuple:
    """The documents row; `version`: first_seen, first_run, superseded_by, superseded_at (kept from
    the stored row when the same bytes are saved again); `extractor`: the version its stored
    extraction was made with (None when its tables could not be stored whole)."""
    version = version or {"first_seen": extracted_at, "first_run": run_id, "superseded_by": None,
                          "superseded_at": None}
    status, *scores = _score_values(doc)
    return (
        doc.source.sha256, doc.source.path, doc.source.url, doc.source.format,
        doc.department, doc.region, doc.year, doc.kind, doc.unit, status, doc.error,
        *scores, doc.page_count, extracted_at, run_id, len(doc.paragraphs), ruleset,
        locator(doc), identity(doc), version["first_seen"], version["first_run"], version["superseded_by"],
        version["superseded_at"], extractor,
    )


def result_row(doc: Document, ruleset: str, run_id: str | None, checked_at: datetime) -> tuple:
    return (doc.source.sha256, ruleset, run_id, checked_at, *_score_values(doc))


EXCERPT_CHARS = 160


def excerpt(doc: Document, paragraph: int | None) -> str | None:
    """The start of the paragraph a finding points at (by Paragraph.index), for the report."""
    if paragraph is None:
        return None
    para = next((p for p in doc.paragraphs if p.index == paragraph), None)
    if para is None:
        return None
    text = " ".join(para.text.split())
    return text if len(text) <= EXCERPT_CHARS else text[: EXCERPT_CHARS - 1] + "…"


def finding_rows(doc: Document) -> list[tuple]:
    rows = []
    for i, f in enumerate(doc.findings):
        loc = f.location
        rows.append((
            doc.source.sha256, i, f.rule, f.category, f.severity, f.table, f.code, f.row, f.column,
            f.expected, f.observed, f.message, loc.page, json.dumps(loc.bbox) if loc.bbox else None,
            loc.cell, loc.paragraph, excerpt(doc, loc.paragraph),
            f.expected_value, f.observed_value, f.rounding_step,
        ))
    return rows


# What the grid keeps of `Table.rows` (its measure columns follow) and of `Table.cells`.
GRID_ROW_KEYS = ("row", "side", "code", "raw_code", "name", "raw_name")
GRID_CELL_KEYS = ("row", "column", "text", "problem", "page", "x0", "top", "x1", "bottom", "address")


def grid_dict(table: Table) -> dict:
    """The table as the tool read it, for the report's table view: {"rows": {column: [values]},
    "cells": {column: [values]}} (columnar, coordinates to 0.1 pt)."""
    rows = table.rows.select([c for c in (*GRID_ROW_KEYS, *table.measures) if c in table.rows.columns])
    cells = table.cells.select([c for c in GRID_CELL_KEYS if c in table.cells.columns])
    coords = [c for c in ("x0", "top", "x1", "bottom") if c in cells.columns]
    cells = cells.with_columns(pl.col(c).round(1) for c in coords)
    return {"rows": rows.to_dict(as_series=False), "cells": cells.to_dict(as_series=False)}


def grid_json(table: Table) -> str:
    """doc_tables.grid (migration 6): `grid_dict` as JSON. Since migration 7 the grid is derived
    from the stored frames instead; kept for a table whose frames cannot be stored."""
    return json.dumps(grid_dict(table), ensure_ascii=False, separators=(",", ":"))


def _records(columns: dict[str, list]) -> list[dict]:
    names = list(columns)
    return [dict(zip(names, values, strict=True)) for values in zip(*columns.values(), strict=True)]


def extraction_rows(doc: Document) -> tuple[list[tuple], list[tuple], str | None]:
    """The document's doc_tables rows (each table's frames whole), doc_paragraphs rows, and the
    extractor version to record; a table with a column type the layout does not hold keeps its
    grid only, and the document no extractor (a recheck reads its file again)."""
    frames: list[str | None] = []
    try:
        frames = [frames_json(t) for t in doc.tables]
        extractor: str | None = stored_extractor()
    except NotStorable:
        frames, extractor = [None] * len(doc.tables), None
    tables = [
        (doc.source.sha256, i, t.kind, t.number, t.title, t.unit, json.dumps(t.pages), t.rows.height,
         json.dumps(t.measures), None if f else grid_json(t), f)
        for i, (t, f) in enumerate(zip(doc.tables, frames, strict=True))
    ]
    return tables, paragraph_rows(doc), extractor


# rows of current document versions only (the report's reads)
_CURRENT = "sha256 IN (SELECT sha256 FROM documents WHERE superseded_by IS NULL)"
# documents per query of `grids_of`: their grids (frames JSON, ~70 KiB a document) held at once
GRID_CHUNK = 300


class Warehouse:
    """Open with `Warehouse.open(url)`; use as a context manager or call `close()`."""

    def __init__(self, conn: Connection):
        self.conn = conn

    @classmethod
    def open(cls, url: str, *, transient: bool = False) -> Warehouse:
        """`transient`: for a long job on a DuckDB file, open the file for each write or read only
        (warehouse.db), so readers and other jobs wait one short transaction at most."""
        wh = cls(Connection(url, transient=transient))
        try:
            wh.migrate()
        except BaseException:
            wh.close()
            raise
        return wh

    def session(self):
        """A block of reads or writes sharing one opening of a transient DuckDB file (held for the block)."""
        return self.conn.opened()

    @property
    def url(self) -> str:
        return self.conn.url

    def __enter__(self) -> Warehouse:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.conn.close()

    # -- schema ---------------------------------------------------------------------------
    def schema_version(self) -> int:
        try:
            rows = self.conn.query("SELECT MAX(version) AS v FROM schema_version")
        except Exception:
            return 0
        return int(rows[0]["v"] or 0)

    def migrate(self) -> int:
        """Apply every migration newer than the stored schema version; return the version.

        On PostgreSQL the whole upgrade runs in one transaction under an advisory lock, so several
        processes opening a fresh database at once apply each migration exactly once.
        """
        if self.schema_version() == SCHEMA_VERSION:
            return SCHEMA_VERSION
        with self.conn.transaction():
            self.conn.lock(MIGRATION_LOCK)
            self.conn.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, applied TIMESTAMP)")
            current = int(self.conn.query("SELECT MAX(version) AS v FROM schema_version")[0]["v"] or 0)
            for version, statements in MIGRATIONS:
                if version <= current:
                    continue
                for sql in statements:
                    self.conn.execute(sql)
                self.conn.execute("INSERT INTO schema_version (version, applied) VALUES (?, ?)", (version, _now()))
        return SCHEMA_VERSION

    # -- writes ---------------------------------------------------------------------------
    def start_run(self, run_id: str | None = None, ruleset: str | None = None) -> str:
        """Record a run as `running` (first closing, as failed, the runs whose process is gone)."""
        run_id = run_id or datetime.now(UTC).strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:6]
        self.close_abandoned_runs()
        self.conn.session_lock(_run_key(run_id))  # PostgreSQL: held while this process lives
        with self.conn.transaction():
            self.conn.execute("DELETE FROM runs WHERE id = ?", (run_id,))
            self.conn.execute("INSERT INTO runs (id, started, status, ruleset, host, pid) VALUES (?, ?, ?, ?, ?, ?)",
                              (run_id, _now(), "running", ruleset or ruleset_version(), socket.gethostname(),
                               os.getpid()))
        return run_id

    def finish_run(self, run_id: str, counts: dict[str, int], *, status: str = "finished",
                   error: str | None = None) -> None:
        with self.conn.transaction():
            self.conn.execute("UPDATE runs SET finished = ?, counts = ?, status = ?, error = ? WHERE id = ?",
                              (_now(), json.dumps(counts, ensure_ascii=False), status, error, run_id))
        self.conn.session_unlock(_run_key(run_id))

    def fail_run(self, run_id: str, error: str, counts: dict[str, int] | None = None) -> None:
        self.finish_run(run_id, counts or {}, status="failed", error=error)

    def close_abandoned_runs(self) -> list[str]:
        """Close as `failed` every unfinished run whose process is gone (killed, crashed, machine
        restarted); returns their ids. PostgreSQL: the run's session lock is free. DuckDB (one
        machine): its process no longer exists on this host. Runs from before the status column
        (no status) are closed too."""
        host = socket.gethostname()
        gone = []
        for r in self.conn.query("SELECT id, status, host, pid FROM runs WHERE finished IS NULL"):
            if r["status"] is None:
                gone.append(r["id"])
            elif self.conn.dialect == "postgresql":
                if self.conn.session_lock(_run_key(r["id"]), wait=False):
                    self.conn.session_unlock(_run_key(r["id"]))
                    gone.append(r["id"])
            elif r["host"] == host and r["pid"] != os.getpid() and not _alive(r["pid"]):
                gone.append(r["id"])
        if gone:
            with self.conn.transaction():
                self.conn.executemany(
                    "UPDATE runs SET finished = ?, status = 'failed', error = ? WHERE id = ? AND finished IS NULL",
                    [(_now(), "进程在运行结束前终止 / the process ended before the run finished", i) for i in gone])
        return gone

    def runs(self) -> list[dict]:
        rows = self.conn.query("SELECT id, started, finished, counts, status, ruleset, error FROM runs "
                               "ORDER BY started DESC, id DESC")
        for r in rows:
            r["counts"] = json.loads(r["counts"]) if r["counts"] else {}
        return rows

    def save_documents(self, documents: Iterable[Document], run_id: str | None = None,
                       ruleset: str | None = None) -> int:
        """Insert or replace each document (key sha256) with its tables and findings, in one short
        transaction; returns the count. `ruleset` (default: the current one) is stored with each, and
        the score is also kept in `results` per (sha256, ruleset): a rule change adds a row, the
        past stays.

        Versions: a sha256 not stored before is a new version of the documents it supersedes, those
        still current with the same locator (URL, else path), or with the same identity
        (region|department|year|kind) and format first stored by another run — files published
        together in one run (the same report as PDF and DOCX, or in parts) do not supersede each other. The old
        version stays queryable (`document`, `department_history`); scorecards and rankings use
        current versions only. Saving stored bytes again keeps their place in the history.

        A document with `duplicate_of` (the same bytes found at another path) only adds its path to
        `doc_copies` when the original is in the batch or already stored; otherwise it is stored as
        the first copy seen. Every path is recorded in `doc_copies`. On PostgreSQL each sha256 is
        locked for the transaction, so processes saving the same file at once queue instead of failing.
        """
        docs = list(documents)
        if not docs:
            return 0
        ruleset = ruleset or ruleset_version()
        batch = run_id or f"save-{uuid.uuid4().hex[:12]}"  # without a run, each save is its own batch
        now = _now()
        copies = {(d.source.sha256, d.source.path): (d.source.sha256, d.source.path, d.source.url, now) for d in docs}
        primary = {d.source.sha256: d for d in docs if not d.duplicate_of}  # the same file twice: last wins
        # serialised before the transaction (the same bytes give the same extraction)
        extracted = {sha: extraction_rows(d) for sha, d in ({d.source.sha256: d for d in docs} | primary).items()}
        with self.conn.transaction():
            for sha in sorted({d.source.sha256 for d in docs}):  # one order everywhere: no deadlocks
                self.conn.lock(f"doc:{sha}")
            orphans = {d.source.sha256: d for d in reversed(docs) if d.duplicate_of and d.source.sha256 not in primary}
            if orphans:
                stored = self._versions(list(orphans))
                primary |= {sha: d for sha, d in orphans.items() if sha not in stored}
            keys = list(primary)
            prior = self._versions(keys)
            for chunk in _chunks([k for k in keys if k in prior]):  # new versions have no rows to replace
                marks = ", ".join("?" * len(chunk))
                for table in ("findings", "doc_tables", "doc_paragraphs", "documents"):
                    self.conn.execute(f"DELETE FROM {table} WHERE sha256 IN ({marks})", chunk)
                self.conn.execute(f"DELETE FROM results WHERE ruleset = ? AND sha256 IN ({marks})", [ruleset, *chunk])
            rows = list(primary.values())
            self.conn.executemany(_insert("documents", DOCUMENT_COLUMNS), [
                document_row(d, run_id, now, ruleset, prior.get(d.source.sha256)
                             or {"first_seen": now, "first_run": batch, "superseded_by": None, "superseded_at": None},
                             extracted[d.source.sha256][2])
                for d in rows])
            self.conn.executemany(_insert("results", RESULT_COLUMNS), [result_row(d, ruleset, run_id, now) for d in rows])
            self.conn.executemany(_insert("doc_tables", TABLE_COLUMNS),
                                  [r for d in rows for r in extracted[d.source.sha256][0]])
            self.conn.executemany(_insert("doc_paragraphs", PARAGRAPH_COLUMNS),
                                  [r for d in rows for r in extracted[d.source.sha256][1]])
            self.conn.executemany(_insert("findings", FINDING_COLUMNS), [r for d in rows for r in finding_rows(d)])
            self.conn.executemany(_UPSERT_COPY, list(copies.values()))
            self._supersede([d for d in rows if d.source.sha256 not in prior], batch, now)
        return len(primary)

    def _versions(self, keys: list[str]) -> dict[str, dict]:
        """The stored version columns of these sha256 (those stored)."""
        found: dict[str, dict] = {}
        for chunk in _chunks(keys):
            rows = self.conn.query("SELECT sha256, first_seen, first_run, superseded_by, superseded_at FROM documents "
                                   f"WHERE sha256 IN ({', '.join('?' * len(chunk))})", chunk)
            found |= {r.pop("sha256"): r for r in rows}
        return found

    def _supersede(self, new: list[Document], batch: str, now: datetime) -> None:
        """Mark as superseded by each new version the current documents it replaces (see save_documents)."""
        if not new:
            return
        by_locator = {locator(d): d.source.sha256 for d in new}
        by_identity = {identity(d): d.source.sha256 for d in new if identity(d)}
        formats = {d.source.sha256: d.source.format for d in new}
        mine = {d.source.sha256 for d in new}
        updates: dict[str, list[str]] = {}  # new sha256 → the versions it supersedes
        seen: set[str] = set()
        locators, identities = list(by_locator), list(by_identity)
        for i in range(0, max(len(locators), len(identities)), 250):
            loc, ident = locators[i : i + 250], identities[i : i + 250]
            # one indexed lookup per column (an OR of the two scans the whole table on DuckDB)
            select = "SELECT sha256, locator, identity, first_run, format, superseded_by FROM documents WHERE"
            sql = " UNION ALL ".join(part for part in (
                f"{select} locator IN ({', '.join('?' * len(loc))})" if loc else "",
                f"{select} identity IN ({', '.join('?' * len(ident))})" if ident else "") if part)
            for r in self.conn.query(sql, [*loc, *ident]):
                if r["superseded_by"] is not None or r["sha256"] in mine or r["sha256"] in seen:
                    continue
                new_sha = by_locator.get(r["locator"])
                if new_sha is None and r["identity"] in by_identity:
                    candidate = by_identity[r["identity"]]
                    # by identity: only a file of the same format published by another run
                    if r["first_run"] != batch and r["format"] == formats[candidate]:
                        new_sha = candidate
                if new_sha:
                    seen.add(r["sha256"])
                    updates.setdefault(new_sha, []).append(r["sha256"])
        pairs = [(old, new_sha) for new_sha, olds in updates.items() for old in olds]
        for chunk in _chunks(pairs, 250):  # one statement per chunk: an UPDATE costs ~10 ms on DuckDB
            self.conn.execute(
                "UPDATE documents SET superseded_by = v.new_sha, superseded_at = ? FROM (VALUES "
                f"{', '.join(['(?, ?)'] * len(chunk))}) AS v(old_sha, new_sha) WHERE documents.sha256 = v.old_sha",
                [now, *(x for pair in chunk for x in pair)])

    def record_copies(self, copies: Iterable[tuple[str, str, str | None]], *, only_new: bool = False) -> int:
        """Record (sha256, path, url) places where an already stored file was found again (with
        `only_new`, only places not yet recorded: a nightly rerun rewrites nothing); returns how many."""
        now = _now()
        rows = {(sha, path): (sha, path, url, now) for sha, path, url in copies}
        if rows and only_new:
            for chunk in _chunks(sorted({sha for sha, _ in rows})):
                for r in self.conn.query(f"SELECT sha256, path FROM doc_copies WHERE sha256 IN "
                                         f"({', '.join('?' * len(chunk))})", chunk):
                    rows.pop((r["sha256"], r["path"]), None)
        if rows:
            with self.conn.transaction():
                self.conn.executemany(_UPSERT_COPY, list(rows.values()))
        return len(rows)

    def copies(self, sha256: str | None = None, *, current: bool = False) -> list[dict]:
        """Every path (and URL) where a stored file was found; the document's own path included.
        With `current` (and no sha256), those of current document versions only."""
        sql, params = f"SELECT {', '.join(COPY_COLUMNS)} FROM doc_copies", ()
        if sha256:
            sql, params = sql + " WHERE sha256 = ?", (sha256,)
        elif current:
            sql += f" WHERE {_CURRENT}"
        return self.conn.query(sql + " ORDER BY sha256, seen_at, path", params)

    def record_crawl(self, records: list[dict]) -> int:
        """Append crawl-log records (dicts with any of CRAWL_COLUMNS; others ignored)."""
        rows = []
        for r in records:
            row = {c: r.get(c) for c in CRAWL_COLUMNS}
            row["fetched_at"] = _ts(row["fetched_at"]) or _now()
            if row["published"] is not None:
                row["published"] = str(row["published"])
            rows.append(tuple(row[c] for c in CRAWL_COLUMNS))
        with self.conn.transaction():
            self.conn.executemany(_insert("crawl_log", CRAWL_COLUMNS), rows)
        return len(rows)

    def crawl_log(self, portal: str | None = None) -> list[dict]:
        sql = f"SELECT {', '.join(CRAWL_COLUMNS)} FROM crawl_log"
        params: tuple = ()
        if portal:
            sql, params = sql + " WHERE portal = ?", (portal,)
        return self.conn.query(sql + " ORDER BY fetched_at, url", params)

    # -- reads for the report -------------------------------------------------------------
    def known_documents(self, ruleset: str | None = None) -> set[str]:
        """sha256 of every stored document (to skip files already processed); with `ruleset`, only
        those whose results were computed with that rule-set version."""
        if ruleset is None:
            return {r["sha256"] for r in self.conn.query("SELECT sha256 FROM documents")}
        return {r["sha256"] for r in self.conn.query("SELECT sha256 FROM documents WHERE ruleset = ?", (ruleset,))}

    def current_sources(self) -> list[dict]:
        """sha256, path and url of every current document (what a recheck of the warehouse goes over)."""
        return self.conn.query("SELECT sha256, path, url FROM documents WHERE superseded_by IS NULL ORDER BY path, sha256")

    def reusable_extractions(self, shas: Iterable[str]) -> set[str]:
        """Those of `shas` whose stored extraction is whole and current (made by this extractor
        version, in a status worth keeping): `load_documents` rebuilds them without their files."""
        keys = sorted(set(shas))
        found: set[str] = set()
        statuses = ", ".join("?" * len(REUSABLE_STATUSES))
        for chunk in _chunks(keys):
            rows = self.conn.query(
                f"SELECT sha256 FROM documents WHERE extractor = ? AND status IN ({statuses}) "
                f"AND sha256 IN ({', '.join('?' * len(chunk))})", [stored_extractor(), *REUSABLE_STATUSES, *chunk])
            found |= {r["sha256"] for r in rows}
        return found

    def load_documents(self, shas: Iterable[str]) -> list[Document]:
        """The stored documents as extraction left them — source, facts, status, tables (rows and
        cells whole) and paragraphs; no findings or scorecard — in the order of `shas` (those stored
        with their extraction; see `reusable_extractions` for whether it is current)."""
        keys = list(dict.fromkeys(shas))
        docs: dict[str, Document] = {}
        with self.session():
            for chunk in _chunks(keys):
                marks = ", ".join("?" * len(chunk))
                rows = self.conn.query(f"SELECT {', '.join(DOCUMENT_COLUMNS)} FROM documents "
                                       f"WHERE extractor IS NOT NULL AND sha256 IN ({marks})", chunk)
                tables: dict[str, list[dict]] = {}
                for t in self.conn.query(f"SELECT {', '.join(TABLE_COLUMNS)} FROM doc_tables WHERE sha256 IN ({marks}) "
                                         "ORDER BY sha256, table_index", chunk):
                    tables.setdefault(t["sha256"], []).append(t)
                paragraphs: dict[str, list[dict]] = {}
                for p in self.conn.query(f"SELECT {', '.join(PARAGRAPH_COLUMNS)} FROM doc_paragraphs "
                                         f"WHERE sha256 IN ({marks}) ORDER BY sha256, ordinal", chunk):
                    paragraphs.setdefault(p["sha256"], []).append(p)
                for r in rows:
                    docs[r["sha256"]] = document_from_rows(r, tables.get(r["sha256"], []),
                                                           paragraphs.get(r["sha256"], []))
        return [docs[k] for k in keys if k in docs]

    def scorecards(self, *, region: str | None = None, department: str | None = None,
                   current: bool = True) -> list[dict]:
        """One row per document: identity, status, score, grade, category scores, counts; only the
        current version of each document unless `current=False`; optionally one region/department."""
        where, params = _where(region=region, department=department)
        if current:
            where.append("superseded_by IS NULL")
        rows = self.conn.query(
            f"SELECT {', '.join(DOCUMENT_COLUMNS)} FROM documents {'WHERE ' + ' AND '.join(where) if where else ''} "
            "ORDER BY department, region, year, kind, sha256", params)
        return [_card_row(r) for r in rows]

    def department_history(self, department: str, region: str | None = None) -> list[dict]:
        """Every version of the department's documents under every rule set it was scored with,
        oldest first: year, kind, sha256, locator, first_seen, superseded_by/at, current, ruleset,
        run_id (the run that scored it), checked_at, status, score, grade, errors, warnings, infos.
        A department's score followed across runs, rule changes and years."""
        where, params = _where(region=region, department=department, table="d")
        rows = self.conn.query(
            "SELECT d.department, d.region, d.year, d.kind, d.sha256, d.locator, d.format, d.first_seen, "
            "d.superseded_by, d.superseded_at, r.ruleset, r.run_id, r.checked_at, r.status, r.score, r.grade, "
            "r.errors, r.warnings, r.infos FROM documents d JOIN results r ON r.sha256 = d.sha256 "
            f"WHERE {' AND '.join(where)} ORDER BY d.year, d.kind, d.first_seen, r.checked_at, d.sha256", params)
        for r in rows:
            r["current"] = r["superseded_by"] is None
        return rows

    def findings(self, sha256: str | None = None, *, rule: str | None = None) -> list[dict]:
        """Findings in the report's shape (CONTRACT §3) plus `sha256` and `ordinal`: of one document
        (any version), or of every current document version (optionally of one rule)."""
        sql = f"SELECT {', '.join(FINDING_COLUMNS)} FROM findings"
        where: list[str] = []
        params: list = []
        if sha256:
            where, params = ["sha256 = ?"], [sha256]
        else:
            where.append(_CURRENT)
        if rule:
            where.append("rule = ?")
            params.append(rule)
        sql += " WHERE " + " AND ".join(where)
        return [_finding(r) for r in self.conn.query(sql + " ORDER BY sha256, ordinal", params)]

    def tables(self, sha256: str | None = None, *, current: bool = False) -> list[dict]:
        """The document's tables (every stored table, with its `sha256`, when none is named; with
        `current`, those of current document versions only)."""
        sql, params = "SELECT sha256, table_index, kind, number, title, unit, pages, row_count FROM doc_tables", ()
        if sha256:
            sql, params = sql + " WHERE sha256 = ?", (sha256,)
        elif current:
            sql += f" WHERE {_CURRENT}"
        rows = self.conn.query(sql + " ORDER BY sha256, table_index", params)
        return [{"kind": r["kind"], "number": r["number"], "title": r["title"], "unit": r["unit"],
                 "pages": json.loads(r["pages"] or "[]"), "rows": r["row_count"]} | ({} if sha256 else {"sha256": r["sha256"]})
                for r in rows]

    def table_grids(self, sha256: str) -> list[dict]:
        """The document's tables as read: `tables()` entries plus `index`, `unit`, `measures`, and
        `rows`/`cells` as lists of records (`grid_dict` of the stored frames, or the stored grid;
        None for a document stored before grids were kept)."""
        return next(self.grids_of([sha256]))[1]

    def grids_of(self, shas: Iterable[str], chunk: int = GRID_CHUNK) -> Iterator[tuple[str, list[dict]]]:
        """(sha256, its `table_grids`) for each of `shas` in their order, read `chunk` documents per
        query: the table views of a whole warehouse with one chunk's grids in memory at a time."""
        for part in _chunks(list(dict.fromkeys(shas)), chunk):
            found: dict[str, list[dict]] = {}
            for r in self.conn.query(f"SELECT {', '.join(TABLE_COLUMNS)} FROM doc_tables WHERE sha256 IN "
                                     f"({', '.join('?' * len(part))}) ORDER BY sha256, table_index", part):
                found.setdefault(r["sha256"], []).append(_grid_entry(r))
            for sha in part:
                yield sha, found.get(sha, [])

    def document(self, sha256: str) -> dict | None:
        """The document's entry in the `budgetqa.report/1` JSON, plus `extracted_at`, `run_id` and
        `superseded_by` (the sha256 of the version that replaced it, None while current)."""
        rows = self.conn.query(f"SELECT {', '.join(DOCUMENT_COLUMNS)} FROM documents WHERE sha256 = ?", (sha256,))
        if not rows:
            return None
        return _entry(rows[0], self.tables(sha256), self.findings(sha256), self.copies(sha256))

    def documents(self) -> dict[str, dict]:
        """Every current document's entry (as `document`) by sha256, read in four queries rather than four per
        document: the report of a large warehouse. Superseded versions' rows are not read."""
        grouped: dict[str, dict[str, list]] = {}
        with self.session():
            rows = self.conn.query(f"SELECT {', '.join(DOCUMENT_COLUMNS)} FROM documents WHERE superseded_by IS NULL")
            for name, items in (("tables", self.tables(current=True)), ("findings", self.findings()),
                                ("copies", self.copies(current=True))):
                for item in items:
                    grouped.setdefault(item["sha256"], {}).setdefault(name, []).append(item)
        out = {}
        for r in rows:
            g = grouped.get(r["sha256"], {})
            out[r["sha256"]] = _entry(r, [{k: v for k, v in t.items() if k != "sha256"} for t in g.get("tables", [])],
                                      g.get("findings", []), g.get("copies", []))
        return out

    def report(self) -> dict:
        """The whole warehouse as one `budgetqa.report/1` document."""
        docs = self.documents()
        return {"schema": REPORT_SCHEMA, "documents": [docs[c["sha256"]] for c in self.scorecards()]}


def _where(table: str | None = None, **equal: Any) -> tuple[list[str], list]:
    """`column = ?` conditions for the given non-None values."""
    prefix = f"{table}." if table else ""
    given = {k: v for k, v in equal.items() if v is not None}
    return [f"{prefix}{k} = ?" for k in given], list(given.values())


def _grid_entry(r: dict) -> dict:
    """A doc_tables row as `table_grids` gives it."""
    grid = grid_dict(table_from_row(r)) if r["frames"] else json.loads(r["grid"]) if r["grid"] else None
    return {"index": r["table_index"], "kind": r["kind"], "number": r["number"], "title": r["title"],
            "unit": r["unit"], "pages": json.loads(r["pages"] or "[]"), "row_count": r["row_count"],
            "measures": json.loads(r["measures"]) if r["measures"] else [],
            "rows": _records(grid["rows"]) if grid else None,
            "cells": _records(grid["cells"]) if grid else None}


def _chunks(keys: list, size: int = 500) -> Iterator[list]:
    for i in range(0, len(keys), size):
        yield keys[i : i + size]


def _entry(r: dict, tables: list[dict], findings: list[dict], copies: list[dict]) -> dict:
    """A document's report entry from its row, tables, findings and copies."""
    card = _card_row(r)
    return {
        "source": {"path": r["path"], "url": r["url"], "sha256": r["sha256"], "format": r["format"]},
        "department": r["department"], "region": r["region"], "year": r["year"], "kind": r["kind"],
        "unit": r["unit"], "status": r["status"], "error": r["error"], "duplicate_of": None,
        "tables": tables,
        # as Document.to_report: a document that is not `ok` is listed with a null score
        "scorecard": {"score": card["score"], "grade": card["grade"],
                      "categories": card["categories"] if r["status"] == "ok" else {}, "counts": card["counts"]},
        "findings": [{k: v for k, v in f.items() if k not in ("sha256", "ordinal")} for f in findings],
        "page_count": r["page_count"], "paragraph_count": r["paragraph_count"],
        "copies": [{"path": c["path"], "url": c["url"]} for c in copies if c["path"] != r["path"]],
        "extracted_at": r["extracted_at"].isoformat() if r["extracted_at"] else None,
        "run_id": r["run_id"], "superseded_by": r["superseded_by"],
    }


def _run_key(run_id: str) -> str:
    return f"budgetqa:run:{run_id}"


def _alive(pid: int | None) -> bool:
    if not pid:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # another user's process
    return True


def _finding(r: dict) -> dict:
    return {
        "sha256": r["sha256"], "ordinal": r["ordinal"], "rule": r["rule"], "category": r["category"],
        "severity": r["severity"], "table": r["table_kind"], "code": r["code"], "row": r["row_label"],
        "column": r["column_name"], "expected": r["expected"], "observed": r["observed"], "message": r["message"],
        "location": {"page": r["page"], "bbox": json.loads(r["bbox"]) if r["bbox"] else None,
                     "cell": r["cell"], "paragraph": r["paragraph"]},
        "excerpt": r["excerpt"],
        "expected_value": r["expected_value"], "observed_value": r["observed_value"],
        "rounding_step": r["rounding_step"],
    }


def _card_row(r: dict) -> dict:
    cats = {c: r[f"score_{c}"] for c in CATEGORIES if r[f"score_{c}"] is not None}
    return {
        "sha256": r["sha256"], "path": r["path"], "url": r["url"], "format": r["format"],
        "department": r["department"], "region": r["region"], "year": r["year"], "kind": r["kind"],
        "unit": r["unit"], "status": r["status"], "error": r["error"],
        "score": r["score"], "grade": r["grade"], "categories": cats,
        "counts": {"error": r["errors"] or 0, "warning": r["warnings"] or 0, "info": r["infos"] or 0},
        "page_count": r["page_count"], "extracted_at": r["extracted_at"], "run_id": r["run_id"],
    }
