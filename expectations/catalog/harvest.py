"""Extend the catalog from real disclosures: codes the compiled catalog lacks, whose name is the
same (after normalisation) in at least two departments' published tables.

    python -m expectations.catalog.harvest [CORPUS_DIR] [--cache DIR]

Writes expectations/catalog/corpus.csv (same columns as catalog.csv) with status R — "seen in
real disclosures, consistent across departments" — and evidence `R:<departments>:<years>`. Such
rows are never SURE: a name that contradicts them is at most a warning.
"""

from __future__ import annotations

import argparse
import pickle
import re
from collections import defaultdict
from pathlib import Path

import polars as pl

from domain.model import Document
from domain.names import name_key
from expectations import catalog

TARGET = Path(__file__).with_name("corpus.csv")
CODE = re.compile(r"\d{3}|\d{5}|\d{7}")
MIN_DEPARTMENTS = 2
MIN_SHARE = 0.66  # of the code's appearances that carry the winning name


def harvest(documents: list[Document]) -> pl.DataFrame:
    """The rows to add: one per code absent from the compiled catalog with a consistent name."""
    seen: dict[str, dict[str, set[tuple[str | None, int | None]]]] = defaultdict(lambda: defaultdict(set))
    for doc in documents:
        if doc.status != "ok" or doc.duplicate_of:
            continue
        for table in doc.tables:
            if "code" not in table.rows.columns:
                continue
            for code, name in table.rows.select("code", "name").iter_rows():
                if code and name and CODE.fullmatch(code):
                    seen[code][name_key(name)].add((doc.department, doc.year))
    rows = []
    for code, names in sorted(seen.items()):
        system = catalog.system_of(code, None)
        if code in catalog.entries(system, compiled_only=True):
            continue
        name, where = max(names.items(), key=lambda kv: (len(kv[1]), kv[0]))
        departments = {d for d, _ in where if d}
        if len(departments) < MIN_DEPARTMENTS or len(where) < MIN_SHARE * sum(len(v) for v in names.values()):
            continue
        years = sorted({y for _, y in where if y})
        rows.append({
            "system": system, "code": code, "name": name, "level": {3: 1, 5: 2, 7: 3}[len(code)],
            "parent_code": code[:-2] if len(code) > 3 else None,
            "year": f"corpus_{years[0]}-{years[-1]}" if years else "corpus",
            "status": "R", "evidence": f"R:{len(departments)}:{','.join(map(str, years))}", "source_file": "corpus",
        })
    return pl.DataFrame(rows, schema=catalog.COLUMNS)


def _documents(corpus: Path, cache: Path | None) -> list[Document]:
    if cache and cache.is_dir() and any(cache.iterdir()):
        docs = []
        for f in sorted(cache.iterdir()):
            loaded = pickle.loads(f.read_bytes())
            docs.extend(loaded if isinstance(loaded, list) else [loaded])
        return docs
    from extract import extract_many

    return extract_many(sorted(p for p in corpus.rglob("*.pdf")), workers=2)


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("corpus", nargs="?", default=str(Path(__file__).resolve().parents[3] / "shared" / "corpus" / "real"))
    ap.add_argument("--cache", help="folder of pickled extracted Documents (benchmarks/corpus_findings.py --cache)")
    args = ap.parse_args()
    frame = harvest(_documents(Path(args.corpus), Path(args.cache) if args.cache else None))
    frame.write_csv(TARGET)
    print(f"wrote {TARGET}: {frame.height} codes")
