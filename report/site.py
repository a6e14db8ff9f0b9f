"""The static scorecard site: index.html (ranking), one page per document, data exports."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from functools import cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape

from budgetqa.model import CATEGORIES, SEVERITIES, Document
from report import labels as L
from warehouse import Warehouse

TEMPLATES = Path(__file__).parent / "templates"


def doc_href(sha256: str) -> str:
    return f"doc/{sha256[:16]}.html"


@cache
def environment() -> Environment:
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["j2", "html"]),
                      trim_blocks=True, lstrip_blocks=True)
    env.filters.update(
        cat_zh=lambda k: L.zh(L.CATEGORY, k), cat_en=lambda k: L.en(L.CATEGORY, k),
        sev_zh=lambda k: L.zh(L.SEVERITY, k), kind_zh=lambda k: L.zh(L.KIND, k),
        status_zh=lambda k: L.zh(L.STATUS, k), table_name=L.table_name, column_name=L.column_name, location_text=L.location_text,
        fmt_score=L.fmt_score, grade_class=L.grade_class, score_class=L.score_class, doc_href=doc_href,
    )
    env.globals.update(css=(TEMPLATES / "style.css").read_text(encoding="utf-8"), categories=CATEGORIES)
    return env


def _generated() -> str:
    return datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")


def render_document(doc: dict, index_href: str | None = None) -> str:
    """One self-contained HTML page for a document entry in the report shape (CONTRACT §3)."""
    order = {s: i for i, s in enumerate(SEVERITIES)}
    findings = sorted(doc.get("findings") or [], key=lambda f: order.get(f["severity"], 9))  # stable
    card = doc.get("scorecard")
    counts = (card or {}).get("counts") or {s: sum(f["severity"] == s for f in findings) for s in SEVERITIES}
    return environment().get_template("document.html.j2").render(
        doc=doc, card=card, findings=findings, counts=counts, index_href=index_href, generated=_generated())


def render_index(rankings: list[dict], cards: list[dict], run: dict | None = None, year: int | None = None) -> str:
    scored = sum(c["score"] is not None for c in cards)
    return environment().get_template("index.html.j2").render(
        rankings=rankings, cards=cards, run=run, year=year, scored=scored, generated=_generated())


def write_scorecard(document: Document | dict, out: Path) -> Path:
    """A one-page scorecard for a single document (no warehouse needed), e.g. after `budgetqa check`."""
    doc = document.to_report() if isinstance(document, Document) else document
    if isinstance(document, Document) and document.scorecard:
        doc["scorecard"] = asdict(document.scorecard)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(render_document(doc), encoding="utf-8")
    return out


def write_site(warehouse: Warehouse, out_dir: Path, year: int | None = None) -> Path:
    """Write the site into `out_dir`; returns the path of index.html."""
    out_dir = Path(out_dir)
    (out_dir / "doc").mkdir(parents=True, exist_ok=True)
    cards = warehouse.scorecards()
    runs = warehouse.runs()
    for card in cards:
        doc = warehouse.document(card["sha256"])
        (out_dir / doc_href(card["sha256"])).write_text(render_document(doc, index_href="../index.html"),
                                                        encoding="utf-8")
    warehouse.export(out_dir / "data")
    index = out_dir / "index.html"
    index.write_text(render_index(warehouse.rankings(year), cards, runs[0] if runs else None, year), encoding="utf-8")
    return index
