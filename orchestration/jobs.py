"""The product's jobs as plain functions that chain the stages of the data flow.

The command line (`budgetqa.cli`) and the Dagster assets (orchestration/assets.py) both call these;
neither the stages nor these functions know Dagster exists.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path

from domain.model import REPORT_SCHEMA, Document
from domain.settings import Settings, redact

Say = Callable[[str], None]


def extract_files(
    paths: Iterable[Path], urls: dict[str, str] | None = None, progress: Say | None = None,
    workers: int | None = None, on_result: Callable[[list[Document]], None] | None = None,
    tick: Callable[[], None] | None = None, settings: Settings | None = None,
) -> list[Document]:
    """Read every file (a ZIP may hold several documents) in parallel, each distinct file once and
    within the time and memory limits; unreadable files become documents with a status, copies get
    `duplicate_of`. `on_result` gets each file's documents (and its copies') as soon as it is read.
    Workers, timeout and memory limit come from `settings` (default: the environment's)."""
    from extract import extract_many

    settings = settings or Settings.from_env()
    paths = list(paths)
    report = (lambda done, total, path: progress(f"[{done}/{total}] 已读取 / read {path}")) if progress else None
    return extract_many(paths, urls=urls, workers=settings.workers if workers is None else workers,
                        timeout=settings.extract_timeout, progress=report, memory_mb=settings.extract_memory_mb,
                        on_result=on_result, tick=tick)


# Validation has a fixed cost per call (~0.7 s of Great Expectations set-up) whatever the batch
# size, so files read are validated together once this many wait or the oldest has waited this long;
# each file is then stored in its own transaction. A kill loses at most that much reading.
CHECK_BATCH_FILES = 8
CHECK_BATCH_SECONDS = 5.0


def process_files(
    paths: Iterable[Path], wh=None, run_id: str | None = None, *, urls: dict[str, str] | None = None,
    progress: Say | None = None, prepare: Callable[[list[Document]], None] | None = None,
    gx_dir: Path | None = None, settings: Settings | None = None,
) -> list[Document]:
    """extract → (prepare) → validate → score → store, as the files are read: each file's documents
    are committed in their own short transaction as soon as they are checked (validation runs over
    the files read so far, see CHECK_BATCH_FILES), so a job that is killed keeps every file
    finished before the kill, and a rerun reads only the others (`split_stored`)."""
    from domain.ruleset import ruleset_version

    paths = list(paths)
    ruleset = ruleset_version()
    waiting: list[list[Document]] = []  # the documents of each file read and not yet checked
    since = 0.0
    stored = 0

    def flush() -> None:
        nonlocal stored
        batch = [d for documents in waiting for d in documents]
        if prepare:
            prepare(batch)
        check_documents(batch, gx_dir=gx_dir if batch else None)  # each batch adds its GX results
        if wh is not None:
            with wh.session():  # one opening of a DuckDB file for the batch, one transaction per file
                for documents in waiting:
                    wh.save_documents(documents, run_id=run_id, ruleset=ruleset)
                    stored += 1
                    if progress:
                        progress(f"[{stored}/{len(paths)}] 已保存 / stored {documents[0].source.path.split('!/')[0]}")
        waiting.clear()

    def due() -> None:  # also called while the workers read: a slow next file does not hold the batch
        if waiting and (len(waiting) >= CHECK_BATCH_FILES or time.monotonic() - since >= CHECK_BATCH_SECONDS):
            flush()

    def finished(documents: list[Document]) -> None:
        nonlocal since
        if not waiting:
            since = time.monotonic()
        waiting.append(documents)
        due()

    documents = extract_files(paths, urls=urls, progress=progress, on_result=finished, tick=due, settings=settings)
    if waiting:
        flush()
    return documents


def split_stored(paths: Iterable[Path], wh, shas: dict[Path, str] | None = None,
                 ) -> tuple[list[Path], list[tuple[Path, str]]]:
    """(files to read, [(file, sha256)] already stored with the current rule set): the second are
    skipped by a rerun; a file whose results came from other rules is read again. `shas`: the
    sha256 already known (the crawl's), so those files are not hashed again."""
    from domain.ruleset import ruleset_version
    from extract.detect import file_sha256

    known = wh.known_documents(ruleset=ruleset_version())
    shas = shas or {}
    todo: list[Path] = []
    done: list[tuple[Path, str]] = []
    for path in paths:
        sha = shas.get(path)
        if sha is None:
            try:
                sha = file_sha256(path)
            except OSError:
                sha = None  # extraction reports it
        if sha in known:
            done.append((path, sha))
        else:
            todo.append(path)
    return todo, done


@dataclass
class RunResult:
    """What one run did: the documents read and checked, the files skipped (stored with the same
    rules), the counts recorded in the warehouse's `runs` row, the GX Data Docs page if kept."""

    run_id: str
    documents: list[Document] = field(default_factory=list)
    skipped: list[tuple[Path, str]] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    data_docs: Path | None = None


def run_files(
    paths: Iterable[Path], wh, run_id: str, *, recheck: bool = False, shas: dict[Path, str] | None = None,
    urls: dict[str, str] | None = None, prepare: Callable[[list[Document]], None] | None = None,
    progress: Say | None = None, gx_dir: Path | None = None, counts: dict[str, int] | None = None,
    settings: Settings | None = None,
) -> RunResult:
    """The one composition of a run, for `budgetqa check --warehouse`, `budgetqa run` and each
    Dagster partition: choose the files to read (all with `recheck`, else those not stored with the
    current rule set; the others' paths are recorded as copies), record the run (`runs` row:
    running → finished with the counts, or failed with the reason), then extract → (prepare) →
    validate → score → store file by file (`process_files`), keeping the GX results and
    run.json in `gx_dir`. `counts` adds to the recorded counts (e.g. crawled)."""
    paths = list(paths)
    todo, done = (paths, []) if recheck else split_stored(paths, wh, shas)
    if done:
        if progress:
            progress(f"跳过 {len(done)} 份已存入的文件（规则相同）/ skipped {len(done)} files already stored "
                     "with the same rules (--recheck reads them again)")
        wh.record_copies(((sha, str(path), (urls or {}).get(str(path))) for path, sha in done), only_new=True)
    result = RunResult(run_id=wh.start_run(run_id), skipped=done)
    with failing_run(wh, result.run_id):
        if progress and todo:
            progress(f"待处理 {len(todo)} 份文件 / {len(todo)} files to process")
        result.documents = process_files(todo, wh, result.run_id, urls=urls, progress=progress, prepare=prepare,
                                         gx_dir=gx_dir, settings=settings)
        result.counts = (counts or {}) | run_counts(result.documents) | {"skipped": len(done)}
        if gx_dir:
            result.data_docs = record_run(gx_dir, result.run_id, result.documents)
        wh.finish_run(result.run_id, result.counts)
    return result


def validate_documents(documents: list[Document], gx_dir: Path | None = None) -> list[Document]:
    """Run the rule suites over all documents at once and attach the findings; a copy of a file
    (`duplicate_of`) is validated once, through its original, and shares its findings. With
    `gx_dir`, GX keeps the suites, Validation Results and Data Docs of this validation there."""
    from expectations import validate

    originals = [d for d in documents if not d.duplicate_of]
    for document, findings in zip(originals, validate(originals, gx_dir=gx_dir), strict=True):
        document.findings = findings
    by_path = {d.source.path: d for d in originals}
    for document in documents:
        if document.duplicate_of in by_path:
            document.findings = list(by_path[document.duplicate_of].findings)
    return documents


def score_documents(documents: list[Document]) -> list[Document]:
    from scoring import score_document

    for document in documents:
        document.scorecard = score_document(document)
    return documents


def check_documents(documents: list[Document], gx_dir: Path | None = None) -> list[Document]:
    """validate → score (GX results and Data Docs kept under `gx_dir` when given)."""
    return score_documents(validate_documents(documents, gx_dir=gx_dir))


def run_folder(home: Path, run_id: str) -> Path:
    """Where a run keeps its files: <home>/runs/<run id>, with the GX project (suites, batches,
    Validation Results, Data Docs) in its gx/ folder and run.json."""
    return home / "runs" / run_id


def data_docs(folder: Path) -> Path | None:
    """The GX Data Docs index page of the run kept in `folder`, if GX built one."""
    from expectations import data_docs_index

    index = data_docs_index(folder)
    return index if index.is_file() else None


def record_run(folder: Path, run_id: str, documents: list[Document]) -> Path | None:
    """Write <folder>/run.json (the run's id, counts and its Data Docs page, relative to the folder,
    for the report to link); returns the Data Docs index page if GX built one."""
    import json

    found = data_docs(folder)
    folder.mkdir(parents=True, exist_ok=True)
    record = {"run": run_id, "counts": run_counts(documents),
              "data_docs": found.relative_to(folder).as_posix() if found else None}
    (folder / "run.json").write_text(json.dumps(record, ensure_ascii=False, indent=2), encoding="utf-8")
    return found


def report_json(documents: list[Document]) -> dict:
    """The `budgetqa.report/1` report (CONTRACT §3)."""
    return {"schema": REPORT_SCHEMA, "documents": [d.to_report() for d in documents]}


def load_portals(portals_path: Path, portal: str | None = None, base_url: str | None = None) -> list:
    """The configured portals (all, or the one named)."""
    import crawler

    portals = crawler.load_portals(portals_path, base_url=base_url)
    if portal:
        portals = [p for p in portals if p.name == portal]
        if not portals:
            raise crawler.ConfigError(f"未配置名为 {portal} 的门户 / no portal named {portal} in {portals_path}")
    return portals


def year_key(year: int | None) -> str:
    """A crawled file's year as a partition key ("unknown" when the title gave none)."""
    return str(year) if year else "unknown"


def crawl_portals(portals: list, store_uri: str, progress: Say | None = None):
    """Run the spiders for these portals; returns the CrawlReport."""
    import crawler

    return crawler.crawl(portals, store_uri, log=progress)


def portal_regions(portals: list) -> dict[str, str]:
    return {p.name: p.region for p in portals if getattr(p, "region", None)}


def record_crawl_log(crawl_report, wh) -> int:
    """Copy the raw store's crawl log into the warehouse, each record exactly once (also the records
    of a crawl that was killed mid-way); returns how many were added."""
    import crawler

    records = crawler.unrecorded(crawl_report.store_uri, wh.crawl_log())
    wh.record_crawl(records)
    return len(records)


def crawled_candidates(crawl_report, *, recheck: bool = False, portal: str | None = None,
                       year: str | None = None) -> list:
    """The stored files a run over this crawl considers (`run_files` then skips those stored with
    the current rules, unless `recheck`): every file the raw store holds — files of an earlier,
    killed crawl or run included — or, with `recheck`, the files this crawl saw; optionally only
    those of one portal and one year (`year_key`), a Dagster partition."""
    import crawler

    files = [f for f in crawler.history(crawl_report.store_uri).stored_files() if f.path.exists()
             and (portal is None or f.portal == portal) and (year is None or year_key(f.year) == year)]
    if not recheck:
        return files
    seen = {r.sha256 for r in crawl_report.records if r.sha256}
    return [f for f in files if f.sha256 in seen]


def apply_crawl_hints(documents: list[Document], files: list, regions: dict[str, str] | None = None) -> None:
    """Fill the facts the content does not state from what the portal said: department, year and
    kind read from a ZIP member's own file name, else from the article title, the region from the
    portal's configuration (a more specific configured region, e.g. 淮北市杜集区 for 杜集区, wins).
    The content's facts are never overridden."""
    from crawler.titles import looks_like_department, parse_title

    regions = regions or {}
    by_path = {str(f.path): f for f in files}
    for document in documents:
        outer, _, member = document.source.path.partition("!/")
        stored = by_path.get(outer)
        if stored is None:
            continue
        # a ZIP member's own name (无锡市教育局（本级）2025年部门预算.pdf) before the ZIP's posting
        own = parse_title(member.rsplit("/", 1)[-1]) if member else {}
        if not looks_like_department(own.get("department")):
            own["department"] = None  # 附表1.xlsx names no department
        document.department = document.department or own.get("department") or stored.department
        document.year = document.year or own.get("year") or stored.year
        document.kind = document.kind or own.get("doc_kind") or stored.doc_kind
        region = regions.get(stored.portal)
        if region and (not document.region or region.endswith(document.region)):
            document.region = region


def run_crawled(files: list, wh, run_id: str, *, recheck: bool = False, progress: Say | None = None,
                regions: dict[str, str] | None = None, folder: Path | None = None,
                counts: dict[str, int] | None = None, settings: Settings | None = None) -> RunResult:
    """`run_files` over crawled files (crawler StoredFile): their sha256 and URL as the crawl
    recorded them, the crawl's hints (department, year, kind, region) applied before validation."""
    return run_files([f.path for f in files], wh, run_id, recheck=recheck, shas={f.path: f.sha256 for f in files},
                     urls={str(f.path): f.url for f in files}, progress=progress, gx_dir=folder, counts=counts,
                     settings=settings,
                     prepare=lambda docs: apply_crawl_hints(docs, files, regions))


def process_crawl(crawl_report, warehouse_url: str, run_id: str, *, recheck: bool = False,
                  progress: Say | None = None, regions: dict[str, str] | None = None,
                  folder: Path | None = None) -> RunResult:
    """Record the crawl log, then one run (`run_crawled`) over the crawled files: the `budgetqa run`
    job. `regions` maps a portal's name to its configured region (see `apply_crawl_hints`). With
    `folder` (see `run_folder`), the run's GX results and Data Docs are kept there."""
    from warehouse import Warehouse

    wh = Warehouse.open(warehouse_url, transient=True)
    try:
        record_crawl_log(crawl_report, wh)
        return run_crawled(crawled_candidates(crawl_report, recheck=recheck), wh, run_id, recheck=recheck,
                           progress=progress, regions=regions, folder=folder,
                           counts={"crawled": len(crawl_report.records)})
    finally:
        wh.close()


@contextmanager
def failing_run(wh, run_id: str) -> Iterator[None]:
    """Close the run as failed, with the reason, if the body raises (a kill -9 is closed by the next run)."""
    try:
        yield
    except BaseException as exc:
        with suppress(Exception):
            wh.fail_run(run_id, redact(f"{type(exc).__name__}: {exc}", wh.url)[:500])
        raise


def run_counts(documents: list[Document]) -> dict[str, int]:
    """What a run's documents gave, for the warehouse's `runs` table (see `run_files`)."""
    findings = [f for d in documents for f in d.findings]
    counts = {
        "documents": len(documents),
        "scored": sum(bool(d.scorecard and d.scorecard.score is not None) for d in documents),
        "unreadable": sum(d.status != "ok" for d in documents),
        "errors": sum(f.severity == "error" for f in findings),
        "warnings": sum(f.severity == "warning" for f in findings),
    }
    return counts
