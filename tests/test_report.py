"""The static report, rendered by real headless chromium; assertions on the rendered DOM."""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
import zipfile
from pathlib import Path

import polars as pl
import pytest
from lxml import html

from report import write_scorecard, write_site
from report.site import dept_href, doc_href
from samples.warehouse_docs import document, seed_like
from scoring import score_document
from warehouse import Warehouse

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="chromium not installed")


def render(page: Path, fragment: str = "") -> html.HtmlElement:
    """The DOM after chromium has loaded the page and run its script."""
    profile = tempfile.mkdtemp(prefix="bq-chromium-")
    try:
        out = subprocess.run(
            [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
             "--disable-component-update", "--disable-sync", "--no-first-run", f"--user-data-dir={profile}",
             "--dump-dom", page.resolve().as_uri() + fragment],
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
    copy = seed_like()[2]  # the same bytes as xfj2022, found at a second address
    copy.source.path, copy.source.url, copy.duplicate_of = "/mirror/xfj2022.xlsx", "http://mirror/x.xlsx", docs[2].source.path
    base = tmp_path_factory.mktemp("site")
    for d in docs:  # the archived originals exist on disk, so the site carries a copy of each
        stored = base / "raw" / Path(d.source.path).name
        stored.parent.mkdir(exist_ok=True)
        stored.write_bytes(f"%PDF-1.4 stand-in for {d.source.path}".encode())
        d.source.path = str(stored)
    copy.duplicate_of = docs[2].source.path
    for d in [*docs, copy]:
        d.scorecard = score_document(d)
    with Warehouse.open(f"duckdb://{base}/wh.duckdb") as wh:
        run = wh.start_run("run-test")
        wh.save_documents([*docs, copy], run)
        wh.finish_run(run, {"documents": len(docs)})
        index = write_site(wh, base / "out")
    return index, {d.source.path.split("/")[-1].split(".")[0]: d for d in docs}


def visible(dom, table: str) -> list[list[str]]:
    rows = dom.xpath(f'//table[@id="{table}"]/tbody/tr[not(@hidden)]')
    return [[text(td) for td in r.xpath("./td")] for r in rows]


def test_index_ranks_departments_and_filters_by_year_and_region(site):
    index, docs = site
    dom = render(index)
    # default view: the latest year, worst first; columns: rank, department, score, grade, 6 categories,
    # errors, warnings, trend, files
    cells = visible(dom, "ranking")
    assert [c[1] for c in cells] == ["杜集区政府办公室 淮北市杜集区", "杜集区信访局 淮北市杜集区", "杜集区财政局 淮北市杜集区"]
    office = cells[0]
    assert office[0] == "2" and office[2] == f"{docs['dj2022'].scorecard.score:.1f}" and office[3] == docs["dj2022"].scorecard.grade
    trend = f"2021: {docs['dj2021'].scorecard.score:.1f} → 2022: {docs['dj2022'].scorecard.score:.1f}"
    assert trend in office[12]  # trend over both years
    assert dom.xpath('//table[@id="ranking"]/tbody/tr')[0].xpath(".//svg/polyline")
    assert cells[2][0] == "—" and "无法读取" in cells[2][-1]  # unreadable: listed, not ranked, last
    assert text(dom.xpath('//*[@id="f-count"]')[0]) == "3 个部门 departments"
    assert dom.xpath('//select[@id="f-year"]/option[@selected]/@value') == ["2022"]  # one year at a time
    links = dom.xpath('//table[@id="ranking"]//a/@href')
    assert doc_href(docs["dj2022"].doc_id) in links and dept_href("杜集区政府办公室", "淮北市杜集区") in links
    # the 2021 view, from the address: only the office, with its 2021 score and errors
    (row,) = visible(render(index, "#year=2021&region=淮北市杜集区"), "ranking")
    assert row[1] == "杜集区政府办公室 淮北市杜集区" and row[2] == f"{docs['dj2021'].scorecard.score:.1f}"
    assert row[0] == "1" and row[10] == "3"  # rank in the region; 3 errors


def test_index_lists_common_defects_unscored_files_duplicates_and_exports(site):
    index, docs = site
    dom = html.fromstring(index.read_text(encoding="utf-8"))
    rules = [[text(td) for td in r.xpath("./td")] for r in dom.xpath('//table[@id="rules"]/tbody/tr')]
    assert len(rules) == 5 and all(r[3] == "1" and r[4] == "1" for r in rules)  # one department each
    assert any("code.parent_prefix" in r[0] and "科目编码以其上级科目编码开头" in r[0] for r in rules)
    assert "1 份" in text(dom.xpath('//*[@id="unscored"]')[0]) and "1 份重复副本" in text(dom.xpath('//*[@id="lists"]')[0])
    unscored = html.fromstring((index.parent / "list" / "unscored-1.html").read_text(encoding="utf-8"))
    assert "杜集区财政局" in text(unscored.xpath("//main")[0]) and "PDF 已加密" in text(unscored.xpath("//main")[0])
    listed = html.fromstring((index.parent / "list" / "documents-1.html").read_text(encoding="utf-8"))
    dup = listed.xpath('//table[@id="documents"]/tbody/tr[@class="dup"]')
    assert len(dup) == 1 and "重复" in text(dup[0]) and "xfj2022.xlsx" in text(dup[0])
    assert len(listed.xpath('//table[@id="documents"]/tbody/tr')) == 5  # 4 documents and the copy
    data = index.parent / "data"
    hrefs = set(dom.xpath('//*[@id="downloads"]//a/@href'))
    for name in ("rankings", "scorecards", "findings", "rules"):
        assert {f"data/{name}.csv", f"data/{name}.parquet"} <= hrefs
        assert (data / f"{name}.csv").read_bytes().startswith(b"\xef\xbb\xbf")  # BOM: Excel reads the Chinese
    ranks = pl.read_parquet(data / "rankings.parquet")
    assert ranks.filter((pl.col("view") == "2021") & (pl.col("kind") == "all"))["department"].to_list() == ["杜集区政府办公室"]
    assert json.loads((data / "rules.json").read_text())[0]["departments"] == 1
    assert len(json.loads((data / "report.json").read_text())["documents"]) == 4
    # the rule page lists the documents behind each rule
    rule_page = html.fromstring((index.parent / "rules.html").read_text(encoding="utf-8"))
    section = rule_page.xpath('//section[@id="code.parent_prefix-error"]')[0]
    assert "杜集区政府办公室" in text(section) and section.xpath(f'.//a[@href="{doc_href(docs["dj2021"].doc_id)}#cat-code"]')


def test_department_page_shows_the_trend(site):
    index, docs = site
    page = html.fromstring((index.parent / dept_href("杜集区政府办公室", "淮北市杜集区")).read_text(encoding="utf-8"))
    years = [[text(td) for td in r.xpath("./td")] for r in page.xpath('//table[@id="years"]/tbody/tr')]
    assert [y[0] for y in years] == ["2022", "2021"]
    assert years[1][1] == f"{docs['dj2021'].scorecard.score:.1f}" and "3 错误" in years[1][3]
    assert len(page.xpath('//svg[@class="chart"]/circle')) == 2


def test_document_page_drills_down_from_category_to_the_cell(site):
    index, docs = site
    doc = docs["dj2021"]
    dom = render(index.parent / doc_href(doc.doc_id))
    hero = dom.xpath('//*[@id="scorecard"]')[0]
    assert f"{doc.scorecard.score:.1f}" in text(hero) and "3 个错误" in text(hero) and "科目编码" in text(hero)
    assert "#cat-code" in hero.xpath(".//a/@href")
    groups = dom.xpath('//table[@id="findings"]/tbody')
    assert [g.get("id") for g in groups] == ["cat-completeness", "cat-code", "cat-narrative", "cat-format"]
    code = groups[1].xpath('./tr[contains(@class, "finding")]')
    (first,) = [[text(td) for td in r.xpath("./td")] for r in code]
    assert first[1] == "错误" and first[2] == "code.parent_prefix" and first[3] == "一般公共预算支出表"
    assert first[4] == "2050505" and first[7] == "20805xx" and first[8] == "2050505"
    assert first[9] == "科目编码与上级科目 20805 不一致 / code is not under its parent 20805"
    assert first[10].startswith("第3页 · 坐标 (72, 410)–(520, 428)")
    assert "x0 72.0 · top 410.5 · x1 520.3 · bottom 428.1 (pt)" in code[0].xpath('.//a[@class="open"]/@title')[0]
    archived = f"../files/{doc.doc_id[:16]}.pdf"  # the site's copy, relative: works from file:// and any host
    assert code[0].xpath('.//a[@class="open"]/@href') == [f"{archived}#page=3"]
    assert (index.parent / "doc" / archived).read_bytes().startswith(b"%PDF")
    assert dom.xpath('//a[@id="archive"]/@href') == [archived]
    assert code[0].xpath('.//td[3]/a/@href') == [f"../rules/code.parent_prefix.html#d-{doc.doc_id[:16]}"]
    assert code[0].xpath('.//a[@class="online"]/@href') == ["http://www.hbdj.gov.cn/2021/yusuan.pdf#page=3"]
    narrative = [text(td) for td in groups[2].xpath('./tr[contains(@class, "finding")]/td')]
    assert narrative[-1] == "第41段 paragraph 41" and "第41段：一般公共服务支出457.90万元，占44.35%" in narrative[9]
    assert "合计 (total)" in [text(td) for td in groups[3].xpath('./tr[contains(@class, "finding")]/td')]
    assert dom.xpath('//*[@id="source-url"]/@href') == ["http://www.hbdj.gov.cn/2021/yusuan.pdf"]
    assert text(dom.xpath('//*[@id="sha256"]')[0]) == doc.doc_id
    tables = [[text(td) for td in r.xpath("./td")] for r in dom.xpath('//table[@id="tables"]/tbody/tr')]
    assert tables == [["2", "一般公共预算支出表gpb_expenditure", "一般公共预算支出表", "3", "2"]]
    # spreadsheet location, and the copy of the same file found elsewhere
    dom22 = html.fromstring((index.parent / doc_href(docs["dj2022"].doc_id)).read_text(encoding="utf-8"))
    where = dom22.xpath('//table[@id="findings"]/tbody/tr/td[last()]')[0]
    assert text(where).startswith("工作表“表2” C12单元格（第12行 C列，合计） sheet 表2, cell C12")
    assert where.xpath('.//a[@class="cellview"]/@href')  # and the cell in the table view
    xfj = html.fromstring((index.parent / doc_href(docs["xfj2022"].doc_id)).read_text(encoding="utf-8"))
    assert "http://mirror/x.xlsx" in text(xfj.xpath('//*[@id="copies"]')[0])


def test_unreadable_and_narrative_only_pages_say_why(site, tmp_path):
    index, docs = site
    dom = render(index.parent / doc_href(docs["broken"].doc_id))
    hero = text(dom.xpath('//*[@id="scorecard"]')[0])
    assert "不评分" in hero and "PDF 已加密" in hero
    narrative_only = document("bj", tables=[], department="北京市审计局", year=2026)
    narrative_only.scorecard = score_document(narrative_only)
    page = html.fromstring(write_scorecard(narrative_only, tmp_path / "bj.html").read_text(encoding="utf-8"))
    hero = text(page.xpath('//*[@id="scorecard"]')[0])
    assert "未评估 n/a" in hero and "部分评估" in hero and "没有识别出表格" in hero
    assert "没有识别出表格" in text(page.xpath("//main")[0])


def test_single_scorecard_is_self_contained(tmp_path):
    doc = seed_like()[0]
    doc.scorecard = score_document(doc)
    page = write_scorecard(doc, tmp_path / "card.html")
    raw = page.read_text(encoding="utf-8")
    tree = html.fromstring(raw)
    assert not tree.xpath("//link[@rel='stylesheet'] | //script[@src] | //img[starts-with(@src, 'http')]")
    assert "杜集区政府办公室" in text(tree.xpath("//h1")[0])
    assert f"{doc.scorecard.score:.1f}" in text(tree.xpath('//*[@id="scorecard"]')[0])
    assert len(tree.xpath('//table[@id="findings"]/tbody/tr[contains(@class, "finding")]')) == 4


def test_report_command_names_a_warehouse_it_cannot_open(tmp_path, capsys):
    from budgetqa.cli import main

    with pytest.raises(SystemExit) as exit_:
        main(["report", "--out", str(tmp_path / "site"), "--warehouse", "mysql://nowhere/db"])
    assert exit_.value.code == 2
    assert "无法打开数据仓库 / cannot open the warehouse mysql://nowhere/db" in capsys.readouterr().err
    assert not (tmp_path / "site").exists()


def test_report_out_never_deletes_what_it_did_not_write(site, tmp_path, capsys):
    from budgetqa.cli import main

    index, _ = site
    warehouse = f"duckdb://{index.parent.parent}/wh.duckdb"
    mine = tmp_path / "mine"
    (mine / "data").mkdir(parents=True)
    (mine / "data" / "notes.csv").write_text("a user's file", encoding="utf-8")
    with pytest.raises(SystemExit) as exit_:
        main(["report", "--out", str(mine), "--warehouse", warehouse])
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert "文件夹非空且不是 budgetqa 报告网站" in err and "not a budgetqa site" in err
    assert (mine / "data" / "notes.csv").read_text(encoding="utf-8") == "a user's file"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mine"]  # no half-built folder left beside it
    # a previous site is replaced whole: a page it had that the new one has not is gone
    out = tmp_path / "site"
    assert main(["report", "--out", str(out), "--warehouse", warehouse]) == 0
    (out / "doc" / "stale.html").write_text("from an older run", encoding="utf-8")
    assert main(["report", "--out", str(out), "--warehouse", warehouse]) == 0
    assert (out / ".budgetqa-site").is_file() and (out / "index.html").is_file() and not (out / "doc" / "stale.html").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mine", "site"]
    # a site written before the marker existed (e.g. an older demo's var/demo/report) is still replaced
    older = tmp_path / "older"
    (older / "doc").mkdir(parents=True)
    (older / "index.html").write_text("<footer>budgetqa · 预决算公开质量评分</footer>", encoding="utf-8")
    assert main(["report", "--out", str(older), "--warehouse", warehouse]) == 0
    assert (older / ".budgetqa-site").is_file()


def test_exports_have_chinese_headers_and_one_sheet_per_view(site):
    from openpyxl import load_workbook

    index, docs = site
    data = index.parent / "data"
    book = load_workbook(data / "budgetqa.xlsx", read_only=True)
    assert book.sheetnames == ["排名", "文件评分", "问题清单", "规则统计"]
    rows = {name: list(book[name].iter_rows(values_only=True)) for name in book.sheetnames}
    head = rows["文件评分"][0]
    assert {"部门", "地区", "年度", "总分", "等级", "文件格式", "格式规范得分"} <= set(head)
    by_sha = {r[head.index("文件SHA-256")]: r for r in rows["文件评分"][1:]}
    dj = by_sha[docs["dj2021"].doc_id]
    assert dj[head.index("文件格式")] == "pdf" and dj[head.index("类型")] == "部门预算"
    assert dj[head.index("格式规范得分")] == docs["dj2021"].scorecard.categories["format"]
    assert len(rows["问题清单"]) == 1 + 5 and len(rows["排名"]) > 1
    findings = pl.read_csv(data / "findings_zh.csv")
    assert {"严重程度", "规则", "应为", "实际", "位置"} <= set(findings.columns)
    assert "工作表“表2” C12单元格（第12行 C列，合计） / sheet 表2, cell C12" in findings["位置"].to_list()
    assert set(findings["严重程度"]) <= {"错误", "警告", "提示"}
    assert pl.read_parquet(data / "rankings_zh.parquet").columns[:4] == ["视图", "类型", "排名", "并列"]
    assert pl.read_csv(data / "scorecards.csv")["format"].to_list().count("xlsx") == 1  # English keys kept


def test_ranking_ties_kinds_and_documents_apart(tmp_path):
    from samples.warehouse_docs import finding

    common = dict(region="淮北市杜集区", kind="budget", unit="万元", year=2023)
    docs = [document("a", [finding("format", "warning")], department="甲局", **common),
            document("b", [finding("format", "warning")], department="乙局", **common),
            document("c", [], department="丙局", **common),
            document("d", [finding("arithmetic", "error")], department="丙局", **(common | {"kind": "final_accounts"})),
            document("e", [], department=None, **common)]
    with zipfile.ZipFile(tmp_path / "bundle.zip", "w") as z:  # 丙局's budget came inside a ZIP
        z.writestr("c.pdf", b"%PDF-1.4 stand-in")
    docs[2].source.path = f"{tmp_path}/bundle.zip!/c.pdf"
    for d in docs:
        d.scorecard = score_document(d)
    with Warehouse.open(f"duckdb://{tmp_path}/wh.duckdb") as wh:
        wh.save_documents(docs, "r")
        index = write_site(wh, tmp_path / "out")
    zipped = html.fromstring((index.parent / doc_href(docs[2].doc_id)).read_text(encoding="utf-8"))
    assert zipped.xpath('//a[@id="archive"]/@href') == [f"../files/{docs[2].doc_id[:16]}.zip"]
    assert zipfile.ZipFile(index.parent / "files" / f"{docs[2].doc_id[:16]}.zip").namelist() == ["c.pdf"]
    dom = render(index)
    both = [(c[0], c[1].split()[0]) for c in visible(dom, "ranking")]
    # worst first: 丙局's final account has an error (grade B at best); same grade and score are a tie
    assert both[0] == ("3", "丙局") and sorted(both[1:]) == [("1=", "乙局"), ("1=", "甲局")]
    best = [(c[0], c[1].split()[0]) for c in visible(render(index, "#year=2023&sort=rank&dir=asc"), "ranking")]
    assert best[2] == ("3", "丙局") and sorted(best[:2]) == [("1=", "乙局"), ("1=", "甲局")]  # best first
    budget = visible(render(index, "#year=2023&kind=budget&sort=rank&dir=asc"), "ranking")
    assert [(c[0], c[1].split()[0]) for c in budget][0] == ("1", "丙局")
    assert sorted((c[0], c[1].split()[0]) for c in budget[1:]) == [("2=", "乙局"), ("2=", "甲局")]
    final = visible(render(index, "#year=2023&kind=final_accounts"), "ranking")
    assert [c[1].split()[0] for c in final] == ["丙局"]
    assert "1 份" in text(dom.xpath('//*[@id="apart"]')[0])
    apart = text(html.fromstring((index.parent / "list" / "apart-1.html").read_text(encoding="utf-8")).xpath("//main")[0])
    assert "（未识别部门）" in apart and "部门未识别" in apart
    assert "未识别" not in text(dom.xpath('//table[@id="ranking"]')[0])
    methodology = html.fromstring((index.parent / "methodology.html").read_text(encoding="utf-8"))
    grades = text(methodology.xpath('//*[@id="grades"]')[0])
    assert "≥ 90.0" in grades and "最高为 B 级" in grades
    assert "未评估" in text(methodology.xpath('//*[@id="not-assessed"]')[0])
