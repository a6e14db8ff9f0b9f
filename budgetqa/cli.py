"""`budgetqa` — the command line (CONTRACT §2): check | crawl | run | report | demo | portal test.

Exit codes: 0 done (whatever the findings), 2 usage error (bad arguments, missing file, unknown
portal, unusable configuration or warehouse URL — every portal YAML is checked before anything is
fetched), 1 the job itself failed (e.g. the crawl process), 3 partial: the crawl ran but at least
one portal yielded no document (unreachable, unreadable, or nothing found); the other portals'
files were stored (and, for `run`, processed); a summary per portal names the cause.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
import time
import uuid
from collections.abc import Iterable
from pathlib import Path
from urllib.parse import unquote

from domain.formats import DOCUMENT_FORMATS
from domain.model import REPORT_SCHEMA, Document
from domain.settings import Settings, redact, redact_url, warehouse_url

DOCUMENT_SUFFIXES = tuple(f".{f}" for f in DOCUMENT_FORMATS)


class UsageError(Exception):
    """A mistake in what the user asked for: reported in one line, exit 2."""


def _progress(message: str) -> None:
    sys.stderr.write(message + "\n")  # one write: lines from the checking thread never interleave
    sys.stderr.flush()


def expand_paths(paths: Iterable[str]) -> list[Path]:
    """Files as given; folders walked for the document suffixes, in a stable order; all absolute."""
    found: list[Path] = []
    for raw in paths:
        path = Path(raw).resolve()
        if path.is_dir():
            found.extend(sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in DOCUMENT_SUFFIXES))
        elif path.exists():
            found.append(path)
        else:
            raise UsageError(f"找不到文件 / no such file: {raw}")
    return found


def scorecard_line(document: Document) -> str:
    card = document.scorecard
    errors = sum(f.severity == "error" for f in document.findings)
    warnings = sum(f.severity == "warning" for f in document.findings)
    score = f"{card.score:5.1f} {card.grade}" if card and card.score is not None else "    - -"
    who = " ".join(str(x) for x in (document.department, document.year, document.kind) if x) or "?"
    status = "" if document.status == "ok" else f" [{document.status}: {document.error}]"
    copy = f" (重复 / copy of {document.duplicate_of})" if document.duplicate_of else ""
    where = unquote(document.source.url) if document.source.url else document.source.path
    return f"{score}  {errors:3d} 错误 {warnings:3d} 警告  {who}  {where}{copy}{status}"


def stored_line(entry: dict) -> str:
    """The scorecard line of a document skipped because its results are already stored."""
    card = entry["scorecard"]
    score = f"{card['score']:5.1f} {card['grade']}" if card["score"] is not None else "    - -"
    who = " ".join(str(entry[k]) for k in ("department", "year", "kind") if entry[k]) or "?"
    status = "" if entry["status"] == "ok" else f" [{entry['status']}: {entry['error']}]"
    counts = card["counts"]
    return (f"{score}  {counts.get('error', 0):3d} 错误 {counts.get('warning', 0):3d} 警告  {who}  "
            f"{entry['source']['path']} (已存入 / stored){status}")


def print_scorecards(documents: list[Document | dict]) -> None:
    """One line per document; a dict is a stored entry (`stored_entry`) that was not read again."""
    print("得分  等级  错误/errors 警告/warnings  部门 年度 类型  文件")
    for document in documents:
        print(stored_line(document) if isinstance(document, dict) else scorecard_line(document))


def _open_warehouse(url: str, *, must_exist: bool = False, transient: bool = False):
    """Open the warehouse or raise UsageError with the reason (bad URL, unreachable server …),
    a password in the URL masked. `transient`: for a long job (see warehouse.db)."""
    from warehouse import Warehouse

    if must_exist and url.startswith("duckdb://") and not Path(url.removeprefix("duckdb://")).exists():
        raise UsageError(f"数据仓库文件不存在 / no warehouse file at {redact_url(url)}")
    try:
        return Warehouse.open(url, transient=transient)
    except Exception as exc:  # noqa: BLE001 — psycopg, duckdb and ValueError all mean "cannot open"
        raise UsageError(redact(f"无法打开数据仓库 / cannot open the warehouse {url}: {exc}", url)) from exc


def _run_id(kind: str) -> str:
    return f"{kind}-{time.strftime('%Y%m%dT%H%M%S')}-{uuid.uuid4().hex[:6]}"


def cmd_check(args: argparse.Namespace) -> int:
    from orchestration import jobs

    if args.reextract and not args.recheck:
        raise UsageError("--reextract 需与 --recheck 一起使用 / --reextract goes with --recheck")
    if not args.paths:
        if not (args.warehouse and args.recheck):
            raise UsageError("请给出文件或文件夹；不给时需 --warehouse 与 --recheck（重新校验数据仓库中的全部文件）/ "
                             "give files or folders, or --warehouse with --recheck to check the whole warehouse again")
        return _recheck_warehouse(args)
    paths = expand_paths(args.paths)
    if args.json and not Path(args.json).resolve().parent.is_dir():
        raise UsageError(f"报告所在文件夹不存在 / no folder for the report: {args.json}")
    folder = Path(args.gx) if args.gx else None
    if not args.warehouse:
        checked = jobs.process_files(paths, progress=_progress, gx_dir=folder)
        _progress(f"已校验 {len(checked)} 份文件 / checked {len(checked)} documents")
        documents: list[Document | dict] = list(checked)
        if folder:
            index = jobs.record_run(folder, _run_id("check"), checked)
            _progress(f"GX 数据文档 / GX Data Docs: {index or '—'}")
    else:
        wh = _open_warehouse(warehouse_url(args.warehouse), transient=True)
        try:
            result = jobs.run_files(paths, wh, _run_id("check"), recheck=args.recheck, reextract=args.reextract,
                                    progress=_progress, gx_dir=folder)
            _progress(f"已校验 {len(result.documents)} 份文件 / checked {len(result.documents)} documents"
                      + (f" ({result.counts['from_warehouse']} 份由已存提取结果，未重读文件 / from the stored "
                         "extraction, files not read)" if args.recheck else ""))
            with wh.session():
                stored = {path: stored_entry(wh, path, sha) for path, sha in result.skipped}
            documents = _in_order(paths, result.documents, stored)
        finally:
            wh.close()
        if folder:
            _progress(f"GX 数据文档 / GX Data Docs: {result.data_docs or '—'}")
    print_scorecards(documents)
    if args.json:
        report = {"schema": REPORT_SCHEMA, "documents": [d if isinstance(d, dict) else d.to_report() for d in documents]}
        Path(args.json).write_text(json.dumps(report, ensure_ascii=False, indent=2), "utf-8")
        _progress(f"报告 / report: {args.json}")
    return 0


def _recheck_warehouse(args: argparse.Namespace) -> int:
    """`check --warehouse DB --recheck` without paths: every current document of the warehouse,
    from its stored extraction (files not read) or, failing that, its file (`jobs.recheck_warehouse`)."""
    from orchestration import jobs

    folder = Path(args.gx) if args.gx else None
    wh = _open_warehouse(warehouse_url(args.warehouse), must_exist=True, transient=True)
    try:
        result = jobs.recheck_warehouse(wh, _run_id("check"), reextract=args.reextract, progress=_progress,
                                        gx_dir=folder)
    finally:
        wh.close()
    _progress(f"已校验 {len(result.documents)} 份文件 / checked {len(result.documents)} documents "
              f"({result.counts['from_warehouse']} 份由已存提取结果 / from the stored extraction, "
              f"{result.counts['extracted']} 份重新读取 / read again)")
    print_scorecards(list(result.documents))
    if args.json:
        Path(args.json).write_text(json.dumps(jobs.report_json(result.documents), ensure_ascii=False, indent=2), "utf-8")
        _progress(f"报告 / report: {args.json}")
    return 0


def stored_entry(wh, path: Path, sha256: str) -> dict:
    """A stored document's entry in the `budgetqa.report/1` JSON, found at `path` this time."""
    doc = wh.document(sha256)
    entry = {k: doc[k] for k in ("source", "department", "region", "year", "kind", "unit", "status", "error",
                                 "duplicate_of", "scorecard", "findings")}
    entry["source"] = {**doc["source"], "path": str(path), "url": None}
    entry["tables"] = [{k: t[k] for k in ("kind", "number", "title", "pages", "rows")} for t in doc["tables"]]
    entry["findings"] = [{k: v for k, v in f.items() if k != "excerpt"} for f in doc["findings"]]
    return entry


