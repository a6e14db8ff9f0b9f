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
    gx_dir: Path | None = None, settings: Settings | None = None, from_warehouse: Iterable[tuple[Path, str]] = (),
) -> list[Document]:
    """extract → (prepare) → validate → score → store, as the files are read: each file's documents
    are committed in their own short transaction as soon as they are checked (validation runs over
    the files read so far, see CHECK_BATCH_FILES), so a job that is killed keeps every file
    finished before the kill, and a rerun reads only the others (`split_stored`).

    `from_warehouse`: (file, sha256) whose extraction the warehouse `wh` holds whole and current
    (`split_extracted`): those documents are rebuilt from it (`Warehouse.load_documents`) and go
    through the same steps without their files being read; they come first in the result."""
    from domain.ruleset import ruleset_version

    paths = list(paths)
    by_sha: dict[str, list[Path]] = {}  # a file found at several paths: one document and its copies
    for path, sha in from_warehouse:
        by_sha.setdefault(sha, []).append(path)
    total = len(paths) + len(by_sha)
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
                        progress(f"[{stored}/{total}] 已保存 / stored {documents[0].source.path.split('!/')[0]}")
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

    reused: list[Document] = []
    keys = list(by_sha)
    for i in range(0, len(keys), CHECK_BATCH_FILES):
        chunk = keys[i : i + CHECK_BATCH_FILES]
        loaded = {d.source.sha256: d for d in wh.load_documents(chunk)}
        for sha in chunk:
            if sha not in loaded:  # gone since it was chosen: read the file instead
                paths.extend(by_sha[sha])
                continue
            documents = stored_copies(loaded[sha], by_sha[sha], urls or {})
            reused.extend(documents)
            finished(documents)
    documents = extract_files(paths, urls=urls, progress=progress, on_result=finished, tick=due, settings=settings)
    if waiting:
        flush()
    return reused + documents


def stored_copies(document: Document, paths: list[Path], urls: dict[str, str]) -> list[Document]:
    """A document rebuilt from the warehouse as found at `paths` (the same bytes): the first path's,
    then the others marked `duplicate_of` it, as extraction reports copies (extract.batch)."""
    import copy

    from domain.model import SourceFile

    out = []
    for path in paths:
        doc = copy.copy(document) if out else document
        doc.source = SourceFile(path=str(path), sha256=document.source.sha256, format=document.source.format,
                                url=urls.get(str(path)))
        doc.duplicate_of = out[0].source.path if out else None
        out.append(doc)
    return out


def file_shas(paths: Iterable[Path], shas: dict[Path, str] | None = None) -> dict[Path, str | None]:
    """Each file's sha256: from `shas` (the crawl's) when given, else hashed; None when unreadable."""
    from extract.detect import file_sha256

    shas = shas or {}
    out: dict[Path, str | None] = {}
    for path in paths:
        sha = shas.get(path)
        if sha is None:
            try:
                sha = file_sha256(path)
            except OSError:
                sha = None  # extraction reports it
        out[path] = sha
    return out


def _split(hashed: dict[Path, str | None], keep: set[str]) -> tuple[list[Path], list[tuple[Path, str]]]:
    todo = [p for p, sha in hashed.items() if sha not in keep]
    return todo, [(p, sha) for p, sha in hashed.items() if sha in keep]


def split_stored(paths: Iterable[Path], wh, shas: dict[Path, str] | None = None,
                 ) -> tuple[list[Path], list[tuple[Path, str]]]:
    """(files to read, [(file, sha256)] already stored with the current rule set): the second are
    skipped by a rerun; a file whose results came from other rules is read again. `shas`: the
    sha256 already known (the crawl's), so those files are not hashed again."""
    from domain.ruleset import ruleset_version

    return _split(file_shas(paths, shas), wh.known_documents(ruleset=ruleset_version()))


def split_extracted(paths: Iterable[Path], wh, shas: dict[Path, str] | None = None,
                    ) -> tuple[list[Path], list[tuple[Path, str]]]:
    """(files to read, [(file, sha256)] whose extraction the warehouse holds whole and made by the
    current extractor): a recheck validates the second from the warehouse without reading them."""
    hashed = file_shas(paths, shas)
    return _split(hashed, wh.reusable_extractions(sha for sha in hashed.values() if sha))


@dataclass
class RunResult:
    """What one run did: the documents checked, the files skipped (stored with the same rules), the
    files rechecked from their stored extraction (not read), the counts recorded in the warehouse's
    `runs` row, the GX Data Docs page if kept."""

    run_id: str
    documents: list[Document] = field(default_factory=list)
    skipped: list[tuple[Path, str]] = field(default_factory=list)
    from_warehouse: list[tuple[Path, str]] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    data_docs: Path | None = None


