"""Crawls of the test portals (tests/portals/, built from saved real pages) served on 127.0.0.1.

Real HTTP, real Scrapy in a subprocess, real PDFs from ../shared/corpus/real."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from urllib.parse import unquote

import openpyxl
import pytest
from docx import Document as DocxDocument

import crawler
import crawler.localserver
from crawler.localserver import serve
from tests.shared_inputs import SHARED

HERE = Path(__file__).resolve().parent

SITES = HERE / "portals"
pytestmark = pytest.mark.skipif(
    not (SHARED / "corpus" / "real").is_dir(),
    reason=f"共享语料不存在 / shared corpus not found at {SHARED} (clone the repo next to shared/)",
)


def docx_bytes(text: str) -> bytes:
    doc = DocxDocument()
    doc.add_paragraph(text)
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


def xlsx_bytes(value: float) -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["科目编码", "科目名称", "决算数"])
    ws.append(["201", "一般公共服务支出", value])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def zip_bytes() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("长沙市财政局2025年部门预算.docx", docx_bytes("长沙市财政局2025年部门预算"))
        zf.writestr("长沙市财政局2025年部门预算公开表.xlsx", xlsx_bytes(1.0))
    return buf.getvalue()


def portal(tmp_path: Path, base: str, text: str) -> list[crawler.PortalConfig]:
    """A portal added by a YAML file alone."""
    path = tmp_path / "portal.yaml"
    path.write_text(text, "utf-8")
    return crawler.load_portals(path, base_url=base)


def by_url(report: crawler.CrawlReport) -> dict[str, str]:
    return {unquote(r.url.split("//", 1)[1].split("/", 1)[1]): r.outcome for r in report.records}


TRS_YAML = """
name: trs_test
family: trs
local: true
start_urls: ["{base_url}/index.html"]
item_pattern: "/t\\\\d{8}_\\\\d+\\\\.html$"
list_selector: ".czys_listCount_list"
timeout: 1
retries: 0
delay: 0
"""


@pytest.fixture
def trs_site(tmp_path: Path):
    gen = tmp_path / "gen"
    gen.mkdir()
    (gen / "a.docx").write_bytes(docx_bytes("2024年度长沙市财政局部门决算"))
    (gen / "b.xlsx").write_bytes(xlsx_bytes(100.0))
    (gen / "c.zip").write_bytes(zip_bytes())
    routes = {"/202509/P020250929_1.docx": gen / "a.docx", "/202509/P020250929_2.xlsx": gen / "b.xlsx",
              "/202502/P020250213_1.zip": gen / "c.zip"}
    with serve(SITES / "trs", routes) as base:
        yield base, gen


def test_trs_portal_first_crawl_collects_exact_documents_and_errors(tmp_path: Path, trs_site) -> None:
    base, _gen = trs_site
    store = tmp_path / "store"
    report = crawler.crawl(portal(tmp_path, base, TRS_YAML), store.as_uri())
    outcomes = by_url(report)
    pdf_2026 = "uploadfiles/202602/长沙市财政局2026年部门预算.pdf"
    pdf_copy = "uploadfiles/202402/P020240219_copy.pdf"  # the same file posted again, on the GBK page
    assert {outcomes[pdf_2026], outcomes[pdf_copy]} == {"new", "duplicate"}
    assert {k: v for k, v in outcomes.items() if k not in (pdf_2026, pdf_copy)} == {
        "202509/P020250929_1.docx": "new",
        "202509/P020250929_2.xlsx": "new",
        "202502/P020250213_1.zip": "new",
        "202310/P020231027_1.pdf": "new",  # reached through page 2 (index_1.html, GBK)
        "202409/P020240929_gone.pdf": "error: dead link (HTTP 404) / 链接失效",
        "202402/t20240219_11373437.html": "error: server error (HTTP 500) / 服务器错误",
        "202307/t20230731_11179281.html": "error: timeout / 超时",
        "redirect/P020230731.pdf": "error: refused metadata address 169.254.169.254 / 拒绝访问云元数据地址 "
                                   "(redirected to http://169.254.169.254/latest/meta-data/x.pdf)",
        "private/201909/t20190927_3491140.html": "error: robots.txt forbids / robots.txt 禁止抓取",
    }
    recs = {unquote(r.url): r for r in report.records}
    docx = next(r for u, r in recs.items() if u.endswith(".docx"))
    assert (docx.department, docx.year, docx.doc_kind, docx.format) == ("长沙市财政局", 2024, "final_accounts", "docx")
    assert docx.published == "2025-09-29" and docx.referer.endswith("/202509/t20250929_12011707.html")
    copy = next(r for u, r in recs.items() if u.endswith("P020240219_copy.pdf"))
    assert copy.title == "长沙市财政局2024年度部门预算.pdf" and copy.year == 2024  # read from a GBK page without charset
    # the same bytes are stored once; both URLs point at one object
    assert recs[f"{base}/{pdf_2026}"].sha256 == copy.sha256
    objects = sorted(p.name for p in (store / "objects").rglob("*.*"))
    assert len(objects) == 5 and {p.rsplit(".", 1)[1] for p in objects} == {"pdf", "docx", "xlsx", "zip"}
    assert len(report.stored_files()) == 5
    assert not any("169.254" in r["path"] for r in base.requests)  # never left 127.0.0.1
    log_lines = (store / "crawl_log.jsonl").read_text("utf-8").splitlines()
    assert len(log_lines) == len(report.records) == 11


def test_trs_second_crawl_fetches_only_what_can_have_changed(tmp_path: Path, trs_site) -> None:
    base, gen = trs_site
    store = tmp_path / "store"
    portals = portal(tmp_path, base, TRS_YAML + "revalidate: false\n")  # opted out: known attachments not asked
    first = crawler.crawl(portals, store.as_uri())
    base.wait_idle()  # the slow page is logged when its answer is done, after the crawler gave up
    attachments = ("/uploadfiles/", "/202509/P", "/202502/P", "/202310/P")
    n_first = len(base.requests)
    first_downloads = sum(1 for r in base.requests if r["path"].startswith(attachments) and r["status"] == 200)
    assert first_downloads == 6

    second = crawler.crawl(portals, store.as_uri())
    base.wait_idle()
    again = sorted((unquote(r["path"]), r["status"]) for r in base.requests[n_first:])
    # lists answer 304 (conditional); articles whose attachments are known are not asked at all; only
    # what failed last time is tried again (two articles 304, then their dead / refused attachment)
    assert again == [
        ("/202307/t20230731_11179280.html", 304), ("/202307/t20230731_11179281.html", 200),  # the slow one
        ("/202402/t20240219_11373437.html", 500), ("/202409/P020240929_gone.pdf", 404),
        ("/202409/t20240929_11608526.html", 304), ("/index.html", 304), ("/index_1.html", 304),
        ("/redirect/P020230731.pdf", 302), ("/robots.txt", 200),
    ]
    assert all("If-None-Match" in r["headers"] for r in base.requests[n_first:] if r["status"] == 304)
    docs = [r for r in second.records if not r.is_error]
    assert len(docs) == 6 and {r.outcome for r in docs} == {"unchanged"} and {r.status for r in docs} == {None}
    assert {r.sha256 for r in docs} == {r.sha256 for r in first.records if not r.is_error}
    assert sorted(r.outcome for r in second.errors()) == sorted(r.outcome for r in first.errors())
    assert len(second.stored_files()) == 5  # every known file is still in the crawl's report

    # the portal replaces a file at the same URL; by default known attachments are re-checked (304 or new bytes)
    (gen / "b.xlsx").write_bytes(xlsx_bytes(250.0))
    n_second = len(base.requests)
    third = crawler.crawl(portal(tmp_path, base, TRS_YAML), store.as_uri())
    asked = {unquote(r["path"]): r["status"] for r in base.requests[n_second:] if r["path"].startswith(attachments)}
    assert asked == {"/uploadfiles/202602/长沙市财政局2026年部门预算.pdf": 304, "/uploadfiles/202402/P020240219_copy.pdf": 304,
                     "/202509/P020250929_1.docx": 304, "/202509/P020250929_2.xlsx": 200,
                     "/202502/P020250213_1.zip": 304, "/202310/P020231027_1.pdf": 304}
    changed = {unquote(r.url).rsplit("/", 1)[1]: r for r in third.records if not r.is_error}
    assert changed["P020250929_2.xlsx"].outcome == "new_version"
    assert {r.outcome for n, r in changed.items() if n != "P020250929_2.xlsx"} == {"unchanged"}
    old = next(r for r in first.records if r.url.endswith("P020250929_2.xlsx"))
    assert old.sha256 != changed["P020250929_2.xlsx"].sha256
    assert Path(old.path).exists() and Path(changed["P020250929_2.xlsx"].path).exists()  # both versions kept
    versions = [line for line in (store / "records.jsonl").read_text("utf-8").splitlines() if "P020250929_2.xlsx" in line]
    assert len(versions) == 2  # one metadata record per download (url, sha256, fetched_at)


GDCMS_YAML = """
name: gdcms_test
family: gdcms
local: true
start_urls: ["{base_url}/index.html"]
item_pattern: "/content/post_\\\\d+\\\\.html$"
list_selector: ".wrap-list"
years: [2023, 2024, 2025, 2026]
exclude: [三公]
delay: 0
retries: 0
"""


def test_gdcms_pagination_years_and_layout_change(tmp_path: Path) -> None:
    store = tmp_path / "store"
    with serve(SITES / "gdcms") as base:
        portals = portal(tmp_path, base, GDCMS_YAML)
        report = crawler.crawl(portals, store.as_uri())
        got = {(r.department, r.year, r.doc_kind) for r in report.records}
        assert {r.outcome for r in report.records} == {"new"}
        assert got == {
            ("中国共产党佛山市委员会宣传部", 2026, "budget"),
            ("中国共产党佛山市委员会宣传部", 2025, "budget"),
            ("中国共产党佛山市委员会宣传部", 2024, "final_accounts"),
            ("中国共产党佛山市委员会宣传部", 2024, "budget"),  # on index_2.html
            ("中国共产党佛山市委员会宣传部", 2023, "final_accounts"),
            ("中国共产党佛山市委员会宣传部", 2023, "budget"),
        }
        assert base.count("/index_2.html", status=200) == 1
        # the portal is redesigned: the same list URL now yields no items
        base.routes["/index.html"] = SITES / "gdcms" / "redesign" / "index.html"
        base.routes["/index_2.html"] = SITES / "gdcms" / "redesign" / "index.html"
        report2 = crawler.crawl(portals, store.as_uri())
    (rec,) = report2.records
    assert rec.url.endswith("/index.html") and rec.kind == "list"
    assert rec.outcome == "error: layout change: list yielded no disclosure items (previously 6) / 版式变化"


def test_js_only_list_is_reported(tmp_path: Path) -> None:
    with serve(SITES / "gdcms") as base:
        text = GDCMS_YAML.replace("{base_url}/index.html", "{base_url}/jsonly/index.html")
        report = crawler.crawl(portal(tmp_path, base, text), (tmp_path / "s").as_uri())
    outcomes = [r.outcome for r in report.records]
    assert "error: JS-only page, no items without a browser / 页面需 JavaScript 渲染" in outcomes
    assert all(o.startswith("error") for o in outcomes)


def test_jeecms_article_added_by_yaml_alone(tmp_path: Path) -> None:
    """The README's recipe: a new portal is one YAML file, no code."""
    with serve(SITES / "jeecms") as base:
        (tmp_path / "zhengzhou.yaml").write_text(
            f"""name: zhengzhou_local
family: jeecms
local: true
start_kind: article
start_urls: ["{base}/sthjj/zfxxgk/9968003.jhtml"]
extensions: [pdf]
delay: 0
""", "utf-8")
        portals = crawler.load_portals(tmp_path / "zhengzhou.yaml")
        report = crawler.crawl(portals, (tmp_path / "store").as_uri())
    depts = {r.department for r in report.records}
    assert len(report.records) == 17 and {r.outcome for r in report.records} == {"new"}
    assert "郑州市生态环境局二七分局" in depts and "郑州市生态环境综合行政执法支队" in depts
    assert len(depts) == 17 and {r.year for r in report.records} == {2026}
    # URL-encoded Chinese file names with a ?token, fetched as published
    assert all("/attachment/2026%E5%B9%B4" in r.url and "?" in r.url for r in report.records), report.records[0].url


