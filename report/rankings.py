"""Departments ranked by score, computed from the warehouse's scorecards (`Warehouse.scorecards()`):
the warehouse stores and reads, the ranking is the report's.

`ranking_views` gives the site's views (per year and kind, by grade then score as printed);
`department_rankings` the ranking of one year, or of each department's latest scored year, with its
trend; `trends` one department's score per year.
"""

from __future__ import annotations

from domain.model import Scorecard
from report.views import KINDS, rank_rows


def scorecard_of(card: dict) -> Scorecard:
    """A stored scorecard row as the `Scorecard` that `scoring.score_department` combines."""
    return Scorecard(score=card["score"], grade=card["grade"], categories=card["categories"], counts=card["counts"])


def _ranking_row(department: str | None, region: str | None, year: int | None, card: Scorecard,
                 members: list[dict], trend: list[dict], **view: str) -> dict:
    """A department's row of a ranking: its combined scorecard for the year, its documents and trend
    (`view`: the site view's keys, after the year)."""
    return {
        "department": department, "region": region, "year": year, **view,
        "score": card.score, "grade": card.grade, "categories": card.categories,
        "errors": card.counts.get("error", 0), "warnings": card.counts.get("warning", 0),
        "infos": card.counts.get("info", 0),
        "documents": [{"sha256": c["sha256"], "kind": c["kind"], "status": c["status"], "score": c["score"],
                       "grade": c["grade"]} for c in members],
        "trend": trend,
    }


def ranking_views(cards: list[dict]) -> tuple[list[dict], list[dict], list[int]]:
    """Ranking rows for every (year, kind) view, the documents not ranked, and the years (newest first).

    kind is `all` (budget and final accounts of the year together, as `scoring.score_department`
    combines them), `budget` or `final_accounts`. A document whose department or year was not
    recognised is listed apart and never ranked: it cannot be compared with anything.
    """
    from scoring import score_department

    ranked = [c for c in cards if c["department"] and c["year"] is not None]
    apart = [c for c in cards if not (c["department"] and c["year"] is not None)]
    by_dept: dict[tuple, list[dict]] = {}
    for c in ranked:
        by_dept.setdefault((c["department"], c["region"]), []).append(c)
    views: dict[tuple[int, str], list[dict]] = {}
    for (dept, region), docs in by_dept.items():
        years = sorted({c["year"] for c in docs})
        trend = []
        for y in years:
            sc = score_department(scorecard_of(c) for c in docs if c["year"] == y)
            trend.append({"year": y, "score": sc.score, "grade": sc.grade})
        for y in years:
            for kind in ("all", *KINDS):
                members = [c for c in docs if c["year"] == y and kind in ("all", c["kind"])]
                if not members:
                    continue
                sc = score_department(scorecard_of(c) for c in members)
                views.setdefault((y, kind), []).append(
                    _ranking_row(dept, region, y, sc, members, trend, kind=kind, view=str(y)))
    rows = [r for key in sorted(views, key=lambda k: (-k[0], k[1])) for r in rank_rows(views[key])]
    return rows, apart, sorted({y for y, _ in views}, reverse=True)


def department_rankings(cards: list[dict], year: int | None = None) -> list[dict]:
    """Departments (department + region) of these scorecards ranked by score, best first.

    With `year`, that year's score; without, each department's latest year that has a score. Pass
    `Warehouse.scorecards(region=…)` for one region's ranking (current document versions only). Every
    row carries `trend`: [{year, score, grade}] over all its years. Unscored departments come last
    with rank None; equal scores share a rank.
    """
    from scoring import score_department

    by_dept: dict[tuple, dict[int | None, list[dict]]] = {}
    for card in cards:
        by_dept.setdefault((card["department"], card["region"]), {}).setdefault(card["year"], []).append(card)
    out = []
    for (dept, region), years in by_dept.items():
        per_year = {y: (score_department(scorecard_of(c) for c in members), members) for y, members in years.items()}
        trend = [{"year": y, "score": sc.score, "grade": sc.grade}
                 for y, (sc, _) in sorted(per_year.items(), key=lambda kv: (kv[0] is None, kv[0] or 0))]
        if year is not None:
            if year not in per_year:
                continue
            chosen = year
        else:
            scored = [y for y, (sc, _) in per_year.items() if sc.score is not None and y is not None]
            known = [y for y in per_year if y is not None]
            chosen = max(scored) if scored else (max(known) if known else None)
        card, members = per_year[chosen]
        out.append(_ranking_row(dept, region, chosen, card, members, trend))
    out.sort(key=lambda r: (r["score"] is None, -(r["score"] or 0), r["department"] or "", r["region"] or ""))
    rank = 0
    for i, r in enumerate(out):
        if r["score"] is None:
            r["rank"] = None
            continue
        rank = rank if i and out[i - 1]["score"] == r["score"] else i + 1
        r["rank"] = rank
    return out


def trends(cards: list[dict], department: str, region: str | None = None) -> list[dict]:
    """The department's score per year (oldest first); with several regions of that name and no
    `region`, each entry carries its region."""
    rows = [r for r in department_rankings(cards) if r["department"] == department and (region is None or r["region"] == region)]
    return rows[0]["trend"] if len(rows) == 1 else [t | {"region": r["region"]} for r in rows for t in r["trend"]]
