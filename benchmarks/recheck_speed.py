"""Time `budgetqa check --recheck` from the stored extraction against re-reading the files, and
measure what the stored extraction adds to the warehouse per document.

    .venv/bin/python -m benchmarks.recheck_speed [N] [--postgresql URL]

N real PDFs of the tuning half (上海, 苏州, 杭州 in turn; default 10) are copied to a temp folder and
checked into a fresh DuckDB warehouse (the first check), then checked again with `--recheck` (from the
stored extraction, files not read) and with `--recheck --reextract` (files read again). Each is the
real command in a subprocess (interpreter start and Great Expectations set-up included).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from warehouse import Warehouse

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("BUDGETQA_SHARED", REPO.parent / "shared"))
TUNING = ("corpus/real/renwu/001_上海", "corpus/real/renwu/006_苏州", "corpus/real/renwu/008_杭州")


def tuning_pdfs(n: int) -> list[Path]:
    pools = [sorted((SHARED / d).glob("*.pdf")) for d in TUNING]
    out: list[Path] = []
    for i in range(max(len(p) for p in pools)):
        out += [p[i] for p in pools if i < len(p)]
    return out[:n]


def timed(*args: str) -> float:
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "budgetqa", *args], cwd=REPO, capture_output=True, text=True,
                          env={**os.environ, "BUDGETQA_WORKERS": "2"})
    if done.returncode != 0:
        raise SystemExit(done.stderr)
    return time.perf_counter() - start


def sizes(url: str, tmp: Path, copies: int = 10) -> dict[str, float]:
    """Per document: the stored extraction's JSON (frames, paragraphs) and the grid it replaces, and
    the DuckDB file size with the extraction stored (migration 7) and with the grid only (as
    migration 6 stored it), over `copies` copies of each document (other sha256) to spread the
    file's fixed overhead."""
    import copy
    import hashlib

    from orchestration.jobs import check_documents
    from warehouse import store
    from warehouse.extraction import frames_json
    from warehouse.store import grid_json

    with Warehouse.open(url) as wh:
        start = time.perf_counter()
        docs = wh.load_documents(r["sha256"] for r in wh.current_sources())
        load = time.perf_counter() - start
    start = time.perf_counter()
    check_documents(docs)
    check = time.perf_counter() - start
    frames = sum(len(frames_json(t).encode()) for d in docs for t in d.tables) / len(docs)
    grid = sum(len(grid_json(t).encode()) for d in docs for t in d.tables) / len(docs)
    chars = sum(len(p.text) for d in docs for p in d.paragraphs) / len(docs)

    def grid_only(doc):  # what migration 6 stored: the grid, no frames, no paragraphs
        tables, _, _ = full(doc)
        return [(*t[:9], grid_json(doc.tables[t[1]]), None) for t in tables], [], None

    full = store.extraction_rows
    out = {"load": load, "check": check, "documents": len(docs), "frames": frames, "grid_before": grid, "paragraph_chars": chars,
           "paragraphs": sum(len(d.paragraphs) for d in docs) / len(docs)}
    for name, rows in (("file_v7", full), ("file_v6", grid_only)):
        db = tmp / f"{name}.duckdb"
        store.extraction_rows = rows
        try:
            with Warehouse.open(f"duckdb://{db}") as wh:
                for i in range(copies):
                    batch = []
                    for d in docs:
                        c = copy.copy(d)
                        c.source = copy.copy(d.source)
                        c.source.sha256 = hashlib.sha256(f"{d.source.sha256}{i}".encode()).hexdigest()
                        c.source.path = f"{d.source.path}#{i}"
                        batch.append(c)
                    wh.save_documents(batch, f"copy-{i}")
                wh.conn.execute("CHECKPOINT")
        finally:
            store.extraction_rows = full
        out[name] = db.stat().st_size / (copies * len(docs))
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("n", nargs="?", type=int, default=10)
    args = ap.parse_args()
    pdfs = tuning_pdfs(args.n)
    with tempfile.TemporaryDirectory(prefix="budgetqa-recheck-") as tmp:
        folder, db = Path(tmp) / "files", Path(tmp) / "wh.duckdb"
        folder.mkdir()
        for p in pdfs:
            shutil.copy(p, folder / p.name)
        url = f"duckdb://{db}"
        first = timed("check", str(folder), "--warehouse", url)
        size_after = db.stat().st_size
        stored = timed("check", str(folder), "--warehouse", url, "--recheck")
        whole = timed("check", "--warehouse", url, "--recheck")
        reread = timed("check", str(folder), "--warehouse", url, "--recheck", "--reextract")
        s = sizes(url, Path(tmp))
    print(f"{len(pdfs)} tuning-half PDFs ({s['documents']} documents), `budgetqa check` wall time:")
    print(f"  first check (read + validate + store)           {first:6.1f} s")
    print(f"  --recheck PATH, from the stored extraction      {stored:6.1f} s")
    print(f"  --recheck (whole warehouse, no path)            {whole:6.1f} s")
    print(f"  --recheck --reextract (files read again)        {reread:6.1f} s")
    print(f"in process: load_documents {s['load']:.2f} s for {s['documents']} documents; validate + score "
          f"{s['check']:.1f} s")
    print(f"stored per document: frames {s['frames'] / 1024:.1f} KiB of JSON (the grid it replaces: "
          f"{s['grid_before'] / 1024:.1f} KiB), {s['paragraphs']:.0f} paragraphs / {s['paragraph_chars']:.0f} chars; "
          f"DuckDB file after the first check {size_after / 2**20:.1f} MiB")
    print(f"DuckDB file per document ({10 * s['documents']} documents): {s['file_v7'] / 1024:.0f} KiB with the "
          f"extraction stored, {s['file_v6'] / 1024:.0f} KiB with the grid only (migration 6): "
          f"+{(s['file_v7'] - s['file_v6']) / 1024:.0f} KiB per document")


if __name__ == "__main__":
    main()