def _in_order(paths: list[Path], documents: list[Document], stored: dict[Path, dict]) -> list[Document | dict]:
    """The checked documents and the stored entries of the skipped files, in the order of `paths`."""
    by_file: dict[str, list[Document]] = {}
    for d in documents:
        by_file.setdefault(d.source.path.split("!/")[0], []).append(d)
    return [x for p in paths for x in ([stored[p]] if p in stored else by_file.get(str(p), []))]


def _portals(args: argparse.Namespace, settings: Settings) -> list:
    from orchestration import jobs

    config = Path(args.config) if args.config else settings.portals
    if not config.exists():
        raise UsageError(f"找不到门户配置 / no portal configuration at {config}")
    return jobs.load_portals(config, portal=args.portal)


EXIT_PARTIAL = 3


def _crawl_outcome(report) -> int:  # noqa: ANN001 — crawler.CrawlReport, imported lazily
    """Print the crawl's cost and one line per portal; 3 when a portal yielded nothing."""
    print(report.summary())
    print("门户 / portals:")
    for line in report.portal_lines():
        print(line)
    failed = report.failed_portals()
    if failed:
        _progress(f"部分门户失败 / {len(failed)} portal(s) yielded nothing: {', '.join(failed)} (exit {EXIT_PARTIAL})")
        return EXIT_PARTIAL
    return 0


