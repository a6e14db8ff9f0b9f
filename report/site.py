"""The static scorecard site: ranking (filterable), common defects, department trends, document drill-down, exports.

Everything is computed from the warehouse's reads by the pure functions below, then rendered with
Jinja2 into self-contained pages (inline CSS and one small inline script, no external resources).
"""

from __future__ import annotations

import ctypes
import os
import re
import shutil
import tempfile
from dataclasses import asdict
from datetime import datetime
from functools import cache
from pathlib import Path

import polars as pl
from jinja2 import Environment, FileSystemLoader, select_autoescape

from domain.model import CATEGORIES, SEVERITIES, Document
from report import labels as L
from report import views as V
from report.evidence import IMAGE_SUFFIX, PAGE_DPI, PageImage, page_boxes, page_view_href, render_pages
from report.grids import cell_anchor, grid_view, locate, table_href
from report.rankings import ranking_views
from report.views import KINDS, dept_key
from warehouse import Warehouse

TEMPLATES = Path(__file__).parent / "templates"
# Written into every site: `write_site` replaces a folder only if it holds one (or is empty).
MARKER = ".budgetqa-site"
# What a site written before the marker existed holds (the demo's folder from an older version).
_LEGACY_SITE = {"index.html", "rules.html", "doc", "dept", "data"}


class SiteRefused(Exception):
    """`--out` names a folder the report did not write: nothing is deleted, nothing written."""


def doc_href(sha256: str) -> str:
    return f"doc/{sha256[:16]}.html"


def dept_href(department: str | None, region: str | None) -> str:
    return f"dept/{dept_key(department, region)}.html"


def archive_name(sha256: str, path: str | None, fmt: str | None) -> str:
    """Where the site keeps its copy of the original: `files/<sha16>.<format>`, or `.zip` for a ZIP member
    (the site keeps the whole archive it came in)."""
    suffix = "zip" if path and "!/" in path else (fmt or "bin").lower()
    return f"files/{sha256[:16]}.{suffix}"


def archive_href(archive: str | None, page: int | None = None) -> str | None:
    """A relative link to the site's copy (at the page for a PDF), or None when the site has none."""
    if not archive:
        return None
    return f"{archive}#page={page}" if page and archive.endswith(".pdf") else archive


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
        archive_href=archive_href, public_url=L.public_url, location_en=L.location_en,
    )
    env.filters.update(level_zh=lambda k: L.zh(L.LEVEL, k))
    buckets = V.grade_buckets()
    env.globals.update(css=(TEMPLATES / "style.css").read_text(encoding="utf-8"), categories=CATEGORIES,
                       dept_href=dept_href, severities=SEVERITIES, kinds=KINDS, levels=V.LEVELS,
                       grades=[g for g in reversed(buckets) if g != "x"], grade_rank=buckets.index,
                       region_file=lambda region, year: V.region_href(region, year).split("/", 1)[1])
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


def numbered(doc: dict) -> list[dict]:
    """The document's findings with their number `n` on its page (as `group_findings` numbers them)."""
    return [f for g in group_findings(doc.get("findings") or []) for f in g["findings"]]


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


def default_year(rows: list[dict]) -> int | None:
    """The newest year with a scored department: the ranking shows one year at a time."""
    scored = [r["year"] for r in rows if r["score"] is not None]
    return max(scored) if scored else max((r["year"] for r in rows), default=None)


def department_pages(rows: list[dict], cards: list[dict]) -> list[dict]:
    """Per department: its documents by year, the trend, and its latest scored year's categories."""
    out = []
    rows_of: dict[tuple, list[dict]] = {}
    for r in rows:
        if r["kind"] == "all":
            rows_of.setdefault((r["department"], r["region"]), []).append(r)
    cards_of: dict[tuple, list[dict]] = {}
    for c in cards:
        cards_of.setdefault((c["department"], c["region"]), []).append(c)
    for (dept, region), mine in rows_of.items():
        latest = max(mine, key=lambda r: (r["score"] is not None, r["year"]))
        docs = cards_of.get((dept, region), [])
        years = sorted({c["year"] for c in docs}, key=lambda y: (y is None, -(y or 0)))
        out.append(latest | {"by_year": [{"year": y, "documents": [c for c in docs if c["year"] == y],
                                          "trend": next((t for t in latest["trend"] if t["year"] == y), None)}
                                         for y in years]})
    return out


