"""Code check frames: shape (3/5/7 digits), place in the hierarchy, agreement with the catalog."""

from __future__ import annotations

from functools import cache

import polars as pl

from domain.model import Document
from domain.names import name_key
from expectations import catalog
from expectations.frames import (
    ECONOMIC_KINDS,
    Derived,
    amount,
    framed,
    level_of,
)

CODE_SHAPE = r"^(?:F:\d{3}(?:\d{2}){0,2}|E:\d{3}(?:\d{2})?)$"


def suggest_code(code: str, parent: str | None) -> str | None:
    """The code meant, when one digit was dropped or the code was truncated — only if unambiguous.

    '11' under 210 → '21011' (truncated to its own digits); '210305' under 20103 → '2010305'
    (a digit dropped: the only code under the parent that loses one digit to become '210305').
    """
    if not parent or not code.isdigit() or level_of(parent) is None:
        return None
    if len(code) <= 2 and level_of(parent + code.zfill(2)):
        return parent + code.zfill(2)
    target = len(parent) + 2
    if len(code) != target - 1:
        return None
    cands = {c for i in range(target) for digit in "0123456789"
             if (c := code[:i] + digit + code[i:]).startswith(parent)}
    return cands.pop() if len(cands) == 1 else None


def coded_items(documents: list[Document], derived: Derived) -> pl.DataFrame:
    """Every item of the coded tables' hierarchies (Batch.items), in document, table and item order,
    with doc, table (its kind), tindex, raw_code (the code as printed) and name_key, from the table's row."""
    def build() -> pl.DataFrame:
        batch = derived.batch(documents)
        raw = (batch.rows.select("tid", "row", *(pl.col(c).cast(pl.Utf8) for c in ("raw_code", "name_key")))
               if {"row", "raw_code", "name_key"} <= set(batch.rows.columns)
               else pl.DataFrame(schema={"tid": pl.Int64, "row": pl.Int64, "raw_code": pl.Utf8, "name_key": pl.Utf8}))
        return (batch.items
                .join(batch.tables.select("tid", "doc", pl.col("kind").alias("table"), "tindex"), on="tid",
                      how="left", maintain_order="left")
                .join(raw, on=["tid", "row"], how="left", maintain_order="left"))
    return derived.get("coded_items", documents, build)


@cache
def _economic_heads() -> tuple[str, ...]:
    """The 款 (5 digits) of the economic catalogs."""
    return tuple(c for system in ("economic_dept", "economic_gov") for c in catalog.entries(system) if len(c) == 5)


def is_local_subitem(code: pl.Expr) -> pl.Expr:
    """A 7-digit economic code whose first 5 digits are a 款 of the economic catalog (3010201 under
    30102): a sub-item some provinces add below the national classification, not a wrong code.
    (`code` is a hierarchy item's: digits only.)"""
    return (code.str.len_chars() == 7) & code.str.head(5).is_in(list(_economic_heads()))


def _meant(code: str, repaired: str | None, parent: str | None, parts: list[str]) -> str | None:
    """The code meant by a malformed code printed under `parent` (its code when well formed)."""
    meant = repaired or suggest_code(code, parent)
    if len(parts) == 3 and parent and len(parent) == 5 and parent.endswith(parts[1].zfill(2)):
        meant = parent + parts[2].zfill(2)  # '7 | 11 | 02' under 21011: the 类 was cut to '7'
    return meant


