"""The NGO views in headless Chromium, from file://, on a synthetic warehouse paged in small chunks:
the ranking worst first across pages (and best first), sorting and the year/kind/level/region/grade
filters in the rendered DOM, the region table against the figures computed in Python, the
department × category matrix with 'not assessed', the click-through ranking → department →
document → finding → rule, the layout at 390 px and 1400 px, escaping, and no console message."""

from __future__ import annotations

import csv
import io
import shutil
from pathlib import Path
from urllib.parse import unquote, urldefrag, urlsplit

import pytest
from lxml import html

from report import write_site
from report.rankings import ranking_views
from report.site import dept_href, doc_href
from report.views import region_href, region_level, region_stats
from samples.warehouse_docs import document, finding, synthetic
from scoring import score_document
from tests.test_report_browser import load
from warehouse import Warehouse

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="chromium not installed")
PAGE = 8  # rows per chunk: the 2025 ranking spans several pages
YEAR = 2025
BAD = '<img src=x onerror="document.title=1">局'


def text(el) -> str:
    return " ".join(el.text_content().split())


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    base = tmp_path_factory.mktemp("views")
    docs = list(synthetic(300))
    extra = [document("narrative-only", tables=[], department="纯文字说明局", region="江苏省", year=YEAR, kind="budget"),
             document("escaped", [finding("code", "error", rule="code.parent_prefix", code="2050505")],
                      department=BAD, region="江苏省", year=YEAR, kind="budget")]
    for d in extra:
        d.scorecard = score_document(d)
    with Warehouse.open(f"duckdb://{base}/wh.duckdb") as wh:
        wh.save_documents([*docs, *extra], "run-views")
        index = write_site(wh, base / "site", page=PAGE)
        cards = wh.scorecards()
    rankings, _, _ = ranking_views(cards)
    return index, cards, rankings, []


def dom_of(index: Path, fragment: str = "", console: list | None = None, size: str | None = None) -> html.HtmlElement:
    dom, messages = load(index.resolve().as_uri() + fragment, *([f"--window-size={size}"] if size else []))
    if console is not None:
        console += messages
    return dom


def rows(dom) -> list[dict]:
    """The ranking as shown: rank (None for '—'), tie, department, region, score, grade, errors."""
    out = []
    for tr in dom.xpath('//table[@id="ranking"]/tbody/tr'):
        td = tr.xpath("./td")
        rank = text(td[0]).rstrip("=")
        out.append({"rank": None if rank == "—" else int(rank), "tie": text(td[0]).endswith("="),
                    "department": text(td[1].xpath(".//strong")[0]), "region": text(td[1].xpath(".//small")[0]),
                    "score": None if text(td[2]) == "—" else float(text(td[2])), "grade": text(td[3]),
                    "errors": int(text(td[10]))})
    return out


def pages_of(dom) -> int:
    pager = dom.xpath('//*[@id="pager"]')[0]
    return 1 if pager.get("hidden") is not None else int(text(dom.xpath('//*[@id="page-of"]')[0]).split("/")[1].split()[0])