def cmd_crawl(args: argparse.Namespace) -> int:
    from orchestration import jobs

    settings = Settings.from_env()
    portals = _portals(args, settings)
    wh = _open_warehouse(settings.warehouse, transient=True)
    try:
        report = jobs.crawl_portals(portals, settings.store, progress=_progress)
        jobs.record_crawl_log(report, wh)
    finally:
        wh.close()
    return _crawl_outcome(report)


def cmd_run(args: argparse.Namespace) -> int:
    from orchestration import jobs

    if args.reextract and not args.recheck:
        raise UsageError("--reextract 需与 --recheck 一起使用 / --reextract goes with --recheck")
    settings = Settings.from_env()
    portals = _portals(args, settings)
    _open_warehouse(settings.warehouse).close()
    report = jobs.crawl_portals(portals, settings.store, progress=_progress)
    _progress(report.summary())
    run_id = _run_id("run")
    folder = jobs.run_folder(settings.home, run_id) if settings.keep_gx_results else None
    documents = jobs.process_crawl(report, settings.warehouse, run_id, recheck=args.recheck,
                                   reextract=args.reextract, progress=_progress, regions=jobs.portal_regions(portals), folder=folder).documents
    print_scorecards(documents)
    if folder and (index := jobs.data_docs(folder)):
        print(f"GX 数据文档 / GX Data Docs: {index}")
    print(f"报告 / report: {_write_report(settings.warehouse, settings.report_dir, gx_runs=[settings.home / 'runs'])}")
    return _crawl_outcome(report)