# -- rendering ----------------------------------------------------------------------------------
def render_document(doc: dict, index_href: str | None = None, dept_link: str | None = None, root: str | None = None,
                    evidence: dict[int, str] | None = None, cells: dict[int, str] | None = None,
                    table_views: dict[int, str] | None = None, on_rule_page: set[str] | None = None) -> str:
    """One self-contained HTML page for a document entry in the report shape (CONTRACT §3).

    `root` is the relative path to the site's top ('../' for doc/ pages), None for a page on its
    own (no site links); `doc['archive']` is the site's copy of the file, relative to the page;
    `evidence` maps a finding's number to its page image (report.evidence), `cells` to its cell in a
    table view and `table_views` a table's index to its view (report.grids), relative to the page.
    """
    findings = doc.get("findings") or []
    card = doc.get("scorecard")
    counts = (card or {}).get("counts") or {s: sum(f["severity"] == s for f in findings) for s in SEVERITIES}
    groups = group_findings(findings)
    return environment().get_template("document.html.j2").render(
        doc=doc, card=card, groups=groups, n_findings=len(findings), counts=counts, root=root,
        with_findings={g["category"] for g in groups}, index_href=index_href, dept_link=dept_link,
        archive=doc.get("archive"), evidence=evidence or {}, cells=cells or {},
        table_views=table_views or {}, on_rule_page=on_rule_page, generated=_generated())


def render_page_view(doc: dict, image: PageImage, boxes: list[dict], doc_link: str, archive: str | None,
                     others: list[tuple[int, str]]) -> str:
    """The viewer of one rendered page (pages/<sha16>/<n>.html): the image, a box per finding, their list."""
    return environment().get_template("page.html.j2").render(
        doc=doc, image=image, boxes=boxes, doc_link=doc_link, archive=archive, others=others, root="../../",
        image_src=f"{image.page}.{IMAGE_SUFFIX}", dpi=PAGE_DPI, generated=_generated())


def write_page_views(doc: dict, path: str | None, out_dir: Path) -> dict[int, str]:
    """Render the PDF pages the document's findings point at, with a viewer page each; returns
    finding number → the link from the document page to its box (or its row) on the page view."""
    if (doc["source"].get("format") or "").lower() != "pdf":
        return {}
    sha = doc["source"]["sha256"]
    images = render_pages(path, numbered(doc), out_dir, sha)
    if not images:
        return {}
    archive = "../../" + doc["archive"].removeprefix("../") if doc.get("archive") else None
    links: dict[int, str] = {}
    (out_dir / page_view_href(sha, 1)).parent.mkdir(parents=True, exist_ok=True)
    for p, image in images.items():
        boxes = page_boxes(numbered(doc), image)
        others = [(q, f"{q}.html") for q in images if q != p]
        page = render_page_view(doc, image, boxes, "../../" + doc_href(sha), archive, others)
        (out_dir / page_view_href(sha, p)).write_text(page, encoding="utf-8")
        for b in boxes:
            links[b["n"]] = f"../{page_view_href(sha, p)}#{'box-f' if b['style'] else 'f'}{b['n']}"
    return links


def render_table_view(doc: dict, grid: dict, marks: list[dict], doc_link: str, archive: str | None) -> str:
    """One extracted table as read (tables/<sha16>/<index>.html), the cells of its findings marked."""
    view = grid_view(grid, marks)
    return environment().get_template("table.html.j2").render(
        doc=doc, t=grid, view=view, marks=marks, doc_link=doc_link, archive=archive, root="../../",
        has_side=any(r["side"] for r in view["rows"]), generated=_generated())


