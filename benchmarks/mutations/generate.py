"""Mutated documents: clean blocks + operators → Mutants, rendered as DOCX, PDF or XLSX, and the
matching of findings back to the injected defects."""

from __future__ import annotations

import copy
import hashlib
import json
import random
import re
from dataclasses import dataclass, field
from pathlib import Path

from benchmarks.mutations.operators import OPERATORS, Also, Doc, Expected, Operator
from domain.model import Finding

FORMATS = ("docx", "pdf", "xlsx")
# Findings that count: what a reviewer is asked to look at.
COUNTED = ("error", "warning")


@dataclass
class Mutant:
    id: str
    source: str  # Doc.name
    format: str
    blocks: list[dict]
    expected: list[Expected] = field(default_factory=list)

    def digest(self) -> str:
        return hashlib.sha256(json.dumps([self.format, self.blocks], ensure_ascii=False).encode()).hexdigest()[:16]


def mutate(doc: Doc, ops: list[Operator], rng: random.Random) -> tuple[list[dict], list[Expected]]:
    """Apply `ops` in order to a copy of `doc`; an operator that finds no site (or one already edited) is skipped."""
    work = Doc(doc.name, doc.department, copy.deepcopy(doc.blocks))
    expected: list[Expected] = []
    for op in ops:
        trial = copy.deepcopy(work.blocks)
        e = op.apply(Doc(doc.name, doc.department, trial), rng)
        if e is None or (e.block is not None and any(x.block == e.block for x in expected)):
            continue
        removes = len(trial) != len(work.blocks)
        if removes and expected:  # a removal shifts block indexes: only as a document's single defect
            continue
        work.blocks = trial
        expected.append(e)
    return work.blocks, expected


def generate(docs: list[Doc], n: int, seed: int = 0, formats: tuple[str, ...] = FORMATS,
             operators: list[Operator] | None = None) -> list[Mutant]:
    """`n` mutants, deterministic for `seed`: operators cycle so each is used about equally, a
    third of the documents get a second defect elsewhere, formats and sources rotate."""
    ops = operators or OPERATORS
    rng = random.Random(seed)
    out: list[Mutant] = []
    attempt = 0
    while len(out) < n and attempt < 20 * n:
        op = ops[attempt % len(ops)]
        doc = docs[(attempt // len(ops)) % len(docs)]
        attempt += 1
        chosen = [op]
        if rng.random() < 0.33:
            chosen.append(rng.choice([o for o in ops if o.category != op.category and not o.id.startswith("removed")]))
        blocks, expected = mutate(doc, chosen, rng)
        if not expected:
            continue
        fmt = formats[len(out) % len(formats)]
        out.append(Mutant(f"m{len(out):04d}-{expected[0].operator}", doc.name, fmt, blocks, expected))
    return out


def render(blocks: list[dict], fmt: str, out_dir: Path, lo_cache: Path, stem: str) -> Path:
    """Write blocks as `fmt` under out_dir (PDF: the DOCX through LibreOffice, cached by content)."""
    from extract.convert import convert_with_libreoffice
    from samples.seed_docs import build_seed_docx, build_seed_xlsx

    out_dir.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256(json.dumps(blocks, ensure_ascii=False).encode()).hexdigest()[:12]
    stem = f"{stem}-{digest}"  # a cached file is reused only for the same content
    path = out_dir / f"{stem}.{fmt}"
    if path.exists():
        return path
    if fmt == "xlsx":
        return build_seed_xlsx(path, blocks)
    docx = build_seed_docx(out_dir / f"{stem}.docx", blocks)
    if fmt == "docx":
        return docx
    pdf = convert_with_libreoffice(docx, "pdf", lo_cache)
    path.write_bytes(pdf.read_bytes())
    return path


# --- matching ---------------------------------------------------------------------------------


def _clean(name: str | None) -> str:
    from domain.names import name_key

    return name_key(name)


def _strip(s: str | None) -> str:
    return re.sub(r"\s+", "", s or "").replace("\u3000", "")


def hits(f: Finding, e: Expected) -> bool:
    """Does finding `f` report the injected defect `e` (rule, table, code/row, observed as printed)?"""
    if f.rule not in (e.rule, *e.alt_rules) or f.table != e.table:
        return False
    if e.keys and not ({f.code, _clean(f.row), _clean(f.expected)} & set(e.keys)):
        return False
    return e.observed is None or _strip(e.observed) in (_strip(f.observed), _strip(f.row))


def follows(f: Finding, a: Also) -> bool:
    """Is `f` a legitimate consequence of the edit, as declared by `a`?"""
    if not (f.rule == a.rule or (a.rule.endswith(".") and f.rule.startswith(a.rule))):
        return False
    if a.table is not None and f.table != a.table:
        return False
    return not a.keys or f.code in a.keys or _clean(f.row) in a.keys


def identity(f: Finding) -> tuple:
    """What makes two findings of two renderings 'the same' (amounts in messages may differ)."""
    return (f.rule, f.table, f.code, _clean(f.row), f.column)


def misplaced(f: Finding, e: Expected) -> bool:
    """The expected rule on the same code, but reported against another table."""
    return f.rule == e.rule and f.table != e.table and bool(e.keys) and f.code in e.keys


@dataclass
class Score:
    """Per mutant: which expected defects were found (or only found on another table), and the
    findings that are false alarms."""

    found: list[bool]
    elsewhere: list[bool]
    true_positive: list[Finding]
    false_alarms: list[Finding]


def score(findings: list[Finding], baseline: set[tuple], expected: list[Expected]) -> Score:
    counted = [f for f in findings if f.severity in COUNTED]
    found = [any(hits(f, e) for f in counted) for e in expected]
    elsewhere = [not ok and any(misplaced(f, e) for f in counted) for ok, e in zip(found, expected, strict=True)]
    tp, fa = [], []
    for f in counted:
        if any(hits(f, e) or any(follows(f, a) for a in e.also) for e in expected):
            tp.append(f)
        elif identity(f) not in baseline:
            fa.append(f)
    return Score(found, elsewhere, tp, fa)
