"""The NGO views at any scale: the ranking as small script chunks, the region table, the department ×
category matrix per region, and paged document lists.

No page grows with the number of documents: the ranking of a year is split per kind and level into
chunks of `PAGE` rows, worst first (`v/<year>/<kind>-<level>-<n>.js`), a region's rows are one
chunk (`v/<year>/r/<region key>.js`), the region table one chunk per year and kind. A chunk is a
script that calls `BQ.put(path, rows)`, so the site works from file:// (Chromium refuses fetch() of
local JSON there) as well as from any static host.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections import defaultdict
from pathlib import Path

from domain.model import CATEGORIES

KINDS = ("budget", "final_accounts")
PAGE = 500  # rows per ranking chunk and per list page
STATIC = Path(__file__).parent / "static"
LEVELS = ("province", "prefecture", "county", "other")
_MUNICIPALITIES = {"北京市", "上海市", "天津市", "重庆市"}
# The part after the last prefecture-level name: 区 / 县 / 旗 / a county-level 市 inside a 市 or 州.
_COUNTY = re.compile(r"(市|州|盟|地区).+(区|县|旗|市)$")


def dept_key(department: str | None, region: str | None) -> str:
    return hashlib.sha256(f"{department or ''}\x1f{region or ''}".encode()).hexdigest()[:12]


def _grade_order(grade: str | None) -> int:
    from scoring.weights import GRADE_FLOORS, LOWEST_GRADE

    order = [g for g, _ in GRADE_FLOORS] + [LOWEST_GRADE]
    return order.index(grade) if grade in order else len(order)


def rank_rows(rows: list[dict]) -> list[dict]:
    """Sort one view's rows best first and number them: by grade, then score as printed (one decimal).

    Rows equal on both share a rank and are marked `tie` (competition ranking: 1, 2, 2, 4); rows
    without a score come last with rank None. The grade comes first so the order never contradicts
    it (99.9 B, capped for an error, ranks below 99.5 A).
    """
    def key(r: dict) -> tuple:
        return (_grade_order(r["grade"]), -round(r["score"], 1))

    rows = sorted(rows, key=lambda r: (r["score"] is None, key(r) if r["score"] is not None else (), r["department"] or "",
                                       r["region"] or ""))
    keys = [key(r) if r["score"] is not None else None for r in rows]
    for i, r in enumerate(rows):
        if keys[i] is None:
            r["rank"], r["tie"] = None, False
            continue
        first = keys.index(keys[i])
        r["rank"], r["tie"] = first + 1, keys.count(keys[i]) > 1
    return rows


def region_level(region: str | None) -> str:
    """The government level from the region's name: province (省, 自治区, the four municipalities),
    prefecture (a 市, 州, 盟 or 地区), county (a 区/县/旗, or a 市 inside a 市 or 州), or other.

    '上海市' → province, '上海市普陀区' → county, '苏州市' → prefecture, '苏州市昆山市' → county.
    A county-level city named alone ('昆山市') cannot be told from a prefecture by its name: prefecture.
    """
    name = (region or "").strip()
    if not name:
        return "other"
    name = re.sub(r"^.+?(省|自治区)(?=.)", "", name)  # '江苏省苏州市' is read as '苏州市'
    if name in _MUNICIPALITIES or name.endswith(("省", "自治区")):
        return "province"
    if name.startswith(tuple(_MUNICIPALITIES)) and name not in _MUNICIPALITIES:
        return "county"
    if _COUNTY.search(name) or name.endswith(("县", "旗")) or (name.endswith("区") and not name.endswith("地区")):
        return "county"
    if name.endswith(("市", "州", "盟", "地区")):
        return "prefecture"
    return "other"


def region_key(region: str | None) -> str:
    return hashlib.sha256((region or "").encode()).hexdigest()[:10]


def region_href(region: str | None, year: int) -> str:
    return f"region/{region_key(region)}-{year}.html"


def grade_buckets() -> list[str]:
    """Grades worst first, then 'x' for rows without a score (never ranked)."""
    from scoring.weights import GRADE_FLOORS, LOWEST_GRADE

    return [LOWEST_GRADE, *(g for g, _ in reversed(GRADE_FLOORS)), "x"]


def _r1(v: float | None) -> float | None:
    return None if v is None else round(v, 1)


def compact(r: dict, dept_key: str) -> list:
    """One ranking row as a short array (the chunks' format; see assets/bq.js `ROW`):
    [department, region, dept key, rank, tie, score, grade, [category scores], errors, warnings,
     [[sha16, kind, status], …], [[year, score], …], kind]. A category not assessed is null."""
    cats = [_r1(r["categories"].get(c)) for c in CATEGORIES] if r["score"] is not None else None
    return [r["department"], r["region"], dept_key, r["rank"], 1 if r["tie"] else 0, _r1(r["score"]), r["grade"], cats,
            r["errors"], r["warnings"], [[d["sha256"][:16], d["kind"], d["status"]] for d in r["documents"]],
            [[t["year"], _r1(t["score"])] for t in r["trend"]], r["kind"]]


def worst_first(rows: list[dict]) -> list[dict]:
    """Ranked rows worst first (highest rank number), ties by name; rows without a score last."""
    ranked = sorted((r for r in rows if r["rank"] is not None),
                    key=lambda r: (-r["rank"], r["department"] or "", r["region"] or ""))
    return ranked + [r for r in rows if r["rank"] is None]


def _ranked(rows: list[dict]) -> list[dict]:
    return rank_rows([dict(r) for r in rows])  # copies: the rank is the subset's own


def _chunk(out: Path, path: str, data: object) -> None:
    """A script chunk `BQ.put("<path>", <data>);` (JSON; '</' escaped so it never closes a script)."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":")).replace("</", "<\\/")
    target = out / path
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(f"BQ.put({json.dumps(path)},{text});\n", encoding="utf-8")


def region_stats(cards: list[dict], year: int, kind: str) -> list[dict]:
    """Per region, the year's documents of `kind` ('all' for both): documents, departments, scored,
    mean, spread (population standard deviation), min and max of the document scores, documents per
    grade, and the share of scored documents with at least one error. Worst mean first."""
    from scoring.weights import GRADE_FLOORS, LOWEST_GRADE

    grades = [g for g, _ in GRADE_FLOORS] + [LOWEST_GRADE]
    groups: dict[str | None, list[dict]] = defaultdict(list)
    for c in cards:
        if c["year"] == year and kind in ("all", c["kind"]):
            groups[c["region"]].append(c)
    out = []
    for region, docs in groups.items():
        scores = [c["score"] for c in docs if c["score"] is not None]
        mean = sum(scores) / len(scores) if scores else None
        sd = math.sqrt(sum((s - mean) ** 2 for s in scores) / len(scores)) if scores else None
        with_errors = sum(1 for c in docs if c["score"] is not None and (c["counts"].get("error") or 0) > 0)
        out.append({"region": region, "key": region_key(region), "level": region_level(region), "documents": len(docs),
                    "departments": len({c["department"] for c in docs if c["department"]}), "scored": len(scores),
                    "mean": _r1(mean), "sd": _r1(sd), "min": _r1(min(scores, default=None)),
                    "max": _r1(max(scores, default=None)),
                    "grades": [sum(1 for c in docs if c["grade"] == g and c["score"] is not None) for g in grades],
                    "error_share": round(with_errors / len(scores), 3) if scores else None})
    return sorted(out, key=lambda r: (r["mean"] is None, r["mean"] or 0, r["region"] or ""))


def write_views(out: Path, rankings: list[dict], cards: list[dict], years: list[int], page: int = PAGE) -> dict:
    """Write the ranking, region and region-table chunks under `out`/v; returns the manifest the index
    page embeds: per year/kind/level view, its rows per grade as [grade, rows], worst grade first, 'x'
    (not scored) last — the order of the view's chunks of `page` rows, from which the page finds the
    chunks a page or a grade needs."""
    views: dict[str, list] = {}
    by_view: dict[tuple[int, str], list[dict]] = defaultdict(list)
    for r in rankings:
        by_view[(r["year"], r["kind"])].append(r)
    regions_by_year: dict[int, list[str | None]] = {}
    for (year, kind), rows in by_view.items():
        for level in ("all", *LEVELS):
            subset = rows if level == "all" else _ranked([r for r in rows if region_level(r["region"]) == level])
            if not subset:
                continue
            ordered = worst_first(subset)  # grade-major, so each grade is one run of rows; unscored last
            for n in range(0, len(ordered), page):
                _chunk(out, f"v/{year}/{kind}-{level}-{n // page}.js",
                       [compact(r, dept_key(r["department"], r["region"])) for r in ordered[n:n + page]])
            counts = [(g, sum(1 for r in ordered if (r["grade"] if r["rank"] is not None else "x") == g))
                      for g in grade_buckets()]
            buckets = [[g, n] for g, n in counts if n]
            views[f"{year}/{kind}/{level}"] = buckets
    for year in {y for y, _ in by_view}:
        mine = [r for (y, _), rows in by_view.items() if y == year for r in rows]
        by_region: dict[str | None, list[dict]] = defaultdict(list)
        for r in mine:
            by_region[r["region"]].append(r)
        for region, rows in by_region.items():
            ranked = [r for kind in ("all", *KINDS) for r in worst_first(_ranked([x for x in rows if x["kind"] == kind]))]
            _chunk(out, f"v/{year}/r/{region_key(region)}.js", [compact(r, dept_key(r["department"], r["region"]))
                                                                  for r in ranked])
        regions_by_year[year] = sorted(by_region, key=lambda g: g or "")
        for kind in ("all", *KINDS):
            _chunk(out, f"v/{year}/regions-{kind}.js", [
                [s["region"], s["key"], s["level"], s["departments"], s["documents"], s["scored"], s["mean"], s["sd"],
                 s["min"], s["max"], s["grades"], s["error_share"], int(s["region"] in by_region)]
                for s in region_stats(cards, year, kind)])
    return {"years": sorted({y for y, _ in by_view}, reverse=True), "views": views, "page": page,
            "regions_by_year": {str(y): len(v) for y, v in regions_by_year.items()}, "all_years": years}


def region_pages(rankings: list[dict], cards: list[dict]) -> list[dict]:
    """One page per region and year: its departments × categories (kind 'all', ranked in the region),
    the region's figures for the year, and the other years it has."""
    by: dict[tuple[str | None, int], list[dict]] = defaultdict(list)
    for r in rankings:
        if r["kind"] == "all":
            by[(r["region"], r["year"])].append(r)
    years_of: dict[str | None, list[int]] = defaultdict(list)
    for region, year in by:
        years_of[region].append(year)
    stats = {}
    for year in {y for _, y in by}:
        for s in region_stats(cards, year, "all"):
            stats[(s["region"], year)] = s
    return [{"region": region, "year": year, "rows": worst_first(_ranked(rows)), "stats": stats.get((region, year)),
             "years": sorted(years_of[region], reverse=True), "level": region_level(region)}
            for (region, year), rows in sorted(by.items(), key=lambda kv: (kv[0][0] or "", -kv[0][1]))]


def paged(items: list, size: int = PAGE) -> list[list]:
    """`items` in pages of `size` (at least one page, maybe empty)."""
    return [items[i:i + size] for i in range(0, len(items), size)] or [[]]
