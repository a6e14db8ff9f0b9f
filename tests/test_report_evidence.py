"""Evidence on the report site, from real tuning-half files: the page image of each PDF finding with
its box on the cell, in a real headless Chromium."""

from __future__ import annotations

import re
import shutil

import pytest
from lxml import html
from PIL import Image

from report import write_site
from report.evidence import PAGE_DPI, page_image_href, page_view_href
from report.site import doc_href
from tests.shared_inputs import corpus_file
from warehouse import Warehouse

# tuning half (上海市, 江苏省): a budget with malformed amounts in its tables, and a 2017 budget whose
# narrative states a change rate the tables do not give
TABLES_PDF = "renwu/001_上海/2026年上海市人力资源和社会保障局_部门预算.pdf"
NARRATIVE_PDF = "open-budget/江苏省人民检察院/2017年省检察院部门预算.pdf"


def _style_box(style: str, width: float, height: float) -> list[float]:
    """[x0, top, x1, bottom] in points from a box's percent style."""
    v = {k: float(n) for k, n in re.findall(r"(left|top|width|height):([\d.]+)%", style)}
    return [v["left"] * width / 100, v["top"] * height / 100, (v["left"] + v["width"]) * width / 100,
            (v["top"] + v["height"]) * height / 100]


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    from orchestration import jobs
    from samples.seed_docs import build_seed_docx, build_seed_xlsx

    paths = [corpus_file(TABLES_PDF), corpus_file(NARRATIVE_PDF)]
    base = tmp_path_factory.mktemp("evidence")
    raw = base / "raw"
    raw.mkdir()
    copies = []
    for p in paths:  # the site's originals: copies this test may remove
        copies.append(raw / f"{len(copies)}.pdf")
        shutil.copyfile(p, copies[-1])
    copies.append(build_seed_docx(raw / "seed.docx"))  # the seed disclosure as DOCX: cells by address
    paths.append("seed.docx")
    copies.append(build_seed_xlsx(raw / "seed.xlsx"))  # and as XLSX: cells by sheet address
    paths.append("seed.xlsx")
    with Warehouse.open(f"duckdb://{base}/wh.duckdb") as wh:
        run = wh.start_run("run-evidence")
        folder = jobs.run_folder(base, run)
        documents = jobs.process_files(copies, wh, run, gx_dir=folder)
        jobs.record_run(folder, run, documents)
        wh.finish_run(run, jobs.run_counts(documents))
        index = write_site(wh, base / "site", gx_runs=base / "runs")
    return index.parent, {str(p): d for p, d in zip(paths, documents, strict=True)}, base


def test_every_pdf_finding_has_its_page_rendered_once_with_a_box_on_its_cell(built):
    import pypdfium2 as pdfium

    from report.evidence import _search_box

    site, docs, _ = built
    doc = docs[str(corpus_file(TABLES_PDF))]
    sha = doc.source.sha256
    located = [f for f in doc.findings if f.location.page and f.location.bbox]
    assert located, "the file has findings located on a page"
    pages = {f.location.page for f in doc.findings if f.location.page}
    images = sorted((site / "pages" / sha[:16]).glob("*.webp"))
    assert {int(p.stem) for p in images} == pages  # only the pages with findings, once each
    pdf = pdfium.PdfDocument(str(corpus_file(TABLES_PDF)))
    checked = 0
    for p in pages:
        width, height = pdf[p - 1].get_size()
        with Image.open(site / page_image_href(sha, p)) as im:
            assert abs(im.width - width * PAGE_DPI / 72) <= 2 and abs(im.height - height * PAGE_DPI / 72) <= 2
        view = html.fromstring((site / page_view_href(sha, p)).read_text(encoding="utf-8"))
        assert view.xpath("//img/@src") == [f"{p}.webp"]
        textpage = pdf[p - 1].get_textpage()
        for box in view.xpath('//a[contains(@class, "box")]'):
            n = int(box.get("id").removeprefix("box-f"))
            observed = view.xpath(f'//tr[@id="f{n}"]/td[6]')[0].text_content().strip()
            hits = _search_box(textpage, observed) if observed else []
            if len(hits) != 1:
                continue
            # the box, read back from its percent style, surrounds where the page prints the observed value
            x0, top, x1, bottom = _style_box(box.get("style"), width, height)
            hx0, htop, hx1, hbottom = hits[0]
            assert x0 <= hx0 and top <= htop and hx1 <= x1 and hbottom <= bottom, (n, observed, hits[0])
            checked += 1
    assert checked >= 3
    # the document page links each located finding to its box on the page view
    page = html.fromstring((site / doc_href(sha)).read_text(encoding="utf-8"))
    links = page.xpath('//a[@class="evid"]/@href')
    assert len(links) == sum(1 for f in doc.findings if f.location.page)
    assert all(re.fullmatch(rf"\.\./pages/{sha[:16]}/\d+\.html#(box-)?f\d+", h) for h in links)