def cmd_portal_test(args: argparse.Namespace) -> int:
    """Fetch the first list page(s) of a portal YAML and print what it finds; nothing is stored."""
    import crawler

    path = Path(args.file)
    if not path.exists():
        raise UsageError(f"找不到门户配置 / no such file: {args.file}")
    portals = crawler.load_portals(path)
    report = crawler.dry_run(portals, pages=args.pages, log=_progress if args.verbose else None)
    for name, status in report.portal_status().items():
        recs = [r for r in report.records if r.portal == name]
        print(f"门户 / portal {name}: 页面 pages {report.stats.get(name, {}).get('pages', 0)}, "
              f"请求 requests {status['requests']}, 字节 bytes {status['bytes']:,}")
        found = [r for r in recs if not r.is_error]
        items = list(dict.fromkeys(r.referer or r.url for r in found))
        print(f"  条目 items {len(items)}, 附件 attachments {len(found)}, 错误 errors {status['errors']}")
        for item in items:
            print(f"  条目 / item: {unquote(item)}")
            for r in (r for r in found if (r.referer or r.url) == item):
                who = " | ".join(str(x) if x is not None else "?" for x in (r.department, r.year, r.doc_kind))
                print(f"    附件 / attachment: {r.title or '?'} | {who} | 发布 published {r.published or '?'} | "
                      f"{r.format or '?'} | {unquote(r.url)}")
        for r in recs:
            if r.is_error:
                print(f"  错误 / error: {unquote(r.url)} — {r.outcome.removeprefix('error: ')}")
    print("未存储任何文件 / nothing was stored")
    failed = report.failed_portals()
    return EXIT_PARTIAL if failed else 0


def _write_report(url: str, out: Path, *, must_exist: bool = False, gx_runs: list[Path] | None = None) -> Path:
    from report import write_site
    from report.site import SiteRefused

    wh = _open_warehouse(url, must_exist=must_exist)
    try:
        return write_site(wh, out, gx_runs=gx_runs)
    except SiteRefused as exc:
        raise UsageError(str(exc)) from exc
    finally:
        wh.close()