def test_xxgk_article_attachments_and_waf(tmp_path: Path) -> None:
    routes = {"/cms_files/complat3/1572/attach/20253/a1b2c3d4e5f60718293a4b5c6d7e8f90.docx":
              tmp_path / "budget.docx"}
    (tmp_path / "budget.docx").write_bytes(docx_bytes("济南市财政局2025年部门预算"))
    with serve(SITES / "xxgk", routes) as base:
        text = f"""name: jinan_local
family: xxgk
local: true
start_kind: article
start_urls: ["{base}/art/2025/3/14/art_55894_4900001.html"]
exclude: [申请表, 流程图]
retries: 0
delay: 0
"""
        report = crawler.crawl(portal(tmp_path, base, text), (tmp_path / "store").as_uri())
        asked = {r["path"].rsplit("/", 1)[1] for r in base.requests}
    outcomes = {unquote(r.url).rsplit("/", 1)[1]: r.outcome for r in report.records}
    assert outcomes == {
        "a1b2c3d4e5f60718293a4b5c6d7e8f90.docx": "new",
        "0f9e8d7c6b5a49382716a5b4c3d2e1f0.xls": "error: blocked, WAF or rate limit (HTTP 521) / 被防火墙拦截",
    }
    assert not any(name.endswith(("898f908ccfa4418780ef6feba7899ea9.doc", "914edcebd867443f9cdce59dee8e485c.docx"))
                   for name in asked)  # the application forms are not disclosures
    docx = next(r for r in report.records if r.outcome == "new")
    assert (docx.department, docx.year, docx.format) == ("济南市财政局", 2025, "docx")


