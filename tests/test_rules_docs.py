"""docs/rules.md is generated from the declarations and kept up to date."""

from __future__ import annotations

from domain.model import CATEGORIES, SEVERITIES
from expectations.docs import TARGET, render
from expectations.rules import RULES


def test_rules_md_is_up_to_date():
    assert TARGET.read_text(encoding="utf-8") == render(), "run: python -m expectations.docs"


def test_declarations_are_well_formed():
    ids = [r.id for r in RULES]
    assert len(ids) == len(set(ids))
    for r in RULES:
        assert r.category in CATEGORIES and r.severity in SEVERITIES
        assert r.id.split(".")[0] == r.category
        assert r.zh and r.en and f"`{r.id}`" in render()


def test_every_rule_states_its_tolerance():
    for r in RULES:
        assert r.tolerance != "—" and " / " in r.tolerance, r.id
