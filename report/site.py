"""The static scorecard site: ranking (filterable), common defects, department trends, document drill-down, exports.

Everything is computed from the warehouse's reads by the pure functions below, then rendered with
Jinja2 into self-contained pages (inline CSS and one small inline script, no external resources).
"""

from __future__ import annotations

import hashlib
import shutil
from dataclasses import asdict
from datetime import datetime
from functools import cache
from pathlib import Path

import polars as pl
from jinja2 import Environment, FileSystemLoader, select_autoescape

from domain.model import CATEGORIES, SEVERITIES, Document
from report import labels as L
from warehouse import Warehouse

TEMPLATES = Path(__file__).parent / "templates"


def doc_href(sha256: str) -> str:
    return f"doc/{sha256[:16]}.html"


def dept_key(department: str | None, region: str | None) -> str:
    return hashlib.sha256(f"{department or ''}\x1f{region or ''}".encode()).hexdigest()[:12]


def dept_href(department: str | None, region: str | None) -> str:
    return f"dept/{dept_key(department, region)}.html"


def source_href(path: str | None, fmt: str | None = None, page: int | None = None) -> str | None:
    """A link that opens the stored file (at the page for PDFs: `file:///…pdf#page=N`)."""
    if not path or "://" in path and not path.startswith("file://"):
        return path
    uri = path if path.startswith("file://") else Path(path).absolute().as_uri()
    return f"{uri}#page={page}" if page and (fmt or "").lower() == "pdf" else uri


@cache
def environment() -> Environment:
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["j2", "html"]),
                      trim_blocks=True, lstrip_blocks=True)
    env.filters.update(
        cat_zh=lambda k: L.zh(L.CATEGORY, k), cat_en=lambda k: L.en(L.CATEGORY, k),
        sev_zh=lambda k: L.zh(L.SEVERITY, k), kind_zh=lambda k: L.zh(L.KIND, k),
        status_zh=lambda k: L.zh(L.STATUS, k), table_name=L.table_name, column_name=L.column_name,
        location_text=L.location_text, bbox_text=L.bbox_text, rule_zh=L.rule_zh,
        fmt_score=L.fmt_score, grade_class=L.grade_class, score_class=L.score_class, doc_href=doc_href,
        source_href=source_href,
    )
    env.globals.update(css=(TEMPLATES / "style.css").read_text(encoding="utf-8"), categories=CATEGORIES,
                       dept_href=dept_href, severities=SEVERITIES)
    return env


def _generated() -> str:
    return datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")


# -- view models (pure) -------------------------------------------------------------------------
def group_findings(findings: list[dict]) -> list[dict]:
    """Findings by category (contract order), errors first inside each; numbered for anchors."""
    order = {s: i for i, s in enumerate(SEVERITIES)}
    ranked = sorted(findings, key=lambda f: order.get(f["severity"], 9))  # stable: document order within
    cats = [c for c in CATEGORIES if any(f["category"] == c for f in ranked)]
    cats += sorted({f["category"] for f in ranked} - set(cats))
    groups, n = [], 0
    for c in cats:
        members = [f for f in ranked if f["category"] == c]
        groups.append({"category": c, "findings": [f | {"n": n + i} for i, f in enumerate(members, 1)],
                       "counts": {s: sum(f["severity"] == s for f in members) for s in SEVERITIES}})
        n += len(members)
    return groups


def rule_summary(findings: list[dict], cards: list[dict]) -> pl.DataFrame:
    """One row per rule and severity: findings, documents and departments affected, most first."""
    schema = {"rule": pl.Utf8, "category": pl.Utf8, "severity": pl.Utf8, "sha256": pl.Utf8}
    frame = pl.DataFrame([{k: f[k] for k in schema} for f in findings], schema=schema)
    depts = pl.DataFrame([{"sha256": c["sha256"], "dept": f"{c['department'] or ''}|{c['region'] or ''}"} for c in cards],
                         schema={"sha256": pl.Utf8, "dept": pl.Utf8})
    return (frame.join(depts, on="sha256", how="left")
            .group_by("rule", "category", "severity")
            .agg(pl.len().alias("findings"), pl.col("sha256").n_unique().alias("documents"),
                 pl.col("dept").n_unique().alias("departments"))
            .sort(["departments", "findings", "rule"], descending=[True, True, False]))


def ranking_rows(warehouse: Warehouse) -> tuple[list[dict], list[int]]:
    """Rows for the filterable ranking: each department's latest year (view 'latest') and every year."""
    latest = [r | {"view": "latest"} for r in warehouse.rankings()]
    years = sorted({c["year"] for c in warehouse.scorecards() if c["year"] is not None}, reverse=True)
    per_year = [r | {"view": str(y)} for y in years for r in warehouse.rankings(year=y)]
    return latest + per_year, years


def department_pages(rankings: list[dict], cards: list[dict]) -> list[dict]:
    """Per department: its documents by year and the trend (from the 'latest' ranking rows)."""
    out = []
    for r in rankings:
        docs = [c for c in cards if c["department"] == r["department"] and c["region"] == r["region"]]
        years = sorted({c["year"] for c in docs}, key=lambda y: (y is None, -(y or 0)))
        out.append(r | {"by_year": [{"year": y, "documents": [c for c in docs if c["year"] == y],
                                     "trend": next((t for t in r["trend"] if t["year"] == y), None)} for y in years]})
    return out


