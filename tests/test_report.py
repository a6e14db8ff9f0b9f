"""The static report, rendered by real headless chromium; assertions on the rendered DOM."""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest
from lxml import html

from report import write_scorecard, write_site
from report.site import doc_href
from scoring import score_document
from warehouse import Warehouse
from warehouse.sample import seed_like

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="chromium not installed")


def render(page: Path) -> html.HtmlElement:
    """The DOM after chromium has loaded and laid out the page."""
    profile = tempfile.mkdtemp(prefix="bq-chromium-")
    try:
        out = subprocess.run(
            [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
             "--disable-component-update", "--disable-sync", "--no-first-run", f"--user-data-dir={profile}",
             "--dump-dom", page.resolve().as_uri()],
            capture_output=True, text=True, timeout=120, check=True,
        ).stdout
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    return html.fromstring(out)


def text(el) -> str:
    return " ".join(el.text_content().split())


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    docs = seed_like()
    for d in docs:
        d.scorecard = score_document(d)
    base = tmp_path_factory.mktemp("site")
    with Warehouse.open(f"duckdb://{base}/wh.duckdb") as wh:
        run = wh.start_run("run-test")
        wh.save_documents(docs, run)
        wh.finish_run(run, {"documents": len(docs)})
        index = write_site(wh, base / "out")
    return index, {d.source.path.split("/")[-1].split(".")[0]: d for d in docs}


def test_index_ranks_departments(site):
    index, docs = site
    dom = render(index)
    rows = dom.xpath('//table[@id="ranking"]/tbody/tr')
    cells = [[text(td) for td in r.xpath("./td")] for r in rows]
    assert [c[1] for c in cells] == ["杜集区信访局", "杜集区政府办公室", "杜集区财政局"]
    office = cells[1]
    assert office[0] == "2" and office[3] == "2022"
    assert office[4] == f"{docs['dj2022'].scorecard.score:.1f}" and office[5] == docs["dj2022"].scorecard.grade
    assert "2021: 80.3" in office[-2] and "2022: 98.0" in office[-2]  # trend over both years
    assert rows[1].xpath(".//svg/polyline")  # the sparkline is drawn
    assert cells[2][0] == "—" and "无法读取" in cells[2][-1]  # unreadable: listed, not ranked
    links = dom.xpath('//table[@id="ranking"]//a/@href')
    assert doc_href(docs["dj2022"].doc_id) in links
    assert {"data/scorecards.csv", "data/findings.csv", "data/report.json"} <= set(dom.xpath("//header//a/@href"))
    for name in ("scorecards.csv", "findings.csv", "report.json"):
        assert (index.parent / "data" / name).stat().st_size > 100
    assert len(json.loads((index.parent / "data/report.json").read_text())["documents"]) == 4


def test_document_page_drills_down_to_the_cell(site):
    index, docs = site
    doc = docs["dj2021"]
    dom = render(index.parent / doc_href(doc.doc_id))
    hero = text(dom.xpath('//*[@id="scorecard"]')[0])
    assert f"{doc.scorecard.score:.1f}" in hero and "3 个错误" in hero and "科目编码" in hero
    rows = dom.xpath('//table[@id="findings"]/tbody/tr')
    assert len(rows) == 4
    first = [text(td) for td in rows[0].xpath("./td")]
    assert first[1] == "错误" and "code.parent_prefix" in first[2] and first[3] == "一般公共预算支出表"
    assert first[4] == "2050505" and first[7] == "20805xx" and first[8] == "2050505"
    assert first[9] == "科目编码与上级科目 20805 不一致 / code is not under its parent 20805"
    assert first[10] == "第3页 · 坐标 (72, 410)–(520, 428)"
    assert rows[0].xpath(".//td[last()]/a/@href") == ["http://www.hbdj.gov.cn/2021/yusuan.pdf#page=3"]
    assert "合计 (total)" in [text(td) for td in rows[1].xpath("./td")]
    assert text(rows[3].xpath("./td")[-1]) == "第41段"
    assert dom.xpath('//*[@id="source-url"]/@href') == ["http://www.hbdj.gov.cn/2021/yusuan.pdf"]
    assert "/data/dj2021.pdf" in text(dom.xpath('//*[@id="source-path"]')[0])
    # spreadsheet location
    dom22 = render(index.parent / doc_href(docs["dj2022"].doc_id))
    assert text(dom22.xpath('//table[@id="findings"]/tbody/tr/td[last()]')[0]) == "单元格 表2!C12"


def test_unreadable_document_page_says_why(site):
    index, docs = site
    dom = render(index.parent / doc_href(docs["broken"].doc_id))
    hero = text(dom.xpath('//*[@id="scorecard"]')[0])
    assert "不评分" in hero and "PDF 已加密" in hero


def test_single_scorecard_is_self_contained(tmp_path):
    doc = seed_like()[0]
    doc.scorecard = score_document(doc)
    page = write_scorecard(doc, tmp_path / "card.html")
    raw = page.read_text(encoding="utf-8")
    tree = html.fromstring(raw)
    assert not tree.xpath("//link[@rel='stylesheet'] | //script[@src] | //img[starts-with(@src, 'http')]")
    dom = render(page)
    assert "杜集区政府办公室" in text(dom.xpath("//h1")[0])
    assert f"{doc.scorecard.score:.1f}" in text(dom.xpath('//*[@id="scorecard"]')[0])
    assert len(dom.xpath('//table[@id="findings"]/tbody/tr')) == 4
