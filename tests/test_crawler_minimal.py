"""A portal configured by the README's minimal YAML alone (name, family, region, start_urls; `local:
true` and `delay: 0` added for 127.0.0.1): the family defaults read pagers, links and attachments from
the page itself — script strings, onclick handlers, download endpoints, Hanweb's uid, TRS's
createPageHTML — and the metadata of each stored file is its own. Real HTTP, real Scrapy, real PDFs."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path
from urllib.parse import unquote

import pytest
import yaml
from docx import Document as DocxDocument

import crawler
from crawler.localserver import serve
from tests.shared_inputs import SHARED

REPO = Path(__file__).resolve().parents[1]
SITES = REPO / "tests" / "portals"
pytestmark = pytest.mark.skipif(not (SHARED / "corpus" / "real").is_dir(),
                                reason=f"共享语料不存在 / shared corpus not found at {SHARED}")

LOCAL_START = {  # family → (test site, start path)
    "trs": ("trs_script", "/index.html"),
    "hanweb": ("hanweb_gbk", "/col/col3381/index.html"),
    "gdcms": ("gdcms", "/index.html"),
    "jeecms": ("jeecms", "/sthjj/zfxxgk/9968003.jhtml"),
    "xxgk": ("xxgk", "/art/2025/3/14/art_55894_4900001.html"),
}


def readme_minimal() -> dict[str, dict]:
    text = (REPO / "crawler" / "README.md").read_text("utf-8")
    return {fam: yaml.safe_load(body) for fam, body in
            re.findall(r"<!-- minimal: (\w+) -->\s*```yaml\n(.*?)```", text, re.S)}


def docx_bytes(text: str) -> bytes:
    doc = DocxDocument()
    doc.add_paragraph(text)
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


def crawl_minimal(family: str, tmp_path: Path, routes: dict | None = None, *,
                  crawls: int = 1) -> tuple[list[crawler.CrawlReport], list]:
    """The reports of `crawls` crawls into one store, and every request the site answered."""
    data = readme_minimal()[family]
    assert set(data) == {"name", "family", "region", "start_urls"}  # the README's example is minimal
    site, start = LOCAL_START[family]
    with serve(SITES / site, routes) as base:
        data = {**data, "start_urls": [base + start], "local": True, "delay": 0}
        path = tmp_path / f"{family}.yaml"
        path.write_text(yaml.safe_dump(data, allow_unicode=True), "utf-8")
        reports = [crawler.crawl(crawler.load_portals(path), (tmp_path / "store").as_uri()) for _ in range(crawls)]
        return reports, [(r["method"], unquote(r["path"]), r["status"]) for r in base.requests]


def test_readme_has_a_minimal_yaml_per_html_family() -> None:
    assert set(readme_minimal()) == {"trs", "hanweb", "gdcms", "jeecms", "xxgk"}


def test_trs_minimal_script_links_onclick_endpoint_pager_and_metadata(tmp_path: Path) -> None:
    """TRS: createPageHTML(2, 0, "index", "shtml") → index_1.shtml; the attachment written by
    `var file_appendix = '<a href="./P0….pdf">'`; an onclick download.do with no type in the URL; menu
    links with 预算 not followed; the same PDF posted twice; a ZIP of two departments; an offsite item."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("西安市教育局（本级）2025年部门预算.docx", docx_bytes("部门预算公开"))
        zf.writestr("西安市第一中学2025年部门预算.docx", docx_bytes("单位预算公开"))
    (tmp_path / "edu.zip").write_bytes(buf.getvalue())
    (report, again), asked = crawl_minimal("trs", tmp_path, {"/202502/P020250210_1.zip": tmp_path / "edu.zip"},
                                           crawls=2)
    got = {unquote(r.url).split("/", 3)[-1]: (r.outcome, r.kind, r.title, r.department, r.year, r.doc_kind, r.format)
           for r in report.records}
    assert got == {
        "202602/P020260212_1.pdf": ("new", "document", "2026年西安市城市管理局部门综合预算.pdf", "西安市城市管理局",
                                    2026, "budget", "pdf"),  # from the script string; 部门综合 is a title word
        "attach/download.do?fileId=88": ("new", "document", "西安市民政局2026年部门预算", "西安市民政局",
                                         2026, "budget", "pdf"),  # onclick, format sniffed
        "202602/P020260214_1.pdf": ("new", "document", "西安市信访局2026年部门预算.pdf", "西安市信访局",
                                    2026, "budget", "pdf"),
        # the same bytes posted again: its own posting's title, the department in full from its article
        "202602/P020260215_1.pdf": ("duplicate", "document", "信访局部门预算.pdf", "西安市信访局",
                                    2026, "budget", "pdf"),
        "202502/P020250210_1.zip": ("new", "document", "西安市教育局2025年部门预算.zip", "西安市教育局",
                                    2025, "budget", "zip"),  # on page 2, index_1.shtml
        "gk/czxx/202603/t20260301_9.html": (
            "error: offsite link, domain not configured (www.xa.gov.cn) / 站外链接，域名未配置", "link",
            "西安市2026年市级部门预算汇总", None, None, None, None),
        "mzj/P020260213_2.pdf": (  # an attachment on another host
            "error: offsite link, domain not configured (file.xa.gov.cn) / 站外链接，域名未配置", "link",
            "西安市民政局2026年部门预算说明.pdf", None, None, None, None),
    }
    paths = {p for _m, p, _s in asked}  # both crawls
    assert "/index_1.shtml" in paths and not paths & {"/yszxqk/", "/ysjsbg/", "/zfys/", "/index_1.html"}
    dup = next(r for r in report.records if r.outcome == "duplicate")
    assert dup.published == "2026-02-15" and dup.referer.endswith("/202602/t20260215_2004.html")
    assert report.portal_status()["xian_czj"]["status"] == "ok"  # an offsite link does not make it partial
    logged = (tmp_path / "store" / "crawl_log.jsonl").read_text("utf-8")
    assert "www.xa.gov.cn" in logged and "offsite link" in logged

    # the next crawl: nothing changed (304s), the skipped links are logged again, nothing else asked
    assert {r.outcome for r in again.records if r.kind == "document"} == {"unchanged"}
    assert sorted(r.url.split("/")[2] for r in again.records if r.kind == "link") == ["file.xa.gov.cn", "www.xa.gov.cn"]
    assert not any("xa.gov.cn" in p for _m, p, _s in asked)

    # the ZIP's members: each its own department and year from its own name, not the ZIP's
    from extract import extract_file
    from orchestration.jobs import apply_crawl_hints

    stored = next(f for f in report.stored_files() if f.format == "zip")
    docs = extract_file(stored.path, url=stored.url)
    apply_crawl_hints(docs, report.stored_files())
    assert sorted((d.source.path.rsplit("!/", 1)[1], d.department, d.year, d.kind) for d in docs) == [
        ("西安市教育局（本级）2025年部门预算.docx", "西安市教育局（本级）", 2025, "budget"),
        ("西安市第一中学2025年部门预算.docx", "西安市第一中学", 2025, "budget"),
    ]