def cmd_report(args: argparse.Namespace) -> int:
    settings = Settings.from_env()
    url = warehouse_url(args.warehouse) if args.warehouse else settings.warehouse
    _progress(f"生成报告 / writing the report from {redact_url(url)}")
    gx_runs = [Path(d) for d in args.gx] if args.gx else [settings.home / "runs"]
    print(_write_report(url, Path(args.out), must_exist=True, gx_runs=gx_runs))
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from budgetqa import demo

    result = demo.run_demo(home=Path(args.home) if args.home else None, progress=_progress)
    print_scorecards(result.documents)
    print(f"记分卡 / scorecard: {result.scorecard_page}")
    print(f"报告网站 / report site: {result.site}")
    print(f"数据仓库 / warehouse: {result.warehouse}")
    if result.data_docs:
        print(f"GX 数据文档 / GX Data Docs: {result.data_docs}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="budgetqa",
        description="检查政府部门预算/决算公开文件的质量 / check China's budget disclosures",
        epilog="设置见环境变量 BUDGETQA_HOME 等 / settings: see domain/settings.py and the README",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    suffixes = " ".join(s.lstrip(".") for s in DOCUMENT_SUFFIXES)

    check = sub.add_parser("check", help="提取并校验本地文件 / extract and validate local files or folders")
    check.add_argument("paths", nargs="*", metavar="PATH",
                       help=f"文件或文件夹 / files or folders ({suffixes}); 不给时与 --warehouse --recheck 一起重新校验"
                            "数据仓库中的全部文件 / none with --warehouse --recheck: the whole warehouse")
    check.add_argument("--json", metavar="FILE", help="写出 budgetqa.report/1 JSON 报告 / write the JSON report")
    check.add_argument("--warehouse", metavar="DB",
                       help="同时存入数据仓库，逐个文件提交；已存入（规则相同）的文件跳过 / also store in this warehouse "
                            "(path or URL), file by file; files already stored with the same rules are skipped")
    check.add_argument("--recheck", action="store_true",
                       help="已存入的文件也重新校验（用已存的提取结果，不重读文件）/ check again files already stored "
                            "(from their stored extraction when it is current: the file is not read)")
    check.add_argument("--reextract", action="store_true",
                       help="与 --recheck 一起：重新读取文件，不用已存的提取结果 / with --recheck: read the files again "
                            "instead of using their stored extraction")
    check.add_argument("--gx", metavar="DIR", help="在此保存 GX 校验结果与数据文档 / keep the GX validation results "
                       "and Data Docs in this folder")
    check.set_defaults(func=cmd_check)

    portal_help = "只处理这个门户 / only this portal (its `name` in the YAML)"
    config_help = "门户配置 YAML 文件或文件夹 / portal YAML file or folder (default BUDGETQA_PORTALS)"
    crawl = sub.add_parser("crawl", help="抓取已配置的门户 / crawl the configured portals (new or changed files only)")
    crawl.add_argument("--portal", metavar="NAME", help=portal_help)
    crawl.add_argument("--config", metavar="FILE", help=config_help)
    crawl.set_defaults(func=cmd_crawl)

    run = sub.add_parser("run", help="每夜任务：抓取、提取、校验、评分、报告 / the nightly job")
    run.add_argument("--portal", metavar="NAME", help=portal_help)
    run.add_argument("--config", metavar="FILE", help=config_help)
    run.add_argument("--recheck", action="store_true",
                     help="重新校验本次抓取到的所有文件（如规则更新后；用已存的提取结果）/ re-check every file this crawl saw, "
                          "not only new ones (from their stored extraction when it is current)")
    run.add_argument("--reextract", action="store_true",
                     help="与 --recheck 一起：重新读取文件 / with --recheck: read the files again, not their stored extraction")
    run.set_defaults(func=cmd_run)

    report = sub.add_parser("report", help="由数据仓库生成静态记分卡网站 / write the static scorecard site")
    report.add_argument("--out", required=True, metavar="DIR", help="网站输出文件夹 / output folder")
    report.add_argument("--warehouse", metavar="DB", help="数据仓库路径或 URL / warehouse (default BUDGETQA_WAREHOUSE)")
    report.add_argument("--gx", metavar="DIR", action="append",
                        help="发布此处保存的 GX 数据文档（运行文件夹或 check --gx 的文件夹，可重复；默认 <home>/runs） / "
                             "publish the GX Data Docs kept here (a folder of runs or a `check --gx` folder; "
                             "repeatable; default <home>/runs)")
    report.set_defaults(func=cmd_report)

    portal = sub.add_parser("portal", help="门户配置工具 / portal YAML tools")
    portal_sub = portal.add_subparsers(dest="portal_command", required=True)
    test = portal_sub.add_parser("test", help="试抓首页，列出找到的条目与附件，不存储 / fetch the first list "
                                             "page(s) and print the items and attachments found; stores nothing")
    test.add_argument("file", metavar="FILE.yaml", help="门户配置 / the portal YAML")
    test.add_argument("--pages", type=int, default=1, metavar="N", help="列表页数 / list pages per start URL (default 1)")
    test.add_argument("-v", "--verbose", action="store_true", help="显示抓取进度 / show crawl progress")
    test.set_defaults(func=cmd_portal_test)

    demo = sub.add_parser("demo", help="在内置演示门户上运行完整流程 / the main job on the bundled demo portal")
    demo.add_argument("--home", metavar="DIR", help="工作目录 / working folder (default var/demo)")
    demo.set_defaults(func=cmd_demo)
    return parser


def main(argv: list[str] | None = None) -> int:
    import crawler

    parser = build_parser()
    args = parser.parse_args(argv)
    # SIGTERM (a scheduler's timeout) unwinds like Ctrl-C: the crawl process is stopped and temp folders removed
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, lambda signum, _frame: sys.exit(128 + signum))
    try:
        return args.func(args)
    except (UsageError, crawler.ConfigError) as exc:
        parser.exit(2, f"budgetqa {args.command}: {exc}\n")
    except crawler.CrawlError as exc:
        parser.exit(1, f"budgetqa {args.command}: {exc}\n")


if __name__ == "__main__":
    sys.exit(main())
