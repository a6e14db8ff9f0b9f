"""Format check frames: malformed amounts and template text left in."""

from __future__ import annotations

import re

import polars as pl

from domain.model import INDICATOR_KINDS, Document
from expectations.checks.cross_table import has, lines_of, spot_pairs, spot_totals, table_facts
from expectations.frames import CHECK_COLUMNS, Derived, check_frame

# Placeholders of the template a department fills in: XX局, XX单位, 增加（减少）…
TEMPLATE = r"(?:[XＸ×xｘ]{2,}|某某)(?:局|单位|部门|委|办|中心|县|区|市|镇|街道|公司)|(?:增加|增长|下降|减少)[（(](?:增加|增长|下降|减少)[）)]|(?:增加|增长)/(?:减少|下降)"
TEMPLATE_RE = re.compile(TEMPLATE)
# Texts a table prints instead of an amount on purpose.
NO_DATA = r"^(本表无数据|无数据|本表为空表|无|—+|-+|－+|/|／)$"
PROBLEM_ZH = {"trailing_dot": "金额末尾多一个小数点", "not_a_number": "不是数字", "two_dots": "金额有两个小数点",
              "bad_grouping": "千位分隔符位置错误"}
SYSTEMATIC = 3  # this many cells of a table with the same problem: reported once for the table


def _tagged(frame: pl.DataFrame, columns: dict[str, pl.DataType], d: int, t: int) -> pl.DataFrame:
    """`columns` of `frame` (null where it lacks one) with its document and table index, built from its
    Series without a query per table."""
    n = frame.height
    data = {c: frame.get_column(c).cast(dt) if c in frame.columns else pl.Series(c, [None] * n, dt)
            for c, dt in columns.items()}
    return pl.DataFrame({"doc": pl.Series("doc", [d] * n, pl.Int64), "tindex": pl.Series("tindex", [t] * n, pl.Int64),
                         **data})


def malformed_amount(documents: list[Document], derived: Derived) -> pl.DataFrame:
    """Every value cell with its `problem` (null when the text is a well-formed amount): the cells of
    all tables in one frame, joined to their row's code and name."""
    cells, keys, kinds = [], [], []
    for d, doc in enumerate(documents):
        for t, table in enumerate(doc.tables):
            if not table.cells.height or "problem" not in table.cells.columns or table.kind in INDICATOR_KINDS:
                continue  # an indicator table's values are targets and words, not amounts
            cells.append(_tagged(table.cells, {"row": pl.Int64, "column": pl.Utf8, "text": pl.Utf8,
                                               "problem": pl.Utf8}, d, t))
            keys.append(_tagged(table.rows, {"row": pl.Int64, "code": pl.Utf8, "name": pl.Utf8}, d, t))
            kinds.append((d, t, table.kind))
    schema = {**CHECK_COLUMNS, "problem": pl.Utf8}
    if not cells:
        return pl.DataFrame(schema=schema)
    tables = pl.DataFrame(kinds, schema={"doc": pl.Int64, "tindex": pl.Int64, "table": pl.Utf8}, orient="row")
    frame = (pl.concat(cells)
             .join(pl.concat(keys), on=["doc", "tindex", "row"], how="left", maintain_order="left")
             .join(tables, on=["doc", "tindex"], how="left", maintain_order="left")
             .with_columns(pl.when(pl.col("text").str.strip_chars().str.contains(NO_DATA)).then(None)
                           .otherwise(pl.col("problem")).alias("problem")))
    # A problem repeated all over a table (a house style such as '120258,600') is one defect: the first
    # cell carries it with the count, the others are not reported again.
    group = ["doc", "tindex", "problem"]
    frame = frame.with_columns(
        pl.len().over(group).alias("n_same"), pl.int_range(pl.len()).over(group).alias("nth"),
    ).with_columns(
        pl.when(pl.col("problem").is_not_null() & (pl.col("n_same") >= SYSTEMATIC) & (pl.col("nth") > 0))
        .then(None).otherwise(pl.col("problem")).alias("problem"))
    zh = pl.col("problem").replace_strict(PROBLEM_ZH, default=pl.col("problem"), return_dtype=pl.Utf8)
    many = pl.when(pl.col("n_same") >= SYSTEMATIC)
    frame = frame.with_columns(
        pl.lit(None, pl.Utf8).alias("expected"),
        pl.col("text").alias("observed"),
        pl.format("金额“{}”格式错误（{}）{} / malformed amount ({}){}", pl.col("text"), zh,
                  many.then(pl.format("，本表共 {} 处", pl.col("n_same"))).otherwise(pl.lit("")), pl.col("problem"),
                  many.then(pl.format(", {} cells in this table", pl.col("n_same"))).otherwise(pl.lit("")),
                  ).alias("message"),
    )
    return frame.with_columns([pl.lit(None, dt).alias(c) for c, dt in schema.items() if c not in frame.columns]).select(
        [pl.col(c).cast(dt) for c, dt in schema.items()]
    )


def _squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _is_a_note(text: str, notes: list[str]) -> bool:
    return bool(text) and any(text in note or note in text for note in notes)


