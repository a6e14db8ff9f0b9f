"""Scores from findings: pure functions, no state. Method in docs/scoring.md."""

from __future__ import annotations

from collections.abc import Iterable

from budgetqa.model import CATEGORIES, SEVERITIES, Document, Finding, Scorecard
from scoring import weights as W

CLEAN = 100.0


def finding_points(finding: Finding) -> float:
    """Penalty points of one finding: severity (or rule override) × category multiplier."""
    base = W.SEVERITY_POINTS.get(finding.severity, 0.0)
    for key, points in W.RULE_POINTS.items():
        if finding.rule == key or (key.endswith(".") and finding.rule.startswith(key)):
            base = points
            break
    return base * W.CATEGORY_MULTIPLIER.get(finding.category, 1.0)


def category_score(points: float) -> float:
    """100 · 0.5^(points/HALF_POINTS): strictly decreasing, never negative."""
    return CLEAN * 0.5 ** (points / W.HALF_POINTS)


def grade(score: float | None, errors: int = 0) -> str | None:
    if score is None:
        return None
    letter = next((g for g, floor in W.GRADE_FLOORS if score >= floor), W.LOWEST_GRADE)
    order = [g for g, _ in W.GRADE_FLOORS] + [W.LOWEST_GRADE]
    if errors and order.index(letter) < order.index(W.BEST_GRADE_WITH_ERRORS):
        letter = W.BEST_GRADE_WITH_ERRORS
    return letter


def count_severities(findings: Iterable[Finding]) -> dict[str, int]:
    counts = dict.fromkeys(SEVERITIES, 0)
    for f in findings:
        counts[f.severity] = counts.get(f.severity, 0) + 1
    return counts


def combine(categories: dict[str, float], penalised: bool) -> float:
    """Weighted mean of the category scores, rounded; below 100 when anything cost points."""
    total = sum(W.CATEGORY_WEIGHTS[c] * categories[c] for c in CATEGORIES) / sum(W.CATEGORY_WEIGHTS.values())
    step = 10.0**-W.DECIMALS
    score = round(total, W.DECIMALS)
    if penalised:
        score = min(score, CLEAN - step)
    return max(0.0, score)


def score_findings(findings: list[Finding]) -> Scorecard:
    points = dict.fromkeys(CATEGORIES, 0.0)
    for f in findings:
        if f.category in points:
            points[f.category] += finding_points(f)
    categories = {c: round(category_score(p), W.DECIMALS) for c, p in points.items()}
    penalised = any(finding_points(f) > 0 for f in findings)  # unknown categories too
    counts = count_severities(findings)
    score = combine({c: category_score(p) for c, p in points.items()}, penalised)
    return Scorecard(score=score, grade=grade(score, counts["error"]), categories=categories, counts=counts)


def score_document(document: Document) -> Scorecard:
    """The document's scorecard. Status ≠ ok: score and grade None, counts still kept."""
    if document.status != "ok":
        return Scorecard(score=None, grade=None, categories={}, counts=count_severities(document.findings))  # type: ignore[arg-type]
    return score_findings(document.findings)


def score_department(scorecards: Iterable[Scorecard | None]) -> Scorecard:
    """One department's scorecard for one year from its documents' scorecards.

    The category scores are the mean over the scored documents (a department that publishes
    a clean budget and a faulty final account lands in between); counts are summed; the total
    and grade come from the mean categories the same way as for one document. Unscored
    documents (status ≠ ok) add nothing; if none is scored the result has score None.
    """
    cards = [c for c in scorecards if c is not None]
    scored = [c for c in cards if c.score is not None]
    counts = dict.fromkeys(SEVERITIES, 0)
    for c in cards:
        for k, v in (c.counts or {}).items():
            counts[k] = counts.get(k, 0) + v
    if not scored:
        return Scorecard(score=None, grade=None, categories={}, counts=counts)  # type: ignore[arg-type]
    means = {cat: sum(c.categories[cat] for c in scored) / len(scored) for cat in CATEGORIES}
    penalised = any(c.score < CLEAN for c in scored)
    score = combine(means, penalised)
    categories = {k: round(v, W.DECIMALS) for k, v in means.items()}
    return Scorecard(score=score, grade=grade(score, counts["error"]), categories=categories, counts=counts)
