"""Every rule's check frame over a fixed set of documents, dumped to Parquet and compared with a
baseline: a refactoring of the check-frame builders must leave the frames identical.

    python benchmarks/check_frames_diff.py dump  OUT_DIR   # extract (cached) and dump each rule's frame
    python benchmarks/check_frames_diff.py diff  BASE_DIR OUT_DIR   # compare two dumps, rule by rule

The documents: the tuning half of the real corpus (上海, 上海市普陀区, 江苏, 苏州, 杭州 — never 北京 or 深圳,
the held-out half), the seed disclosure as DOCX/XLSX/PDF and the generated 决算 (clean in the three
formats, each defect variant as XLSX), each also with its amounts nudged (`perturbed`). Extractions are pickled under --cache (default
/tmp/budgetqa-frames-docs), so a dump after the first only builds the frames.
"""

from __future__ import annotations

import argparse
import os
import pickle
import sys
import tempfile
from pathlib import Path

import polars as pl

SHARED = Path(os.environ.get("BUDGETQA_SHARED", Path(__file__).resolve().parents[2] / "shared")) / "corpus"
# tuning-half folders only (tests/data/corpus_review/split.yaml)
REAL_GLOBS = [
    "real/renwu/001_上海/*.pdf", "real/renwu/006_苏州/*.pdf", "real/renwu/008_杭州/*.pdf",
    "real/open-budget/江苏*/*.pdf",
    "real2/gbc/上海市普陀区/*", "real2/renwu_history/001_上海/*", "real2/renwu_history/006_苏州/*",
    "real2/homework2/杭州市/*", "real2/tianbaoxitong/上海市/*", "real2/tianbaoxitong/上海市普陀区/*",
]
HELD_OUT = ("北京", "深圳")


def real_files() -> list[Path]:
    files = sorted({p for g in REAL_GLOBS for p in SHARED.glob(g) if p.is_file()})
    return [p for p in files if not any(h in str(p) for h in HELD_OUT)]


def generated_files(folder: Path) -> list[Path]:
    from samples import final_accounts_docs as fa
    from samples.seed_docs import build_seed_docx, build_seed_pdf, build_seed_xlsx

    cache = folder / "lo-cache"
    out = [build_seed_docx(folder / "seed.docx"), build_seed_xlsx(folder / "seed.xlsx"),
           build_seed_pdf(folder / "seed.pdf", cache)]
    out += [fa.build(folder / f"final.{fmt}", fmt, cache_dir=cache) for fmt in fa.FORMATS]
    out += [fa.build(folder / f"final_{d.name}.xlsx", "xlsx", d.ledger) for d in fa.defects()]
    return out


def documents(cache: Path) -> list:
    """The extracted documents, in a fixed order; each file's extraction pickled under `cache`."""
    from extract import extract_file

    cache.mkdir(parents=True, exist_ok=True)
    gen = cache / "generated"
    gen.mkdir(exist_ok=True)
    if not (cache / "generated.done").exists():
        generated_files(gen)
        (cache / "generated.done").touch()
    paths = real_files() + sorted(p for p in gen.iterdir() if p.is_file() and p.suffix in (".docx", ".xlsx", ".pdf"))
    docs = []
    for i, path in enumerate(paths):
        key = cache / (str(path.relative_to(SHARED) if path.is_relative_to(SHARED) else path.name)
                       .replace("/", "__") + ".pkl")
        if not key.exists():
            print(f"[{i + 1}/{len(paths)}] extract {path}", file=sys.stderr, flush=True)
            key.write_bytes(pickle.dumps(extract_file(path)))
        docs += [d for d in pickle.loads(key.read_bytes()) if d.status == "ok"]
    return docs


def perturbed(doc):  # noqa: ANN001, ANN201 — a Document
    """A copy of the document whose amounts are nudged on some rows (+0.006 where row % 5 == 1,
    −0.3 where row % 7 == 2, an amount blanked where row % 11 == 3): sums off by a rounding step
    or more, and empty cells, so the rules' failing and rounding branches are compared too."""
    import copy
    import dataclasses

    out = copy.copy(doc)
    tables = []
    for table in doc.tables:
        rows = table.rows
        r = pl.col("row")
        nudged = rows.with_columns([
            pl.when(r % 11 == 3).then(None).when(r % 5 == 1).then(pl.col(m) + 0.006)
            .when(r % 7 == 2).then(pl.col(m) - 0.3).otherwise(pl.col(m)).alias(m)
            for m in table.measures if m in rows.columns and rows[m].dtype == pl.Float64])
        tables.append(dataclasses.replace(table, rows=nudged))
    out.tables = tables
    return out


def dump(out: Path, cache: Path) -> None:
    from expectations.frames import Derived
    from expectations.rules import RULES

    docs = documents(cache)
    docs += [perturbed(d) for d in docs]
    out.mkdir(parents=True, exist_ok=True)
    for stale in out.glob("*.parquet"):
        stale.unlink()
    derived = Derived()
    total = 0
    for rule in RULES:
        frame = derived.frame(rule.build, docs)
        frame.write_parquet(out / f"{rule.id}.parquet")
        total += frame.height
    print(f"{len(docs)} documents, {len(RULES)} rules, {total} check rows → {out}")


def diff(base: Path, new: Path) -> int:
    bad = 0
    total = 0
    for path in sorted(base.glob("*.parquet")):
        a = pl.read_parquet(path)
        other = new / path.name
        if not other.exists():
            print(f"MISSING {path.stem}")
            bad += 1
            continue
        b = pl.read_parquet(other)
        total += a.height
        if a.schema != b.schema or not a.equals(b, null_equal=True):
            bad += 1
            print(f"DIFF {path.stem}: {a.height} vs {b.height} rows")
            if a.schema == b.schema and a.height == b.height:
                mism = a.with_row_index("i").join(b.with_row_index("i"), on="i", suffix="_new")
                for c in a.columns:
                    neq = mism.filter(~pl.col(c).eq_missing(pl.col(f"{c}_new")))
                    if neq.height:
                        print(f"  column {c}: {neq.height} rows differ, e.g.",
                              neq.select("i", c, f"{c}_new").head(3).rows())
    print(f"{total} rows over {len(list(base.glob('*.parquet')))} rules compared; {bad} rules differ")
    return 1 if bad else 0


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("command", choices=("dump", "diff"))
    ap.add_argument("paths", nargs="+", type=Path)
    ap.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "budgetqa-frames-docs")
    args = ap.parse_args()
    if args.command == "dump":
        dump(args.paths[0], args.cache)
    else:
        sys.exit(diff(args.paths[0], args.paths[1]))


if __name__ == "__main__":
    main()
