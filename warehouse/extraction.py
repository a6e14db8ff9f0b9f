"""A document's extraction as the warehouse keeps it (migration 7), so a recheck rebuilds the
`Document` without reading its file again: each table's `rows` and `cells` frames whole (every
column with its type), its notes and index (doc_tables.frames), and the paragraphs (doc_paragraphs).

The frames are columnar JSON: {"schema": [[name, dtype]], "columns": [[values]]}; floats keep every
digit (Python's repr round-trips), so validation of a rebuilt document gives the same findings.
"""

from __future__ import annotations

import json

import polars as pl

from domain.model import Document, Paragraph, SourceFile, Table
from domain.ruleset import extractor_version

# The layout of doc_tables.frames: a change of layout makes every stored extraction stale.
FRAMES_FORMAT = 1
# A stored extraction of a document in these statuses is reused; the others (unreadable, scanned,
# unsupported: possibly a timeout or a missing reader) are read again by a recheck.
REUSABLE_STATUSES = ("ok", "not_a_disclosure")

_DTYPES: dict[str, pl.DataType] = {str(t): t for t in (
    pl.Int64, pl.Int32, pl.Int16, pl.Int8, pl.UInt64, pl.UInt32, pl.UInt16, pl.UInt8, pl.Float64, pl.Float32,
    pl.Utf8, pl.Boolean, pl.Null)}


class NotStorable(ValueError):
    """A frame with a column type the stored layout does not hold (the document is then re-read)."""


def stored_extractor() -> str:
    """The value of documents.extractor for an extraction stored now: the extractor version and layout."""
    return f"{extractor_version()}.{FRAMES_FORMAT}"


def frame_dict(frame: pl.DataFrame) -> dict:
    schema = [[name, str(dtype)] for name, dtype in frame.schema.items()]
    for name, dtype in schema:
        if dtype not in _DTYPES:
            raise NotStorable(f"column {name!r} of type {dtype}")
    return {"schema": schema, "columns": [frame.get_column(c).to_list() for c in frame.columns]}


def frame_from_dict(data: dict) -> pl.DataFrame:
    return pl.DataFrame([pl.Series(name, values, dtype=_DTYPES[dtype])
                         for (name, dtype), values in zip(data["schema"], data["columns"], strict=True)])


def frames_json(table: Table) -> str:
    """doc_tables.frames of a table (raises NotStorable)."""
    return json.dumps({"index": table.index, "notes": table.notes, "rows": frame_dict(table.rows),
                       "cells": frame_dict(table.cells)}, ensure_ascii=False, separators=(",", ":"))


def table_from_row(r: dict) -> Table:
    """The Table of a doc_tables row that has `frames`."""
    frames = json.loads(r["frames"])
    return Table(kind=r["kind"], title=r["title"], number=r["number"], unit=r["unit"],
                 pages=json.loads(r["pages"] or "[]"), measures=json.loads(r["measures"] or "[]"),
                 rows=frame_from_dict(frames["rows"]), cells=frame_from_dict(frames["cells"]),
                 notes=list(frames["notes"]), index=frames["index"])


def paragraph_rows(doc: Document) -> list[tuple]:
    """doc_paragraphs rows: (sha256, ordinal, paragraph_index, page, body)."""
    return [(doc.source.sha256, i, p.index, p.page, p.text) for i, p in enumerate(doc.paragraphs)]


def document_from_rows(r: dict, tables: list[dict], paragraphs: list[dict]) -> Document:
    """A Document as extraction left it (no findings, no scorecard) from its stored rows."""
    return Document(
        source=SourceFile(path=r["path"], sha256=r["sha256"], format=r["format"], url=r["url"]),
        department=r["department"], region=r["region"], year=r["year"], kind=r["kind"], unit=r["unit"],
        status=r["status"], error=r["error"], page_count=r["page_count"],
        tables=[table_from_row(t) for t in tables],
        paragraphs=[Paragraph(index=p["paragraph_index"], text=p["body"], page=p["page"]) for p in paragraphs])
