"""Completeness check frames: the tables and the narrative sections a disclosure must have."""

from __future__ import annotations

import re

import polars as pl

from domain.model import MIN_NARRATIVE_PARAGRAPHS, TABLE_KINDS, THREE_PUBLIC_CODES, Document
from expectations.checks.cross_table import first_usable, has, lines_of, table_facts
from expectations.checks.narrative_parse import clean_text, heading_section, sections
from expectations.frames import Derived, check_frame

# (kind, severity when missing). 三公 is required of every department (财预〔2016〕…); the
# other tables vary by region and year (a Shanghai unit budget merges or renames some), so
# a missing one is worth a look, not an error.
REQUIRED_TABLES: dict[str, list[tuple[str, str]]] = {
    "budget": [
        ("three_public", "error"), ("overall_summary", "warning"), ("income_summary", "warning"),
        ("expenditure_summary", "warning"), ("fiscal_summary", "warning"), ("gpb_expenditure", "warning"),
        ("gpb_basic_expenditure", "warning"), ("gov_fund_expenditure", "warning"),
    ],
    "final_accounts": [
        ("fa_three_public", "error"), ("fa_overall_summary", "warning"), ("fa_income", "warning"),
        ("fa_expenditure", "warning"), ("fa_fiscal_summary", "warning"), ("fa_gpb_expenditure", "warning"),
        ("fa_gpb_basic_expenditure", "warning"), ("fa_gov_fund", "warning"),
    ],
}


def _kind(doc: Document) -> str | None:
    kinds = {t.kind for t in doc.tables if t.kind}
    if not kinds:  # nothing recognised: an extraction problem, not a missing table
        return None
    if doc.kind in REQUIRED_TABLES:
        return doc.kind
    return "final_accounts" if any(k.startswith("fa_") for k in kinds) else "budget"


def _three_public_evidence(documents: list[Document], derived: Derived) -> dict[int, str]:
    """doc → the 三公 lines its 基本支出表 prints with an amount ('；表中有 30217 公务接待费 1.20、…'), in
    table then row order; the amount of the first of 合计 / 金额 / 公共预算 the table prints."""
    measure = ("total", "amount", "public")
    facts = table_facts(derived, documents)
    tables = (facts.filter(pl.col("kind").is_in(["gpb_basic_expenditure", "fa_gpb_basic_expenditure"])
                           & has("code") & (pl.col("height") > 0))
              .select("tid", "doc", first_usable(measure, has, pl.lit).cast(pl.Utf8).alias("col")))
    if not tables.height:
        return {}
    lines = (lines_of(derived, documents, tables, ("code",), measure)
             .filter(pl.col("code").is_in(list(THREE_PUBLIC_CODES)))
             .with_columns(first_usable(measure, lambda c: pl.col("col") == c, pl.col).alias("v"))
             .filter(pl.col("v").is_not_null() & (pl.col("v") != 0.0)))
    zh = {code: name for code, (_, name) in THREE_PUBLIC_CODES.items()}
    seen = lines.select("doc", pl.concat_str([
        pl.col("code"), pl.lit(" "), pl.col("code").replace_strict(zh, return_dtype=pl.Utf8), pl.lit(" "),
        pl.Series([f"{v:.2f}" for v in lines["v"].to_list()], dtype=pl.Utf8)]).alias("seen"))
    by_doc = seen.group_by("doc", maintain_order=True).agg(pl.col("seen").str.join("、"))
    return {d: "；表中有 " + text for d, text in by_doc.iter_rows()}


def required_tables(documents: list[Document], derived: Derived) -> pl.DataFrame:
    """One row per (document, required table) with `present`."""
    out: list[dict] = []
    evidence = _three_public_evidence(documents, derived)
    for d, doc in enumerate(documents):
        kind = _kind(doc)
        if doc.status != "ok" or kind is None:
            continue
        kinds = {t.kind for t in doc.tables}
        for table_kind, severity in REQUIRED_TABLES[kind]:
            extra = evidence.get(d, "") if table_kind.endswith("three_public") else ""
            out.append({"doc": d, "table": table_kind, "name": TABLE_KINDS[table_kind], "expected": TABLE_KINDS[table_kind],
                        "observed": None, "severity": severity, "present": table_kind in kinds,
                        "message": f"缺少{TABLE_KINDS[table_kind]}{extra} / table {table_kind} is missing"})
    return check_frame(out, {"present": pl.Boolean})


# (section, severity, pattern a paragraph must match). An explanation states a figure (or
# that there is none); a definition in 名词解释 does not count.
_FIGURE = r"(\d[\d,]*(?:\.\d+)?\s*(万元|元)|为0|为零|无|没有|未安排|不涉及)"
NARRATIVE_SECTIONS: list[tuple[str, str, str, re.Pattern]] = [
    ("three_public", "error", "“三公”经费说明", re.compile(rf"三公.*{_FIGURE}|{_FIGURE}.*三公")),
    ("operating_costs", "warning", "机关运行经费说明", re.compile(r"机关运行经费")),
    ("procurement", "warning", "政府采购情况说明", re.compile(r"政府采购")),
    ("assets", "warning", "国有资产占有使用情况说明", re.compile(r"国有资产|固定资产|资产占[有用]")),
    ("performance", "warning", "绩效目标情况说明", re.compile(r"绩效")),
]
# '五、“三公”经费：指…' in 名词解释; '3、“三公”经费：本单位2021年…12.5万元' states a figure and is no definition
_DEFINITION = re.compile(r"^\s*[（(]?[一二三四五六七八九十\d]+[)）、.．]?\s*[“\"]?[^，,。]{0,12}[”\"]?[:：]")