def test_a_narrative_finding_is_boxed_where_the_page_prints_the_figure(built):
    site, docs, _ = built
    doc = docs[str(corpus_file(NARRATIVE_PDF))]
    rates = [f for f in doc.findings if f.rule == "narrative.change_rate" and f.location.page]
    assert rates
    f = rates[0]
    view = html.fromstring((site / page_view_href(doc.source.sha256, f.location.page)).read_text(encoding="utf-8"))
    boxes = view.xpath('//a[contains(@class, "box")]')
    assert boxes, "the quoted rate is outlined on its page"
    assert "按所引数字" in view.xpath('//table[@id="page-findings"]')[0].text_content()


def _digits(text: str) -> str:
    return re.sub(r"[^\d.]", "", text)


@pytest.mark.parametrize("source", [TABLES_PDF, "seed.docx", "seed.xlsx"])
def test_every_table_is_viewable_with_the_cells_of_its_findings_marked(built, source):
    site, docs, _ = built
    doc = docs[str(corpus_file(source)) if source.endswith(".pdf") else source]
    sha = doc.source.sha256
    views = sorted((site / "tables" / sha[:16]).glob("*.html"), key=lambda p: int(p.stem))
    assert [int(p.stem) for p in views] == list(range(len(doc.tables)))  # every extracted table
    page = html.fromstring((site / doc_href(sha)).read_text(encoding="utf-8"))
    assert len(page.xpath('//section[@id="tables"]//a[contains(@href, "../tables/")]')) == len(doc.tables)
    links = page.xpath('//tr[contains(@class, "finding")][.//a[@class="cellview"]]')
    assert links
    same = 0
    for row in links:
        n = int(row.get("id").removeprefix("f"))
        target, anchor = row.xpath('.//a[@class="cellview"]/@href')[0].split("#")
        view = html.fromstring((site / "doc" / target).resolve().read_text(encoding="utf-8"))
        cell = view.xpath("//*[@id=$a]", a=anchor)[0]
        # the marked cell (or row) carries the finding's number, linked back to it
        assert cell.xpath(f'.//a[@class and contains(@href, "{doc_href(sha)[4:]}#f{n}")]'), (n, anchor)
        assert {"fail", "marked-row", "table-level"} & set((cell.get("class") or "").split()), anchor
        observed = row.xpath("./td[9]")[0].text_content().strip()
        printed = cell.text or ""
        if cell.tag == "td" and observed and _digits(printed) == _digits(observed):
            same += 1
    assert same >= 1  # at least one marked cell prints exactly the value the finding reports
    if source != TABLES_PDF:  # the malformed '457.90.' is the marked cell of table 1, in words on the page
        words = {"seed.docx": ("t1/r2/c3", "第2张表 第3行"), "seed.xlsx": ("表1!D6", "工作表“表1” D6单元格")}[source]
        f = next(f for f in doc.findings if f.rule == "format.malformed_amount" and f.location.cell == words[0])
        row = page.xpath('//tr[contains(@class, "finding")][.//td[9][normalize-space()=$o]]', o=f.observed)[0]
        assert words[1] in row.xpath('./td[@class="loc"]')[0].text_content()
        target, anchor = row.xpath('.//a[@class="cellview"]/@href')[0].split("#")
        view = html.fromstring((site / "doc" / target).resolve().read_text(encoding="utf-8"))
        assert view.xpath("//td[@id=$a]", a=anchor)[0].text.strip() == "457.90."


