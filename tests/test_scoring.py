"""Scoring properties promised in docs/scoring.md."""

from __future__ import annotations

import itertools

from domain.model import CATEGORIES
from samples.warehouse_docs import document, finding
from scoring import score_department, score_document
from scoring import weights as W


def test_clean_document_scores_100_grade_a():
    card = score_document(document("clean"))
    assert card.score == 100.0 and card.grade == "A"
    assert card.categories == dict.fromkeys(CATEGORIES, 100.0)
    assert card.counts == {"error": 0, "warning": 0, "info": 0}


def test_info_findings_cost_nothing():
    assert score_document(document("i", [finding("code", "info")] * 5)).score == 100.0


def test_any_single_error_scores_below_clean_and_cannot_get_a():
    clean = score_document(document("clean")).score
    for category in CATEGORIES:
        card = score_document(document(category, [finding(category, "error")]))
        assert card.score < clean, category
        assert card.grade != "A", category
        assert card.categories[category] < 100.0
        assert all(v == 100.0 for c, v in card.categories.items() if c != category)


def test_error_in_unknown_category_still_below_clean():
    assert score_document(document("x", [finding("mystery", "error")])).score < 100.0


def test_missing_table_costs_more_than_rounding_gap():
    missing = score_document(document("m", [finding("completeness", "error", rule="completeness.required_table")]))
    rounding = score_document(document("r", [finding("arithmetic", "warning", rule="arithmetic.rounding")]))
    assert missing.score < rounding.score
    assert (100 - missing.score) >= 4 * (100 - rounding.score)


def test_more_findings_never_raise_the_score():
    for category, severity in itertools.product(CATEGORIES, ("error", "warning")):
        scores = [score_document(document("n", [finding(category, severity)] * n)).score for n in range(0, 12)]
        assert scores == sorted(scores, reverse=True), (category, severity)
        assert scores[0] > scores[1] > scores[3]


def test_diminishing_returns_one_category_costs_at_most_its_weight():
    for category in CATEGORIES:
        card = score_document(document("many", [finding(category, "error")] * 50))
        floor = 100.0 - W.CATEGORY_WEIGHTS[category]
        assert floor <= card.score < 100.0, category
        # the 50th error costs far less than the first
        one = score_document(document("one", [finding(category, "error")])).score
        forty_nine = score_document(document("49", [finding(category, "error")] * 49)).score
        assert (100 - one) > 10 * (forty_nine - card.score)


def test_spread_errors_score_lower_than_concentrated_ones():
    spread = [finding(c, "error") for c in CATEGORIES]
    concentrated = [finding("arithmetic", "error")] * len(CATEGORIES)
    assert score_document(document("s", spread)).score < score_document(document("c", concentrated)).score


def test_not_ok_document_gets_no_score_but_counts():
    card = score_document(document("b", [finding("format", "error")], status="unreadable", error="encrypted"))
    assert card.score is None and card.grade is None
    assert card.counts["error"] == 1


def test_deterministic_and_order_independent():
    fs = [finding("code"), finding("narrative", "warning"), finding("format"), finding("completeness")]
    a = score_document(document("a", fs))
    b = score_document(document("a", list(reversed(fs))))
    assert a == b


def test_grade_floors():
    from scoring import grade

    assert [grade(s) for s in (95, 90, 89.9, 80, 75, 60, 59.9, 0)] == ["A", "A", "B", "B", "C", "D", "E", "E"]
    assert grade(99.9, errors=1) == "B" and grade(50, errors=1) == "E"
    assert grade(None) is None


def test_department_is_mean_of_documents_and_skips_unscored():
    clean = score_document(document("c"))
    bad = score_document(document("b", [finding("code", "error")] * 3))
    dept = score_department([clean, bad, score_document(document("u", status="scanned"))])
    assert bad.score < dept.score < clean.score
    assert dept.categories["code"] == round((100 + bad.categories["code"]) / 2, 1)
    assert dept.counts["error"] == 3
    assert score_department([clean]).score == 100.0
    assert score_department([score_document(document("u", status="scanned"))]).score is None
    assert score_department([]).score is None


def test_narrative_only_document_is_scored_on_what_it_contains_but_never_looks_perfect():
    narrative_only = document("bj", tables=[])
    card = score_document(narrative_only)
    assert set(card.categories) == set(CATEGORIES) - set(W.NEEDS_TABLES)  # tables not assessed, not zeroed
    assert 99.0 <= card.score < 100.0 and card.grade == W.BEST_GRADE_PARTIAL  # not punished, not perfect
    # a narrative error costs it exactly what it costs a complete document
    with_error = score_document(document("bj2", [finding("narrative")], tables=[]))
    full = score_document(document("full", [finding("narrative")]))
    assert with_error.score == full.score < card.score and with_error.grade == "B"
    # a clean complete document still outranks it; a tables-only file is not assessed on the narrative
    assert score_document(document("clean")).score > card.score
    tables_only = score_document(document("t", paragraphs=[]))
    assert "narrative" not in tables_only.categories and tables_only.grade == "B"


def test_department_with_separate_narrative_and_tables_files_is_fully_assessed():
    text = score_document(document("text", tables=[]))
    tables = score_document(document("tables", paragraphs=[]))
    dept = score_department([text, tables])
    assert set(dept.categories) == set(CATEGORIES) and dept.score == 100.0 and dept.grade == "A"


def test_rounding_gap_costs_less_than_a_missing_table_and_a_wrong_amount():
    from scoring import finding_points

    def amounts(exp: float, obs: float, step: float) -> dict:
        return {"expected": f"{exp}", "observed": f"{obs}", "expected_value": exp, "observed_value": obs,
                "rounding_step": step}

    gap = finding("arithmetic", rule="arithmetic.parent_sum", **amounts(525.85, 525.83, 0.01))
    wrong = finding("arithmetic", rule="arithmetic.parent_sum", **amounts(525.85, 535.85, 0.01))
    missing = finding("completeness", "warning", rule="completeness.required_tables")
    share = finding("narrative", rule="narrative.share", **amounts(44.36, 44.33, 0.01))
    assert finding_points(gap) == W.ROUNDING_GAP_POINTS < finding_points(missing) < finding_points(wrong)
    assert finding_points(share) == W.ROUNDING_GAP_POINTS * W.CATEGORY_MULTIPLIER["narrative"]
    assert finding_points(finding("arithmetic", **amounts(-0.01, 0.01, 0.01))) == W.ROUNDING_GAP_POINTS
    assert finding_points(finding("arithmetic", **amounts(1000.0, 1000.04, 0.01))) == 10.0  # 4 units
    assert finding_points(finding("arithmetic", **amounts(1000.0, 1003.0, 1.0))) == W.ROUNDING_GAP_POINTS  # 3 units of 1
    # the display strings alone are not read: a finding without numbers is not a rounding gap
    assert finding_points(finding("arithmetic", expected="525.85", observed="525.84")) == 10.0
    scores = [score_document(document(n, [f])).score for n, f in (("g", gap), ("m", missing), ("w", wrong))]
    assert scores[0] > scores[1] > scores[2]
