"""The report site driven by real clicks in the system Chromium (Playwright), served over http from a
sub-path: sort and filter the ranking, click through department → document → a finding's rule and its
page image, download the XLSX export; no console error nor page error over the whole session.

Built from four 2026 budgets of the tuning half (上海市 ×2, 苏州市, 杭州市) so the ranking has several
rows, two grades and three regions."""

from __future__ import annotations

import shutil
import threading
import time
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import unquote, urldefrag

import pytest
from openpyxl import load_workbook
from playwright.sync_api import Page, expect, sync_playwright

from report.exports import SHEETS
from tests.shared_inputs import corpus_file
from warehouse import Warehouse

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="chromium not installed")
SUB = "/publish/budget-qa/"  # the site is not at the server's root
PDFS = (  # tuning half, all 2026 budgets: one shown ranking view
    "renwu/001_上海/2026年上海市人力资源和社会保障局_部门预算.pdf",  # malformed amounts: findings with a page box
    "renwu/001_上海/2026年上海市水务局_部门预算.pdf",
    "renwu/006_苏州/2026年苏州市水务局部门预算.pdf",
    "renwu/008_杭州/2026年杭州市气象局部门预算.pdf",
)


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """The site of the four budgets, under a sub-path of a static http server: (base url, documents)."""
    from orchestration import jobs
    from report import write_site

    base = tmp_path_factory.mktemp("clicks")
    raw = base / "raw"
    raw.mkdir()
    copies = []
    for rel in PDFS:
        copies.append(raw / f"{len(copies)}.pdf")
        shutil.copyfile(corpus_file(rel), copies[-1])
    with Warehouse.open(f"duckdb://{base}/wh.duckdb") as wh:
        run = wh.start_run("run-clicks")
        folder = jobs.run_folder(base, run)
        documents = jobs.process_files(copies, wh, run, gx_dir=folder)
        jobs.record_run(folder, run, documents)
        wh.finish_run(run, jobs.run_counts(documents))
        index = write_site(wh, base / "site", gx_runs=base / "runs")
    root = base / "www"
    shutil.copytree(index.parent, root / SUB.strip("/"))
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(_Quiet, directory=str(root)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}{SUB}", documents
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def browser_page(served):
    """One Chromium page for the module, and what went wrong in it: console errors, page errors, http errors."""
    problems: list[str] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox", "--disable-gpu"])
        context = browser.new_context(accept_downloads=True)
        page = context.new_page()
        page.set_default_timeout(15_000)
        page.on("console", lambda m: m.type == "error" and problems.append(f"console: {m.text} ({page.url})"))
        page.on("pageerror", lambda e: problems.append(f"page error: {e} ({page.url})"))
        page.on("response", lambda r: r.status >= 400 and problems.append(f"http {r.status}: {r.url}"))
        # a link that turns into a download aborts its navigation (net::ERR_ABORTED): not a failure
        page.on("requestfailed", lambda r: r.url.endswith(".xlsx") and r.failure == "net::ERR_ABORTED"
                or problems.append(f"request failed: {r.url} {r.failure}"))
        try:
            yield page, problems
        finally:
            context.close()
            browser.close()


def _rows(page: Page) -> list[tuple[str, str, str, str]]:
    """The ranking's visible rows as shown: (department, region, score, grade)."""
    return [tuple(t.strip() for t in r) for r in page.eval_on_selector_all(
        "#ranking tbody tr:not([hidden])",
        "rows => rows.map(r => [r.querySelector('td.name strong').textContent, "
        "r.querySelector('.region-of').textContent, r.querySelector('.score').textContent, "
        "r.querySelector('.grade').textContent])")]


def _score(row: tuple[str, str, str, str]) -> float:
    return float(row[2])


def test_sort_by_clicking_a_header_and_filter_by_grade_and_region(served, browser_page):
    base, documents = served
    page, problems = browser_page
    started = time.perf_counter()
    page.goto(base + "index.html")
    expect(page.locator("#ranking tbody tr")).to_have_count(len(documents))
    shown = _rows(page)
    header = page.locator('#ranking th[data-key="score"]')
    header.click()  # data-first="asc": lowest score first
    expect(header).to_have_attribute("aria-sort", "ascending")
    up = _rows(page)
    assert sorted(up) == sorted(shown) and [_score(r) for r in up] == sorted(_score(r) for r in up)
    header.click()
    expect(header).to_have_attribute("aria-sort", "descending")
    down = _rows(page)
    assert [_score(r) for r in down] == sorted((_score(r) for r in down), reverse=True)
    assert down != up and "sort=score" in unquote(page.url) and "dir=desc" in page.url  # the address keeps it

    grades = {r[3] for r in shown}
    assert len(grades) >= 2, shown  # the four budgets do not all get the same grade
    worst = max(grades)  # "B" after "A"
    page.select_option("#f-grade", worst)
    expect(page.locator("#ranking tbody tr")).to_have_count(sum(r[3] == worst for r in shown))
    assert {r[3] for r in _rows(page)} == {worst}
    page.select_option("#f-grade", "")
    expect(page.locator("#ranking tbody tr")).to_have_count(len(shown))

    page.select_option("#f-region", "上海市")
    expect(page.locator("#ranking tbody tr")).to_have_count(sum(r[1] == "上海市" for r in shown))
    assert {r[1] for r in _rows(page)} == {"上海市"} and len(_rows(page)) == 2
    page.select_option("#f-region", "")
    expect(page.locator("#ranking tbody tr")).to_have_count(len(shown))
    print(f"\nsort and filters: {time.perf_counter() - started:.1f} s")
    assert not problems, problems


