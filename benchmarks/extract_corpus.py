"""Extract every file of the real corpus through `extract.extract_many`; print what each one yields.

    .venv/bin/python benchmarks/extract_corpus.py [CORPUS_DIR] [--workers 2] [--timeout 300]
        [--grep 江苏] [--json /tmp/extract-corpus.json]

Per document: status, pages, department / year / kind read from the content (and whether the
file name names another department), the table kinds found, duplicates (same sha256) and errors.
Then the readable documents that lack one of the tables every 部门预算 / 部门决算 publishes.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from domain.formats import DOCUMENT_FORMATS  # noqa: E402
from domain.model import TABLE_KINDS  # noqa: E402
from extract import extract_many  # noqa: E402

DEFAULT = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "real"
SUFFIXES = {f".{f}" for f in DOCUMENT_FORMATS}
# The tables a complete disclosure always has (others, e.g. 政府性基金, may be legitimately absent).
CORE = {
    "budget": ("overall_summary", "income_summary", "expenditure_summary", "fiscal_summary", "gpb_expenditure",
               "gpb_basic_expenditure", "three_public"),
    "final_accounts": ("fa_overall_summary", "fa_income", "fa_expenditure", "fa_fiscal_summary",
                       "fa_gpb_expenditure", "fa_gpb_basic_expenditure", "fa_three_public"),
}
SHORT = {k: k.replace("expenditure", "exp").replace("summary", "sum") for k in TABLE_KINDS}


def _name_mismatch(path: str, department: str | None) -> bool:
    """The file name names a unit, and the content names a different one."""
    if not department:
        return False
    stem = re.sub(r"\d{4}年?(度)?|部门|预算|决算|公开|文件|表格?|_|\.pdf", "", Path(path).name)
    core = department.removeprefix("中共").removesuffix("办公厅")
    return bool(stem) and core[:4] not in stem and stem[:4] not in department


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("corpus", nargs="?", type=Path, default=DEFAULT)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--timeout", type=float, default=300)
    ap.add_argument("--grep", default="")
    ap.add_argument("--json", type=Path, help="write the per-document results here")
    a = ap.parse_args()
    files = sorted(p for p in a.corpus.rglob("*") if p.suffix.lower() in SUFFIXES and a.grep in str(p))
    t0 = time.perf_counter()
    docs = extract_many(files, workers=a.workers, timeout=a.timeout,
                        progress=lambda d, n, p: print(f"\r[{d}/{n}]", end="", file=sys.stderr, flush=True))
    wall = time.perf_counter() - t0
    print(file=sys.stderr)
    rows = []
    print(f"{'status':<16} {'pages':>5} {'year':>4} {'kind':<6} department | tables | document")
    for d in docs:
        rel = str(Path(d.source.path).relative_to(a.corpus)) if d.source.path.startswith(str(a.corpus)) else d.source.path
        kinds = [t.kind for t in d.tables]
        dup = Path(d.duplicate_of).name if d.duplicate_of else None
        mismatch = _name_mismatch(rel, d.department)
        row = {"path": rel, "status": d.status, "error": d.error, "pages": d.page_count, "department": d.department,
               "year": d.year, "kind": d.kind, "tables": kinds, "duplicate_of": dup, "name_mismatch": mismatch,
               "missing": [k for k in CORE.get(d.kind or "", ()) if k not in kinds] if d.status == "ok" else []}
        rows.append(row)
        flag = " [DUP of " + dup + "]" if dup else ""
        flag += " [name≠content]" if mismatch else ""
        tail = f"  {d.error[:90]}" if d.error else ""
        print(f"{d.status:<16} {d.page_count or 0:>5} {d.year or '-':>4} {(d.kind or '-')[:6]:<6} "
              f"{d.department or '?'} | {' '.join(SHORT.get(k, str(k)) for k in kinds) or '-'} | {rel}{flag}{tail}")
    statuses = Counter(r["status"] for r in rows)
    ok = [r for r in rows if r["status"] == "ok"]
    print(f"\ndocuments {len(rows)}  distinct {len(rows) - sum(1 for r in rows if r['duplicate_of'])}  "
          f"statuses {dict(statuses)}  tables {sum(len(r['tables']) for r in rows)}  "
          f"pages {sum(r['pages'] or 0 for r in rows)}")
    print(f"ok without department {sum(1 for r in ok if not r['department'])}  without year "
          f"{sum(1 for r in ok if not r['year'])}  without kind {sum(1 for r in ok if not r['kind'])}  "
          f"file name ≠ content {sum(1 for r in rows if r['name_mismatch'])}")
    print("\nreadable documents missing a core table (text-only files hold none):")
    for r in ok:
        if r["missing"] and not r["duplicate_of"]:
            what = "no tables" if not r["tables"] else "missing " + " ".join(SHORT[k] for k in r["missing"])
            print(f"  {r['path']}: {what}")
    doubled = [(r["path"], k) for r in ok for k, n in Counter(r["tables"]).items() if n > 1]
    if doubled:
        print("\ntable kinds found more than once in one document:")
        for path, k in doubled:
            print(f"  {path}: {k}")
    print(f"\nwall {wall:.1f}s  workers {a.workers}  {sum(r['pages'] or 0 for r in rows) / max(wall, 1e-9):.1f} pages/s")
    if a.json:
        a.json.write_text(json.dumps(rows, ensure_ascii=False, indent=1), "utf-8")


if __name__ == "__main__":
    main()
