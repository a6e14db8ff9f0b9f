"""Scores from findings: pure functions, no state. Method in docs/scoring.md."""

from __future__ import annotations

from collections.abc import Iterable

from domain.model import CATEGORIES, READING_GATE, SEVERITIES, Document, Finding, Scorecard
from scoring import weights as W

CLEAN = 100.0


def is_rounding_gap(finding: Finding) -> bool:
    """Expected and observed amounts differ by at most ROUNDING_GAP_UNITS rounding steps (units of
    the last printed decimal). Read from the finding's numbers; a finding not about amounts is none."""
    exp, obs, step = finding.expected_value, finding.observed_value, finding.rounding_step
    if exp is None or obs is None or step is None or exp == obs:
        return False
    return abs(exp - obs) <= W.ROUNDING_GAP_UNITS * step + 1e-9


def finding_points(finding: Finding) -> float:
    """Penalty points of one finding: severity (or rule override, or rounding gap) × category multiplier."""
    base = W.SEVERITY_POINTS.get(finding.severity, 0.0)
    for key, points in W.RULE_POINTS.items():
        if finding.rule == key or (key.endswith(".") and finding.rule.startswith(key)):
            base = points
            break
    if base > W.ROUNDING_GAP_POINTS and is_rounding_gap(finding):
        base = W.ROUNDING_GAP_POINTS
    return base * W.CATEGORY_MULTIPLIER.get(finding.category, 1.0)


def category_score(points: float) -> float:
    """100 · 0.5^(points/HALF_POINTS): strictly decreasing, never negative."""
    return CLEAN * 0.5 ** (points / W.HALF_POINTS)


def grade(score: float | None, errors: int = 0, partial: bool = False) -> str | None:
    """The letter for a score; any error caps it at BEST_GRADE_WITH_ERRORS, partial assessment at BEST_GRADE_PARTIAL."""
    if score is None:
        return None
    letter = next((g for g, floor in W.GRADE_FLOORS if score >= floor), W.LOWEST_GRADE)
    order = [g for g, _ in W.GRADE_FLOORS] + [W.LOWEST_GRADE]
    caps = ([W.BEST_GRADE_WITH_ERRORS] if errors else []) + ([W.BEST_GRADE_PARTIAL] if partial else [])
    for cap in caps:
        if order.index(letter) < order.index(cap):
            letter = cap
    return letter


def assessed_categories(document: Document) -> tuple[str, ...]:
    """The categories the document can be judged on (all, unless it has no tables or no text)."""
    skip: set[str] = set()
    if not any(t.kind for t in document.tables):
        skip.update(W.NEEDS_TABLES)
    if len(document.paragraphs) < W.MIN_PARAGRAPHS:
        skip.update(W.NEEDS_TEXT)
    if any(f.rule == READING_GATE for f in document.findings):
        skip.update(W.NEEDS_RELIABLE_TABLES)  # a table read in doubt: these are not judged from it
    skip -= {f.category for f in document.findings if finding_points(f) > 0}  # a finding proves it was assessed
    return tuple(c for c in CATEGORIES if c not in skip)


def count_severities(findings: Iterable[Finding]) -> dict[str, int]:
    counts = dict.fromkeys(SEVERITIES, 0)
    for f in findings:
        counts[f.severity] = counts.get(f.severity, 0) + 1
    return counts


def combine(categories: dict[str, float], penalised: bool) -> float:
    """Weighted mean of the category scores, rounded; below 100 when anything cost points or a
    category is missing (not assessed). A missing category counts as 100, so a finding costs the
    same points whatever else the document contains."""
    total = sum(W.CATEGORY_WEIGHTS[c] * categories.get(c, CLEAN) for c in CATEGORIES) / sum(W.CATEGORY_WEIGHTS.values())
    penalised = penalised or any(c not in categories for c in CATEGORIES)
    step = 10.0**-W.DECIMALS
    score = round(total, W.DECIMALS)
    if penalised:
        score = min(score, CLEAN - step)
    return max(0.0, score)


def score_findings(findings: list[Finding], assessed: Iterable[str] = CATEGORIES) -> Scorecard:
    """Scorecard over the `assessed` categories; the others are left out of `categories`."""
    points = dict.fromkeys(assessed, 0.0)
    for f in findings:
        if f.category in points:
            points[f.category] += finding_points(f)
    categories = {c: round(category_score(p), W.DECIMALS) for c, p in points.items()}
    penalised = any(finding_points(f) > 0 for f in findings)  # unknown categories too
    counts = count_severities(findings)
    score = combine({c: category_score(p) for c, p in points.items()}, penalised)
    partial = len(points) < len(CATEGORIES)
    return Scorecard(score=score, grade=grade(score, counts["error"], partial), categories=categories, counts=counts)


def score_document(document: Document) -> Scorecard:
    """The document's scorecard. Status ≠ ok: score and grade None, counts still kept."""
    if document.status != "ok":
        return Scorecard(score=None, grade=None, categories={}, counts=count_severities(document.findings))  # type: ignore[arg-type]
    return score_findings(document.findings, assessed_categories(document))


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
    means = {}
    for cat in CATEGORIES:  # the mean over the documents assessed on the category
        values = [c.categories[cat] for c in scored if c.categories.get(cat) is not None]
        if values:
            means[cat] = sum(values) / len(values)
    # a document capped only for being partly assessed does not cap a department assessed in full
    penalised = any(v < CLEAN for c in scored for v in c.categories.values())
    score = combine(means, penalised)
    categories = {k: round(v, W.DECIMALS) for k, v in means.items()}
    partial = len(means) < len(CATEGORIES)
    return Scorecard(score=score, grade=grade(score, counts["error"], partial), categories=categories, counts=counts)
