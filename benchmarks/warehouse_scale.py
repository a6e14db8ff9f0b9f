"""The warehouse at the scale of every county-level government: a synthetic warehouse of N documents
(default 340,000, one year's disclosures of ~2,850 counties) on DuckDB and/or PostgreSQL.

Prints the write rate (batches of --batch documents per transaction, and one document per
transaction as `check`/`run` commit), the size on disk, and the times of the report's queries:
rankings of one year (all regions, and one region), one department's history, the findings of one
rule. 1% of the documents are then republished with new bytes (new versions) in a later run.

    python -m benchmarks.warehouse_scale --n 340000 --engine duckdb --duckdb /tmp/wh.duckdb
    python -m benchmarks.warehouse_scale --n 50000 --engine postgresql --postgresql postgresql://…
"""

from __future__ import annotations

import argparse
import hashlib
import os
import random
import time
from collections.abc import Iterator
from pathlib import Path

import polars as pl

from domain.model import CATEGORIES, Document, Finding, Location, Scorecard, SourceFile, Table
from report.rankings import department_rankings
from warehouse import Warehouse

YEARS = (2023, 2024, 2025)
KINDS = ("budget", "final_accounts")
DEPARTMENTS = 40  # per region; × years × kinds = 240 documents per region
RULES = ("arithmetic.column_total", "arithmetic.rounding", "code.parent_prefix", "code.catalog_name",
         "completeness.required_table", "cross_table.totals", "narrative.share_rounding", "format.trailing_dot",
         "format.heading_year", "completeness.three_public", "cross_table.three_public", "narrative.amount_matches")
GRADES = ((90, "A"), (80, "B"), (70, "C"), (60, "D"), (0, "E"))
EMPTY = pl.DataFrame()


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def synthetic(i: int, version: int = 0, rng: random.Random | None = None) -> Document:
    """Document i: region i // 240, one of 40 departments, 3 years, 2 kinds; 0–6 findings."""
    rng = rng or random.Random(i * 7 + version)
    region, rest = divmod(i, DEPARTMENTS * len(YEARS) * len(KINDS))
    dept, rest = divmod(rest, len(YEARS) * len(KINDS))
    year, kind = YEARS[rest // len(KINDS)], KINDS[rest % len(KINDS)]
    name = f"县{region:04d}"
    url = f"http://czj.{region:04d}.gov.cn/{year}/{kind}/{dept}.pdf"
    findings = [Finding(rule=(rule := rng.choice(RULES)), category=rule.split(".")[0],
                        severity=rng.choice(("error", "warning", "warning", "info")), table="gpb_expenditure",
                        message="合成问题 / synthetic finding", code="2010301", row="行政运行", column="total",
                        expected="100.00", observed="100.01", location=Location(page=rng.randint(1, 30),
                                                                                bbox=[72.0, 400.0, 520.0, 412.0]))
                for _ in range(rng.randint(0, 6))]
    score = round(max(0.0, 100 - 6 * sum(f.severity == "error" for f in findings) - rng.random() * 10), 1)
    counts = {s: sum(f.severity == s for f in findings) for s in ("error", "warning", "info")}
    return Document(
        source=SourceFile(path=f"/raw/{_sha(url + str(version))[:2]}/{i}-{version}.pdf",
                          sha256=_sha(f"{url}#{version}"), format="pdf", url=url),
        department=f"{name}部门{dept:02d}", region=name, year=year, kind=kind, unit="万元",
        tables=[Table(kind="gpb_expenditure", title="一般公共预算支出表", number=2, unit="万元", pages=[3], rows=EMPTY)],
        findings=findings, page_count=rng.randint(10, 40),
        scorecard=Scorecard(score=score, grade=next(g for floor, g in GRADES if score >= floor),
                            categories={c: round(100 - rng.random() * 20, 1) for c in CATEGORIES}, counts=counts),
    )


def batches(n: int, size: int) -> Iterator[list[Document]]:
    for start in range(0, n, size):
        yield [synthetic(i) for i in range(start, min(n, start + size))]


def size_on_disk(wh: Warehouse, url: str) -> int:
    if wh.conn.dialect == "postgresql":
        return wh.conn.query("SELECT pg_database_size(current_database()) AS n")[0]["n"]
    path = Path(url.removeprefix("duckdb://"))
    return sum(p.stat().st_size for p in (path, path.with_name(path.name + ".wal")) if p.exists())


def timed(label: str, fn, repeat: int = 3) -> tuple[str, float, int]:
    best, rows = float("inf"), 0
    for _ in range(repeat):
        start = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - start)
        rows = len(out)
    print(f"  {label:<44} {best * 1000:9.1f} ms  ({rows} rows)", flush=True)
    return label, best, rows


