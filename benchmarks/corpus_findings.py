"""Errors on the real corpus against the reviewed list: errors per document, true/false per rule.

    .venv/bin/python benchmarks/corpus_findings.py [CORPUS_DIR] [--cache DIR]

Extracts every file of INDEX.tsv once (one process; Documents pickled under --cache, default
/tmp/budgetqa-corpus-docs, so re-runs only validate), validates all, and matches each error with
tests/data/corpus_review/reviewed.yaml. An error not in the list is printed as UNREVIEWED.
"""

from __future__ import annotations

import argparse
import csv
import pickle
from collections import Counter, defaultdict
from pathlib import Path

import yaml

from expectations import validate
from expectations.frames import clean_name
from extract import extract_file

ROOT = Path(__file__).resolve().parents[1]
REVIEWED = ROOT / "tests" / "data" / "corpus_review" / "reviewed.yaml"


def load(corpus: Path, cache: Path) -> list[tuple[str, object]]:
    cache.mkdir(parents=True, exist_ok=True)
    out = []
    for row in csv.DictReader((corpus / "INDEX.tsv").open(encoding="utf-8"), delimiter="\t"):
        if not row.get("path"):
            continue
        dest = cache / f"{row['sha256'][:16]}.pkl"
        if dest.exists():
            docs = pickle.loads(dest.read_bytes())
        else:
            docs = extract_file(corpus / row["path"])
            dest.write_bytes(pickle.dumps(docs))
        out += [(row["path"], d) for d in docs]
    # the same file listed twice (INDEX has duplicates) is one document
    seen, unique = set(), []
    for path, d in out:
        if d.source.sha256 not in seen:
            seen.add(d.source.sha256)
            unique.append((path, d))
    return unique


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("corpus", nargs="?", default=str(ROOT.parent / "shared" / "corpus" / "real"))
    ap.add_argument("--cache", default="/tmp/budgetqa-corpus-docs")
    args = ap.parse_args()
    items = load(Path(args.corpus), Path(args.cache))
    for _, d in items:
        d.findings = []
    findings = validate([d for _, d in items])
    reviewed = defaultdict(list)
    for e in yaml.safe_load(REVIEWED.read_text(encoding="utf-8"))["reviewed"]:
        reviewed[e["sha256"]].append(e)
    per_rule: dict[str, Counter] = defaultdict(Counter)
    per_doc = Counter()
    for (path, d), fs in zip(items, findings, strict=True):
        for f in fs:
            if f.severity != "error":
                continue
            per_doc[path] += 1
            match = next((e for e in reviewed[d.source.sha256] if e["rule"] == f.rule and e["table"] == f.table
                          and (not e["code_or_row"] or e["code_or_row"] in (f.code, clean_name(f.row)))
                          and e["observed"] == f.observed
                          and (e.get("paragraph") is None or e["paragraph"] == f.location.paragraph)), None)
            verdict = "unreviewed" if match is None else ("true" if match["verdict"] else "false")
            per_rule[f.rule][verdict] += 1
            if match is None:
                print(f"UNREVIEWED {path} {f.rule} {f.table} {f.code or f.row} {f.expected} {f.observed}")
    n = len(items)
    total = sum(per_doc.values())
    false = sum(c["false"] for c in per_rule.values())
    print(f"\n{n} documents, {total} errors ({total / n:.2f} per document), {len(per_doc)} documents with errors")
    print(f"{'rule':40s} {'true':>5s} {'false':>6s} {'unrev.':>6s}")
    for rule, c in sorted(per_rule.items()):
        print(f"{rule:40s} {c['true']:5d} {c['false']:6d} {c['unreviewed']:6d}")
    print(f"\nfalse errors per document: {false / n:.3f}  (target < 0.2)")
    print("errors per document:")
    for path, k in per_doc.most_common():
        print(f"  {k:4d}  {path}")


if __name__ == "__main__":
    main()