def code_format(documents: list[Document], derived: Derived) -> pl.DataFrame:
    """`shape` = 'F:<code>' for 功能分类 tables, 'E:<code>' for 经济分类 tables; `expected` the meant code if sure."""
    items = coded_items(documents, derived)
    code = pl.col("code")
    economic = pl.col("table").is_in(list(ECONOMIC_KINDS))
    prefix = pl.when(economic).then(pl.lit("E:")).otherwise(pl.lit("F:"))
    local = economic & is_local_subitem(code)
    # a malformed code: the parts it is printed in, the parent's code (when well formed), the code meant
    bad = items.filter(~pl.col("valid") & ~local)
    parents = items.select("tid", pl.col("k").alias("parent"),
                           pl.when(pl.col("valid")).then(code).alias("parent_code"))
    raw = pl.col("raw_code")
    bad = (bad.join(parents, on=["tid", "parent"], how="left", maintain_order="left")
           .select("tid", "k", "code", "repaired", "parent_code",
                   pl.when(raw.is_null() | (raw == "")).then(code).otherwise(raw)
                   .str.extract_all(r"[^\s\x1c-\x1f]+").alias("parts")))  # str.split()
    bad = bad.with_columns(pl.Series("meant", [_meant(*args) for args in bad.select(
        "code", "repaired", "parent_code", "parts").iter_rows()], dtype=pl.Utf8)).drop("code")
    parts, meant = pl.col("parts"), pl.col("meant")
    three = parts.list.len() == 3
    want_zh = pl.when(economic).then(pl.lit("3 或 5 位")).otherwise(pl.lit("3、5 或 7 位"))
    want_en = pl.when(economic).then(pl.lit("3 or 5 digits")).otherwise(pl.lit("3, 5 or 7 digits"))
    shown = pl.when(three).then(parts.list.join(" | ")).otherwise(code)
    what = pl.when(three).then(pl.lit("类编码应为 3 位")).otherwise(pl.concat_str(pl.lit("应为"), want_zh))
    hint = pl.when(meant.is_not_null()).then(pl.concat_str(pl.lit("，应为 "), meant)).otherwise(pl.lit(""))
    hint_en = pl.when(meant.is_not_null()).then(pl.concat_str(pl.lit("; "), meant, pl.lit(" is meant"))
                                                 ).otherwise(pl.lit(""))
    head = code.str.head(5)
    frame = (items.join(bad, on=["tid", "k"], how="left", maintain_order="left").select(
        "doc", "table", "tindex", "row", "code", "name", pl.lit("code").alias("column"), code.alias("observed"),
        pl.when(local).then(head).when(~pl.col("valid")).then(pl.coalesce(meant, want_zh)).alias("expected"),
        pl.when(local).then(pl.lit("info")).alias("severity"),
        pl.when(local).then(pl.concat_str(
            pl.lit("科目编码 "), code, pl.lit(" 为 "), head, pl.lit(" 下的地方细化科目（7 位），不属于全国统一的经济分类 / "),
            code, pl.lit(" is a local 7-digit sub-item of "), head))
        .when(~pl.col("valid")).then(pl.concat_str(
            pl.lit("科目编码 "), shown, pl.lit(" 位数不对（"), what, pl.lit("）"), hint, pl.lit(" / code "), shown,
            pl.lit(" has the wrong length ("), want_en, pl.lit(")"), hint_en)).alias("message"),
        pl.when(~pl.col("valid") & ~local).then(pl.concat_str(prefix, pl.lit("?"), parts.list.join(" ")))
        .otherwise(pl.concat_str(prefix, code)).alias("shape")))
    return framed([frame], {"shape": pl.Utf8})


def parent_prefix(documents: list[Document], derived: Derived) -> pl.DataFrame:
    """A well-formed code starts with the code of the row it is printed under: every item of every
    coded table joined with its parent (Derived.batch)."""
    batch = derived.batch(documents)
    items = batch.items
    parents = items.filter(pl.col("valid")).select("tid", pl.col("k").alias("parent"), pl.col("code").alias("parent_code"))
    pc = pl.col("parent_code")
    frame = (items.filter(pl.col("valid") & pl.col("parent").is_not_null())
             .join(parents, on=["tid", "parent"], how="inner", maintain_order="left")
             .join(batch.tables.select("tid", "doc", "kind", "tindex"), on="tid", how="left", maintain_order="left")
             .select("doc", pl.col("kind").alias("table"), "tindex", "row", "code", "name",
                     pl.lit("code").alias("column"), pl.col("code").alias("observed"),
                     pc.str.pad_end(pl.col("code").str.len_chars(), "x").alias("expected"),
                     pl.concat_str([pl.lit("科目编码与上级科目 "), pc, pl.lit(" 不一致 / code is not under its parent "), pc])
                     .alias("message"),
                     pl.col("code").str.head(pc.str.len_chars()).alias("prefix"), pc))
    return framed([frame], {"prefix": pl.Utf8, "parent_code": pl.Utf8})


