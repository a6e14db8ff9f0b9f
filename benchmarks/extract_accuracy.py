"""Extraction accuracy against the hand-checked ground truth (tests/data/groundtruth/).

    .venv/bin/python benchmarks/extract_accuracy.py [--only ID] [--exclude bj_,sz_] [--show 15]

Runs `extract.extract_file` on every ground-truth document and prints, per document, per format
(pdf/docx/xlsx) and overall: tables recognised with the right kind (found/expected), cell
precision and recall, the first wrong/missing/extra cells, and for the documents whose truth states
them the column roles (measure keys left to right, aligned in order: precision/recall) and units.
Target: every table kind right and ≥ 99.5% of cells right on born-digital files.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.groundtruth_tools import (  # noqa: E402
    Comparison,
    TableCells,
    compare,
    extracted_tables,
    load_all,
    merge,
    truth_tables,
)
from domain.model import FINAL_ACCOUNTS_TABLE_KINDS  # noqa: E402
from extract import extract_file  # noqa: E402

TARGET = 0.995


def evaluate(doc: dict) -> Comparison:
    """Extract one ground-truth document and compare it with its truth."""
    docs = extract_file(Path(doc["path"]))
    got = [t for d in docs for t in extracted_tables(d)]
    return compare(truth_tables(doc), got)


def generated_final_accounts() -> dict[str, Comparison]:
    """The generated 决算 (samples/final_accounts_docs.py: every fa_* kind, the template's layout plus
    机关运行经费/政府采购/国有资产 tables) in DOCX, XLSX and PDF: kinds and column roles against its stated
    roles (its cells are checked by the rules' tests, not here)."""
    from samples import final_accounts_docs as fa

    out = {}
    with tempfile.TemporaryDirectory() as tmp:
        for fmt in fa.FORMATS:
            if fmt == "pdf" and not shutil.which("soffice"):
                continue
            path = fa.build(Path(tmp) / f"generated_fa.{fmt}", fmt, cache_dir=Path(tmp) / "cache")
            got = [t for d in extract_file(path) for t in extracted_tables(d)]
            truth = [TableCells(kind, name, {}, fa.ROLES[kind], "万元") for kind, name in FINAL_ACCOUNTS_TABLE_KINDS.items()]
            c = compare(truth, got)
            c.got_cells = c.truth_cells = c.correct = 0  # roles only
            c.extra = []
            out[fmt] = c
    return out


def line(name: str, c: Comparison) -> str:
    out = (
        f"{name:<44} kinds {c.tables_found:>3}/{c.tables_expected:<3} extra {len(c.extra_tables):>2}  "
        f"cells {c.truth_cells:>5}  precision {c.precision:7.2%}  recall {c.recall:7.2%}"
    )
    if c.roles_truth:
        out += (f"  roles {c.roles_truth:>4} P {c.role_precision:7.2%} R {c.role_recall:7.2%}"
                f"  units {c.units_right}/{c.units_expected}")
    return out


def details(c: Comparison, show: int) -> list[str]:
    out = []
    if c.missing_tables:
        out.append(f"    missing tables: {', '.join(c.missing_tables)}")
    if c.extra_tables:
        out.append(f"    extra tables:   {', '.join(c.extra_tables)}")
    for k, exp, got in c.wrong[:show]:
        out.append(f"    wrong   {'/'.join(map(str, k))}: expected {exp:g} got {got:g}")
    for k, exp in c.missing[:show]:
        out.append(f"    missing {'/'.join(map(str, k))}: expected {exp:g}")
    for k, got in c.extra[:show]:
        out.append(f"    extra   {'/'.join(map(str, k))}: got {got:g}")
    for table, exp, got in c.roles_wrong[:show]:
        out.append(f"    roles   {table}: expected {exp} got {got}")
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--only", default="", help="only ground-truth ids containing this text")
    ap.add_argument("--exclude", default="", help="skip ground-truth ids containing any of these (comma-separated)")
    ap.add_argument("--show", type=int, default=10, help="wrong/missing/extra cells listed per document")
    a = ap.parse_args()
    by_format: dict[str, list[Comparison]] = {}
    t0 = time.perf_counter()
    for doc in load_all():
        if a.only not in doc["id"] or any(x and x in doc["id"] for x in a.exclude.split(",")):
            continue
        c = evaluate(doc)
        by_format.setdefault(doc["format"], []).append(c)
        print(line(f"{doc['id']} ({doc['format']})", c))
        for s in details(c, a.show):
            print(s)
    print()
    for fmt, cs in sorted(by_format.items()):
        print(line(f"FORMAT {fmt} ({len(cs)} documents)", merge(cs)))
    total = merge([c for cs in by_format.values() for c in cs])
    print(line(f"OVERALL ({sum(map(len, by_format.values()))} documents)", total))
    if not a.only:
        gen = generated_final_accounts()
        for fmt, c in gen.items():
            print(line(f"generated 决算 ({fmt}, roles only)", c))
            for s in details(c, a.show):
                print(s)
        total_gen = merge(list(gen.values()))
        print(f"generated 决算: kinds {total_gen.tables_found}/{total_gen.tables_expected}, column roles precision "
              f"{total_gen.role_precision:.2%} recall {total_gen.role_recall:.2%} over {total_gen.roles_truth}")
    if total.roles_truth:
        print(f"column roles over {total.roles_truth} stated roles: precision {total.role_precision:.2%}, "
              f"recall {total.role_recall:.2%}; units right {total.units_right}/{total.units_expected}")
    ok = total.kinds_right and min(total.precision, total.recall) >= TARGET
    print(
        f"target: every table kind right and ≥ {TARGET:.1%} of cells right → {'met' if ok else 'NOT met'}"
        f"  ({time.perf_counter() - t0:.0f}s)"
    )


if __name__ == "__main__":
    main()
