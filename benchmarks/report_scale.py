"""The report site at scale: a synthetic warehouse of N documents (DuckDB), the site built from it.

    PYTHONPATH=. .venv/bin/python benchmarks/report_scale.py [--documents 50000] [--dir /tmp/report-scale]
        [--warehouse duckdb:///path/wh.duckdb]   # or measure the site of an existing warehouse

Prints the warehouse and site build times, the number of pages (HTML) and chunks (JS), the largest
page and chunk (raw and gzip), what the first page loads (index.html, its assets and the chunks its
default view asks for) and the site's total size. Every page must stay under 1 MB (gzip 200 KB)
whatever the number of documents.

The synthetic documents: `samples.warehouse_docs.synthetic` (5 years × budget and final accounts per
department, 10 departments per region at the three levels, seeded findings, some unreadable,
narrative-only or without a recognised department).
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import shutil
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from report import write_site  # noqa: E402
from samples.warehouse_docs import synthetic  # noqa: E402
from warehouse import Warehouse  # noqa: E402


def build_warehouse(url: str, n_documents: int) -> float:
    started = time.perf_counter()
    with Warehouse.open(url) as wh:
        run = wh.start_run("scale")
        batch: list = []
        for doc in synthetic(n_documents):
            batch.append(doc)
            if len(batch) == 2000:
                wh.save_documents(batch, run)
                batch = []
        if batch:
            wh.save_documents(batch, run)
        wh.finish_run(run, {"documents": n_documents})
    return time.perf_counter() - started


def measure(site: Path) -> dict:
    """Pages, chunks, the largest of each (raw, gzip), the first page's load, the total."""
    def weight(p: Path) -> tuple[int, int, str]:
        raw = p.read_bytes()
        return len(raw), len(gzip.compress(raw, 6)), p.relative_to(site).as_posix()

    pages = [weight(p) for p in site.rglob("*.html")]
    chunks = [weight(p) for p in site.rglob("*.js")]
    index = (site / "index.html").read_text(encoding="utf-8")
    manifest = json.loads(re.search(r'id="bq-manifest">(.*?)</script>', index, re.S).group(1))
    year = manifest["years"][0] if manifest["years"] else None
    first = [site / "index.html", site / "assets" / "style.css", site / "assets" / "bq.js"]
    if year is not None:  # what the default view loads: the region table and the first chunk
        first += [site / "v" / str(year) / "regions-all.js", site / "v" / str(year) / "all-all-0.js"]
    first_load = [weight(p) for p in first if p.exists()]
    return {"pages": len(pages), "chunks": len(chunks), "largest_page": max(pages), "largest_chunk": max(chunks, default=None),
            "first_load_raw": sum(w[0] for w in first_load), "first_load_gzip": sum(w[1] for w in first_load),
            "index": weight(site / "index.html"),
            "over_1mb": [w for w in pages + chunks if w[0] >= 1 << 20 or w[1] >= 200 << 10],
            "total": sum(p.stat().st_size for p in site.rglob("*") if p.is_file()),
            "files": sum(1 for p in site.rglob("*") if p.is_file())}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--documents", type=int, default=50_000)
    ap.add_argument("--dir", type=Path, default=Path("/tmp/report-scale"))
    ap.add_argument("--warehouse", help="measure the site of this warehouse instead of a synthetic one")
    args = ap.parse_args(argv)
    args.dir.mkdir(parents=True, exist_ok=True)
    url = args.warehouse
    if url is None:
        db = args.dir / f"synthetic-{args.documents}.duckdb"
        url = f"duckdb://{db}"
        if not db.exists():
            print(f"warehouse: {args.documents} synthetic documents … ", end="", flush=True)
            print(f"{build_warehouse(url, args.documents):.1f} s")
    site = args.dir / "site"
    if site.exists():
        shutil.rmtree(site)
    started = time.perf_counter()
    with Warehouse.open(url) as wh:
        n = len(wh.scorecards())
        write_site(wh, site)
    built = time.perf_counter() - started
    m = measure(site)
    kb = 1024
    print(f"site: {n} documents, built in {built:.1f} s; {m['pages']} pages, {m['chunks']} chunks, {m['files']} files, "
          f"{m['total'] / kb / kb:.1f} MB in all")
    print(f"  largest page {m['largest_page'][2]}: {m['largest_page'][0] / kb:.1f} KB (gzip {m['largest_page'][1] / kb:.1f} KB)")
    if m["largest_chunk"]:
        print(f"  largest chunk {m['largest_chunk'][2]}: {m['largest_chunk'][0] / kb:.1f} KB (gzip {m['largest_chunk'][1] / kb:.1f} KB)")
    print(f"  index.html {m['index'][0] / kb:.1f} KB (gzip {m['index'][1] / kb:.1f} KB); first page with its assets and "
          f"default chunks {m['first_load_raw'] / kb:.1f} KB (gzip {m['first_load_gzip'] / kb:.1f} KB)")
    print(f"  files over 1 MB or 200 KB gzipped: {len(m['over_1mb'])}"
          + "".join(f"\n    {w[2]} {w[0] / kb:.0f} KB (gzip {w[1] / kb:.0f} KB)" for w in sorted(m["over_1mb"], reverse=True)[:10]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