def test_hanweb_minimal_reads_the_uid_from_the_page(tmp_path: Path) -> None:
    """Hanweb column in GBK, items in the jpage datastore, the pager only in JS: uid 6431 from the data
    proxy URL, 3 pages from totalRecord 7 / perPage 3. A request with an empty uid would get page 1 again."""
    (report,), asked = crawl_minimal("hanweb", tmp_path)
    lists = sorted(p for _m, p, _s in asked if p.startswith("/col/"))
    assert lists == ["/col/col3381/index.html", "/col/col3381/index.html?uid=6431&pageNum=2",
                     "/col/col3381/index.html?uid=6431&pageNum=3"]
    assert {r.outcome for r in report.records} == {"new"}
    assert sorted(r.department for r in report.records) == sorted(
        ["杭州市交通运输局", "杭州市公安局", "杭州市司法局", "杭州市气象局", "杭州市政府办公厅", "杭州市审计局", "杭州市水务局"])
    assert {(r.year, r.doc_kind, r.format) for r in report.records} == {(2026, "budget", "pdf")}


def test_hanweb_pager_without_a_uid_is_an_error_not_page_one_again(tmp_path: Path) -> None:
    page = (SITES / "hanweb_gbk" / "col/col3381/index.html").read_bytes().decode("gb18030")
    stripped = re.sub(r"unitid=6431|id=\"6431\"|#6431", "", page)
    (tmp_path / "col.html").write_bytes(stripped.encode("gb18030"))
    (report,), asked = crawl_minimal("hanweb", tmp_path, {"/col/col3381/index.html": tmp_path / "col.html"})
    assert not any("pageNum" in p for _m, p, _s in asked)
    errors = [r for r in report.records if r.is_error]
    assert [(r.kind, r.outcome) for r in errors] == [("list", (
        "error: layout change: pager value(s) ['uid'] not found in the page script, pages 2–3 not crawled / "
        "页面脚本中未找到翻页参数"))]
    assert len([r for r in report.records if r.outcome == "new"]) == 3  # page 1's items
    assert report.portal_status()["hangzhou_bmys"]["status"] == "partial"