def write_table_views(doc: dict, grids: list[dict], numbered: list[dict], out_dir: Path) -> tuple[dict[int, str], dict[int, str]]:
    """A view of every stored table of the document, its findings' cells marked; returns (finding
    number → its cell in a view, table index → the view), both relative to the document page."""
    sha = doc["source"]["sha256"]
    marks: dict[int, list[dict]] = {g["index"]: [] for g in grids}
    links: dict[int, str] = {}
    for f in numbered:
        place = locate(f, grids)
        if place is None:
            continue
        index, row, column = place
        columns = {"code", "name", *next(g["measures"] for g in grids if g["index"] == index)}
        column = column if column in columns else None
        anchor = cell_anchor(row, column)
        marks[index].append(f | {"row": row, "column": column, "anchor": anchor})
        links[f["n"]] = f"../{table_href(sha, index)}#{anchor}"
    archive = "../../" + doc["archive"].removeprefix("../") if doc.get("archive") else None
    views: dict[int, str] = {}
    if grids:
        (out_dir / table_href(sha, 0)).parent.mkdir(parents=True, exist_ok=True)
    for g in grids:
        page = render_table_view(doc, g, marks[g["index"]], "../../" + doc_href(sha), archive)
        (out_dir / table_href(sha, g["index"])).write_text(page, encoding="utf-8")
        views[g["index"]] = "../" + table_href(sha, g["index"])
    return links, views


def render_index(manifest: dict, n_departments: int, cards: list[dict], run: dict | None = None,
                 year: int | None = None, rules: list[dict] | None = None, n_apart: int = 0, n_dupes: int = 0,
                 list_size: int = V.PAGE) -> str:
    """The first page: filters and the ranking (rows loaded from the chunks `manifest` names), the region
    table, common defects, links to the paged document lists, downloads. Its size does not grow with
    the number of documents (only with the number of years)."""
    years = manifest["years"]
    return environment().get_template("index.html.j2").render(
        manifest=manifest, years=years, year=year if year in years else (years[0] if years else None), run=run,
        n_cards=len(cards), scored=sum(c["score"] is not None for c in cards),
        unscored=sum(c["status"] != "ok" for c in cards), rules=rules or [], dupes=n_dupes, apart=n_apart,
        list_size=list_size, root="", n_departments=n_departments, generated=_generated())


def render_list(kind: str, items: list[dict], page: int, pages: int, total: int,
                archives: dict[str, str] | None = None) -> str:
    """One page of a document list: `documents` (all, then duplicate copies), `apart` (not ranked) or
    `unscored` (with the reason)."""
    titles = {"documents": ("全部文件", "all documents", None),
              "apart": ("未排名的文件", "documents not ranked",
                        "部门或年度未能识别的文件无法与其他文件比较，单独列出，不参与排名 / a document whose department or "
                        "year was not recognised cannot be compared, so it is listed here and not ranked."),
              "unscored": ("不评分的文件", "documents not scored", "无法读取、扫描件或非预决算公开文件，只列出原因 / "
                           "unreadable, scanned or not a disclosure: listed with the reason, not scored.")}
    title, title_en, note = titles[kind]
    return environment().get_template("list.html.j2").render(
        kind=kind, items=items, page=page, pages=pages, total=total, title=title, title_en=title_en, note=note,
        archives=archives or {}, root="../", generated=_generated())


def render_region(page: dict) -> str:
    return environment().get_template("region.html.j2").render(p=page, root="../", generated=_generated())


def render_department(dept: dict) -> str:
    region_link = "../" + V.region_href(dept["region"], dept["year"]) if dept.get("year") is not None else None
    return environment().get_template("department.html.j2").render(d=dept, root="../", region_link=region_link,
                                                                   generated=_generated())


# rules.html shows this many documents per rule and severity (most findings first): its size does not
# grow with the warehouse; the rule's own page (rules/<rule>.html) lists up to RULE_PAGE_DOCUMENTS.
RULES_SUMMARY_DOCUMENTS = 20


