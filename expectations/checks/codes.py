"""Code check frames: shape (3/5/7 digits), place in the hierarchy, agreement with the catalog."""

from __future__ import annotations

import polars as pl

from domain.model import Document
from domain.names import name_key
from expectations import catalog
from expectations.frames import (
    CODED_KINDS,
    ECONOMIC_KINDS,
    FUNCTIONAL_KINDS,
    Derived,
    check_frame,
    coded_tables,
    framed,
    level_of,
)

CODE_SHAPE = r"^(?:F:\d{3}(?:\d{2}){0,2}|E:\d{3}(?:\d{2})?)$"


def _base(d: int, t: int, kind: str, it: dict) -> dict:
    return {"doc": d, "table": kind, "tindex": t, "row": int(it["row"]), "code": it["code"],
            "name": it["name"], "column": "code", "observed": it["code"]}


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


def is_local_subitem(code: str) -> bool:
    """A 7-digit economic code whose first 5 digits are a 款 of the economic catalog (3010201 under
    30102): a sub-item some provinces add below the national classification, not a wrong code."""
    if len(code) != 7 or not code.isdigit():
        return False
    head = code[:5]
    return any(head in catalog.entries(system) for system in ("economic_dept", "economic_gov"))


def code_format(documents: list[Document], derived: Derived) -> pl.DataFrame:
    """`shape` = 'F:<code>' for 功能分类 tables, 'E:<code>' for 经济分类 tables; `expected` the meant code if sure."""
    out: list[dict] = []
    for d, t, table in coded_tables(documents, CODED_KINDS):
        economic = table.kind in ECONOMIC_KINDS
        want_zh, want_en = ("3 或 5 位", "3 or 5 digits") if economic else ("3、5 或 7 位", "3, 5 or 7 digits")
        items = derived.hierarchy(table)
        for it in items:
            rec = _base(d, t, table.kind, it)
            rec["shape"] = ("E:" if economic else "F:") + it["code"]
            if economic and is_local_subitem(it["code"]):
                rec.update(expected=it["code"][:5], severity="info",
                           message=(f"科目编码 {it['code']} 为 {it['code'][:5]} 下的地方细化科目（7 位），不属于全国统一的"
                                    f"经济分类 / {it['code']} is a local 7-digit sub-item of {it['code'][:5]}"))
            elif not it["valid"]:
                parts = it["parts"]
                rec["shape"] = ("E:" if economic else "F:") + "?" + " ".join(parts)
                parent = items[it["parent"]] if it["parent"] is not None else None
                pcode = parent["code"] if parent and parent["valid"] else None
                meant = it["repaired"] or suggest_code(it["code"], pcode)
                if len(parts) == 3 and pcode and len(pcode) == 5 and pcode.endswith(parts[1].zfill(2)):
                    meant = pcode + parts[2].zfill(2)  # '7 | 11 | 02' under 21011: the 类 was cut to '7'
                rec["expected"] = meant or want_zh
                hint = f"，应为 {meant}" if meant else ""
                hint_en = f"; {meant} is meant" if meant else ""
                shown = " | ".join(parts) if len(parts) == 3 else it["code"]
                what = "类编码应为 3 位" if len(parts) == 3 else f"应为{want_zh}"
                rec["message"] = (f"科目编码 {shown} 位数不对（{what}）{hint} / "
                                  f"code {shown} has the wrong length ({want_en}){hint_en}")
            out.append(rec)
    return check_frame(out, {"shape": pl.Utf8})


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
    out: list[dict] = []
    for d, t, table in coded_tables(documents, FUNCTIONAL_KINDS | ECONOMIC_KINDS):
        for it in derived.hierarchy(table):
            if not it["valid"]:
                continue
            code, name = it["code"], (it["name_key"] or "")
            system = catalog.system_of(code, table.kind)
            if system.startswith("economic") and not catalog.covers_year(system, documents[d].year):
                continue  # the economic catalog is the 2018 reform's: 2017's codes meant other things
            entry = catalog.entries(system).get(code)
            rec = _base(d, t, table.kind, it)
            rec["column"] = "name"
            if entry is None:
                if (system, it["level"]) not in catalog.COMPLETE:
                    continue
                rec.update(expected="(目录中的科目)", observed=code, agrees=False, severity="warning",
                           message=f"科目编码 {code} 不在政府收支分类科目中 / code {code} is not in the catalog")
                out.append(rec)
                continue
            if not name:
                continue
            ok = catalog.similar(name, entry.name)
            other = catalog_contradiction(code, name)
            sev = "error" if other else "warning"
            where = f"（{other} 的名称）" if other else ""
            rec.update(
                expected=entry.name, observed=it["name"], agrees=ok, severity=sev,
                message=(f"科目 {code} 名称“{name}”{where}与分类科目“{entry.name}”不符 / "
                         f"name of {code} contradicts the catalog ({entry.name}; status {entry.status}, "
                         f"evidence {entry.evidence})"),
            )
            out.append(rec)
    return check_frame(out, {"agrees": pl.Boolean})


def duplicate_code(documents: list[Document], derived: Derived) -> pl.DataFrame:
    """A code printed twice on one side of a table. `unique` is False for the second printing:
    an error when its amounts differ from the first (two lines under one code), info when the
    line is the same (a line repeated, e.g. at the top of a continuation page)."""
    out: list[dict] = []
    for d, t, table in coded_tables(documents, CODED_KINDS):
        items = derived.hierarchy(table)
        pos = derived.positions(table)
        measures = [m for m in derived.view(table).measures() if m != "previous"]
        for it in items:
            if it["duplicate_of"] is None:
                continue
            first = items[it["duplicate_of"]]
            same = all(derived.value(table, pos[it["row"]], m) == derived.value(table, pos[first["row"]], m) for m in measures)
            rec = _base(d, t, table.kind, it)
            rec.update(
                expected="（每个科目编码只列一行）", unique=False, severity="info" if same else "error",
                message=(f"科目编码 {it['code']} 在本表中出现两次" + ("（内容相同）" if same else "（金额不同）")
                         + f" / code {it['code']} is printed twice in this table"
                         + (" (same line)" if same else " with different amounts")),
            )
            out.append(rec)
    return check_frame(out, {"unique": pl.Boolean})