def catalog_contradiction(code: str, name: str | None) -> str | None:
    """The other code whose catalog name this is, when a SURE entry says `code` is named otherwise.

    21011 named 卫生健康支出 (the name of 210) → '210'. Such a name is owned by code.catalog
    (an error); cross_table.same_code_same_name does not report it a second time.
    """
    norm = name_key(name)
    system = catalog.system_of(code, None)
    entry = catalog.entries(system).get(code)
    if not norm or entry is None or entry.status not in catalog.SURE or catalog.similar(norm, entry.name):
        return None
    return next((c for c in catalog.names(system).get(norm, []) if c != code), None)


def catalog_check(documents: list[Document], derived: Derived) -> pl.DataFrame:
    """`agrees` is False when the name contradicts the catalog or a sure-to-exist code is absent.

    Severity: error when the catalog entry is sure (status C/P) and the printed name is the
    catalog name of ANOTHER code (21011 named 卫生健康支出, the name of 210); warning otherwise.
    A code missing from a partial part of the catalog is not checked.
    """
    code, system = pl.col("code"), pl.col("system")
    years = pl.DataFrame({"doc": range(len(documents)), "year": [doc.year for doc in documents]},
                         schema={"doc": pl.Int64, "year": pl.Int64})
    short = code.str.len_chars() <= 5
    entries = catalog.entries_frame().select(
        "system", "code", pl.col("name").alias("entry_name"), "entry_key", "status", "evidence",
        pl.col("order").alias("entry"))
    complete = pl.any_horizontal([(system == s) & (pl.col("level") == lv) for s, lv in catalog.COMPLETE])
    found = pl.col("entry").is_not_null()
    items = (coded_items(documents, derived).filter(pl.col("valid"))
             .join(years, on="doc", how="left", maintain_order="left")
             .with_columns(pl.when(code.str.head(1).eq("3") & short).then(pl.lit("economic_dept"))
                           .when(code.str.head(1).eq("5") & short).then(pl.lit("economic_gov"))
                           .otherwise(pl.lit("functional")).alias("system"),
                           pl.col("name_key").fill_null("").alias("norm"))
             # the economic catalog is the 2018 reform's: 2017's codes meant other things
             .filter(~system.str.starts_with("economic") | pl.col("year").is_null()
                     | (pl.col("year") >= system.replace_strict(catalog.FIRST_YEAR, default=0, return_dtype=pl.Int64)))
             .join(entries, on=["system", "code"], how="left", maintain_order="left")
             .filter(pl.when(found).then(pl.col("norm") != "").otherwise(complete))
             .with_row_index("i"))
    # the name against the catalog's, once per distinct pair
    pairs = items.filter(found).select(pl.col("norm").alias("a"), pl.col("entry_key").alias("b")).unique()
    pairs = pairs.with_columns(catalog.similar_pairs(pairs).alias("agrees"))
    items = items.join(pairs, left_on=["norm", "entry_key"], right_on=["a", "b"], how="left",
                       maintain_order="left", nulls_equal=True)
    # a sure entry named otherwise, with a name the catalog gives another code: the first such code
    other = (items.filter(found & ~pl.col("agrees") & pl.col("status").is_in(list(catalog.SURE)))
             .with_columns(pl.col("norm").alias("key"))
             .join(catalog.names_frame(), on=["system", "key"], how="inner")
             .filter(pl.col("code_right") != code)
             .group_by("i").agg(pl.col("code_right").sort_by("order").first().alias("other")))
    items = items.join(other, on="i", how="left", maintain_order="left")
    name, entry_name, other_code = pl.col("name"), pl.col("entry_name"), pl.col("other")
    frame = items.select(
        "doc", "table", "tindex", "row", "code", "name", pl.lit("name").alias("column"),
        pl.when(found).then(entry_name).otherwise(pl.lit("(目录中的科目)")).alias("expected"),
        pl.when(found).then(name).otherwise(code).alias("observed"),
        pl.when(found).then(pl.col("agrees")).otherwise(pl.lit(False)).alias("agrees"),
        pl.when(other_code.is_not_null()).then(pl.lit("error")).otherwise(pl.lit("warning")).alias("severity"),
        pl.when(found).then(pl.concat_str(
            pl.lit("科目 "), code, pl.lit(" 名称“"), pl.col("norm"), pl.lit("”"),
            pl.when(other_code.is_not_null()).then(pl.concat_str(pl.lit("（"), other_code, pl.lit(" 的名称）")))
            .otherwise(pl.lit("")),
            pl.lit("与分类科目“"), entry_name, pl.lit("”不符 / name of "), code, pl.lit(" contradicts the catalog ("),
            entry_name, pl.lit("; status "), pl.col("status"), pl.lit(", evidence "), pl.col("evidence"), pl.lit(")")))
        .otherwise(pl.concat_str(pl.lit("科目编码 "), code, pl.lit(" 不在政府收支分类科目中 / code "), code,
                                 pl.lit(" is not in the catalog"))).alias("message"))
    return framed([frame], {"agrees": pl.Boolean})


