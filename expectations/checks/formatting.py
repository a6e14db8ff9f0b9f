"""Format check frames: malformed amounts and template text left in."""

from __future__ import annotations

import re

import polars as pl

from budgetqa.model import Document
from expectations.frames import CHECK_COLUMNS

# Placeholders of the template a department fills in: XX局, XX单位, 增加（减少）…
TEMPLATE = r"(?:[XＸ×xｘ]{2,}|某某)(?:局|单位|部门|委|办|中心|县|区|市|镇|街道|公司)|(?:增加|增长|下降|减少)[（(](?:增加|增长|下降|减少)[）)]|(?:增加|增长)/(?:减少|下降)"
TEMPLATE_RE = re.compile(TEMPLATE)
# Texts a table prints instead of an amount on purpose.
NO_DATA = r"^(本表无数据|无数据|本表为空表|无|—+|-+|－+|/|／)$"
PROBLEM_ZH = {"trailing_dot": "金额末尾多一个小数点", "not_a_number": "不是数字", "two_dots": "金额有两个小数点"}


def malformed_amount(documents: list[Document]) -> pl.DataFrame:
    """Every value cell with its `problem` (null when the text is a well-formed amount)."""
    parts = []
    for d, doc in enumerate(documents):
        for t, table in enumerate(doc.tables):
            cells = table.cells
            if not cells.height or "problem" not in cells.columns:
                continue
            keys = table.rows.select(
                pl.col("row"), *(pl.col(c) for c in ("code", "name") if c in table.rows.columns)
            ) if table.rows.height else pl.DataFrame(schema={"row": pl.Int64})
            frame = cells.select("row", "column", "text", "problem").join(keys, on="row", how="left").with_columns(
                pl.when(pl.col("text").str.strip_chars().str.contains(NO_DATA)).then(None).otherwise(pl.col("problem"))
                .alias("problem"))
            parts.append(frame.with_columns(pl.lit(d).alias("doc"), pl.lit(t).alias("tindex"),
                                            pl.lit(table.kind).alias("table")))
    schema = {**CHECK_COLUMNS, "problem": pl.Utf8}
    if not parts:
        return pl.DataFrame(schema=schema)
    frame = pl.concat(parts, how="diagonal_relaxed")
    zh = pl.col("problem").replace_strict(PROBLEM_ZH, default=pl.col("problem"), return_dtype=pl.Utf8)
    frame = frame.with_columns(
        pl.lit(None, pl.Utf8).alias("expected"),
        pl.col("text").alias("observed"),
        pl.format("金额“{}”格式错误（{}） / malformed amount ({})", pl.col("text"), zh, pl.col("problem")).alias("message"),
    )
    return frame.with_columns([pl.lit(None, dt).alias(c) for c, dt in schema.items() if c not in frame.columns]).select(
        [pl.col(c).cast(dt) for c, dt in schema.items()]
    )


def _squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _is_a_note(text: str, notes: list[str]) -> bool:
    return bool(text) and any(text in note or note in text for note in notes)


def template_text(documents: list[Document]) -> pl.DataFrame:
    """Every paragraph, table title, note and text cell, with `text` tested against TEMPLATE."""
    out: list[dict] = []
    for d, doc in enumerate(documents):
        notes = [_squeeze(n) for table in doc.tables for n in table.notes if n.strip()]
        for p in doc.paragraphs:
            if _is_a_note(_squeeze(p.text), notes):
                continue  # a table's note that the reader also gave as running text: reported with its table
            out.append({"doc": d, "table": "narrative", "paragraph": p.index, "text": p.text})
        for t, table in enumerate(doc.tables):
            for note in [table.title, *table.notes]:
                out.append({"doc": d, "table": table.kind, "tindex": t, "text": note or ""})
            if table.rows.height and "name" in table.rows.columns:
                for r, name in table.rows.select("row", "name").iter_rows():
                    out.append({"doc": d, "table": table.kind, "tindex": t, "row": r, "column": "name", "text": name or ""})
    for rec in out:
        m = TEMPLATE_RE.search(rec["text"])
        rec["observed"] = m.group(0) if m else None
        rec["expected"] = None
        rec["message"] = f"模板文字“{rec['observed']}”未替换 / template text left in" if m else None
    schema = {**CHECK_COLUMNS, "text": pl.Utf8}
    return pl.DataFrame([{k: r.get(k) for k in schema} for r in out], schema=schema, orient="row") if out else pl.DataFrame(schema=schema)