# -- rendering ----------------------------------------------------------------------------------
def render_document(doc: dict, index_href: str | None = None, dept_link: str | None = None) -> str:
    """One self-contained HTML page for a document entry in the report shape (CONTRACT §3)."""
    findings = doc.get("findings") or []
    card = doc.get("scorecard")
    counts = (card or {}).get("counts") or {s: sum(f["severity"] == s for f in findings) for s in SEVERITIES}
    return environment().get_template("document.html.j2").render(
        doc=doc, card=card, groups=group_findings(findings), n_findings=len(findings), counts=counts,
        index_href=index_href, dept_link=dept_link, generated=_generated())


def render_index(rankings: list[dict], cards: list[dict], run: dict | None = None, year: int | None = None,
                 years: list[int] | None = None, rules: list[dict] | None = None, copies: list[dict] | None = None) -> str:
    scored = sum(c["score"] is not None for c in cards)
    if not any("view" in r for r in rankings):
        rankings = [r | {"view": "latest"} for r in rankings]
    regions = sorted({r["region"] for r in rankings if r["region"]})
    by_sha = {c["sha256"]: c for c in cards}
    dupes = [c | {"original": by_sha.get(c["sha256"])} for c in copies or [] if c["path"] != by_sha.get(c["sha256"], {}).get("path")]
    return environment().get_template("index.html.j2").render(
        rankings=rankings, cards=cards, run=run, year=year, years=years or [], regions=regions, scored=scored,
        unscored=[c for c in cards if c["status"] != "ok"], rules=rules or [], dupes=dupes,
        n_departments=sum(r["view"] == "latest" for r in rankings), generated=_generated())


def render_department(dept: dict) -> str:
    return environment().get_template("department.html.j2").render(d=dept, generated=_generated())


def render_rules(rules: list[dict], findings: list[dict], cards: list[dict]) -> str:
    by_sha = {c["sha256"]: c for c in cards}
    docs_by_rule: dict[str, list[dict]] = {}
    for f in findings:
        entry = docs_by_rule.setdefault(f"{f['rule']}|{f['severity']}", {})
        e = entry.setdefault(f["sha256"], {"card": by_sha.get(f["sha256"], {}), "n": 0, "first": f})
        e["n"] += 1
    return environment().get_template("rules.html.j2").render(
        rules=rules, docs_by_rule={k: sorted(v.values(), key=lambda e: -e["n"]) for k, v in docs_by_rule.items()},
        generated=_generated())


def write_scorecard(document: Document | dict, out: Path) -> Path:
    """A one-page scorecard for a single document (no warehouse needed), e.g. after `budgetqa check`."""
    doc = document.to_report() if isinstance(document, Document) else document
    if isinstance(document, Document) and document.scorecard:
        doc["scorecard"] = asdict(document.scorecard)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(render_document(doc), encoding="utf-8")
    return out


def _export_extra(out_dir: Path, rankings: list[dict], rules: pl.DataFrame) -> None:
    """rankings.* (one row per department and year view) and rules.* next to the warehouse exports."""
    flat = [{"view": r["view"], "rank": r["rank"], "department": r["department"], "region": r["region"],
             "year": r["year"], "score": r["score"], "grade": r["grade"],
             **{c: r["categories"].get(c) for c in CATEGORIES}, "errors": r["errors"], "warnings": r["warnings"],
             "documents": len(r["documents"])} for r in rankings]
    schema = {"view": pl.Utf8, "rank": pl.Int64, "department": pl.Utf8, "region": pl.Utf8, "year": pl.Int64,
              "score": pl.Float64, "grade": pl.Utf8, **dict.fromkeys(CATEGORIES, pl.Float64),
              "errors": pl.Int64, "warnings": pl.Int64, "documents": pl.Int64}
    for name, frame in (("rankings", pl.DataFrame(flat, schema=schema)), ("rules", rules)):
        frame.write_csv(out_dir / f"{name}.csv", include_bom=True)
        frame.write_parquet(out_dir / f"{name}.parquet")
        (out_dir / f"{name}.json").write_text(frame.write_json(), encoding="utf-8")


def write_site(warehouse: Warehouse, out_dir: Path, year: int | None = None) -> Path:
    """Write the site into `out_dir`; returns the path of index.html."""
    out_dir = Path(out_dir)
    for sub in ("doc", "dept", "data"):
        shutil.rmtree(out_dir / sub, ignore_errors=True)  # no stale pages of documents that are gone
        (out_dir / sub).mkdir(parents=True, exist_ok=True)
    cards = warehouse.scorecards()
    runs = warehouse.runs()
    findings = warehouse.findings()
    rankings, years = ranking_rows(warehouse)
    rules = rule_summary(findings, cards)
    rule_rows = [r | {"zh": L.rule_zh(r["rule"])} for r in rules.to_dicts()]
    latest = [r for r in rankings if r["view"] == "latest"]
    for card in cards:
        doc = warehouse.document(card["sha256"])
        page = render_document(doc, index_href="../index.html", dept_link="../" + dept_href(card["department"], card["region"]))
        (out_dir / doc_href(card["sha256"])).write_text(page, encoding="utf-8")
    for dept in department_pages(latest, cards):
        (out_dir / dept_href(dept["department"], dept["region"])).write_text(render_department(dept), encoding="utf-8")
    (out_dir / "rules.html").write_text(render_rules(rule_rows, findings, cards), encoding="utf-8")
    warehouse.export(out_dir / "data")
    _export_extra(out_dir / "data", rankings, rules)
    index = out_dir / "index.html"
    shown = [r for r in rankings if r["view"] == str(year)] if year else rankings
    index.write_text(render_index(shown, cards, runs[0] if runs else None, year, years, rule_rows,
                                  warehouse.copies()), encoding="utf-8")
    return index
