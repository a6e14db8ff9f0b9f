"""`budgetqa` — the command line (CONTRACT §2): check | crawl | run | report | demo.

Exit codes: 0 done (whatever the findings), 2 usage error (bad arguments, missing file, unknown
portal, unusable configuration or warehouse URL), 1 the job itself failed (e.g. the crawl process).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import uuid
from collections.abc import Iterable
from pathlib import Path
from urllib.parse import unquote

from domain.model import Document
from domain.settings import Settings, warehouse_url

DOCUMENT_SUFFIXES = (".pdf", ".docx", ".doc", ".xlsx", ".xls", ".html", ".htm", ".zip")


class UsageError(Exception):
    """A mistake in what the user asked for: reported in one line, exit 2."""


def _progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


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


def print_scorecards(documents: list[Document]) -> None:
    print("得分  等级  错误/errors 警告/warnings  部门 年度 类型  文件")
    for document in documents:
        print(scorecard_line(document))


def _open_warehouse(url: str, *, must_exist: bool = False):
    """Open the warehouse or raise UsageError with the reason (bad URL, unreachable server …)."""
    from warehouse import Warehouse

    if must_exist and url.startswith("duckdb://") and not Path(url.removeprefix("duckdb://")).exists():
        raise UsageError(f"数据仓库文件不存在 / no warehouse file at {url}")
    try:
        return Warehouse.open(url)
    except Exception as exc:  # noqa: BLE001 — psycopg, duckdb and ValueError all mean "cannot open"
        raise UsageError(f"无法打开数据仓库 / cannot open the warehouse {url}: {exc}") from exc


def _run_id(kind: str) -> str:
    return f"{kind}-{time.strftime('%Y%m%dT%H%M%S')}-{uuid.uuid4().hex[:6]}"


def cmd_check(args: argparse.Namespace) -> int:
    from budgetqa import jobs

    paths = expand_paths(args.paths)
    if args.json and not Path(args.json).resolve().parent.is_dir():
        raise UsageError(f"报告所在文件夹不存在 / no folder for the report: {args.json}")
    wh = _open_warehouse(warehouse_url(args.warehouse)) if args.warehouse else None
    try:
        documents = jobs.extract_files(paths, progress=_progress)
        _progress(f"校验 {len(documents)} 份文件 / validating {len(documents)} documents")
        jobs.check_documents(documents)
        print_scorecards(documents)
        if args.json:
            Path(args.json).write_text(json.dumps(jobs.report_json(documents), ensure_ascii=False, indent=2), "utf-8")
            _progress(f"报告 / report: {args.json}")
        if wh:
            wh.save_documents(documents, run_id=_run_id("check"))
    finally:
        if wh:
            wh.close()
    return 0


def _portals(args: argparse.Namespace, settings: Settings) -> list:
    from budgetqa import jobs

    config = Path(args.config) if args.config else settings.portals
    if not config.exists():
        raise UsageError(f"找不到门户配置 / no portal configuration at {config}")
    return jobs.load_portals(config, portal=args.portal)


def cmd_crawl(args: argparse.Namespace) -> int:
    from budgetqa import jobs

    settings = Settings.from_env()
    portals = _portals(args, settings)
    wh = _open_warehouse(settings.warehouse)
    try:
        report = jobs.crawl_portals(portals, settings.store, progress=_progress)
        jobs.record_crawl_log(report, wh)
    finally:
        wh.close()
    print(report.summary())
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    from budgetqa import jobs

    settings = Settings.from_env()
    portals = _portals(args, settings)
    _open_warehouse(settings.warehouse).close()
    report = jobs.crawl_portals(portals, settings.store, progress=_progress)
    _progress(report.summary())
    documents = jobs.process_crawl(report, settings.warehouse, _run_id("run"), only_new=not args.recheck,
                                   progress=_progress, regions=jobs.portal_regions(portals))
    print_scorecards(documents)
    print(f"报告 / report: {_write_report(settings.warehouse, settings.report_dir)}")
    return 0


def _write_report(url: str, out: Path, *, must_exist: bool = False) -> Path:
    from report import write_site
    from report.site import SiteRefused

    wh = _open_warehouse(url, must_exist=must_exist)
    try:
        return write_site(wh, out)
    except SiteRefused as exc:
        raise UsageError(str(exc)) from exc
    finally:
        wh.close()


def cmd_report(args: argparse.Namespace) -> int:
    settings = Settings.from_env()
    url = warehouse_url(args.warehouse) if args.warehouse else settings.warehouse
    _progress(f"生成报告 / writing the report from {url}")
    print(_write_report(url, Path(args.out), must_exist=True))
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from budgetqa import demo

    result = demo.run_demo(home=Path(args.home) if args.home else None, progress=_progress)
    print_scorecards(result.documents)
    print(f"记分卡 / scorecard: {result.scorecard_page}")
    print(f"报告网站 / report site: {result.site}")
    print(f"数据仓库 / warehouse: {result.warehouse}")
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
    check.add_argument("paths", nargs="+", metavar="PATH", help=f"文件或文件夹 / files or folders ({suffixes})")
    check.add_argument("--json", metavar="FILE", help="写出 budgetqa.report/1 JSON 报告 / write the JSON report")
    check.add_argument("--warehouse", metavar="DB", help="同时存入数据仓库 / also store in this warehouse (path or URL)")
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
                     help="重新校验本次抓取到的所有文件（如规则更新后）/ re-check every file this crawl saw, not only new ones")
    run.set_defaults(func=cmd_run)

    report = sub.add_parser("report", help="由数据仓库生成静态记分卡网站 / write the static scorecard site")
    report.add_argument("--out", required=True, metavar="DIR", help="网站输出文件夹 / output folder")
    report.add_argument("--warehouse", metavar="DB", help="数据仓库路径或 URL / warehouse (default BUDGETQA_WAREHOUSE)")
    report.set_defaults(func=cmd_report)

    demo = sub.add_parser("demo", help="在内置演示门户上运行完整流程 / the main job on the bundled demo portal")
    demo.add_argument("--home", metavar="DIR", help="工作目录 / working folder (default var/demo)")
    demo.set_defaults(func=cmd_demo)
    return parser


def main(argv: list[str] | None = None) -> int:
    import crawler

    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except (UsageError, crawler.ConfigError) as exc:
        parser.exit(2, f"budgetqa {args.command}: {exc}\n")
    except crawler.CrawlError as exc:
        parser.exit(1, f"budgetqa {args.command}: {exc}\n")


if __name__ == "__main__":
    sys.exit(main())
