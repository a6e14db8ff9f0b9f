"""The layering of the product, read from the source by benchmarks/import_graph.py (imports inside
functions included): no import cycle between packages or modules, domain imports no stage, no stage
imports budgetqa (the command line), and no private name is used outside its module."""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks.import_graph import DOMAIN, PACKAGES, ROOT, STAGES, TOP, build, cycles, upward


@pytest.fixture(scope="module")
def graph():
    return build()


def test_every_product_package_is_read(graph):
    assert {m.split(".")[0] for m in graph.modules} == set(PACKAGES)
    assert "extract.document" in graph.edges["extract.batch"]  # a function-level import is seen


def test_no_import_cycles(graph):
    assert cycles(graph.package_edges()) == []
    assert cycles(graph.edges) == []


def test_domain_imports_no_stage_and_no_stage_imports_the_cli(graph):
    pkg = graph.package_edges()
    assert pkg.get(DOMAIN, set()) == set()
    assert [a for a in STAGES if TOP in pkg.get(a, set())] == []
    assert upward(pkg) == []


def test_storage_only_stores_and_reads(graph):
    """The warehouse computes no score, ranking or export (the report does): it imports the domain only."""
    assert graph.package_edges().get("warehouse", set()) == {DOMAIN}


def test_no_private_name_crosses_modules(graph):
    assert graph.private == []


def test_a_package_is_entered_from_outside_only(graph):
    """Modules import their siblings, never their own package's __init__ (which names the entry points)."""
    inward = [m for m, targets in graph.edges.items() if "." in m and m.split(".")[0] in targets]
    assert inward == []


def test_the_checker_finds_what_it_forbids(tmp_path: Path):
    """On a small tree with each fault: a lazy cycle, a domain → stage import, a stage → budgetqa
    import and a private name used by another module."""
    files = {
        "domain/__init__.py": "",
        "domain/model.py": "def f():\n    from extract import one\n",
        "extract/__init__.py": "from extract.batch import many\n\ndef one(): ...\n",
        "extract/batch.py": "def many():\n    from extract import one\n\n_helper = 1\n",
        "extract/html.py": "from extract.batch import _helper\nfrom extract import batch\nx = batch._helper\n",
        "budgetqa/__init__.py": "",
        "budgetqa/cli.py": "import extract\n",
        "report/__init__.py": "from budgetqa import cli\n",
    }
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text, encoding="utf-8")
    g = build(tmp_path, ("domain", "extract", "report", "budgetqa"))
    assert cycles(g.edges) == [["extract", "extract.batch"]]
    assert cycles(g.package_edges()) == []
    assert upward(g.package_edges()) == [("domain", "extract"), ("report", "budgetqa")]
    assert sorted((m, t, n) for m, _, t, n in g.private) == [
        ("extract.html", "extract.batch", "_helper"), ("extract.html", "extract.batch", "_helper")]


def _imported_roots(folder: Path) -> dict[str, set[str]]:
    """file → the top-level names it imports (module level and inside functions)."""
    import ast

    out: dict[str, set[str]] = {}
    for path in sorted(folder.rglob("*.py")):
        roots: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                roots |= {a.name.split(".")[0] for a in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                roots.add(node.module.split(".")[0])
        out[str(path.relative_to(ROOT))] = roots
    return out


def test_benchmarks_and_samples_import_no_tests_and_the_product_imports_neither():
    """Benchmarks run on the product and the generated inputs in samples/, never on test code; the
    product imports no benchmark, sample or test."""
    for folder in ("benchmarks", "samples"):
        offending = {f: r & {"tests"} for f, r in _imported_roots(ROOT / folder).items() if "tests" in r}
        assert offending == {}, folder
    for package in PACKAGES:
        offending = {f: r & {"tests", "samples", "benchmarks"} for f, r in _imported_roots(ROOT / package).items()
                     if r & {"tests", "samples", "benchmarks"}}
        assert offending == {}, package
