"""`budgetqa` — the command line (CONTRACT §2): check | crawl | run | report | demo."""

from __future__ import annotations

import argparse
import json
import sys
import time
import uuid
from collections.abc import Iterable
from pathlib import Path

from budgetqa.model import Document
from budgetqa.settings import REPO_ROOT, Settings, warehouse_url

DOCUMENT_SUFFIXES = {".pdf", ".docx", ".doc", ".xlsx", ".xls", ".html", ".htm", ".zip"}


def _progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def expand_paths(paths: Iterable[str]) -> list[Path]:
    """Files as given; folders walked for the document suffixes, in a stable order."""
    found: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found.extend(sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in DOCUMENT_SUFFIXES))
        elif path.exists():
            found.append(path)
        else:
            raise FileNotFoundError(f"找不到文件 / no such file: {raw}")
    return found


def scorecard_line(document: Document) -> str:
    card = document.scorecard
    errors = sum(f.severity == "error" for f in document.findings)
    warnings = sum(f.severity == "warning" for f in document.findings)
    score = f"{card.score:5.1f} {card.grade}" if card and card.score is not None else "    - -"
    who = " ".join(str(x) for x in (document.department, document.year, document.kind) if x) or "?"
    status = "" if document.status == "ok" else f" [{document.status}: {document.error}]"
    where = document.source.url or document.source.path
    return f"{score}  {errors:3d} 错误 {warnings:3d} 警告  {who}  {where}{status}"


def print_scorecards(documents: list[Document]) -> None:
    print("得分  等级  错误/errors 警告/warnings  部门 年度 类型  文件")
    for document in documents:
        print(scorecard_line(document))


def cmd_check(args: argparse.Namespace) -> int:
    from budgetqa import jobs

    paths = expand_paths(args.paths)
    documents = jobs.extract_files(paths, progress=lambda done, total, path: _progress(
        f"[{done}/{total}] 已读取 / read {path}"))
    _progress(f"校验 {len(documents)} 份文件 / validating {len(documents)} documents")
    jobs.check_documents(documents)
    print_scorecards(documents)
    if args.json:
        Path(args.json).write_text(json.dumps(jobs.report_json(documents), ensure_ascii=False, indent=2), "utf-8")
        _progress(f"报告 / report: {args.json}")
    if args.warehouse:
        from warehouse import Warehouse

        wh = Warehouse.open(warehouse_url(args.warehouse))
        try:
            wh.save_documents(documents, run_id=_run_id("check"))
        finally:
            wh.close()
    return 0


def _run_id(kind: str) -> str:
    return f"{kind}-{time.strftime('%Y%m%dT%H%M%S')}-{uuid.uuid4().hex[:6]}"


def cmd_crawl(args: argparse.Namespace) -> int:
    from budgetqa import jobs

    settings = Settings.from_env()
    config = Path(args.config) if args.config else settings.portals
    report = jobs.crawl_portals(config, settings.store, portal=args.portal)
    from warehouse import Warehouse

    wh = Warehouse.open(settings.warehouse)
    try:
        import crawler

        wh.record_crawl(crawler.unrecorded(report.store_uri, wh.crawl_log()))  # each record once
    finally:
        wh.close()
    print(report.summary())
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    from budgetqa import jobs

    settings = Settings.from_env()
    config = Path(args.config) if args.config else settings.portals
    report = jobs.crawl_portals(config, settings.store, portal=args.portal)
    _progress(report.summary())
    documents = jobs.process_crawl(report, settings.warehouse, _run_id("run"))
    print_scorecards(documents)
    site = _write_report(settings.warehouse, settings.report_dir)
    print(f"报告 / report: {site}")
    return 0


def _write_report(url: str, out: Path) -> Path:
    from report import write_site
    from warehouse import Warehouse

    wh = Warehouse.open(url)
    try:
        return write_site(wh, out)
    finally:
        wh.close()


def cmd_report(args: argparse.Namespace) -> int:
    settings = Settings.from_env()
    url = warehouse_url(args.warehouse) if args.warehouse else settings.warehouse
    try:
        from warehouse import Warehouse

        Warehouse.open(url).close()  # fail early and clearly on a wrong URL or an unreachable server
    except Exception as exc:  # noqa: BLE001 — psycopg, duckdb and ValueError all mean "cannot open"
        print(f"budgetqa report: 无法打开数据仓库 / cannot open the warehouse {url}: {exc}", file=sys.stderr)
        return 2
    _progress(f"生成报告 / writing the report from {url}")
    print(_write_report(url, Path(args.out)))
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from budgetqa import demo

    home = Path(args.home) if args.home else None
    result = demo.run_demo(home=home, progress=_progress)
    print_scorecards(result.documents)
    print(f"记分卡 / scorecard: {result.scorecard_page}")
    print(f"报告网站 / report site: {result.site}")
    print(f"数据仓库 / warehouse: {result.warehouse}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="budgetqa",
        description="检查政府部门预算/决算公开文件的质量 / check China's budget disclosures",
    )
    sub = parser.add_subparsers(dest="command", required=True)

    check = sub.add_parser("check", help="提取并校验本地文件 / extract and validate local files or folders")
    check.add_argument("paths", nargs="+", metavar="PATH", help="文件或文件夹 (pdf docx doc xlsx xls html zip)")
    check.add_argument("--json", metavar="FILE", help="写出 budgetqa.report/1 JSON 报告 / write the JSON report")
    check.add_argument("--warehouse", metavar="DB", help="同时存入数据仓库 / also store in this warehouse")
    check.set_defaults(func=cmd_check)

    crawl = sub.add_parser("crawl", help="抓取已配置的门户 / crawl the configured portals (new or changed files only)")
    crawl.add_argument("--portal", metavar="NAME", help="只抓取这个门户 / only this portal")
    crawl.add_argument("--config", metavar="FILE", help="门户配置 YAML 文件或文件夹 / portal YAML file or folder")
    crawl.set_defaults(func=cmd_crawl)

    run = sub.add_parser("run", help="每夜任务：抓取、提取、校验、评分 / the nightly job")
    run.add_argument("--portal", metavar="NAME")
    run.add_argument("--config", metavar="FILE")
    run.set_defaults(func=cmd_run)

    report = sub.add_parser("report", help="由数据仓库生成静态记分卡网站 / write the static scorecard site")
    report.add_argument("--out", required=True, metavar="DIR")
    report.add_argument("--warehouse", metavar="DB")
    report.set_defaults(func=cmd_report)

    demo = sub.add_parser("demo", help="在内置演示门户上运行完整流程 / the main job on the bundled demo portal")
    demo.add_argument("--home", metavar="DIR", help="工作目录 / working folder (default var/demo)")
    demo.set_defaults(func=cmd_demo)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except FileNotFoundError as exc:
        parser.exit(2, f"budgetqa: {exc}\n")


if __name__ == "__main__":
    sys.exit(main())

__all__ = ["main", "REPO_ROOT"]
