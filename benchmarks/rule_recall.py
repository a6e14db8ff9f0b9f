"""Recall and precision of the rules per category, on mutated documents.

Clean documents (tests/data/seed/clean_seed.yaml) get realistic defects injected at known places
(benchmarks/mutations), are rendered as DOCX, PDF (LibreOffice) and XLSX, then extracted and
validated (one validate() call over all documents). A finding that reports an injected defect is a
hit; one that is neither an injected defect, nor its declared consequence, nor already raised on the
unmutated document in the same format counts against precision. Errors and warnings count.

    .venv/bin/python benchmarks/rule_recall.py [--n 200] [--formats docx,pdf,xlsx] [--seed 0]
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.mutations import FORMATS, OPERATORS, Doc, Mutant, generate, render, score  # noqa: E402
from benchmarks.mutations.generate import COUNTED, identity  # noqa: E402
from domain.model import CATEGORIES, Document  # noqa: E402

CLEAN_SEED = ROOT / "tests" / "data" / "seed" / "clean_seed.yaml"


def clean_documents(cache: Path, corpus: bool = True) -> list[Doc]:
    """The clean seed, and (unless corpus=False) the clean corpus documents re-rendered as blocks."""
    from benchmarks.mutations.corpus import clean_corpus_docs
    from samples.seed_docs import load_blocks

    docs = [Doc("clean_seed", "杜集区政府办公室", load_blocks(CLEAN_SEED))]
    return docs + (clean_corpus_docs(cache / "corpus-extract") if corpus else [])


def _extract(path: Path) -> Document | str:
    """The single Document of a rendered file, or the reason there is none."""
    from extract import extract_file

    docs = extract_file(path)
    if len(docs) != 1:
        return f"{len(docs)} documents"
    if docs[0].status != "ok":
        return f"{docs[0].status}: {docs[0].error}"
    return docs[0]


def run(n: int, formats: tuple[str, ...], seed: int, cache: Path, jobs: int = 2, corpus: bool = True) -> dict:
    from expectations import validate

    sources = clean_documents(cache, corpus)
    print(f"clean documents: {', '.join(d.name for d in sources)}", file=sys.stderr)
    mutants = generate(sources, n, seed, formats)
    lo_cache = cache / "lo-cache"
    jobs_list: list[tuple[str, list[dict], str, str]] = [  # (key, blocks, format, stem)
        (f"base:{d.name}:{f}", d.blocks, f, f"base-{d.name}") for d in sources for f in formats]
    jobs_list += [(m.id, m.blocks, m.format, m.id) for m in mutants]

    t0 = time.perf_counter()
    paths: dict[str, Path | str] = {}

    def do(job):
        key, blocks, fmt, stem = job
        try:
            return key, render(blocks, fmt, cache / fmt, lo_cache, stem)
        except Exception as e:  # a render failure is reported against that mutant, never fatal
            return key, f"render failed: {e}"

    with ThreadPoolExecutor(max_workers=max(1, min(jobs, 2))) as pool:  # ≤ 2 LibreOffice at once
        for i, (key, path) in enumerate(pool.map(do, jobs_list), 1):
            paths[key] = path
            if i % 50 == 0:
                print(f"  rendered {i}/{len(jobs_list)}", file=sys.stderr)
    t1 = time.perf_counter()

    docs: dict[str, Document | str] = {}
    for i, (key, path) in enumerate(paths.items(), 1):
        docs[key] = path if isinstance(path, str) else _extract(path)
        if i % 50 == 0:
            print(f"  extracted {i}/{len(paths)}", file=sys.stderr)
    t2 = time.perf_counter()
    ok_keys = [k for k, d in docs.items() if isinstance(d, Document)]
    findings = dict(zip(ok_keys, validate([docs[k] for k in ok_keys]), strict=True))
    t3 = time.perf_counter()
    return {"sources": sources, "mutants": mutants, "docs": docs, "findings": findings,
            "seconds": {"render": t1 - t0, "extract": t2 - t1, "validate": t3 - t2}}


def report(result: dict) -> dict:
    mutants: list[Mutant] = result["mutants"]
    findings, docs = result["findings"], result["docs"]
    baselines = {k: {identity(f) for f in fs if f.severity in COUNTED} for k, fs in findings.items()
                 if k.startswith("base:")}
    injected, found, anywhere = Counter(), Counter(), Counter()
    tp, fp = Counter(), Counter()
    misses: dict[str, list[str]] = defaultdict(list)
    by_op: Counter = Counter()
    false_alarms: Counter = Counter()
    examples: dict[tuple, str] = {}
    for m in mutants:
        base = baselines.get(f"base:{m.source}:{m.format}", set())
        if m.id not in findings:
            for e in m.expected:
                injected[e.category] += 1
                by_op[e.operator] += 1
                misses[e.operator].append(f"{m.id} [{m.format}] {e.where}: {docs[m.id]}")
            continue
        s = score(findings[m.id], base, m.expected)
        for e, ok, elsewhere in zip(m.expected, s.found, s.elsewhere, strict=True):
            injected[e.category] += 1
            by_op[e.operator] += 1
            anywhere[e.category] += ok or elsewhere
            if ok:
                found[e.category] += 1
            else:
                note = " (reported on another table)" if elsewhere else ""
                misses[e.operator].append(f"{m.id} [{m.format}] {e.where}{note}")
        for f in s.true_positive:
            tp[f.category] += 1
        for f in s.false_alarms:
            fp[f.category] += 1
            false_alarms[(f.rule, f.table, f.code or f.row, m.format)] += 1
            examples.setdefault((f.rule, f.table, f.code or f.row, m.format), f"{m.id}: {f.observed!r} — {f.message}")

    def pct(a: int, b: int) -> str:
        return f"{100 * a / b:6.1f}%" if b else "     -"

    print(f"\nper source: {dict(Counter(m.source for m in mutants))}")
    print(f"{len(mutants)} mutated documents ({Counter(m.format for m in mutants)}), "
          f"{sum(injected.values())} injected defects")
    print("recall: found by the expected rule at the injected table; 'any table': or on the other table of the pair")
    print(f"{'category':14s} {'injected':>8s} {'found':>6s} {'recall':>7s} {'any table':>9s}   "
          f"{'hits':>5s} {'false':>5s} {'precision':>9s}")
    for c in CATEGORIES:
        print(f"{c:14s} {injected[c]:8d} {found[c]:6d} {pct(found[c], injected[c])} {pct(anywhere[c], injected[c]):>9s}   "
              f"{tp[c]:5d} {fp[c]:5d} {pct(tp[c], tp[c] + fp[c]):>9s}")
    ti, tf, ta = sum(injected.values()), sum(found.values()), sum(anywhere.values())
    ttp, tfp = sum(tp.values()), sum(fp.values())
    print(f"{'overall':14s} {ti:8d} {tf:6d} {pct(tf, ti)} {pct(ta, ti):>9s}   {ttp:5d} {tfp:5d} {pct(ttp, ttp + tfp):>9s}")
    print("\nmisses by operator:")
    for op in OPERATORS:
        miss = misses.get(op.id, [])
        print(f"  {op.id:22s} {op.rule:38s} missed {len(miss):3d} / {by_op[op.id]:3d}")
        for line in miss[:4]:
            print(f"      {line}")
    if false_alarms:
        print("\nfalse alarms (rule, table, code/row, format): count")
        for key, count in false_alarms.most_common(15):
            print(f"  {key}: {count}   e.g. {examples[key]}")
    sec = result["seconds"]
    print(f"\nrender {sec['render']:.0f} s, extract {sec['extract']:.0f} s, validate {sec['validate']:.0f} s")
    return {"injected": injected, "found": found, "tp": tp, "fp": fp, "misses": misses}


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=200, help="mutated documents (default 200)")
    ap.add_argument("--formats", default=",".join(FORMATS), help="comma-separated, of docx,pdf,xlsx")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--cache", type=Path, default=Path("/tmp/budgetqa-mutations"), help="rendered files")
    ap.add_argument("--jobs", type=int, default=2, help="parallel renders (LibreOffice), at most 2")
    ap.add_argument("--no-corpus", action="store_true", help="mutate the clean seed only")
    args = ap.parse_args(argv)
    formats = tuple(f.strip() for f in args.formats.split(",") if f.strip())
    bad = [f for f in formats if f not in FORMATS]
    if bad:
        ap.error(f"unknown format(s) {bad}; choose from {FORMATS}")
    report(run(args.n, formats, args.seed, args.cache, args.jobs, not args.no_corpus))


if __name__ == "__main__":
    main()