def run_files(
    paths: Iterable[Path], wh, run_id: str, *, recheck: bool = False, reextract: bool = False,
    shas: dict[Path, str] | None = None, urls: dict[str, str] | None = None,
    prepare: Callable[[list[Document]], None] | None = None, progress: Say | None = None,
    gx_dir: Path | None = None, counts: dict[str, int] | None = None, settings: Settings | None = None,
) -> RunResult:
    """The one composition of a run, for `budgetqa check --warehouse`, `budgetqa run` and each
    Dagster partition: choose the files to check (all with `recheck`, else those not stored with the
    current rule set; the others' paths are recorded as copies) and, with `recheck`, those whose
    extraction the warehouse holds whole and current (`split_extracted`; none with `reextract`):
    these are checked again from it without reading the file. Then record the run (`runs` row:
    running → finished with the counts, or failed with the reason) and extract → (prepare) →
    validate → score → store file by file (`process_files`), keeping the GX results and run.json
    in `gx_dir`. `counts` adds to the recorded counts (e.g. crawled); `from_warehouse` and
    `extracted` count the files checked from the stored extraction and the files read."""
    paths = list(paths)
    reuse: list[tuple[Path, str]] = []
    if not recheck:
        todo, done = split_stored(paths, wh, shas)
    elif reextract:
        todo, done = paths, []
    else:
        (todo, reuse), done = split_extracted(paths, wh, shas), []
    if reuse and progress:
        progress(f"{len(reuse)} 份文件的提取结果已存入，直接重新校验，不再读取 / {len(reuse)} files rechecked from "
                 "their stored extraction, not read again (--reextract reads them)")
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
                                         gx_dir=gx_dir, settings=settings, from_warehouse=reuse)
        result.from_warehouse = reuse
        result.counts = (counts or {}) | run_counts(result.documents) | {
            "skipped": len(done), "from_warehouse": len(reuse), "extracted": len(todo)}
        if gx_dir:
            result.data_docs = record_run(gx_dir, result.run_id, result.documents)
        wh.finish_run(result.run_id, result.counts)
    return result


def recheck_warehouse(wh, run_id: str, *, reextract: bool = False, progress: Say | None = None,
                      gx_dir: Path | None = None, settings: Settings | None = None) -> RunResult:
    """Check again every current document of the warehouse (after a rule change), through `run_files`:
    from its stored extraction when whole and current (no file is read), else by reading its file
    again (`documents.path`; a ZIP member through its ZIP). A document that neither can give — its
    extraction not stored and its file gone — keeps its stored results (counted as `kept`)."""
    sources = wh.current_sources()
    reusable = set() if reextract else wh.reusable_extractions(r["sha256"] for r in sources)
    paths: dict[Path, None] = {}
    shas: dict[Path, str] = {}
    urls: dict[str, str] = {}
    kept = 0
    for r in sources:
        outer, _, member = r["path"].partition("!/")
        path = Path(r["path"] if r["sha256"] in reusable else outer)
        if r["sha256"] not in reusable and not path.is_file():
            kept += 1
            continue
        paths[path] = None
        if not member or r["sha256"] in reusable:
            shas[path] = r["sha256"]
        if r["url"]:
            urls[str(path)] = r["url"] if r["sha256"] in reusable else r["url"].split("#")[0]
    if kept and progress:
        progress(f"{kept} 份文件的提取结果未存入且原文件已不在，保留已存结果 / {kept} documents kept as stored: "
                 "no stored extraction and their file is gone")
    return run_files(list(paths), wh, run_id, recheck=True, reextract=reextract, shas=shas, urls=urls,
                     progress=progress, gx_dir=gx_dir, settings=settings, counts={"kept": kept})


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


def run_crawled(files: list, wh, run_id: str, *, recheck: bool = False, reextract: bool = False,
                progress: Say | None = None, regions: dict[str, str] | None = None, folder: Path | None = None,
                counts: dict[str, int] | None = None, settings: Settings | None = None) -> RunResult:
    """`run_files` over crawled files (crawler StoredFile): their sha256 and URL as the crawl
    recorded them, the crawl's hints (department, year, kind, region) applied before validation."""
    return run_files([f.path for f in files], wh, run_id, recheck=recheck, reextract=reextract,
                     shas={f.path: f.sha256 for f in files},
                     urls={str(f.path): f.url for f in files}, progress=progress, gx_dir=folder, counts=counts,
                     settings=settings,
                     prepare=lambda docs: apply_crawl_hints(docs, files, regions))


def process_crawl(crawl_report, warehouse_url: str, run_id: str, *, recheck: bool = False,
                  reextract: bool = False, progress: Say | None = None, regions: dict[str, str] | None = None,
                  folder: Path | None = None) -> RunResult:
    """Record the crawl log, then one run (`run_crawled`) over the crawled files: the `budgetqa run`
    job. `regions` maps a portal's name to its configured region (see `apply_crawl_hints`). With
    `folder` (see `run_folder`), the run's GX results and Data Docs are kept there."""
    from warehouse import Warehouse

    wh = Warehouse.open(warehouse_url, transient=True)
    try:
        record_crawl_log(crawl_report, wh)
        return run_crawled(crawled_candidates(crawl_report, recheck=recheck), wh, run_id, recheck=recheck,
                           reextract=reextract, progress=progress, regions=regions, folder=folder,
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
