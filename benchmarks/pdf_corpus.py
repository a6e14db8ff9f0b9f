"""Read every PDF of the real corpus with `read_pdf`; print per-document and total figures.

    .venv/bin/python benchmarks/pdf_corpus.py [CORPUS_DIR] [--jobs 2] [--grep 上海]

Per document: pages, grids, grid rows, multi-page grids, paragraphs, status/error, seconds.
"""

from __future__ import annotations

import argparse
import sys
import time
from multiprocessing import Pool
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from extract.grid import ReadError  # noqa: E402
from extract.pdf import read_pdf  # noqa: E402

DEFAULT = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "real"


def one(path: Path) -> dict:
    t0 = time.perf_counter()
    row = {"path": path, "pages": 0, "grids": 0, "rows": 0, "joined": 0, "paras": 0, "status": "ok", "error": ""}
    try:
        r = read_pdf(path)
        row.update(
            pages=r.page_count or 0,
            grids=len(r.grids),
            rows=sum(g.matrix().__len__() for g in r.grids),
            joined=sum(1 for g in r.grids if len(g.pages) > 1),
            paras=len(r.paragraphs),
            producer=r.producer or "",
        )
    except ReadError as e:
        row.update(status=e.status, error=e.reason)
    except Exception as e:  # a crash is a bug in the reader: report it, keep going
        row.update(status="CRASH", error=f"{type(e).__name__}: {e}")
    row["seconds"] = time.perf_counter() - t0
    return row


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("corpus", nargs="?", type=Path, default=DEFAULT)
    ap.add_argument("--jobs", type=int, default=1, help="worker processes (documents in parallel)")
    ap.add_argument("--grep", default="", help="only paths containing this text")
    a = ap.parse_args()
    files = sorted(p for p in a.corpus.rglob("*.pdf") if a.grep in str(p))
    t0 = time.perf_counter()
    if a.jobs > 1:
        with Pool(a.jobs) as pool:
            rows = pool.map(one, files, chunksize=1)
    else:
        rows = [one(p) for p in files]
    wall = time.perf_counter() - t0
    print(f"{'pages':>5} {'grids':>5} {'rows':>5} {'join':>4} {'paras':>5} {'sec':>6}  status  document")
    for r in rows:
        rel = r["path"].relative_to(a.corpus) if r["path"].is_relative_to(a.corpus) else r["path"]
        err = f"  {r['error'][:80]}" if r["error"] else ""
        print(
            f"{r['pages']:>5} {r['grids']:>5} {r['rows']:>5} {r['joined']:>4} {r['paras']:>5} "
            f"{r['seconds']:>6.2f}  {r['status']:<6}  {rel}{err}"
        )
    ok = [r for r in rows if r["status"] == "ok"]
    no_grid = [r for r in ok if r["grids"] == 0]
    pages = sum(r["pages"] for r in rows)
    print(
        f"\ndocuments {len(rows)}  ok {len(ok)}  errors {len(rows) - len(ok)}  "
        f"ok-without-tables {len(no_grid)}  pages {pages}  grids {sum(r['grids'] for r in rows)}  "
        f"rows {sum(r['rows'] for r in rows)}  multi-page grids {sum(r['joined'] for r in rows)}"
    )
    cpu = sum(r["seconds"] for r in rows)
    print(f"wall {wall:.1f}s  cpu-sum {cpu:.1f}s  {pages / max(wall, 1e-9):.1f} pages/s wall  jobs {a.jobs}")


if __name__ == "__main__":
    main()
