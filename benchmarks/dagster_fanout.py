"""A nightly check of N documents through Dagster, fanned out over portal × year partitions with two
processes, against `budgetqa check` (two extraction workers) on the same files.

    python -m benchmarks.dagster_fanout [--n 1000] [--portals 5] [--pdf-share 0.25] [--work DIR]

The documents are variants of the demo's DOCX (demo/files): department, district and year changed
throughout, and a few table amounts moved at random, so each has its own sha256 and its own findings
(the seed's defects plus those the moved amounts make); a share of them is converted to PDF by
LibreOffice in one batch. Each (department, year) is used once, so no document supersedes another.

Dagster: the files are put in a raw store with crawl-log records as a crawl would leave them (the
crawl itself is not timed), then the project's `check` job (orchestration.definitions, multiprocess
executor) runs once per portal × year partition, two runs at a time — what the QueuedRunCoordinator
does with max_concurrent_runs 2 — each run extracting with one worker (BUDGETQA_WORKERS=1), into its
own DuckDB warehouse. `budgetqa check --warehouse` then reads the same files with two workers into
another DuckDB warehouse. GX results are kept by neither (BUDGETQA_GX_RESULTS=0). Printed: documents,
partitions, wall time, documents per second, peak RSS summed over the process tree (shared pages
counted in each process), and whether both warehouses hold the same documents with the same scores
and findings. Prints figures, asserts nothing.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SEED_DOCX = ROOT / "demo" / "files" / "杜集区政府办公室2021年部门预算.docx"
DISTRICTS = ("杜集区", "相山区", "烈山区", "濉溪县", "埇桥区", "砀山县", "萧县", "灵璧县", "泗县", "颍州区")
BUREAUS = ("政府办公室", "发展和改革委员会", "教育局", "科学技术局", "公安局", "民政局", "司法局", "财政局",
           "人力资源和社会保障局", "自然资源局", "生态环境局", "住房和城乡建设局", "交通运输局", "水利局",
           "农业农村局", "商务局", "文化旅游体育局", "卫生健康委员会", "退役军人事务局", "应急管理局", "审计局",
           "市场监督管理局", "统计局", "医疗保障局", "城市管理局", "林业局", "档案馆", "信访局",
           "机关事务管理局", "供销合作社")
YEARS = (2019, 2020, 2021, 2022)
NAMES = re.compile(r"杜集区政府办(?:公室)?|杜集区")
SEED_YEARS = re.compile(r"20(?:20|21)(?=年)")
AMOUNT = re.compile(r"^\d+(?:\.(\d+))?$")
BETA_WARNING = "Class `MultiToSingleDimensionPartitionMapping` is currently in beta"  # one per step process
MOVED_AMOUNTS = 3
MANIFEST = "manifest.json"  # what `generate` wrote: file, portal, year, department, format  # table amounts changed per document


@dataclass
class Generated:
    path: Path
    portal: str
    year: int
    department: str
    format: str


def _paragraphs(doc) -> list:
    """Every paragraph of the body and of the tables, each once (a merged cell repeats in row.cells)."""
    seen: set[int] = set()
    out = []
    for p in [*doc.paragraphs, *(p for t in doc.tables for row in t.rows for c in row.cells for p in c.paragraphs)]:
        if id(p._p) not in seen:
            seen.add(id(p._p))
            out.append(p)
    return out


def _set_text(paragraph, text: str) -> None:
    runs = paragraph.runs
    runs[0].text = text
    for run in runs[1:]:
        run.text = ""


def variant_docx(out: Path, department: str, district: str, year: int, rng: random.Random) -> None:
    """The demo DOCX with the department, district and year replaced and a few table amounts moved."""
    import docx

    doc = docx.Document(str(SEED_DOCX))
    names = {"杜集区政府办公室": department, "杜集区政府办": department, "杜集区": district}
    years = {"2021": str(year), "2020": str(year - 1)}
    for p in _paragraphs(doc):
        text = p.text
        new = SEED_YEARS.sub(lambda m: years[m.group()], NAMES.sub(lambda m: names[m.group()], text))
        if new != text and p.runs:
            _set_text(p, new)
    cells = [p for t in doc.tables for row in t.rows for c in row.cells for p in c.paragraphs
             if p.runs and AMOUNT.match(p.text.strip()) and float(p.text) > 0]
    unique = list({id(p._p): p for p in cells}.values())
    for p in rng.sample(unique, min(MOVED_AMOUNTS, len(unique))):
        match = AMOUNT.match(p.text.strip())
        decimals = len(match.group(1) or "")
        value = max(0.0, float(p.text) + rng.choice((-1, 1)) * rng.randint(1, 40) / 10 ** decimals)
        _set_text(p, f"{value:.{decimals}f}")
    doc.core_properties.title = f"{department}{year}年部门预算公开"
    doc.core_properties.author = department
    doc.save(str(out))


def to_pdf(docx_files: list[Path], outdir: Path, timeout: float = 3600) -> None:
    """Convert DOCX files to PDF with one LibreOffice process (its own profile)."""
    if not docx_files:
        return
    with tempfile.TemporaryDirectory(prefix="lo-fanout-") as tmp:
        cmd = [shutil.which("soffice") or "soffice", f"-env:UserInstallation={Path(tmp).as_uri()}", "--headless",
               "--invisible", "--norestore", "--nolockcheck", "--convert-to", "pdf", "--outdir", str(outdir),
               *map(str, docx_files)]
        subprocess.run(cmd, check=True, timeout=timeout, capture_output=True,
                       env={**os.environ, "HOME": tmp, "SAL_USE_VCLPLUGIN": "svp"})


def generate(folder: Path, n: int, portals: int, pdf_share: float, seed: int = 12) -> list[Generated]:
    """N distinct documents, one per (department, year); a department's portal is its district's."""
    if n > len(DISTRICTS) * len(BUREAUS) * len(YEARS):
        raise SystemExit(f"--n at most {len(DISTRICTS) * len(BUREAUS) * len(YEARS)}")
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    staging = folder / "pdf-sources"
    staging.mkdir(exist_ok=True)
    out: list[Generated] = []
    pdf_sources: list[Path] = []
    for i in range(n):
        year, d = YEARS[i % len(YEARS)], i // len(YEARS)
        district = DISTRICTS[d % len(DISTRICTS)]
        department = district + BUREAUS[d // len(DISTRICTS)]
        portal = f"bench{(d % len(DISTRICTS)) % portals + 1:02d}"
        fmt = "pdf" if rng.random() < pdf_share else "docx"
        name = f"{department}{year}年部门预算"
        target = folder / f"{name}.docx" if fmt == "docx" else staging / f"{name}.docx"
        variant_docx(target, department, district, year, rng)
        if fmt == "pdf":
            pdf_sources.append(target)
        out.append(Generated(folder / f"{name}.{fmt}", portal, year, department, fmt))
    to_pdf(pdf_sources, folder)
    shutil.rmtree(staging)
    manifest = [{"name": f.path.name, "portal": f.portal, "year": f.year, "department": f.department,
                 "format": f.format} for f in out]
    (folder / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=0), encoding="utf-8")
    return out


def generated(folder: Path) -> list[Generated]:
    """The documents an earlier `generate` left in `folder` (its manifest)."""
    return [Generated(folder / m["name"], m["portal"], m["year"], m["department"], m["format"])
            for m in json.loads((folder / MANIFEST).read_text(encoding="utf-8"))]


def stock_store(store: Path, files: list[Generated]) -> None:
    """Put the files in a raw store with the crawl-log records a crawl of their portals would write."""
    from dataclasses import asdict

    from crawler.report import CrawlRecord
    from crawler.store import open_store

    raw = open_store(store.as_uri())
    for f in files:
        sha, path, _ = raw.put(f.path.read_bytes(), f.format)
        raw.add_log(asdict(CrawlRecord(
            portal=f.portal, url=f"https://{f.portal}.example.gov.cn/{f.year}/{sha[:12]}.{f.format}", outcome="new",
            title=f"{f.department}{f.year}年部门预算", fetched_at="2026-01-01T00:00:00+00:00", status=200,
            size=path.stat().st_size, sha256=sha, path=str(path), format=f.format, department=f.department,
            year=f.year, doc_kind="budget")))


def write_portals(path: Path, portals: list[str]) -> None:
    import yaml

    demo = yaml.safe_load((ROOT / "demo" / "portal.yaml").read_text(encoding="utf-8"))
    items = [{k: v for k, v in demo.items() if k not in ("region", "local")}
             | {"name": name, "start_urls": [f"https://{name}.example.gov.cn/index.html"], "years": list(YEARS)}
             for name in portals]
    path.write_text(yaml.safe_dump({"portals": items}, allow_unicode=True), encoding="utf-8")


class PeakRSS:
    """The peak of the summed RSS of this process's descendants, sampled every half second."""

    def __init__(self) -> None:
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _tree_rss(self) -> int:
        parents: dict[int, int] = {}
        rss: dict[int, int] = {}
        for entry in os.scandir("/proc"):
            if not entry.name.isdigit():
                continue
            try:
                fields = Path(entry.path, "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            parents[int(entry.name)] = int(fields[1])
            rss[int(entry.name)] = int(fields[21]) * os.sysconf("SC_PAGE_SIZE")
        me, total = os.getpid(), 0
        for pid in rss:
            p = pid
            while p > 1 and p != me:
                p = parents.get(p, 0)
            if p == me and pid != me:
                total += rss[pid]
        return total

    def _run(self) -> None:
        while not self._stop.wait(0.5):
            self.peak = max(self.peak, self._tree_rss())

    def __enter__(self) -> PeakRSS:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()


def check_job():
    """The project's `check` job, built from the BUDGETQA_* environment (for dg.reconstructable)."""
    from orchestration.definitions import defs

    return defs.resolve_job_def("check")


def run_partition(portal: str, year: str) -> tuple[str, bool, float]:
    """One run of the `check` job for one partition (in a pool process: DAGSTER_HOME from the environment)."""
    import dagster as dg

    start = time.perf_counter()
    key = dg.MultiPartitionKey({"portal": portal, "year": year})
    tags = check_job().get_tags_for_partition_key(key, None)  # what a backfill or sensor run is tagged with
    with dg.DagsterInstance.get() as instance, dg.execute_job(
            dg.reconstructable(check_job), instance=instance, tags=tags,
            run_config={"execution": {"config": {"max_concurrent": 2}},
                        "loggers": {"console": {"config": {"log_level": "WARNING"}}}}) as result:
        return f"{portal}|{year}", result.success, time.perf_counter() - start


def run_dagster(partitions: list[tuple[str, str]], processes: int) -> tuple[float, list[tuple[str, bool, float]]]:
    import multiprocessing

    import dagster as dg

    with dg.DagsterInstance.get():  # create the instance's storage once, before two processes race to create it
        pass
    start = time.perf_counter()
    done = []
    with ProcessPoolExecutor(processes, mp_context=multiprocessing.get_context("spawn")) as pool:
        futures = {pool.submit(run_partition, p, y): (p, y) for p, y in partitions}
        for future, (p, y) in ((f, futures[f]) for f in as_completed(futures)):
            try:
                done.append(future.result())
            except Exception as exc:  # the run could not even start: counted as failed, the others go on
                done.append((f"{p}|{y}", False, 0.0))
                print(f"  partition {p}|{y}: {type(exc).__name__}: {str(exc)[:200]}", flush=True)
            print(f"  partition {done[-1][0]}: {'ok' if done[-1][1] else 'FAILED'} {done[-1][2]:.1f} s "
                  f"({len(done)}/{len(partitions)})", flush=True)
    return time.perf_counter() - start, done


def run_cli(files: list[Path], warehouse: Path, log: Path) -> tuple[float, int]:
    start = time.perf_counter()
    with log.open("w") as out:
        done = subprocess.run([sys.executable, "-m", "budgetqa", "check", *map(str, files), "--warehouse",
                               f"duckdb://{warehouse}"], cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)
    return time.perf_counter() - start, done.returncode


def contents(url: str) -> dict[str, tuple]:
    """sha256 → (department, year, status, score, grade, sorted findings (rule, severity)) of every document stored."""
    from warehouse import Warehouse

    with Warehouse.open(url) as wh:
        findings: dict[str, list] = {}
        for f in wh.findings():
            findings.setdefault(f["sha256"], []).append((f["rule"], f["severity"]))
        return {c["sha256"]: (c["department"], c["year"], c["status"], c["score"], c["grade"],
                              tuple(sorted(findings.get(c["sha256"], [])))) for c in wh.scorecards(current=False)}


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=1000, help="documents (default 1000)")
    ap.add_argument("--portals", type=int, default=5, help="portals (default 5; × 4 years = the partitions)")
    ap.add_argument("--pdf-share", type=float, default=0.25, help="share of the documents as PDF (default 0.25)")
    ap.add_argument("--processes", type=int, default=2, help="processes for each side (default 2)")
    ap.add_argument("--work", type=Path, help="working folder (default: a temporary one, removed after)")
    ap.add_argument("--reuse", action="store_true", help="check the documents an earlier run left in --work/files "
                    "again (no generation; the stores and warehouses are rebuilt)")
    args = ap.parse_args(argv)

    work = args.work or Path(tempfile.mkdtemp(prefix="budgetqa-fanout-"))
    work.mkdir(parents=True, exist_ok=True)
    files_dir, dagster_home = work / "files", work / "dagster_home"
    reuse = args.reuse and (files_dir / MANIFEST).exists()
    for d in ([] if reuse else [files_dir]) + [dagster_home, work / "raw", work / "home"]:
        shutil.rmtree(d, ignore_errors=True)
    dagster_home.mkdir(parents=True)
    (dagster_home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n", encoding="utf-8")
    for wh in ("dagster.duckdb", "cli.duckdb"):
        (work / wh).unlink(missing_ok=True)

    start = time.perf_counter()
    files = generated(files_dir) if reuse else generate(files_dir, args.n, args.portals, args.pdf_share)
    shas = {hashlib.sha256(f.path.read_bytes()).hexdigest() for f in files}
    print(f"{'reused' if reuse else 'generated'} {len(files)} documents ({dict(Counter(f.format for f in files))}), {len(shas)} distinct "
          f"sha256, in {time.perf_counter() - start:.0f} s: {files_dir}", flush=True)

    portals = sorted({f.portal for f in files})
    write_portals(work / "portals.yaml", portals)
    stock_store(work / "raw", files)
    partitions = sorted({(f.portal, str(f.year)) for f in files})
    os.environ.update({
        "DAGSTER_HOME": str(dagster_home), "BUDGETQA_HOME": str(work / "home"),
        "BUDGETQA_STORE": (work / "raw").as_uri(), "BUDGETQA_PORTALS": str(work / "portals.yaml"),
        "BUDGETQA_WAREHOUSE": f"duckdb://{work / 'dagster.duckdb'}", "BUDGETQA_GX_RESULTS": "0",
        "BUDGETQA_WORKERS": "1", "PYTHONWARNINGS": ",".join(filter(None, [f"ignore:{BETA_WARNING}", os.environ.get("PYTHONWARNINGS")])),
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
    })

    print(f"Dagster: {len(partitions)} partitions ({len(portals)} portals × {len(YEARS)} years), "
          f"{args.processes} runs at a time, 1 extraction worker each", flush=True)
    with PeakRSS() as rss_dagster:
        dagster_secs, runs = run_dagster(partitions, args.processes)
    print(f"Dagster: {dagster_secs:.1f} s, {len(files) / dagster_secs:.2f} documents/s", flush=True)

    os.environ["BUDGETQA_WORKERS"] = str(args.processes)
    os.environ.pop("BUDGETQA_WAREHOUSE")
    print(f"budgetqa check: {args.processes} extraction workers", flush=True)
    with PeakRSS() as rss_cli:
        cli_secs, code = run_cli([f.path for f in files], work / "cli.duckdb", work / "cli.log")

    via_dagster = contents(f"duckdb://{work / 'dagster.duckdb'}")
    via_cli = contents(f"duckdb://{work / 'cli.duckdb'}")
    n = len(files)
    print()
    print(f"documents {n}, partitions {len(partitions)}, failed runs {sum(not ok for _, ok, _ in runs)}, "
          f"`budgetqa check` exit {code}")
    print(f"{'':16}{'wall s':>9}{'docs/s':>9}{'peak RSS MiB':>14}{'stored':>8}")
    for label, secs, rss, stored in (("Dagster check", dagster_secs, rss_dagster.peak, via_dagster),
                                     ("budgetqa check", cli_secs, rss_cli.peak, via_cli)):
        print(f"{label:16}{secs:9.1f}{n / secs:9.2f}{rss / 2**20:14.0f}{len(stored):8d}")
    same_docs = via_dagster.keys() == via_cli.keys()
    differ = [s for s in via_dagster.keys() & via_cli.keys() if via_dagster[s][2:] != via_cli[s][2:]]
    scores = Counter(v[4] for v in via_cli.values())
    print(f"same documents in both warehouses: {same_docs} (only Dagster {len(via_dagster.keys() - via_cli.keys())}, "
          f"only CLI {len(via_cli.keys() - via_dagster.keys())}); same status, score, grade and findings: "
          f"{len(via_cli) - len(differ)}/{len(via_cli)}")
    for sha in differ[:5]:
        print(f"  differs {sha[:12]}: Dagster {via_dagster[sha][:5]} CLI {via_cli[sha][:5]}")
    findings = [len(v[5]) for v in via_cli.values()]
    if findings:
        print(f"grades {dict(sorted(scores.items()))}; findings per document {min(findings)}–{max(findings)}, "
              f"{len({v[3] for v in via_cli.values()})} distinct scores")
    if not args.work:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
