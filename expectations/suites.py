"""The Great Expectations suites, generated from the rule declarations (expectations/rules.py).

    python -m expectations.suites      # rewrite expectations/suites/*.json

One suite per rule, named by the rule's id. A GX suite is validated against one batch, and each
rule has its own check frame (its batch: the frame over all documents of a run), so a suite per
rule is the natural unit: the rule's expectation reads the frame's own column names (`excess`,
`shape`, …), GX validates only that rule's rows (no scan of other rules' rows), and a run's Data
Docs list one validation result per rule id, which a finding's rule page can link to. (One suite
per category would need the category's frames stacked into one batch, with columns renamed so
rules do not collide and every expectation scanning every row of its category.)

Each expectation carries its rule in `meta.rule` (and the rule's text in `notes`). The `cid`
column numbers the check-frame rows across the run; GX returns it for every unexpected row
(unexpected_index_list), which leads back to the check-frame row and so to the cell.

The JSON in expectations/suites/ is what runs (a test checks it is current), kept in the repo so
a change to a rule's expectation shows in review. GX is imported only to build the suites.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import polars as pl

from expectations.rules import RULES, Rule

SUITES_DIR = Path(__file__).resolve().parent / "suites"
ID = "cid"
COLUMN_ARGS = ("column", "column_A", "column_B")
# GX's own severity levels for the rules' default severities.
GX_SEVERITY = {"error": "critical", "warning": "warning", "info": "info"}


def tested(rule: Rule) -> list[str]:
    """The check-frame columns the rule's expectation reads."""
    _, kwargs = rule.expectation
    return [kwargs[k] for k in COLUMN_ARGS if k in kwargs]


def batch(frame: pl.DataFrame, rule: Rule) -> pl.DataFrame:
    """What GX receives of a check frame: `cid` and the columns the expectation reads. A tested
    column the frame lacks stays absent, so GX reports the rule as not run rather than passing it."""
    return frame.select(ID, *[c for c in tested(rule) if c in frame.columns])


def import_gx() -> Any:
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")  # offline and quiet
    import great_expectations as gx

    return gx


def expectation(rule: Rule) -> Any:
    """The rule's GX Expectation, reading its check frame's columns."""
    import great_expectations.expectations as gxe

    name, kwargs = rule.expectation
    meta = {"rule": rule.id, "category": rule.category, "severity": rule.severity}
    return getattr(gxe, name)(**kwargs, meta=meta, notes=f"{rule.id}: {rule.zh} / {rule.en}",
                              severity=GX_SEVERITY.get(rule.severity, "critical"))


def suite(rule: Rule) -> Any:
    """The rule's real GX ExpectationSuite."""
    gx = import_gx()
    meta = {"category": rule.category, "severity": rule.severity, "zh": rule.zh, "en": rule.en,
            "tolerance": rule.tolerance}
    return gx.ExpectationSuite(name=rule.id, expectations=[expectation(rule)], meta=meta)


def as_json(gx_suite: Any) -> str:
    """A suite as committed: GX's own JSON without the ids a context assigns on saving."""
    data = gx_suite.to_json_dict()
    data.pop("id", None)
    for item in data.get("expectations", []):
        item.pop("id", None)
    return json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def rendered(rules: Iterable[Rule] = RULES) -> dict[str, str]:
    """File name → JSON text for every suite."""
    return {f"{rule.id}.json": as_json(suite(rule)) for rule in rules}


def write(folder: Path = SUITES_DIR) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    files = rendered()
    for stale in folder.glob("*.json"):
        if stale.name not in files:
            stale.unlink()
    out = []
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
        out.append(folder / name)
    return out


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else SUITES_DIR
    for path in write(target):
        print(f"wrote {path}")