def test_ranking_is_paged_worst_first_and_best_first_over_every_page(built):
    index, cards, rankings, console = built
    expected = {r["department"]: r["rank"] for r in rankings if r["year"] == YEAR and r["kind"] == "all"}
    first = dom_of(index, console=console)
    assert first.xpath('//select[@id="f-year"]/option[@selected]/@value') == [str(YEAR)]  # the latest year
    n = pages_of(first)
    assert n == -(-len(expected) // PAGE) > 1
    assert text(first.xpath('//*[@id="f-count"]')[0]) == f"{len(expected)} 个部门 departments"
    for direction, fragment in (("worst", ""), ("best", "sort=rank&dir=asc&")):
        shown = [r for p in range(1, n + 1) for r in rows(dom_of(index, f"#year={YEAR}&{fragment}page={p}", console))]
        assert sorted(r["department"] for r in shown) == sorted(expected)  # every department once
        assert all(r["rank"] == expected[r["department"]] for r in shown)
        ranks = [r["rank"] for r in shown if r["rank"] is not None]
        assert ranks == sorted(ranks, reverse=direction == "worst")
        assert all(r["rank"] is not None for r in shown[: len(ranks)])  # departments without a score last
    worst = rows(first)
    assert worst[0]["rank"] == max(expected.values())
    # rank order never contradicts the grade: a better grade is never below a worse one
    order = {g: i for i, g in enumerate("ABCDE")}
    graded = [order[r["grade"]] for r in worst if r["rank"] is not None]
    assert graded == sorted(graded, reverse=True)
    assert not console, console[:5]


def test_sort_and_filters_give_the_expected_rows(built):
    index, cards, rankings, console = built
    region = "江苏省第1市"
    mine = [r for r in rankings if r["year"] == YEAR and r["kind"] == "all" and r["region"] == region]
    by_score = rows(dom_of(index, f"#year={YEAR}&region={region}&sort=score&dir=asc", console))
    assert len(by_score) == len(mine) and {r["region"] for r in by_score} == {region}
    scores = [r["score"] for r in by_score]
    numbers = [s for s in scores if s is not None]
    assert numbers == sorted(numbers) and scores[: len(numbers)] == numbers  # worst score first, none last
    # the view shown, downloadable as a CSV with Chinese headers, in the order shown
    view = dom_of(index, f"#year={YEAR}&region={region}&sort=score&dir=asc", console)
    link = view.xpath('//a[@id="export-view"]')[0]
    assert link.get("download") == f"budgetqa-{YEAR}-all-{region}.csv"
    exported = list(csv.reader(io.StringIO(unquote(link.get("href").split(",", 1)[1]).lstrip("\ufeff"))))
    assert exported[0][:8] == ["排名", "并列", "部门", "地区", "年度", "类型", "总分", "等级"]
    assert [r[2] for r in exported[1:]] == [r["department"] for r in by_score]
    assert [float(r[6]) if r[6] else None for r in exported[1:]] == scores
    by_errors = rows(dom_of(index, f"#year={YEAR}&region={region}&sort=errors&dir=desc", console))
    assert [r["errors"] for r in by_errors] == sorted((r["errors"] for r in mine), reverse=True)
    # ranks inside a region are the region's own (1 for its best)
    assert min(r["rank"] for r in by_errors if r["rank"]) == 1
    # kind and grade: only that kind's rows of that grade, across every page
    budget = [r for r in rankings if r["year"] == YEAR and r["kind"] == "budget" and r["score"] is not None]
    grade = max({r["grade"] for r in budget}, key=lambda g: sum(r["grade"] == g for r in budget))
    dom = dom_of(index, f"#year={YEAR}&kind=budget&grade={grade}", console)
    wanted = sorted(r["department"] for r in budget if r["grade"] == grade)
    shown = [r for p in range(1, pages_of(dom) + 1)
             for r in rows(dom_of(index, f"#year={YEAR}&kind=budget&grade={grade}&page={p}", console))]
    assert sorted(r["department"] for r in shown) == wanted and {r["grade"] for r in shown} == {grade}
    # level: only counties, ranked among counties
    county = rows(dom_of(index, f"#year={YEAR}&level=county", console))
    assert county and {region_level(r["region"]) for r in county} == {"county"}
    counties = [r for r in rankings if r["year"] == YEAR and r["kind"] == "all" and region_level(r["region"]) == "county"]
    assert max(r["rank"] for r in county if r["rank"]) <= len(counties)
    # an earlier year, and a search
    older = rows(dom_of(index, f"#year=2021&region={region}&q=财政", console))
    assert older and all("财政" in r["department"] for r in older)
    assert not console, console[:5]


def test_region_table_matches_the_figures_and_links_to_the_matrix(built):
    index, cards, rankings, console = built
    dom = dom_of(index, console=console)
    table = [[text(td) for td in tr.xpath("./td")] for tr in dom.xpath('//table[@id="regions"]/tbody/tr')]
    stats = {s["region"]: s for s in region_stats(cards, YEAR, "all")}
    assert len(table) == len(stats)
    means = [float(r[5]) for r in table]
    assert means == sorted(means)  # worst mean first
    for r in table:
        s = stats[r[0].replace(" 筛选", "")]
        assert (int(r[2]), int(r[3]), float(r[5]), r[6]) == (s["departments"], s["documents"], s["mean"], f"{s['sd']:.1f}")
        assert [int(x) for x in r[8:13]] == s["grades"] and r[13] == f"{100 * s['error_share']:.0f}%"
    links = dom.xpath('//table[@id="regions"]//a[not(@class)]/@href')
    assert region_href("江苏省", YEAR) in links
    # the matrix of 江苏省: 'not assessed' for the narrative-only department, shown as such
    page = index.parent / region_href("江苏省", YEAR)
    matrix = dom_of(page, console=console, size="1400,900")
    row = next(tr for tr in matrix.xpath('//table[@id="matrix"]/tbody/tr') if "纯文字说明局" in text(tr))
    assert "未评估" in [text(td) for td in row.xpath("./td")]
    assert "scrolls" not in (matrix.xpath('//section[@id="matrix-section"]')[0].get("class") or "")
    worst = [tr.xpath("./td")[0].get("data-v") for tr in matrix.xpath('//table[@id="matrix"]/tbody/tr')]
    ranks = [int(v) for v in worst if v]
    assert ranks == sorted(ranks, reverse=True)  # worst first
    assert not console, console[:5]


def test_click_through_from_the_ranking_to_the_rule_of_a_finding(built):
    index, cards, rankings, console = built
    dom = dom_of(index, f"#year={YEAR}&region=江苏省&q=局", console)
    tr = next(tr for tr in dom.xpath('//table[@id="ranking"]/tbody/tr') if BAD in text(tr))
    assert not dom.xpath('//table[@id="ranking"]//img')  # the name is text, never markup
    bad = next(c for c in cards if c["department"] == BAD)
    dept = tr.xpath(".//td[2]//a/@href")[0]
    assert dept == dept_href(BAD, "江苏省")
    dept_page = html.fromstring((index.parent / dept).read_text(encoding="utf-8"))
    doc = f"../{doc_href(bad['sha256'])}"
    assert doc in dept_page.xpath("//a/@href")
    assert "../" + region_href("江苏省", YEAR) == dept_page.xpath('//a[@id="region-link"]/@href')[0]
    doc_page = html.fromstring((index.parent / "dept" / doc).read_text(encoding="utf-8"))
    rule = doc_page.xpath('//table[@id="findings"]//tr[contains(@class, "finding")]//a[contains(@href, "rules/")]/@href')
    assert rule == [f"../rules/code.parent_prefix.html#d-{bad['sha256'][:16]}"]
    rule_page = html.fromstring((index.parent / "rules" / "code.parent_prefix.html").read_text(encoding="utf-8"))
    assert rule_page.xpath(f'//*[@id="d-{bad["sha256"][:16]}"]')
    rules = html.fromstring((index.parent / "rules.html").read_text(encoding="utf-8"))
    assert rules.xpath('//*[@id="code.parent_prefix-error"]')
    assert not console, console[:5]


@pytest.mark.parametrize("size", ["390,844", "1400,900"])
def test_nothing_is_cut_at_390_and_1400_px(built, size):
    index, cards, rankings, console = built
    dom = dom_of(index, console=console, size=size)
    for section in ("ranking-section", "regions-section"):
        assert "scrolls" not in (dom.xpath(f'//section[@id="{section}"]')[0].get("class") or ""), (section, size)
    heads = dom.xpath('//table[@id="ranking"]/thead/tr/th')
    key = [(th.text or "").strip() for th in heads if "opt" not in (th.get("class") or "")]
    assert key == ["排名", "部门", "总分", "等级", "错误", "文件"]  # kept on a phone
    assert rows(dom)
    assert not console, console[:5]


def test_every_link_of_the_static_pages_resolves(built):
    """Every href/src of every page written (region, list, department, document pages …) names a file
    of the site, and every #anchor an id of its page; no absolute link."""
    index, *_ = built
    site = index.parent
    ids: dict[Path, set[str]] = {}
    broken, checked = [], 0
    for page in site.rglob("*.html"):
        dom = html.fromstring(page.read_text(encoding="utf-8"))
        for raw in dom.xpath("//@href | //@src"):
            parts = urlsplit(raw)
            if parts.scheme in ("http", "https", "data"):  # data: an inline value (the empty icon), nothing to fetch
                continue
            checked += 1
            path, anchor = urldefrag(raw)
            target = (page.parent / unquote(path)).resolve() if path else page
            if raw.startswith("/") or parts.scheme or not target.is_file() or site.resolve() not in target.parents:
                broken.append(f"{page.relative_to(site)}: {raw}")
            elif anchor and "=" not in anchor:
                if target not in ids:
                    ids[target] = set(html.fromstring(target.read_text(encoding="utf-8")).xpath("//@id"))
                if unquote(anchor) not in ids[target]:
                    broken.append(f"{page.relative_to(site)}: no #{anchor}")
    assert checked > 1000 and not broken, broken[:10]
