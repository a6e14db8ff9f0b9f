"""Real corpus documents as clean blocks: the extracted tables and narrative re-rendered in the
seed's conventions (tests/data/seed), so the operators can mutate them and the builders can write
them in every format.

Only documents whose extraction is good and that raise no error are used (CLEAN_CORPUS, chosen by
running extract + validate over the candidates; `clean_corpus_docs` checks it again and skips any
that now raise an error on the original). Tables are laid out plainly: 科目编码 | 科目名称 | one
column per measure (summary tables: 收入 and 支出 halves side by side); amounts keep their printed text.
"""

from __future__ import annotations

import pickle
import re
from pathlib import Path

import polars as pl

from benchmarks.mutations.operators import Doc
from domain.model import Document, Table

CORPUS = Path(__file__).resolve().parents[3] / "shared" / "corpus" / "real"
CLEAN_CORPUS = (
    "renwu/001_上海/2026年上海市信访局_部门预算.pdf",
    "renwu/001_上海/2026年上海市交通运输局_部门预算.pdf",
    "renwu/001_上海/2026年上海市住房和建设局_部门预算.pdf",
)

# lines printed above each table page (編制单位, 单位) — the re-rendered tables carry their own
_TABLE_LINE = re.compile(r"^(编制单位|预算单位|部门名称|单位)\s*[:：]|^单位\s*[:：]?\s*(万元|元)$")

LABELS: dict[str, str] = {
    "amount": "预算数", "total": "合计", "basic": "基本支出", "project": "项目支出", "personnel": "人员经费",
    "public": "公用经费", "gpb": "一般公共预算", "gov_fund": "政府性基金预算", "soe_capital": "国有资本经营预算",
    "carryover": "上年结转", "special_nontax": "纳入专户管理非税收入", "fiscal": "财政拨款收入", "business": "事业收入",
    "operating": "事业单位经营收入", "other": "其他收入", "abroad": "因公出国（境）费",
    "vehicle": "公务用车购置及运行费", "vehicle_purchase": "公务用车购置费", "vehicle_operation": "公务用车运行费",
    "reception": "公务接待费", "previous": "上年预算数",
}


def _texts(t: Table) -> dict[tuple[int, str], str]:
    return {(r, c): s for r, c, s in t.cells.select("row", "column", "text").iter_rows()}


def _used(t: Table, rows: pl.DataFrame) -> list[str]:
    return [m for m in t.measures if m in LABELS and m in rows.columns and rows[m].is_not_null().any()]


def table_block(t: Table, number: int) -> dict:
    texts = _texts(t)
    rows = t.rows
    if t.rows.height and (t.rows["side"] != "").any():  # 收入 | 支出 halves side by side
        halves = [rows.filter(pl.col("side") == s) for s in ("income", "expenditure")]
        used = [_used(t, h) or ["amount"] for h in halves]
        width = sum(1 + len(u) for u in used)
        grid = [[{"text": "收  入", "colspan": 1 + len(used[0])}, {"text": "支  出", "colspan": 1 + len(used[1])}],
                ["项目"] + [LABELS[m] for m in used[0]] + ["项目"] + [LABELS[m] for m in used[1]]]
        for i in range(max(h.height for h in halves)):
            line: list[str] = []
            for h, u in zip(halves, used, strict=True):
                if i < h.height:
                    r = h["row"][i]
                    line += [h["raw_name"][i] or ""] + [texts.get((r, m), "") for m in u]
                else:
                    line += [""] * (1 + len(u))
            grid.append(line)
    else:
        used = [m for m in t.measures if m in LABELS]  # every column as published, blank ones too
        coded = rows.height > 0 and rows["code"].is_not_null().any()
        named = rows.height > 0 and rows["raw_name"].is_not_null().any()
        head = (["科目编码"] if coded else []) + (["科目名称" if coded else "项目"] if named else [])
        width = len(head) + len(used)
        grid = [head + [LABELS[m] for m in used]]
        for rec in rows.iter_rows(named=True):
            key = [rec["code"] or rec["raw_code"] or ""] if coded else []
            if named:
                key.append(rec["raw_name"] or "")
            grid.append(key + [texts.get((rec["row"], m), "") for m in used])
    return {"table": {"number": number, "title": t.title, "width": width, "caption_rows": 0, "note_rows": 0,
                      "rows": grid}}


def blocks_from_document(doc: Document) -> list[dict]:
    """The document's narrative, then each recognised table under its title and unit line."""
    titles = {t.title.strip() for t in doc.tables}
    first_page = min((p for t in doc.tables for p in t.pages), default=None)
    blocks: list[dict] = []
    later: list[dict] = []
    for p in doc.paragraphs:
        text = p.text.strip()
        if not text or text in titles or _TABLE_LINE.match(text):
            continue
        (later if first_page is not None and p.page is not None and p.page >= first_page else blocks).append({"p": text})
    for n, t in enumerate((t for t in doc.tables if t.kind and t.rows.height), 1):
        blocks += [{"p": ""}, {"p": f"部门公开表{n}"}, {"p": t.title}, {"p": f"单位：{t.unit or doc.unit or '万元'}"},
                   table_block(t, n)]
        for note in t.notes:
            blocks.append({"p": note})
    # text printed after the first table (rare) goes last, after a blank line
    return blocks + ([{"p": ""}] + later if later else [])


def _extract_cached(path: Path, cache: Path) -> list[Document]:
    from extract import extract_file
    from extract.detect import file_sha256

    cache.mkdir(parents=True, exist_ok=True)
    hit = cache / f"{file_sha256(path)}.pkl"
    if hit.exists():
        return pickle.loads(hit.read_bytes())
    docs = extract_file(path)
    hit.write_bytes(pickle.dumps(docs))
    return docs


def clean_corpus_docs(cache: Path, names: tuple[str, ...] = CLEAN_CORPUS) -> list[Doc]:
    """The chosen corpus documents as Docs (extraction cached under `cache`); a document that is
    missing or now raises an error on the original is left out, with a note on stderr."""
    import sys

    from expectations import validate

    found: list[tuple[str, Document]] = []
    for name in names:
        path = CORPUS / name
        if not path.exists():
            print(f"  corpus file missing, skipped: {name}", file=sys.stderr)
            continue
        docs = _extract_cached(path, cache)
        if len(docs) == 1 and docs[0].status == "ok":
            found.append((name, docs[0]))
    out = []
    for (name, doc), fs in zip(found, validate([d for _, d in found]), strict=True):
        errors = [f.rule for f in fs if f.severity == "error"]
        if errors:
            print(f"  {name} now raises {errors}: skipped", file=sys.stderr)
            continue
        out.append(Doc(Path(name).stem, doc.department or "", blocks_from_document(doc)))
    return out
