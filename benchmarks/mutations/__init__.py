"""The mutation benchmark's generator: realistic defects injected at known places into clean
documents (tests/data/seed/clean_seed.yaml and re-rendered corpus documents), rendered in every
format, and the matching of findings back to them (benchmarks/rule_recall.py prints the figures)."""

from benchmarks.mutations.generate import FORMATS, Mutant, generate, mutate, render, score
from benchmarks.mutations.operators import OPERATORS, OPERATORS_BY_ID, Doc, Expected, Operator

__all__ = ["FORMATS", "OPERATORS", "OPERATORS_BY_ID", "Doc", "Expected", "Mutant", "Operator", "generate", "mutate",
           "render", "score"]