def render_rules(rules: list[dict], findings: list[dict], cards: list[dict], declared: list | None = None,
                 data_docs: dict[str, str] | None = None) -> str:
    by_sha = {c["sha256"]: c for c in cards}
    docs_by_rule: dict[str, list[dict]] = {}
    for f in findings:
        entry = docs_by_rule.setdefault(f"{f['rule']}|{f['severity']}", {})
        e = entry.setdefault(f["sha256"], {"card": by_sha.get(f["sha256"], {}), "n": 0, "first": f})
        e["n"] += 1
    ranked = {k: sorted(v.values(), key=lambda e: -e["n"]) for k, v in docs_by_rule.items()}
    return environment().get_template("rules.html.j2").render(
        rules=rules, docs_by_rule={k: v[:RULES_SUMMARY_DOCUMENTS] for k, v in ranked.items()},
        more={k: len(v) - RULES_SUMMARY_DOCUMENTS for k, v in ranked.items() if len(v) > RULES_SUMMARY_DOCUMENTS},
        declared=declared or [], data_docs=data_docs or {}, root="", generated=_generated())


# A rule page lists at most this many documents (most errors first); the rest are in data/findings.*.
RULE_PAGE_DOCUMENTS = 1000


def rule_documents(findings: list[dict], cards: list[dict]) -> dict[str, list[str]]:
    """Per rule, the documents where it fired, most errors then most findings first (pure)."""
    by_sha = {c["sha256"]: c for c in cards}
    counts: dict[str, dict[str, list[int]]] = {}
    for f in findings:
        c = counts.setdefault(f["rule"], {}).setdefault(f["sha256"], [0, 0])
        c[0] += f["severity"] == "error"
        c[1] += 1
    return {rule: sorted(docs, key=lambda sha: (-docs[sha][0], -docs[sha][1],
                                                 (by_sha.get(sha) or {}).get("department") or "", sha))
            for rule, docs in counts.items()}


def rule_href(rule: str) -> str:
    return f"rules/{rule}.html"


def render_rule_page(rule, fired: list[dict], data_docs: list[tuple[str, str]], more: int = 0) -> str:
    """A rule's page (rules/<id>.html): what it asserts, its tolerance, the GX expectation and suite behind
    it, why it matters, the run Data Docs that hold its results, and every document where it fired."""
    from expectations.suites import SUITES_DIR

    suite = SUITES_DIR / f"{rule.id}.json"
    return environment().get_template("rule.html.j2").render(
        r=rule, expectation=rule.expectation, fired=fired, data_docs=data_docs, more=more, root="../",
        suite=suite.read_text(encoding="utf-8") if suite.is_file() else None, generated=_generated())