def test_click_from_the_ranking_to_a_finding_its_rule_and_its_page_image(served, browser_page):
    base, documents = served
    page, problems = browser_page
    doc = next(d for d in documents if any(f.location.page and f.location.bbox for f in d.findings))
    sha16 = doc.source.sha256[:16]
    page.goto(base + "index.html")
    row = page.locator("#ranking tbody tr", has=page.locator(f'a[href="doc/{sha16}.html"]'))
    expect(row).to_have_count(1)
    row.locator("td.name a").click()  # the department
    page.wait_for_url(base + "dept/*.html")
    page.locator(f'a[href="../doc/{sha16}.html"]').first.click()  # its document
    page.wait_for_url(base + f"doc/{sha16}.html")
    finding = page.locator("tr.finding", has=page.locator("a.evid")).first
    expect(finding).to_be_visible()
    n = finding.get_attribute("id")

    finding.locator("td:nth-child(3) a").click()  # the finding's rule
    page.wait_for_url(base + "rules/*.html#*")
    anchor = urldefrag(page.url)[1]
    assert anchor == f"d-{sha16}"
    expect(page.locator(f'tr[id="{anchor}"]')).to_be_visible()  # the document's row on the rule's page
    expect(page.locator("#basis")).to_have_count(1)

    page.go_back()
    page.wait_for_url(base + f"doc/{sha16}.html")
    page.locator(f'tr[id="{n}"] a.evid').click()  # the finding's page image
    page.wait_for_url(base + f"pages/{sha16}/*.html#*")
    assert urldefrag(page.url)[1] == f"box-{n}"
    box = page.locator(":target")
    expect(box).to_be_visible()
    assert box.get_attribute("id") == f"box-{n}"
    geometry = box.bounding_box()
    assert geometry and geometry["width"] > 2 and geometry["height"] > 2  # a drawn box, on the page image
    image = page.locator("#page img")
    assert image.evaluate("i => i.complete && i.naturalWidth > 0")  # the WebP loaded over http
    picture = image.bounding_box()
    assert picture and picture["x"] <= geometry["x"] and geometry["x"] + geometry["width"] <= picture["x"] + picture["width"] + 1
    box.click()  # the box leads back to the finding on the document's page
    page.wait_for_url(base + f"doc/{sha16}.html#{n}")
    expect(page.locator(f'tr[id="{n}"]')).to_be_visible()
    assert not problems, problems


def test_download_the_xlsx_export_by_clicking_its_link(served, browser_page, tmp_path):
    base, documents = served
    page, problems = browser_page
    page.goto(base + "methodology.html")
    page.locator('a[href$="index.html#downloads"]').first.click()  # the nav's 数据下载 downloads
    page.wait_for_url(base + "index.html#downloads")
    link = page.locator("#xlsx")
    expect(link).to_be_visible()
    with page.expect_download() as got:
        link.click()
    download = got.value
    assert download.url == base + "data/budgetqa.xlsx" and download.suggested_filename == "budgetqa.xlsx"
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    book = load_workbook(saved, read_only=True)
    titles = [t for _, t in SHEETS]
    assert book.sheetnames == titles  # one sheet per view, as the page says next to the link
    claim = page.locator("#xlsx").locator("xpath=..").inner_text()
    assert all(t in claim for t in titles)
    sheets = {t: list(book[t].iter_rows(values_only=True)) for t in titles}
    assert {"排名", "部门", "地区", "总分", "等级"} <= set(sheets["排名"][0])
    assert {"规则", "严重程度", "说明", "页码"} <= set(sheets["问题清单"][0])
    assert {"文件SHA-256", "状态", "总分"} <= set(sheets["文件评分"][0])
    ranked = {r[sheets["排名"][0].index("部门")] for r in sheets["排名"][1:]}
    shown = {r[0] for r in _rows(page)}
    assert shown and shown <= ranked
    assert len(sheets["问题清单"]) - 1 == sum(len(d.findings) for d in documents)
    assert len(sheets["文件评分"]) - 1 == len(documents)
    book.close()
    assert not problems, problems
