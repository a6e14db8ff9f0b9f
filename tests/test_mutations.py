"""The mutation benchmark's generator (benchmarks/mutations): deterministic, realistic defects that
the rules catch at the injected place, on real files (DOCX, XLSX, one PDF through LibreOffice) —
and the clean seed (tests/data/seed/clean_seed.yaml) yields no error at all."""

from __future__ import annotations

import copy
import random
from pathlib import Path

import pytest

from benchmarks.mutations import OPERATORS, OPERATORS_BY_ID, Doc, generate, mutate, render, score
from benchmarks.mutations.generate import identity
from expectations import validate
from expectations.rules import RULES
from extract import extract_file
from samples.seed_docs import load_blocks

CLEAN = Path(__file__).resolve().parent / "data" / "seed" / "clean_seed.yaml"

# (operator, format, rng seed): a handful across categories; PDF for one
CASES = [
    ("child_amount", "docx", 1),
    ("total_not_parts", "xlsx", 2),
    ("income_vs_expenditure", "xlsx", 3),
    ("truncated_code", "xlsx", 4),
    ("mistyped_code", "docx", 5),
    ("swapped_name", "xlsx", 6),
    ("narrative_share", "docx", 7),
    ("zero_base_rate", "xlsx", 8),
    ("removed_three_public", "docx", 9),
    ("template_change", "xlsx", 10),
    ("trailing_dot", "pdf", 11),
]


@pytest.fixture(scope="module")
def clean() -> Doc:
    return Doc("clean_seed", "杜集区政府办公室", load_blocks(CLEAN))


def test_generator_is_deterministic_for_a_seed(clean):
    a, b = generate([clean], 40, seed=3), generate([clean], 40, seed=3)
    assert [(m.id, m.format, m.blocks) for m in a] == [(m.id, m.format, m.blocks) for m in b]
    assert [[e.where for e in m.expected] for m in a] == [[e.where for e in m.expected] for m in b]
    c = generate([clean], 40, seed=4)
    assert [[e.where for e in m.expected] for m in a] != [[e.where for e in m.expected] for m in c]
    # every operator is used, every mutant differs from the clean document, formats rotate
    assert {m.expected[0].operator for m in a} == {op.id for op in OPERATORS}
    assert all(m.blocks != clean.blocks for m in a)
    assert {m.format for m in a} == {"docx", "pdf", "xlsx"}


def test_mutation_leaves_the_clean_document_alone(clean):
    before = copy.deepcopy(clean.blocks)
    for op in OPERATORS:
        blocks, expected = mutate(clean, [op], random.Random(0))
        assert expected and expected[0].operator == op.id
        assert blocks != before
    assert clean.blocks == before


def test_operators_name_declared_rules_of_their_category():
    rules = {r.id: r.category for r in RULES}
    for op in OPERATORS:
        assert rules.get(op.rule) == op.category, op.id


@pytest.fixture(scope="module")
def validated(clean, tmp_path_factory):
    """Clean document in the three formats + each case's mutant, extracted and validated in one call."""
    root = tmp_path_factory.mktemp("mutations")
    cache = root / "lo-cache"
    entries = [("clean", fmt, clean.blocks, []) for fmt in ("docx", "xlsx")]  # PDF: the mutant's check suffices
    for op_id, fmt, seed in CASES:
        blocks, expected = mutate(clean, [OPERATORS_BY_ID[op_id]], random.Random(seed))
        entries.append((op_id, fmt, blocks, expected))
    docs = []
    for name, fmt, blocks, _ in entries:
        found = extract_file(render(blocks, fmt, root / fmt, cache, name))
        assert len(found) == 1 and found[0].status == "ok", (name, fmt, found[0].error)
        docs += found
    findings = validate(docs)
    return {(name, fmt): (expected, fs) for (name, fmt, _, expected), fs in zip(entries, findings, strict=True)}


@pytest.mark.slow
@pytest.mark.parametrize("fmt", ["docx", "xlsx"])
def test_clean_seed_yields_no_error(validated, fmt):
    _, findings = validated[("clean", fmt)]
    assert [(f.rule, f.table, f.code, f.row, f.observed) for f in findings if f.severity == "error"] == []


@pytest.mark.slow
@pytest.mark.parametrize(("op_id", "fmt", "seed"), CASES, ids=[f"{c[0]}-{c[1]}" for c in CASES])
def test_injected_defect_is_caught_at_its_place(validated, op_id, fmt, seed):
    expected, findings = validated[(op_id, fmt)]
    # the clean document raises nothing in DOCX/XLSX (test above); a PDF mutant is held to the same
    baseline = {identity(f) for f in validated[("clean", "docx" if fmt == "pdf" else fmt)][1]}
    s = score(findings, baseline, expected)
    assert s.found == [True], (expected[0].where, [(f.rule, f.table, f.code, f.observed) for f in findings])
    assert s.false_alarms == []
