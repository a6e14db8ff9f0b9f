"""Pages/second of `read_pdf` vs plain pdfplumber `page.extract_tables()` on the same files.

    .venv/bin/python benchmarks/pdf_speed.py [FILES_OR_DIRS...] [--limit 20] [--jobs 2]

Prints both rates, their ratio and the peak resident memory (ru_maxrss) of each worker.
With --jobs N the documents are spread over N processes (both readers alike).
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from multiprocessing import Pool
from pathlib import Path

import pdfplumber

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from extract.grid import ReadError  # noqa: E402
from extract.pdf import read_pdf  # noqa: E402

DEFAULT = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "real"


def plain(path: Path) -> tuple[int, float, int]:
    t0 = time.perf_counter()
    n = 0
    with pdfplumber.open(path) as pdf:
        for page in pdf.pages:
            page.extract_tables()
            page.close()
            n += 1
    return n, time.perf_counter() - t0, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def ours(path: Path) -> tuple[int, float, int]:
    t0 = time.perf_counter()
    try:
        n = read_pdf(path).page_count or 0
    except ReadError:
        n = 0
    return n, time.perf_counter() - t0, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def run(fn, files: list[Path], jobs: int) -> tuple[int, float, float, int]:
    t0 = time.perf_counter()
    if jobs > 1:
        with Pool(jobs) as pool:  # fresh workers per reader, so peak memory is per reader
            res = pool.map(fn, files, chunksize=1)
    else:
        res = [fn(p) for p in files]
    wall = time.perf_counter() - t0
    return sum(r[0] for r in res), sum(r[1] for r in res), wall, max(r[2] for r in res)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("paths", nargs="*", type=Path, default=[DEFAULT])
    ap.add_argument("--limit", type=int, default=0, help="at most this many files (0 = all)")
    ap.add_argument("--jobs", type=int, default=1)
    a = ap.parse_args()
    files = sorted(f for p in a.paths for f in ([p] if p.is_file() else p.rglob("*.pdf")))
    if a.limit:
        files = files[: a.limit]
    print(f"{len(files)} files, jobs {a.jobs}")
    rows = {}
    for name, fn in (("pdfplumber extract_tables", plain), ("read_pdf", ours)):
        pages, cpu, wall, rss = run(fn, files, a.jobs)
        rows[name] = pages / max(cpu, 1e-9)
        print(
            f"{name:<26} pages {pages:>5}  cpu {cpu:7.1f}s  wall {wall:7.1f}s  "
            f"{pages / max(cpu, 1e-9):6.1f} pages/s/core  {pages / max(wall, 1e-9):6.1f} pages/s wall  "
            f"peak rss {rss / 1024:.0f} MiB"
        )
    ratio = rows["read_pdf"] / max(rows["pdfplumber extract_tables"], 1e-9)
    print(f"read_pdf speed / plain extract_tables speed = {ratio:.2f}")


if __name__ == "__main__":
    main()