def bench(url: str, n: int, batch: int) -> dict:
    print(f"== {url.split('@')[-1]}  n={n:,}", flush=True)
    results: dict = {"n": n}
    with Warehouse.open(url) as wh:
        start = time.perf_counter()
        done = 0
        for i, docs in enumerate(batches(n, batch)):
            wh.save_documents(docs, run_id="bench-1")
            done += len(docs)
            if i % 50 == 0:
                print(f"  stored {done:,} ({done / (time.perf_counter() - start):,.0f} docs/s)", flush=True)
        elapsed = time.perf_counter() - start
        results["write_docs_per_s"] = n / elapsed
        print(f"  write: {n:,} documents in {elapsed:,.1f} s = {n / elapsed:,.0f} documents/s "
              f"(batches of {batch})", flush=True)
        # new versions: 1% republished with new bytes at the same URL, one document per transaction
        rng = random.Random(1)
        sample = sorted(rng.sample(range(n), max(1, n // 100)))
        start = time.perf_counter()
        for i in sample[:500]:
            wh.save_documents([synthetic(i, version=1)], run_id="bench-2")
        per_doc = min(500, len(sample)) / (time.perf_counter() - start)
        results["single_docs_per_s"] = per_doc
        print(f"  write, one document per transaction (new versions): {per_doc:,.0f} documents/s", flush=True)
        for chunk in range(500, len(sample), batch):
            wh.save_documents([synthetic(i, version=1) for i in sample[chunk: chunk + batch]], run_id="bench-2")
        current = wh.conn.query("SELECT COUNT(*) AS n FROM documents WHERE superseded_by IS NULL")[0]["n"]
        total = wh.conn.query("SELECT COUNT(*) AS n FROM documents")[0]["n"]
        findings = wh.conn.query("SELECT COUNT(*) AS n FROM findings")[0]["n"]
        print(f"  rows: documents {total:,} ({current:,} current), findings {findings:,}", flush=True)
        results["size_bytes"] = size_on_disk(wh, url)
        print(f"  size on disk: {results['size_bytes'] / 1e6:,.1f} MB", flush=True)
        region = synthetic(sample[0]).region
        dept = synthetic(sample[0]).department
        results["queries"] = [
            timed("rankings, one year, all regions", lambda: department_rankings(wh.scorecards(), year=2024), repeat=1),
            timed(f"rankings, one year, one region ({region})", lambda: department_rankings(wh.scorecards(region=region), year=2024)),
            timed(f"one department's history ({dept})", lambda: wh.department_history(dept, region)),
            timed("findings of one rule (code.parent_prefix)", lambda: wh.findings(rule="code.parent_prefix"), repeat=1),
            timed("scorecards, one region", lambda: wh.scorecards(region=region)),
        ]
    return results


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=340_000, help="documents (default 340,000)")
    parser.add_argument("--batch", type=int, default=1000, help="documents per transaction (default 1,000)")
    parser.add_argument("--engine", choices=("duckdb", "postgresql", "both"), default="duckdb")
    parser.add_argument("--duckdb", default="var/bench/warehouse_scale.duckdb", help="DuckDB file (replaced)")
    parser.add_argument("--postgresql", default=os.environ.get("BUDGETQA_BENCH_PG"),
                        help="an empty PostgreSQL database URL (or BUDGETQA_BENCH_PG)")
    args = parser.parse_args(argv)
    if args.engine in ("duckdb", "both"):
        path = Path(args.duckdb).resolve()
        path.parent.mkdir(parents=True, exist_ok=True)
        for p in (path, path.with_name(path.name + ".wal")):
            p.unlink(missing_ok=True)
        bench(f"duckdb://{path}", args.n, args.batch)
    if args.engine in ("postgresql", "both"):
        if not args.postgresql:
            parser.error("--postgresql URL (an empty database) is needed for PostgreSQL")
        bench(args.postgresql, args.n, args.batch)


if __name__ == "__main__":
    main()