def test_gdcms_minimal(tmp_path: Path) -> None:
    (report,), asked = crawl_minimal("gdcms", tmp_path)
    assert ("GET", "/index_2.html", 200) in asked  # Math.ceil(total/20) pager
    assert len(report.records) == 20 and {r.outcome for r in report.records} == {"new"}
    assert {r.year for r in report.records} == set(range(2016, 2027))
    assert {r.department for r in report.records} <= {"中国共产党佛山市委员会宣传部", "中国共产党佛山市委员会宣传部（本级）"}


def test_jeecms_minimal(tmp_path: Path) -> None:
    (report,), _asked = crawl_minimal("jeecms", tmp_path)
    assert len(report.records) == 17 and {r.outcome for r in report.records} == {"new"}
    assert len({r.department for r in report.records}) == 17 and {r.year for r in report.records} == {2026}


def test_xxgk_minimal(tmp_path: Path) -> None:
    (tmp_path / "budget.docx").write_bytes(docx_bytes("济南市财政局2025年部门预算"))
    routes = {"/cms_files/complat3/1572/attach/20253/a1b2c3d4e5f60718293a4b5c6d7e8f90.docx": tmp_path / "budget.docx"}
    (report,), asked = crawl_minimal("xxgk", tmp_path, routes)
    outcomes = {unquote(r.url).rsplit("/", 1)[1]: r.outcome for r in report.records}
    assert outcomes == {"a1b2c3d4e5f60718293a4b5c6d7e8f90.docx": "new",
                        "0f9e8d7c6b5a49382716a5b4c3d2e1f0.xls": "error: blocked, WAF or rate limit (HTTP 521) / 被防火墙拦截"}
    assert not any(p.endswith((".doc", "914edcebd867443f9cdce59dee8e485c.docx")) for _m, p, _s in asked)
    docx = next(r for r in report.records if r.outcome == "new")
    assert (docx.department, docx.year, docx.doc_kind) == ("济南市财政局", 2025, "budget")


@pytest.mark.parametrize(("html", "expected"), [
    ("<a href=\"javascript:;\" onclick=\"window.open('/module/download/downfile.jsp?classid=0&filename=a.pdf')\">预算</a>",
     ("/module/download/downfile.jsp?classid=0&filename=a.pdf", "pdf")),
    ("<span onclick=\"location.href='./P020260101_1.xlsx'\">决算表</span>", ("./P020260101_1.xlsx", "xlsx")),
    ("<button onclick='downLoad(\"/attach/download.do?fileId=7\")'>部门预算</button>", ("/attach/download.do?fileId=7", "")),
    ("<script>var file_appendix = '<a href=\"./P020250929_3.pdf\">附件：预算.pdf</a>';</script>",
     ("./P020250929_3.pdf", "pdf")),
    ("<script>document.write(\"<a href=\\\"/getFile.action?id=9\\\">部门决算</a>\");</script>", ("/getFile.action?id=9", "")),
])
def test_links_in_handlers_and_script_strings(html: str, expected: tuple[str, str]) -> None:
    from parsel import Selector

    from crawler.spiders.base import link_ext, page_links

    (href, text, _el), = page_links(Selector(text=f"<html><body>{html}</body></html>"))
    assert (href, link_ext(href, text)) == expected and ("预算" in text or "决算" in text)


@pytest.mark.parametrize(("html", "uid"), [
    ('<nextgroup><![CDATA[<a href="/module/jpage/dataproxy.jsp?page=1&columnid=3381&unitid=6431"></a>]]>', "6431"),
    ("<script>var uid = '5207'; var totalPage = 4;</script>", "5207"),
    ('<div id="8812"><script type="text/xml"><datastore></datastore></script></div>', "8812"),
    ("<div id='main'><script>var perPage = 15;</script></div>", None),
])
def test_hanweb_uid_read_from_the_page(html: str, uid: str | None) -> None:
    from crawler.spiders.base import hanweb_uid

    assert hanweb_uid(html) == uid