PLATFORM_YAML = """
name: platform_test
family: platform
local: true
include: [部门预算, 部门决算]
delay: 0
api:
  departments: "{base_url}/api/region/{region}/{year}/departments.json"
  files: "{base_url}/api/dept/{dept_id}/{year}/files.json"
  download: "{base_url}/download.do?iid={file_id}"
  regions: ["340602"]
  years: [2026]
"""


def test_json_platform(tmp_path: Path) -> None:
    with serve(SITES / "platform") as base:
        report = crawler.crawl(portal(tmp_path, base, PLATFORM_YAML), (tmp_path / "store").as_uri())
    got = {(r.url.rsplit("=", 1)[1], r.department, r.year, r.published, r.outcome, r.format) for r in report.records}
    assert got == {
        ("F1001", "淮北市杜集区财政局", 2026, "2026-02-10", "new", "pdf"),
        ("F2001", "淮北市杜集区教育局", 2026, "2026-02-12", "new", "pdf"),
    }  # F1002 (政府采购意向) is not a budget disclosure


def test_download_size_limit(tmp_path: Path) -> None:
    text = PLATFORM_YAML + "max_size_mb: 0.12\n"  # 125,829 bytes: 水务局 PDF (108,824) fits, 教育局 (146,815) not
    with serve(SITES / "platform") as base:
        report = crawler.crawl(portal(tmp_path, base, text), (tmp_path / "store").as_uri())
    assert {r.url.rsplit("=", 1)[1]: r.outcome for r in report.records} == {
        "F1001": "new", "F2001": "error: too large / 文件超过大小限制"}