def data_docs_of_runs(folders: list[Path], run_ids: set[str]) -> dict[str, Path]:
    """Run id → the folder of its GX Data Docs site, for the runs kept in `folders` (a run folder with
    run.json, as orchestration.jobs.record_run writes, or a folder of them such as <home>/runs)."""
    import json

    found: dict[str, Path] = {}
    for folder in folders:
        if not folder.is_dir():
            continue
        for candidate in [folder, *sorted(p for p in folder.iterdir() if p.is_dir())]:
            record = candidate / "run.json"
            if not record.is_file():
                continue
            try:
                data = json.loads(record.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                continue
            index = candidate / data["data_docs"] if data.get("data_docs") else None
            if data.get("run") in run_ids and index is not None and index.is_file():
                found[data["run"]] = index.parent
    return found


def gx_href(run_id: str) -> str:
    """Where the site keeps a run's Data Docs: gx/<run id>/ (the id made safe as a folder name)."""
    return "gx/" + re.sub(r"[^A-Za-z0-9._-]", "_", run_id) + "/index.html"


def publish_data_docs(found: dict[str, Path], out_dir: Path) -> dict[str, str]:
    """Copy each run's Data Docs site into the site (hard links where possible); run id → its index page."""
    published = {}
    for run_id, src in found.items():
        dest = (out_dir / gx_href(run_id)).parent
        try:
            # GX's animated onboarding GIFs (3.4 MB) are linked from no page
            shutil.copytree(src, dest, copy_function=_link_or_copy, ignore=shutil.ignore_patterns("*.gif"))
        except OSError:
            continue
        published[run_id] = gx_href(run_id)
    return published


def _link_or_copy(src: str, dst: str) -> None:
    try:
        os.link(src, dst)
    except OSError:
        shutil.copyfile(src, dst)


def suite_pages(rule, data_docs: dict[str, str], out_dir: Path) -> list[tuple[str, str]]:
    """(run id, link from rules/ to the rule's suite page in that run's published Data Docs)."""
    out = []
    for run, href in data_docs.items():
        page = Path(href).parent / "expectations" / rule.category / f"{rule.id.split('.', 1)[-1]}.html"
        if (out_dir / page).is_file():
            out.append((run, "../" + page.as_posix()))
    return out


def render_methodology() -> str:
    """How a score is made, what the grades mean, what 'not assessed' means and what a score does not say."""
    from scoring import weights as W

    return environment().get_template("methodology.html.j2").render(W=W, root="", generated=_generated())


def write_scorecard(document: Document | dict, out: Path) -> Path:
    """A one-page scorecard for a single document (no warehouse needed), e.g. after `budgetqa check`."""
    doc = document.to_report() if isinstance(document, Document) else document
    if isinstance(document, Document) and document.scorecard:
        doc["scorecard"] = asdict(document.scorecard)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(render_document(doc), encoding="utf-8")
    return out


def _export_extra(out_dir: Path, rankings: list[dict], rules: pl.DataFrame) -> dict[str, pl.DataFrame]:
    """rankings.* (one row per department, year and kind) and rules.* next to the warehouse exports."""
    flat = [{"view": r["view"], "kind": r["kind"], "rank": r["rank"], "tie": r["tie"], "department": r["department"],
             "region": r["region"], "year": r["year"], "score": r["score"], "grade": r["grade"],
             **{f"score_{c}": r["categories"].get(c) for c in CATEGORIES}, "errors": r["errors"],
             "warnings": r["warnings"], "documents": len(r["documents"])} for r in rankings]
    schema = {"view": pl.Utf8, "kind": pl.Utf8, "rank": pl.Int64, "tie": pl.Boolean, "department": pl.Utf8,
              "region": pl.Utf8, "year": pl.Int64, "score": pl.Float64, "grade": pl.Utf8,
              **{f"score_{c}": pl.Float64 for c in CATEGORIES}, "errors": pl.Int64, "warnings": pl.Int64,
              "documents": pl.Int64}
    frames = {"rankings": pl.DataFrame(flat, schema=schema), "rules": rules}
    for name, frame in frames.items():
        frame.write_csv(out_dir / f"{name}.csv", include_bom=True)
        frame.write_parquet(out_dir / f"{name}.parquet")
        (out_dir / f"{name}.json").write_text(frame.write_json(), encoding="utf-8")
    return frames


def _archive(src: str | None, dest: Path) -> bool:
    """The original file into the site (a hard link when it can, else a copy); for a ZIP member
    (`a.zip!/b.pdf`) its archive; False if it is not on disk."""
    if src and "!/" in src:
        src = src.split("!/", 1)[0]
    if not src or "://" in src or not Path(src).is_file():
        return False
    dest.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(src, dest)
    except OSError:
        shutil.copyfile(src, dest)
    return True


def is_site(folder: Path) -> bool:
    """True for a folder `write_site` wrote (its marker, or the layout of a site from before the marker)."""
    if (folder / MARKER).is_file():
        return True
    names = {p.name for p in folder.iterdir()}
    index = folder / "index.html"
    return names <= _LEGACY_SITE and index.is_file() and "budgetqa" in index.read_text(encoding="utf-8", errors="replace")


def _exchange(a: Path, b: Path) -> bool:
    """Swap two folders in one step (Linux renameat2 RENAME_EXCHANGE); False where it is not available."""
    try:
        renameat2 = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    return renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0


def _swap_in(new: Path, out_dir: Path) -> None:
    """Put the finished site `new` at `out_dir`, removing the previous site only once it is replaced."""
    if not out_dir.exists():
        new.rename(out_dir)
        return
    if _exchange(new, out_dir):  # `new` now holds the previous site
        shutil.rmtree(new)
        return
    old = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.old-", dir=out_dir.parent))
    old.rmdir()
    out_dir.rename(old)
    new.rename(out_dir)
    shutil.rmtree(old)


def write_site(warehouse: Warehouse, out_dir: Path, year: int | None = None,
               gx_runs: Path | list[Path] | None = None, page: int = V.PAGE) -> Path:
    """Write the site at `out_dir`; returns the path of index.html. `gx_runs`: folders of kept runs
    (<home>/runs, or a `check --gx` folder; see `data_docs_of_runs`): the GX Data Docs of the
    documents' runs found there are published in the site under gx/ and linked. `page`: rows per
    page of the document lists.

    The site is built in a new folder beside `out_dir`, then swapped in, so a reader never sees half
    a site and a failed build leaves the previous one. A folder that is neither empty nor a site this
    function wrote (see `is_site`) is refused with `SiteRefused`: the report never deletes a user's files.
    `page`: rows per ranking chunk and per list page.
    """
    out_dir = Path(out_dir).absolute()
    if out_dir.exists() and not out_dir.is_dir():
        raise SiteRefused(f"--out 不是文件夹 / --out is not a folder: {out_dir}")
    if out_dir.is_dir() and any(out_dir.iterdir()) and not is_site(out_dir):
        raise SiteRefused(f"文件夹非空且不是 budgetqa 报告网站，未写入任何内容 / the folder is not empty and is not a "
                          f"budgetqa site (no {MARKER}); nothing written: {out_dir}")
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    new = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.new-", dir=out_dir.parent))
    try:
        new.chmod(0o755)
        _build(warehouse, new, year, gx_runs, page)
        (new / MARKER).write_text("budgetqa report site: `budgetqa report --out` may replace this folder\n",
                                  encoding="utf-8")
        _swap_in(new, out_dir)
    finally:
        shutil.rmtree(new, ignore_errors=True)
    return out_dir / "index.html"


def _build(warehouse: Warehouse, out_dir: Path, year: int | None, gx_runs: Path | list[Path] | None = None,
           size: int = V.PAGE) -> None:
    from expectations.rules import RULES
    from report.exports import export_warehouse, write_tables

    for sub in ("doc", "dept", "data", "files", "rules", "region", "list", "assets"):
        (out_dir / sub).mkdir(parents=True, exist_ok=True)
    cards = warehouse.scorecards()
    runs = warehouse.runs()
    findings = warehouse.findings()
    by_sha = {c["sha256"]: c for c in cards}
    rankings, apart, years = ranking_views(cards)
    rules = rule_summary(findings, cards)
    rule_rows = [r | {"zh": L.rule_zh(r["rule"])} for r in rules.to_dicts()]
    archives = {c["sha256"]: archive_name(c["sha256"], c["path"], c["format"]) for c in cards}
    archives = {sha: name for sha, name in archives.items() if _archive(by_sha[sha]["path"], out_dir / name)}
    folders = [gx_runs] if isinstance(gx_runs, Path) else list(gx_runs or [])
    data_docs = publish_data_docs(data_docs_of_runs(folders, {c["run_id"] for c in cards if c["run_id"]}), out_dir)
    ranked_depts = {(r["department"], r["region"]) for r in rankings}
    fired: dict[str, dict[str, list[dict]]] = {}  # rule → sha256 → its numbered findings
    ordered = rule_documents(findings, cards)
    on_page = {rule: set(shas[:RULE_PAGE_DOCUMENTS]) for rule, shas in ordered.items()}
    docs = warehouse.documents()  # one read for all: a query per document is minutes at 50,000
    grids = warehouse.grids_of(c["sha256"] for c in cards)  # and the table views a chunk of documents at a time
    for card, (_, tables) in zip(cards, grids, strict=True):
        doc = docs.pop(card["sha256"])
        if card["sha256"] in archives:
            doc["archive"] = "../" + archives[card["sha256"]]
        if card["run_id"] in data_docs:
            doc["data_docs"] = "../" + data_docs[card["run_id"]]
        dept = (card["department"], card["region"])
        listed = numbered(doc)
        for f in listed:
            fired.setdefault(f["rule"], {}).setdefault(card["sha256"], []).append(f)
        evidence = write_page_views(doc, card["path"], out_dir)
        cells, views = write_table_views(doc, tables, listed, out_dir)
        page = render_document(doc, index_href="../index.html", root="../", evidence=evidence, cells=cells,
                               table_views=views, on_rule_page={r for r, shas in on_page.items() if card["sha256"] in shas},
                               dept_link="../" + dept_href(*dept) if dept in ranked_depts else None)
        (out_dir / doc_href(card["sha256"])).write_text(page, encoding="utf-8")
    for rule in RULES:
        shas = ordered.get(rule.id, [])
        entries = [{"card": by_sha[sha], "findings": fired[rule.id][sha],
                    "counts": {s: sum(f["severity"] == s for f in fired[rule.id][sha]) for s in SEVERITIES}}
                   for sha in shas[:RULE_PAGE_DOCUMENTS] if sha in fired.get(rule.id, {})]
        page = render_rule_page(rule, entries, suite_pages(rule, data_docs, out_dir), more=len(shas) - len(entries))
        (out_dir / rule_href(rule.id)).write_text(page, encoding="utf-8")
    for dept in department_pages(rankings, cards):
        (out_dir / dept_href(dept["department"], dept["region"])).write_text(render_department(dept), encoding="utf-8")
    (out_dir / "rules.html").write_text(render_rules(rule_rows, findings, cards, RULES, data_docs), encoding="utf-8")
    (out_dir / "methodology.html").write_text(render_methodology(), encoding="utf-8")
    export_warehouse(warehouse, out_dir / "data")
    frames = _export_extra(out_dir / "data", rankings, rules)
    write_tables(out_dir / "data", frames["rankings"], frames["rules"])
    shown = [r for r in rankings if r["year"] == year] if year else rankings
    # the copies of current versions: a superseded version has no page and is no duplicate
    _build_views(out_dir, shown, cards, years, apart, archives, warehouse.copies(current=True),
                 runs[0] if runs else None, year, rule_rows, size)


def _build_views(out_dir: Path, rankings: list[dict], cards: list[dict], years: list[int], apart: list[dict],
                 archives: dict[str, str], copies: list[dict], run: dict | None, year: int | None,
                 rule_rows: list[dict], size: int) -> None:
    """index.html with its chunks, the region × year matrix pages, the paged document lists, the assets."""
    for name in ("style.css",):
        shutil.copyfile(TEMPLATES / name, out_dir / "assets" / name)
    shutil.copyfile(V.STATIC / "bq.js", out_dir / "assets" / "bq.js")
    manifest = V.write_views(out_dir, rankings, cards, years, size)
    manifest |= {"cats": [L.zh(L.CATEGORY, c) for c in CATEGORIES], "kinds": {k: v[0] for k, v in L.KIND.items()},
                 "status": {k: v[0] for k, v in L.STATUS.items()}, "levels": {k: v[0] for k, v in L.LEVEL.items()},
                 "grades": [g for g in V.grade_buckets() if g != "x"]}
    for page in V.region_pages(rankings, cards):
        (out_dir / V.region_href(page["region"], page["year"])).write_text(render_region(page), encoding="utf-8")
    by_sha = {c["sha256"]: c for c in cards}
    dupes = [c | {"dup": True, "original": by_sha.get(c["sha256"])} for c in copies
             if c["path"] != by_sha.get(c["sha256"], {}).get("path")]
    ordered = sorted(cards, key=lambda c: (c["region"] or "", c["department"] or "", -(c["year"] or 0), c["kind"] or ""))
    lists = {"documents": ordered + dupes, "apart": apart, "unscored": [c for c in ordered if c["status"] != "ok"]}
    for kind, items in lists.items():
        pages = V.paged(items, size)
        for n, chunk in enumerate(pages, 1):
            (out_dir / "list" / f"{kind}-{n}.html").write_text(
                render_list(kind, chunk, n, len(pages), len(items), archives), encoding="utf-8")
    n_departments = len({(r["department"], r["region"]) for r in rankings})
    (out_dir / "index.html").write_text(
        render_index(manifest, n_departments, cards, run, year, rule_rows, len(apart), len(dupes), size),
        encoding="utf-8")
