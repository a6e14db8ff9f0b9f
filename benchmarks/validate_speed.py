"""Time validate() over 1, 10, 100, 1000 documents; print the per-document and marginal cost.

    .venv/bin/python benchmarks/validate_speed.py [MAX_DOCS] [--corpus CACHE_DIR]

By default the documents are copies of the seed disclosure as extraction reads its DOCX rendering
(demo/files, the demo's own file). With --corpus, real documents are
used, cycled from the pickled extraction cache that benchmarks/corpus_findings.py writes
(default /tmp/budgetqa-corpus-docs). Marginal = extra seconds per extra document between two
sizes, so the fixed cost (GX context, one batch per rule) is left out.
"""

from __future__ import annotations

import argparse
import copy
import pickle
import time
from pathlib import Path

from domain.model import Document
from expectations import validate
from extract import extract_file

SEED = Path(__file__).resolve().parents[1] / "demo" / "files" / "杜集区政府办公室2021年部门预算.docx"


def corpus_documents(cache: Path) -> list[Document]:
    docs = [d for p in sorted(cache.glob("*.pkl")) for d in pickle.loads(p.read_bytes()) if d.status == "ok"]
    if not docs:
        raise SystemExit(f"no pickled documents in {cache}: run benchmarks/corpus_findings.py first")
    return docs


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("max_docs", nargs="?", type=int, default=1000)
    ap.add_argument("--corpus", nargs="?", const="/tmp/budgetqa-corpus-docs", default=None)
    args = ap.parse_args()
    pool = corpus_documents(Path(args.corpus)) if args.corpus else extract_file(SEED)

    def batch(n: int) -> list[Document]:
        return [copy.copy(pool[i % len(pool)]) for i in range(n)]  # shallow copies: distinct objects, same frames

    print(f"documents: {'corpus cache ' + args.corpus if args.corpus else 'seed copies'}")
    validate(batch(1))  # warm imports (GX takes seconds to import)
    previous: tuple[int, float] | None = None
    for n in (1, 10, 100, 1000):
        if n > args.max_docs:
            break
        docs = batch(n)
        start = time.perf_counter()
        findings = validate(docs)
        secs = time.perf_counter() - start
        marginal = (secs - previous[1]) / (n - previous[0]) if previous else float("nan")
        print(f"{n:5d} documents  {secs:8.2f} s  {sum(map(len, findings)):6d} findings  "
              f"{1000 * secs / n:8.1f} ms/doc  marginal {1000 * marginal:8.1f} ms/doc")
        previous = (n, secs)


if __name__ == "__main__":
    main()