def test_every_finding_links_to_its_rule_page_which_lists_the_document(built):
    from expectations.rules import RULES, RULES_BY_ID

    site, docs, _ = built
    assert all(r.basis not in ("", "—") and " / " in r.basis for r in RULES)  # Chinese with English
    assert {p.stem for p in (site / "rules").glob("*.html")} == {r.id for r in RULES}
    for doc in docs.values():
        sha = doc.source.sha256
        page = html.fromstring((site / doc_href(sha)).read_text(encoding="utf-8"))
        rows = page.xpath('//tr[contains(@class, "finding")]')
        assert len(rows) == len(doc.findings)
        for row in rows:
            href = row.xpath("./td[3]/a/@href")[0]
            target, anchor = href.split("#")
            rule_id = target.removeprefix("../rules/").removesuffix(".html")
            assert rule_id == row.xpath("./td[3]")[0].text_content().strip() and anchor == f"d-{sha[:16]}"
            rule = html.fromstring((site / "doc" / target).resolve().read_text(encoding="utf-8"))
            listed = rule.xpath("//tr[@id=$a]", a=anchor)[0]  # the document is listed on its rule's page
            assert listed.xpath(f'.//a[contains(@href, "{doc_href(sha)[4:]}#{row.get("id")}")]')
            r = RULES_BY_ID[rule_id]
            assert rule.xpath('//*[@id="tolerance"]')[0].text_content() == r.tolerance
            assert rule.xpath('//*[@id="basis"]')[0].text_content() == r.basis
            assert rule.xpath('//*[@id="expectation"]/code')[0].text_content() == r.expectation[0]


def test_each_document_page_links_its_runs_published_data_docs(built):
    site, docs, _ = built
    for doc in docs.values():
        page = html.fromstring((site / doc_href(doc.source.sha256)).read_text(encoding="utf-8"))
        href = page.xpath('//a[@id="data-docs"]/@href')[0]
        assert re.fullmatch(r"\.\./gx/run-evidence/index\.html", href)
        assert (site / "doc" / href).resolve().is_file()
    # the rule's own suite page in those Data Docs is linked from the rule page
    rule = html.fromstring((site / "rules" / "format.malformed_amount.html").read_text(encoding="utf-8"))
    (link,) = rule.xpath('//*[@id="rule-data-docs"]/a/@href')
    assert (site / "rules" / link).resolve().is_file()
    assert not [p for p in site.rglob("*.html") if "file://" in p.read_text(encoding="utf-8") and "/gx/" not in p.as_posix()]


def test_report_command_publishes_the_data_docs_of_a_run_folder(built, tmp_path, capsys):
    from budgetqa.cli import main

    _, docs, base = built
    out = tmp_path / "site"
    assert main(["report", "--warehouse", str(base / "wh.duckdb"), "--out", str(out),
                 "--gx", str(base / "runs" / "run-evidence")]) == 0
    assert (out / "gx" / "run-evidence" / "index.html").is_file()
    assert not list((out / "gx" / "run-evidence").rglob("*.gif"))
    page = html.fromstring((out / doc_href(next(iter(docs.values())).source.sha256)).read_text(encoding="utf-8"))
    assert page.xpath('//a[@id="data-docs"]/@href') == ["../gx/run-evidence/index.html"]


