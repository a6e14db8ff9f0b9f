"""The GX engine: one Checkpoint run over every rule's check frame of a run, failures mapped back
to rows; with a folder, the run's suites, Validation Results and Data Docs are kept there."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import polars as pl

from domain.model import Document, SourceFile
from expectations import data_docs_index, validate
from expectations.frames import CHECK_COLUMNS, Derived
from expectations.gx_runner import GxRunner, run
from expectations.rules import RULES, Rule
from expectations.suites import SUITES_DIR, rendered
from tests.fixtures.documents import make_document, make_table, seed_document


def test_unexpected_rows_map_back_by_id():
    rule = Rule("t.between", "arithmetic", "error", "测试", "test", lambda docs, derived: pl.DataFrame())
    frame = pl.DataFrame({"cid": [0, 1, 2, 3], "excess": [-0.1, 0.5, None, 2.0]})
    assert GxRunner().unexpected_ids(rule, frame) == {1, 3}


def test_every_declared_expectation_runs_in_gx():
    runner = GxRunner()
    doc = seed_document()
    for rule in RULES:
        frame = rule.build([doc], Derived())
        assert set(CHECK_COLUMNS) <= set(frame.columns), rule.id
        if frame.height:
            runner.unexpected_ids(rule, frame.with_row_index("cid").with_columns(pl.col("cid").cast(pl.Int64)))


def test_findings_keep_document_order_across_a_batch():
    clean = make_document([make_table("gpb_expenditure", ["total"], [("201", "一般公共服务支出", "1.00"), ("", "合计", "1.00")])],
                          [], name="clean")
    results = validate([clean, seed_document(), clean])
    assert len(results) == 3
    assert not [f for f in results[0] if f.severity == "error" and f.category != "completeness"]
    assert results[0] == results[2]
    assert any(f.rule == "code.parent_prefix" for f in results[1])


def test_a_broken_document_is_recorded_not_fatal():
    broken = Document(source=SourceFile(path="x.pdf", sha256="0" * 64, format="pdf"))
    broken.tables = [make_table("gpb_expenditure", ["total"], [("201", "一般公共服务支出", "1.00")])]
    broken.tables[0].rows = broken.tables[0].rows.drop("row")  # bad input: no row ids

    def fragile(docs, derived):
        for d in docs:
            for t in d.tables:
                t.rows["row"]  # raises on the broken document
        return pl.DataFrame(schema={**CHECK_COLUMNS, "excess": pl.Float64})

    rule = Rule("arithmetic.fragile", "arithmetic", "error", "测试", "test", fragile)
    results = run([seed_document(), broken], [rule])
    assert results[0] == []
    assert [(f.rule, f.severity) for f in results[1]] == [("arithmetic.fragile", "info")]
    assert "ColumnNotFoundError" in results[1][0].message


def test_empty_input():
    assert validate([]) == []


def test_derived_frames_are_shared_within_a_run_and_dropped_after():
    """What rules derive from a table is computed once per validate() call, by the Derived the call
    owns and passes to every builder: two calls, two computations; a replaced frame is recomputed."""
    doc = seed_document()
    table = doc.tables[1]
    calls, owners = [], []

    def counting(docs, derived):
        owners.append(derived)
        for d in docs:
            for t in d.tables:
                if t is table:
                    calls.append(derived.hierarchy(t))
        return pl.DataFrame(schema={**CHECK_COLUMNS, "excess": pl.Float64})

    def other(docs, derived):  # a second builder (one builder's frame is built once per call)
        return counting(docs, derived)

    rules = [Rule("arithmetic.a", "arithmetic", "error", "甲", "a", counting),
             Rule("arithmetic.b", "arithmetic", "error", "乙", "b", other)]
    run([doc], rules)
    assert len(calls) == 2 and calls[0] is calls[1]  # one hierarchy per table per validation
    run([doc], rules)
    assert owners[2] is not owners[0] and calls[2] is not calls[0]  # a new call derives afresh
    derived = owners[0]
    table.rows = table.rows.head(3)  # a changed table is not served a stale hierarchy
    assert len(derived.hierarchy(table)) == 3


def test_a_rule_the_engine_cannot_run_is_recorded_and_the_batch_goes_on():
    """GX itself failing on one rule (here: it tests a column the frame lacks) costs that rule only."""
    doc = seed_document()
    broken = Rule("t.broken", "format", "error", "坏规则", "broken rule",
                  lambda docs, derived: pl.DataFrame({"doc": [0], "present": [1.0]}),
                  ("ExpectColumnValuesToBeBetween", {"column": "absent", "min_value": 0}))
    prefix = next(r for r in RULES if r.id == "code.parent_prefix")
    findings = run([doc], [broken, prefix])[0]
    recorded = [f for f in findings if f.rule == "t.broken"]
    assert len(recorded) == 1 and recorded[0].severity == "info" and " / " in recorded[0].message
    assert any(f.rule == "code.parent_prefix" for f in findings)  # the next rule still ran


def test_committed_suites_are_current():
    """expectations/suites/*.json is what runs: one GX suite per rule, regenerated from rules.py."""
    expected = rendered()
    committed = {p.name: p.read_text(encoding="utf-8") for p in SUITES_DIR.glob("*.json")}
    assert committed == expected, "run: python -m expectations.suites"
    assert len(committed) == len(RULES)


def _stored_results(gx_dir: Path) -> dict[str, dict]:
    """Rule id → its stored GX validation result (the latest of the run folder)."""
    out = {}
    for path in sorted((gx_dir / "gx" / "uncommitted" / "validations").rglob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        for item in data["results"]:
            out[item["expectation_config"]["meta"]["rule"]] = item
    return out


def test_a_run_with_a_folder_keeps_suites_results_and_data_docs(tmp_path):
    docs = [seed_document(), seed_document()]
    kept = validate(docs, gx_dir=tmp_path)
    assert kept == validate([seed_document(), seed_document()])  # the file context changes no finding
    project = tmp_path / "gx"
    suites = {json.loads(p.read_text(encoding="utf-8"))["name"] for p in (project / "expectations").rglob("*.json")}
    assert suites == {r.id for r in RULES}
    assert len(list((project / "frames").glob("*.parquet"))) == len(RULES)  # the batches of the run
    results = _stored_results(tmp_path)
    assert set(results) == {r.id for r in RULES}
    # every unexpected row is stored with its `cid`, and each is one finding (no gate on the seed)
    prefix = results["code.parent_prefix"]
    cids = [i for entry in prefix["result"]["unexpected_index_list"] for i in entry["cid"]]
    found = [f for fs in kept for f in fs if f.rule == "code.parent_prefix"]
    assert not prefix["success"] and len(cids) == len(set(cids)) == len(found) > 0
    index = data_docs_index(tmp_path)
    assert index.is_file()
    site = index.read_text(encoding="utf-8")
    assert all(r.id in site for r in RULES)
    pages = list(index.parent.joinpath("validations").rglob("*.html"))
    assert len(pages) == len(RULES)


def test_a_second_run_in_the_same_folder_adds_its_results(tmp_path):
    validate([seed_document()], gx_dir=tmp_path)
    again = validate([seed_document()], gx_dir=tmp_path)
    assert again == validate([seed_document()])
    runs = list((tmp_path / "gx" / "uncommitted" / "validations" / "code" / "parent_prefix").rglob("*.json"))
    assert len(runs) == 2


def test_the_command_line_does_not_import_great_expectations():
    """GX costs seconds to import: only the validation step imports it."""
    code = ("import sys, budgetqa.cli, orchestration.jobs, expectations, expectations.rules; "
            "print(sorted(m for m in sys.modules if m.startswith('great_expectations')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=Path(__file__).resolve().parents[1])
    assert out.stdout.strip() == "[]"
