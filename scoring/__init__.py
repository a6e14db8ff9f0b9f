"""Scoring: findings → a 0–100 scorecard per document and per department (docs/scoring.md)."""

from scoring.score import (
    assessed_categories,
    category_score,
    finding_points,
    grade,
    score_department,
    score_document,
)

__all__ = ["assessed_categories", "category_score", "finding_points", "grade", "score_department", "score_document"]
