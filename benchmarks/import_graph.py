"""The import graph of the product packages, read from the source (AST), function-level imports included.

    python -m benchmarks.import_graph            # package edges, cycles, layering, private names

Prints who imports whom by package, the import cycles between packages and between modules
(lazy imports count: an import inside a function is still a dependency), the imports that run
back up the layers (domain → a stage, a stage → budgetqa), and every private name (`_x`) used
outside the module that defines it. tests/test_architecture.py asserts that none of these exist.
"""

from __future__ import annotations

import argparse
import ast
import sys
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# Bottom to top: the shared vocabulary, the stages, and the CLI/jobs that compose them.
DOMAIN = "domain"
STAGES = ("crawler", "extract", "expectations", "scoring", "warehouse", "report", "orchestration")
TOP = "budgetqa"
PACKAGES = (DOMAIN, *STAGES, TOP)


@dataclass
class Graph:
    modules: dict[str, Path] = field(default_factory=dict)  # dotted name → file
    edges: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))  # module → modules
    private: list[tuple[str, int, str, str]] = field(default_factory=list)  # (module, line, target, name)

    def package_edges(self) -> dict[str, set[str]]:
        out: dict[str, set[str]] = defaultdict(set)
        for src, dsts in self.edges.items():
            for dst in dsts:
                a, b = src.split(".")[0], dst.split(".")[0]
                if a != b:
                    out[a].add(b)
        return out


def _module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _resolve(name: str, modules: dict[str, Path]) -> str | None:
    """The product module `name` refers to (a module, or the package/module defining a name in it)."""
    while name:
        if name in modules:
            return name
        name = name.rpartition(".")[0]
    return None


def _base(node: ast.ImportFrom, module: str, is_package: bool) -> str:
    if not node.level:
        return node.module or ""
    parts = module.split(".") if is_package else module.split(".")[:-1]
    parts = parts[: len(parts) - node.level + 1]
    return ".".join(parts + ([node.module] if node.module else []))


def build(root: Path = ROOT, packages: tuple[str, ...] = PACKAGES) -> Graph:
    g = Graph()
    for pkg in packages:
        for path in sorted((root / pkg).rglob("*.py")):
            g.modules[_module_name(path, root)] = path
    for module, path in g.modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        is_package = path.name == "__init__.py"
        aliases: dict[str, str] = {}  # local name → product module it is bound to
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                for a in node.names:
                    target = _resolve(a.name, g.modules)
                    if target:
                        if target != module:
                            g.edges[module].add(target)
                        aliases[a.asname or a.name] = a.name if a.asname else a.name.split(".")[0]
            elif isinstance(node, ast.ImportFrom):
                base = _base(node, module, is_package)
                for a in node.names:
                    sub = f"{base}.{a.name}"
                    target = sub if sub in g.modules else _resolve(base, g.modules)
                    if target is None:
                        continue
                    if target != module:
                        g.edges[module].add(target)
                    if sub in g.modules:
                        aliases[a.asname or a.name] = sub
                    elif a.name.startswith("_") and not a.name.startswith("__") and target != module:
                        g.private.append((module, node.lineno, target, a.name))
        for node in ast.walk(tree):  # module._name
            if (isinstance(node, ast.Attribute) and node.attr.startswith("_") and not node.attr.startswith("__")
                    and isinstance(node.value, ast.Name) and node.value.id in aliases):
                target = aliases[node.value.id]
                if target in g.modules and target != module:
                    g.private.append((module, node.lineno, target, node.attr))
    return g


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one node (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    out: list[list[str]] = []
    nodes = set(edges) | {d for ds in edges.values() for d in ds}

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in edges.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    sys.setrecursionlimit(max(10_000, sys.getrecursionlimit()))
    for v in sorted(nodes):
        if v not in index:
            visit(v)
    return sorted(out)


def upward(pkg_edges: dict[str, set[str]]) -> list[tuple[str, str]]:
    """Imports that run back up: domain → any product package, a stage → budgetqa."""
    bad = [(DOMAIN, b) for b in sorted(pkg_edges.get(DOMAIN, ())) if b in PACKAGES]
    bad += [(a, TOP) for a in STAGES if TOP in pkg_edges.get(a, ())]
    return bad


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--modules", action="store_true", help="also print the module-level edges")
    a = ap.parse_args(argv)
    g = build()
    pkg = g.package_edges()
    print("package imports (who → whom):")
    for p in PACKAGES:
        print(f"  {p:14} → {', '.join(sorted(pkg.get(p, ()))) or '—'}")
    if a.modules:
        print("\nmodule imports:")
        for m in sorted(g.edges):
            print(f"  {m} → {', '.join(sorted(g.edges[m]))}")
    pc, mc = cycles(pkg), cycles(g.edges)
    print(f"\npackage cycles: {pc or 'none'}")
    print(f"module cycles: {mc or 'none'}")
    up = upward(pkg)
    print(f"imports running back up: {[f'{a} → {b}' for a, b in up] or 'none'}")
    print(f"private names used outside their module: {len(g.private) or 'none'}")
    for module, line, target, name in sorted(g.private):
        print(f"  {module}:{line} uses {target}.{name}")
    return 1 if (pc or mc or up or g.private) else 0


if __name__ == "__main__":
    raise SystemExit(main())
