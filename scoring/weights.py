"""The scoring weights, declared once as data. docs/scoring.md explains each number."""

from __future__ import annotations

from domain.model import MIN_NARRATIVE_PARAGRAPHS

# Penalty points one finding costs, by severity. `info` never costs points.
SEVERITY_POINTS: dict[str, float] = {"error": 10.0, "warning": 3.0, "info": 0.0}

# How much a finding of each category weighs relative to the others: a missing required
# table (completeness) is worse than a malformed amount (format).
CATEGORY_MULTIPLIER: dict[str, float] = {
    "completeness": 2.0,
    "arithmetic": 1.0,
    "code": 1.0,
    "cross_table": 1.0,
    "narrative": 0.8,
    "format": 0.5,
}

# Share of each category in the total score (sums to 100).
CATEGORY_WEIGHTS: dict[str, float] = {
    "completeness": 25.0,
    "arithmetic": 20.0,
    "code": 15.0,
    "cross_table": 15.0,
    "narrative": 15.0,
    "format": 10.0,
}

# Diminishing returns: a category's sub-score halves for every HALF_POINTS penalty points,
# 100 · 0.5^(points / HALF_POINTS). Never below 0, so one category can cost at most its weight.
HALF_POINTS: float = 20.0

# Per-rule overrides of the penalty points (before the category multiplier), for rules whose
# severity alone misjudges them. Keys are rule ids (exact) or prefixes ending in ".".
RULE_POINTS: dict[str, float] = {}

# Grades: the lowest score for each grade, best first. Below the last: "E".
GRADE_FLOORS: tuple[tuple[str, float], ...] = (("A", 90.0), ("B", 80.0), ("C", 70.0), ("D", 60.0))
LOWEST_GRADE = "E"
# A document with any error cannot get a better grade than this.
BEST_GRADE_WITH_ERRORS = "B"

# Scores are rounded to this many decimals; a document with at least one finding that costs
# points is capped below 100 by at least 10^-DECIMALS so it never ties a clean one.
DECIMALS = 1

# Categories a document can only be judged on if it contains what they check. A file with no
# recognised table (e.g. Beijing's narrative-only 部门预算 PDFs, or Jiangsu's 公开文件 published
# apart from its 公开表格) is not assessed on the table categories; a file with fewer than
# MIN_PARAGRAPHS paragraphs of text (a tables-only file) is not assessed on the narrative.
# Such a document's findings cost what they cost anywhere (the categories not assessed are left
# out of its scorecard and count as 100 in the total); it is capped below 100 and graded at best
# BEST_GRADE_PARTIAL: not punished for what it never contained, never looking complete and clean.
NEEDS_TABLES: tuple[str, ...] = ("arithmetic", "code", "cross_table")
NEEDS_TEXT: tuple[str, ...] = ("narrative",)
# A document with a table that could not be read reliably (domain.model.READING_GATE) is not
# assessed on these, unless other findings show they were.
NEEDS_RELIABLE_TABLES: tuple[str, ...] = ("arithmetic", "cross_table")
MIN_PARAGRAPHS = MIN_NARRATIVE_PARAGRAPHS
BEST_GRADE_PARTIAL = "B"

# A rounding gap: an amount off by at most ROUNDING_GAP_UNITS units of its last printed decimal
# (e.g. 525.84 for 525.85; an arithmetic rule already tolerates one unit). It is a defect, but a
# far smaller one than a wrong amount or a missing table, so it costs ROUNDING_GAP_POINTS (before
# the category multiplier) whatever the rule's severity. Info findings stay free.
ROUNDING_GAP_UNITS: int = 3
ROUNDING_GAP_POINTS: float = 2.0