def duplicate_code(documents: list[Document], derived: Derived) -> pl.DataFrame:
    """A code printed twice on one side of a table. `unique` is False for the second printing:
    an error when its amounts differ from the first (two lines under one code), info when the
    line is the same (a line repeated, e.g. at the top of a continuation page)."""
    items = coded_items(documents, derived)
    dups = (items.filter(pl.col("duplicate_of").is_not_null())
            .join(items.select("tid", pl.col("k").alias("duplicate_of"), pl.col("row").alias("first_row")),
                  on=["tid", "duplicate_of"], how="left", maintain_order="left"))
    if not dups.height:
        return framed([], {"unique": pl.Boolean})
    batch = derived.batch(documents)
    # the amounts compared: the table's measures but last year's, on both lines
    measures = pl.DataFrame(
        [(t, m) for t in dups["tid"].unique().to_list()
         for m in derived.view(batch.objects[t]).measures() if m != "previous"],
        schema={"tid": pl.Int64, "measure": pl.Utf8}, orient="row")
    wanted = measures["measure"].unique().to_list()
    lines = pl.concat([dups.select("tid", "row"), dups.select("tid", pl.col("first_row").alias("row"))]).unique()
    values = (batch.rows.join(lines, on=["tid", "row"], how="semi")
              .select("tid", "row", *[amount(m) for m in wanted])
              .unpivot(wanted, index=["tid", "row"], variable_name="measure", value_name="value"))
    same = (dups.select("tid", "k", "row", "first_row").join(measures, on="tid", how="inner")
            .join(values, on=["tid", "row", "measure"], how="left")
            .join(values.rename({"row": "first_row", "value": "first"}), on=["tid", "first_row", "measure"], how="left")
            .group_by("tid", "k").agg(pl.col("value").eq_missing(pl.col("first")).all().alias("same")))
    dups = dups.join(same, on=["tid", "k"], how="left", maintain_order="left").with_columns(
        pl.col("same").fill_null(True))
    code, same_line = pl.col("code"), pl.col("same")
    frame = dups.select(
        "doc", "table", "tindex", "row", "code", "name", pl.lit("code").alias("column"), code.alias("observed"),
        pl.lit("（每个科目编码只列一行）").alias("expected"), pl.lit(False).alias("unique"),
        pl.when(same_line).then(pl.lit("info")).otherwise(pl.lit("error")).alias("severity"),
        pl.concat_str(pl.lit("科目编码 "), code, pl.lit(" 在本表中出现两次"),
                      pl.when(same_line).then(pl.lit("（内容相同）")).otherwise(pl.lit("（金额不同）")),
                      pl.lit(" / code "), code, pl.lit(" is printed twice in this table"),
                      pl.when(same_line).then(pl.lit(" (same line)")).otherwise(pl.lit(" with different amounts")))
        .alias("message"))
    return framed([frame], {"unique": pl.Boolean})