def test_a_missing_original_does_not_fail_the_report(built, tmp_path):
    _, docs, base = built
    for p in (base / "raw").glob("*.pdf"):
        p.unlink()
    with Warehouse.open(f"duckdb://{base}/wh.duckdb") as wh:
        index = write_site(wh, tmp_path / "site")
    doc = docs[str(corpus_file(TABLES_PDF))]
    p = next(f.location.page for f in doc.findings if f.location.page)
    view = html.fromstring((index.parent / page_view_href(doc.source.sha256, p)).read_text(encoding="utf-8"))
    assert "no page image" in view.xpath('//*[@id="no-image"]')[0].text_content()
    assert not list((index.parent / "pages").rglob("*.webp"))


def test_a_rule_page_lists_the_documents_with_most_errors_first_and_counts_the_rest(tmp_path, monkeypatch):
    import report.site as site_module
    from report.site import rule_documents
    from samples.warehouse_docs import document, finding
    from scoring import score_document

    rule = "format.malformed_amount"
    bad = [finding("format", rule=rule, code="201"), finding("format", rule=rule, code="20103")]
    docs = [document("one", bad[:1], department="乙局", year=2024, kind="budget"),
            document("two", bad, department="甲局", year=2024, kind="budget"),
            document("three", [finding("format", "warning", rule=rule)], department="丙局", year=2024, kind="budget")]
    for d in docs:
        d.scorecard = score_document(d)
    with Warehouse.open(f"duckdb://{tmp_path}/wh.duckdb") as wh:
        wh.save_documents(docs)
        shas = rule_documents(wh.findings(), wh.scorecards())[rule]
        assert shas == [d.source.sha256 for d in (docs[1], docs[0], docs[2])]  # most errors first
        monkeypatch.setattr(site_module, "RULE_PAGE_DOCUMENTS", 1)
        monkeypatch.setattr(site_module, "RULES_SUMMARY_DOCUMENTS", 1)
        index = write_site(wh, tmp_path / "site")
    # rules.html keeps the first document of each rule and severity and sends the rest to the rule page
    summary = html.fromstring((index.parent / "rules.html").read_text(encoding="utf-8"))
    errors = summary.xpath(f'//section[@id="{rule}-error"]')[0]
    assert len(errors.xpath(".//tbody/tr")) == 1 and "甲局" in errors.xpath(".//tbody/tr")[0].text_content()
    assert "另有 1 份文件" in errors.xpath('.//p[@class="more"]')[0].text_content()
    assert not summary.xpath(f'//section[@id="{rule}-warning"]//p[@class="more"]')
    page = html.fromstring((index.parent / "rules" / f"{rule}.html").read_text(encoding="utf-8"))
    assert [r.get("id") for r in page.xpath('//table[@id="fired"]/tbody/tr')] == [f"d-{shas[0][:16]}"]
    assert "另有 2 份文件" in page.xpath('//*[@id="more"]')[0].text_content()
    for sha, anchored in ((shas[0], True), (shas[1], False)):  # a document not listed links the page, no anchor
        doc = html.fromstring((index.parent / doc_href(sha)).read_text(encoding="utf-8"))
        hrefs = [h for h in doc.xpath('//tr[contains(@class, "finding")]/td[3]/a/@href') if f"/{rule}.html" in h]
        assert hrefs and all(("#d-" in h) == anchored for h in hrefs)


def test_a_document_stored_before_grids_were_kept_says_to_check_it_again(tmp_path):
    from samples.warehouse_docs import document
    from scoring import score_document

    doc = document("old", department="甲局", year=2024, kind="budget")
    doc.scorecard = score_document(doc)
    with Warehouse.open(f"duckdb://{tmp_path}/wh.duckdb") as wh:
        wh.save_documents([doc])
        # as a warehouse migrated from before version 6 holds it (neither a grid nor, since 7, the frames)
        wh.conn.execute("UPDATE doc_tables SET grid = NULL, frames = NULL")
        assert wh.table_grids(doc.source.sha256)[0]["rows"] is None
        index = write_site(wh, tmp_path / "site")
    view = html.fromstring((index.parent / "tables" / doc.source.sha256[:16] / "0.html").read_text(encoding="utf-8"))
    assert "--recheck" in view.xpath('//*[@id="no-grid"]')[0].text_content()