def test_demo_portal(tmp_path: Path) -> None:
    repo = HERE.parent
    if not (repo / "demo" / "files" / "杜集区政府办公室2021年部门预算.pdf").exists():
        pytest.skip("demo/files not written yet")
    lines: list[str] = []
    with serve(repo / "demo" / "portal") as base:
        portals = crawler.load_portals(repo / "demo" / "portal.yaml", base_url=base)
        report = crawler.crawl(portals, (tmp_path / "raw").as_uri(), log=lines.append)
    files = {f.format: f for f in report.stored_files()}
    assert set(files) == {"pdf", "docx"} and {r.outcome for r in report.records} == {"new"}
    assert {(f.department, f.year, f.doc_kind) for f in files.values()} == {("杜集区政府办公室", 2021, "budget")}
    assert files["pdf"].path.read_bytes() == (repo / "demo" / "files" / "杜集区政府办公室2021年部门预算.pdf").read_bytes()
    assert any(line.startswith("demo: new") for line in lines)


def test_inline_html_article_is_saved_as_the_document(tmp_path: Path) -> None:
    repo = HERE.parent
    text = (repo / "demo" / "portal.yaml").read_text("utf-8").replace("exclude: [网页表格]", "exclude: [Word, PDF]")
    with serve(repo / "demo" / "portal") as base:
        report = crawler.crawl(portal(tmp_path, base, text), (tmp_path / "raw").as_uri())
    (rec,) = report.records
    assert rec.outcome == "new" and rec.format == "html" and rec.url.endswith("/202103/t20210311_1003.html")
    assert (rec.department, rec.year, rec.published) == ("杜集区政府办公室", 2021, "2021-03-11")
    assert "公务接待费" in Path(rec.path).read_text("utf-8")


HANWEB_YAML = """
name: hangzhou_local
family: hanweb
local: true
start_urls: ["{base_url}/col/col1229/index.html"]
paging: {template: "index.html?uid=5207&pageNum={n}"}
delay: 0
retries: 0
"""