_STATED_AMOUNT = re.compile(r"\d[\d,]*(?:\.\d+)?\s*(?:万元|元)")


def _is_definition(text: str) -> bool:
    m = _DEFINITION.match(clean_text(text))
    return bool(m) and not _STATED_AMOUNT.search(clean_text(text)[m.end():])


def _is_budget_narrative(doc: Document) -> bool:
    """Running text that explains a budget: it states amounts (a tables-only file or a stray notice does not)."""
    return sum(1 for p in doc.paragraphs if _STATED_AMOUNT.search(p.text)) >= 2 and any(
        re.search(r"预算|决算", p.text) for p in doc.paragraphs)


def _section_found(key: str, pat: re.Pattern, texts: list[str], secs: list[str | None]) -> bool:
    """A paragraph states it, or a heading about it ('六、一般公共预算“三公”经费支出情况', '（三）「三公」经费')
    is followed by text of its own ('因公出国（境）费0万元…' need not repeat the word 三公)."""
    body = pat if key != "three_public" else re.compile(_FIGURE)
    for i, (t, sec) in enumerate(zip(texts, secs, strict=True)):
        if secs[i] == "glossary" or _is_definition(t):
            continue
        if pat.search(t) and (key != "three_public" or heading_section(t) is None):
            return True
        if sec == key and heading_section(t) is None and body.search(clean_text(t)):
            return True
    return False


def narrative_sections(documents: list[Document], derived: Derived) -> pl.DataFrame:
    """One row per (document, section) with `found` — only for documents that have narrative text."""
    out: list[dict] = []
    for d, doc in enumerate(documents):
        if doc.status != "ok" or len(doc.paragraphs) < MIN_NARRATIVE_PARAGRAPHS or not _is_budget_narrative(doc):
            continue
        texts = [p.text for p in doc.paragraphs]
        secs = sections(texts)
        for key, severity, zh, pat in NARRATIVE_SECTIONS:
            found = _section_found(key, pat, texts, secs)
            out.append({"doc": d, "table": "narrative", "name": zh, "column": key, "expected": zh, "severity": severity,
                        "found": found, "message": f"说明中缺少{zh} / the narrative has no section on {key}"})
    return check_frame(out, {"found": pl.Boolean})


# How a department says a table is empty on purpose (in the table, its note or the text).
EMPTY_NOTE = re.compile(r"无数据|空表|无发生额|无.{0,15}(收支|支出|收入|预算|资金|安排)|没有.{0,20}(收入|支出|预算|安排|资金)"
                        r"|未安排|不涉及|为0|为零|(?<![\d.])0(\.0+)?\s*万?元")


# Tables a department without such spending publishes empty (with a note saying so).
MAY_BE_EMPTY = frozenset({"gov_fund_expenditure", "soe_capital_expenditure", "three_public", "procurement",
                          "purchased_services", "projects", "fa_gov_fund", "fa_soe_capital", "fa_three_public",
                          "fa_procurement"})


def empty_table_note(documents: list[Document], derived: Derived) -> pl.DataFrame:
    """A table with no amount (or only zeros) carries a note saying why (`explained`)."""
    out: list[dict] = []
    for d, doc in enumerate(documents):
        texts = " ".join(p.text for p in doc.paragraphs)
        for t, table in enumerate(doc.tables):
            if table.kind not in MAY_BE_EMPTY:
                continue  # an empty 支出总表 is a reading failure, not a publishing choice
            cells = table.cells
            values = cells.filter(pl.col("value").is_not_null())["value"] if cells.height else pl.Series([])
            if values.len() and (values != 0).any():
                continue
            own = " ".join([table.title or "", *table.notes, *[str(x) for x in cells["text"].to_list()],
                            *[str(n) for n in (table.rows["name"].to_list() if "name" in table.rows.columns else [])]])
            kind_zh = TABLE_KINDS.get(table.kind, "")
            fund = re.sub(r"(支出|收入|决算|预算)?表$", "", kind_zh)[:6]
            in_text = bool(fund) and any(EMPTY_NOTE.search(s) and fund[:4] in s for s in re.split(r"[。；;]", texts))
            out.append({"doc": d, "table": table.kind, "tindex": t, "name": table.title, "column": "notes",
                        "expected": "空表说明", "observed": None, "explained": bool(EMPTY_NOTE.search(own)) or in_text,
                        "message": f"{table.title or kind_zh}为空表，但没有说明原因 / the table is empty and no note says why"})
    return check_frame(out, {"explained": pl.Boolean})