def template_text(documents: list[Document], derived: Derived) -> pl.DataFrame:
    """Every paragraph, table title, note and row name, with `text` tested against TEMPLATE: per document
    its paragraphs, then each table's title and notes followed by its row names (all tables' names
    from the stacked rows)."""
    schema = {**CHECK_COLUMNS, "text": pl.Utf8}
    order = {"_t": pl.Int64, "_part": pl.Int64, "_seq": pl.Int64}  # a table's texts, then its row names
    out: list[dict] = []
    for d, doc in enumerate(documents):
        notes = [_squeeze(n) for table in doc.tables for n in table.notes if n.strip()]
        for i, p in enumerate(doc.paragraphs):
            if _is_a_note(_squeeze(p.text), notes):
                continue  # a table's note that the reader also gave as running text: reported with its table
            out.append({"doc": d, "table": "narrative", "paragraph": p.index, "text": p.text, "_t": -1, "_part": 0,
                        "_seq": i})
        for t, table in enumerate(doc.tables):
            for i, note in enumerate([table.title, *table.notes]):
                out.append({"doc": d, "table": table.kind, "tindex": t, "text": note or "", "_t": t, "_part": 0,
                            "_seq": i})
    texts = pl.DataFrame([{k: r.get(k) for k in {**schema, **order}} for r in out], schema={**schema, **order},
                         orient="row") if out else pl.DataFrame(schema={**schema, **order})
    facts = table_facts(derived, documents)
    named = facts.filter(has("name") & (pl.col("height") > 0)).select("tid", "doc", "tindex", "kind")
    if named.height:
        names = (lines_of(derived, documents, named, ("name",))
                 .select("doc", pl.col("kind").alias("table"), "tindex", "row", pl.lit("name").alias("column"),
                         pl.col("name").fill_null("").alias("text"), pl.col("tindex").alias("_t"),
                         pl.lit(1, pl.Int64).alias("_part"), pl.col("pos").alias("_seq")))
        texts = pl.concat([texts, names], how="diagonal_relaxed")
    found = pl.col("text").str.extract(TEMPLATE, 0)
    return (texts.sort("doc", "_t", "_part", "_seq", maintain_order=True)
            .with_columns(found.alias("observed"), pl.lit(None, pl.Utf8).alias("expected"),
                          pl.concat_str([pl.lit("模板文字“"), found, pl.lit("”未替换 / template text left in")]).alias("message"))
            .select([pl.col(c).cast(dt) for c, dt in schema.items()]))


_TITLE_YEAR = re.compile(r"(20\d{2})\s*年")


def heading_year(documents: list[Document], derived: Derived) -> pl.DataFrame:
    """A table heading names the document's year (`heading_year` = `document_year`); judged only when
    most headings agree on the document's year."""
    out: list[dict] = []
    for d, doc in enumerate(documents):
        titled = [(t, table, m) for t, table in enumerate(doc.tables)
                  if (m := _TITLE_YEAR.search(table.title or ""))]
        years = [int(m.group(1)) for _, _, m in titled]
        if not doc.year or len(years) < 3 or years.count(doc.year) * 2 <= len(years):
            continue  # the year itself is not corroborated by the headings
        for t, table, m in titled:
            year = int(m.group(1))
            out.append({"doc": d, "table": table.kind, "tindex": t, "name": table.title, "column": "title",
                        "expected": f"{doc.year}年", "observed": f"{year}年", "heading_year": year, "document_year": doc.year,
                        "message": f"表头“{table.title}”的年度 {year} 与文件年度 {doc.year} 不符 / "
                                   f"the heading says {year}, the document is for {doc.year}"})
    return check_frame(out, {"heading_year": pl.Int64, "document_year": pl.Int64})


def unit_stated(documents: list[Document], derived: Derived) -> pl.DataFrame:
    """Every amount table states its unit (`problem` null) and the unit agrees with the magnitudes.

    Contradiction: a table's 合计 is 10 000 times (or 1/10 000 of) the same total in another table
    printed in the same stated unit — one of the two units is wrong.
    """
    out: list[dict] = []
    contradicted = _contradicted_units(documents, derived)
    for d, doc in enumerate(documents):
        for t, table in enumerate(doc.tables):
            amounts = table.cells.filter(pl.col("value").is_not_null()).height if table.cells.height else 0
            if table.kind in (None, "performance_targets") or not amounts:
                continue  # a performance-target table prints targets, not amounts
            out.append({"doc": d, "table": table.kind, "tindex": t, "name": table.title, "column": "unit",
                        "expected": "单位：万元 / 元", "observed": None, "severity": "warning",
                        "problem": None if table.unit else "missing",
                        "message": f"{table.title or table.kind}未标明金额单位 / the table does not state its unit"})
        out += contradicted.get(d, [])
    return check_frame(out, {"problem": pl.Utf8})


def _contradicted_units(documents: list[Document], derived: Derived) -> dict[int, list[dict]]:
    """doc → the records of unit_stated's contradictions: the totals of TOTAL_PAIRS (spot_totals) joined
    per document, kept where both tables print the same unit and one total is 10 000 times the other."""
    both = spot_pairs(derived.frame(spot_totals, documents).filter(pl.col("x") != 0.0))
    batch = derived.batch(documents)
    out: dict[int, list[dict]] = {}
    for d, ta_id, tb_id, row, name, column, xa, xb in both.select(
            "doc", "a_tid", "b_tid", "b_row", "b_name", "b_column", "a_x", "b_x").iter_rows():
        ta, tb = batch.objects[ta_id], batch.objects[tb_id]
        if (ta.unit or "万元") != (tb.unit or "万元"):
            continue
        ratio = xb / xa
        off = next((r for r in (1e4, 1e-4) if abs(ratio / r - 1) < 1e-3), None)
        if off is None:
            continue
        out.setdefault(d, []).append({
            "doc": d, "table": tb.kind, "tindex": batch.tables["tindex"][tb_id], "row": row, "name": name,
            "column": column, "expected": f"{ta.unit or '万元'} × {off:g}", "observed": tb.unit or "万元",
            "problem": "contradicted",
            "message": f"{tb.title}合计 {xb:g} 是{ta.title} {xa:g} 的 {off:g} 倍，而两表单位均为"
                       f"{ta.unit or '万元'} / the magnitudes contradict the stated unit (×{off:g})"})
    return out