def test_hanweb_column_inline_table_and_waf(tmp_path: Path) -> None:
    """Hanweb jpage column (items in a <datastore> script, pageNum paging), a Hanweb download link,
    an inline-HTML table stored as its article body only, and a WAF's 412 in the log."""
    store = tmp_path / "store"
    site = SITES / "hanweb"
    inline_url = "/art/2026/2/11/art_1229_5002.html"
    page = (site / inline_url.lstrip("/")).read_text("utf-8")
    with serve(site) as base:
        portals = portal(tmp_path, base, HANWEB_YAML + "revalidate: false\n")
        first = crawler.crawl(portals, store.as_uri())
        outcomes = by_url(first)
        assert outcomes == {
            "module/download/downfile.jsp?classid=0&filename=2602101001.pdf": "new",
            "art/2026/2/11/art_1229_5002.html": "new",
            "module/download/downfile.jsp?classid=0&filename=2602121003.xls":
                "error: blocked, WAF or rate limit (HTTP 412) / 被防火墙拦截",
            "picture/0/2508201004.pdf": "new",  # on page 2 (?uid=5207&pageNum=2)
            "picture/0/2502181005.pdf": "new",
            "art/2025/8/15/art_1229_5006.html": "error: JS-only page / 页面需 JavaScript 渲染",
        }
        got = {(r.department, r.year, r.doc_kind, r.format) for r in first.records if not r.is_error}
        assert got == {("杭州市交通运输局", 2026, "budget", "pdf"), ("杭州市气象局", 2026, "budget", "html"),
                       ("杭州市公安局", 2024, "final_accounts", "pdf"), ("杭州市政府办公厅", 2025, "budget", "pdf")}
        inline = next(r for r in first.records if r.format == "html")
        stored = Path(inline.path).read_text("utf-8")
        assert "公务接待费" in stored and "浏览次数" not in stored and "今天是" not in stored  # body only
        assert inline.published == "2026-02-11"

        # second crawl: the column has no validators, but its content hash is unchanged → no article is
        # fetched; the page chrome of the inline article changes (visit counter, today's date)
        base.routes[inline_url] = tmp_path / "chrome.html"
        (tmp_path / "chrome.html").write_text(page.replace("1024", "1025").replace("2月20日", "2月21日"), "utf-8")
        n = len(base.requests)
        second = crawler.crawl(portals, store.as_uri())
        asked = sorted(unquote(r["path"]) for r in base.requests[n:])
        assert asked == ["/art/2025/8/15/art_1229_5006.html", "/art/2026/2/12/art_1229_5003.html",
                         "/col/col1229/index.html",
                         "/col/col1229/index.html?uid=5207&pageNum=2",
                         "/module/download/downfile.jsp?classid=0&filename=2602121003.xls", "/robots.txt"]
        assert {r.outcome for r in second.records if not r.is_error} == {"unchanged"}
        # re-validating (the default): the inline article is fetched again, the chrome change makes no new version
        reval = portal(tmp_path, base, HANWEB_YAML)
        third = crawler.crawl(reval, store.as_uri())
        assert by_url(third)["art/2026/2/11/art_1229_5002.html"] == "unchanged"
        # a figure in the table changes: a new version, the old one kept
        (tmp_path / "chrome.html").write_text(page.replace("3.20", "4.20").replace("15.70", "16.70"), "utf-8")
        fourth = crawler.crawl(reval, store.as_uri())
    rec = next(r for r in fourth.records if r.format == "html")
    assert rec.outcome == "new_version" and rec.sha256 != inline.sha256
    assert "4.20" in Path(rec.path).read_text("utf-8") and Path(inline.path).exists()


@pytest.mark.parametrize(("retries", "outcome", "asked"), [
    (2, "new", 3),  # two 500s, then the file
    (1, "error: server error (HTTP 500) / 服务器错误", 2),  # retries exhausted: the cause is logged
])
def test_server_errors_are_retried_with_backoff(tmp_path: Path, retries: int, outcome: str, asked: int) -> None:
    pdf = SHARED / "corpus" / "real" / "renwu" / "001_上海" / "2026年上海市水务局_部门预算.pdf"
    routes = {"/download.do?iid=F1001": crawler.localserver.Route(file=pdf, fail_first=2, fail_status=500)}
    text = PLATFORM_YAML + f"retries: {retries}\nretry_backoff: 0.2\n"
    with serve(SITES / "platform", routes) as base:
        report = crawler.crawl(portal(tmp_path, base, text), (tmp_path / "store").as_uri())
        assert base.count("/download.do?iid=F1001") == asked
    assert {r.url.rsplit("=", 1)[1]: r.outcome for r in report.records} == {"F1001": outcome, "F2001": "new"}
