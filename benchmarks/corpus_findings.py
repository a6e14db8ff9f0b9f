"""Errors on the real corpus against the reviewed list, per half of the region split.

    .venv/bin/python benchmarks/corpus_findings.py [--half checking|tuning|all] [--cache DIR]
        [--shared DIR] [--workers 2] [--unreviewed FILE]

Reads ../shared/corpus/real and ../shared/corpus/real2 (their INDEX.tsv), keeps the files of the
regions of the chosen half (tests/data/corpus_review/split.yaml), extracts each distinct file
once (Documents pickled under --cache, default /tmp/budgetqa-corpus-docs, so re-runs only
validate), validates all, and matches each error with tests/data/corpus_review/reviewed.yaml.
A disclosure is a readable budget or final account (status ok); false errors are counted per
disclosure. An error not in the list is printed as UNREVIEWED (and written as YAML stubs to
--unreviewed for review).
"""

from __future__ import annotations

import argparse
import csv
import pickle
import sys
from collections import Counter, defaultdict
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from domain.names import name_key  # noqa: E402
from expectations import validate  # noqa: E402
from extract import extract_many  # noqa: E402

REVIEW = ROOT / "tests" / "data" / "corpus_review"


def region_of(corpus: str, row: dict) -> str:
    """A file's region: real2's INDEX column, or real/'s folder (renwu/001_上海, open-budget/江苏…)."""
    if row.get("region"):
        return row["region"]
    top, folder = row["path"].split("/")[:2]
    if top == "open-budget":
        return "江苏省"
    return folder.split("_", 1)[1] + "市"


def corpus_files(shared: Path, half: str) -> list[tuple[str, str, Path, str, str | None]]:
    """(corpus/path, region, file, sha256, INDEX kind) of every distinct file of the half."""
    split = yaml.safe_load((REVIEW / "split.yaml").read_text(encoding="utf-8"))
    regions = set(split["checking"]) | set(split["tuning"]) if half == "all" else set(split[half])
    out, seen = [], set()
    for corpus in ("real", "real2"):
        index = shared / "corpus" / corpus / "INDEX.tsv"
        if not index.is_file():
            continue
        for row in csv.DictReader(index.open(encoding="utf-8"), delimiter="\t"):
            if not row.get("path") or row["sha256"] in seen:
                continue
            region = region_of(corpus, row)
            if region in regions:
                seen.add(row["sha256"])
                out.append((f"{corpus}/{row['path']}", region, shared / "corpus" / corpus / row["path"], row["sha256"],
                            row.get("kind")))
    return out


def load(files: list[tuple[str, str, Path, str, str | None]], cache: Path, workers: int) -> list:
    cache.mkdir(parents=True, exist_ok=True)
    todo = [f for _, _, f, sha, _ in files if not (cache / f"{sha[:16]}.pkl").exists()]
    if todo:
        for d in extract_many(todo, workers=workers, timeout=600,
                              progress=lambda k, n, p: print(f"\rextract {k}/{n}", end="", file=sys.stderr)):
            (cache / f"{d.source.sha256[:16]}.pkl").write_bytes(pickle.dumps([d]))
        print(file=sys.stderr)
    docs = []
    for rel, region, _, sha, _ in files:
        for d in pickle.loads((cache / f"{sha[:16]}.pkl").read_bytes()):
            docs.append((rel, region, d))
    return docs


def _matches(entry: dict, f) -> bool:
    return (entry["rule"] == f.rule and entry["table"] == f.table
            and (not entry["code_or_row"] or entry["code_or_row"] in (f.code, name_key(f.row)))
            and entry["observed"] == f.observed
            and (entry.get("paragraph") is None or entry["paragraph"] == f.location.paragraph))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--half", choices=("checking", "tuning", "all"), default="checking")
    ap.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    ap.add_argument("--cache", type=Path, default=Path("/tmp/budgetqa-corpus-docs"))
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--unreviewed", type=Path, help="write YAML stubs of unreviewed errors here")
    args = ap.parse_args()
    files = corpus_files(args.shared, args.half)
    items = load(files, args.cache, args.workers)
    for _, _, d in items:
        d.findings = []
    findings = validate([d for _, _, d in items])
    reviewed = defaultdict(list)
    for e in yaml.safe_load((REVIEW / "reviewed.yaml").read_text(encoding="utf-8"))["reviewed"]:
        reviewed[e["sha256"]].append(e)
    per_rule: dict[str, Counter] = defaultdict(Counter)
    per_doc: Counter = Counter()
    stubs = []
    # real2's INDEX says what each file is (budget, final_accounts, other); for real/, the reading does
    kinds = {sha: kind for _, _, _, sha, kind in files}
    disclosures = [rel for rel, _, d in items if d.status == "ok" and d.kind in ("budget", "final_accounts")
                   and (kinds.get(d.source.sha256) or "budget") in ("budget", "final_accounts")]
    severity = Counter()
    for (rel, _region, d), fs in zip(items, findings, strict=True):
        for f in fs:
            severity[f.severity] += 1
            if f.severity != "error":
                continue
            per_doc[rel] += 1
            match = next((e for e in reviewed[d.source.sha256] if _matches(e, f)), None)
            verdict = "unreviewed" if match is None else ("true" if match["verdict"] else "false")
            per_rule[f.rule][verdict] += 1
            if match is None:
                print(f"UNREVIEWED {rel} {f.rule} {f.table} {f.code or f.row} {f.expected} {f.observed}")
                stubs.append({"document": rel, "sha256": d.source.sha256, "rule": f.rule, "table": f.table,
                              "code_or_row": f.code or (name_key(f.row) if f.row else None), "column": f.column,
                              "expected": f.expected, "observed": f.observed, "page": f.location.page,
                              "paragraph": f.location.paragraph, "verdict": None, "status": "open",
                              "reason": f.message})
    n = len(disclosures)
    total = sum(per_doc.values())
    true = sum(c["true"] for c in per_rule.values())
    false = sum(c["false"] for c in per_rule.values())
    unrev = sum(c["unreviewed"] for c in per_rule.values())
    regions = Counter(region for _, region, _ in items)
    print(f"\nhalf {args.half}: {len(items)} files ({dict(regions)}), {n} disclosures; "
          f"findings by severity {dict(severity)}")
    print(f"errors {total}: true {true}, false {false}, unreviewed {unrev}; "
          f"{total / max(n, 1):.3f} errors per disclosure, {len(per_doc)} documents with errors")
    print(f"{'rule':40s} {'true':>5s} {'false':>6s} {'unrev.':>6s}")
    for rule, c in sorted(per_rule.items()):
        print(f"{rule:40s} {c['true']:5d} {c['false']:6d} {c['unreviewed']:6d}")
    print(f"\nfalse errors per disclosure: {false / max(n, 1):.3f}  (target ≤ 0.2); "
          f"unreviewed per disclosure: {unrev / max(n, 1):.3f}")
    print("errors per document:")
    for rel, k in per_doc.most_common():
        print(f"  {k:4d}  {rel}")
    if args.unreviewed:
        args.unreviewed.write_text(yaml.safe_dump({"reviewed": stubs}, allow_unicode=True, sort_keys=False),
                                   encoding="utf-8")


if __name__ == "__main__":
    main()
