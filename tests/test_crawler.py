"""crawler building blocks: portal YAML, titles, the raw store and the local test server."""

from __future__ import annotations

import urllib.error
import urllib.request
from pathlib import Path

import pytest

from crawler import ConfigError, load_portals
from crawler.localserver import Route, serve
from crawler.spiders.base import page_count
from crawler.store import open_store, stored_suffix, url_key
from crawler.titles import parse_title

REPO = Path(__file__).resolve().parents[1]


def test_real_portal_examples_load() -> None:
    portals = load_portals(REPO / "crawler" / "portals")
    by_family = {p.family for p in portals}
    assert {"trs", "gdcms", "jeecms", "xxgk"} <= by_family
    assert all(not p.local for p in portals)
    trs = next(p for p in portals if p.family == "trs")
    assert trs.paging.template == "{prefix}_{n}.{suffix}" and trs.paging.first == 1  # from createPageHTML


def test_every_family_has_a_spider_and_a_default_pager() -> None:
    from crawler.config import FAMILIES, FAMILY_PAGING
    from crawler.spiders import SPIDERS

    assert set(SPIDERS) == set(FAMILIES) == set(FAMILY_PAGING)
    assert all(cls.family == family for family, cls in SPIDERS.items())


def test_demo_portal_config_fills_base_url() -> None:
    (demo,) = load_portals(REPO / "demo" / "portal.yaml", base_url="http://127.0.0.1:8123")
    assert demo.start_urls == ["http://127.0.0.1:8123/index.html"]
    assert demo.local and demo.allowed_domains == ["127.0.0.1"]


@pytest.mark.parametrize(
    ("yaml_text", "message"),
    [
        ("name: x\nfamily: nosuch\nstart_urls: [https://a.gov.cn/]\n", "unknown family"),
        ("name: x\nfamily: trs\n", "missing start_urls"),
        ("name: x\nfamily: trs\nstart_urls: [http://127.0.0.1:80/]\n", "local: true"),
        ("name: x\nfamily: trs\nlocal: true\nstart_urls: [https://www.changsha.gov.cn/]\n", "only for portals on 127.0.0.1"),
        ("name: x\nfamily: trs\nstart_urls: [https://a.gov.cn/]\nspeed: 3\n", "unknown field"),
    ],
)
def test_bad_portal_yaml_is_refused(tmp_path: Path, yaml_text: str, message: str) -> None:
    path = tmp_path / "p.yaml"
    path.write_text(yaml_text, "utf-8")
    with pytest.raises(ConfigError, match=message):
        load_portals(path)


@pytest.mark.parametrize(
    ("title", "department", "year", "kind"),
    [
        ("长沙市财政局2026年部门预算公开", "长沙市财政局", 2026, "budget"),
        ("2024年度长沙市财政局部门决算", "长沙市财政局", 2024, "final_accounts"),
        ("2026年度郑州市生态环境局二七分局单位预算公开.pdf", "郑州市生态环境局二七分局", 2026, "budget"),
        ("2022 年中国共产党佛山市委员会宣传部（本级） 部门预算", "中国共产党佛山市委员会宣传部（本级）", 2022, "budget"),
        ("中国共产党佛山市委员会宣传部2016年部门决算（含市创建办、市新闻办）", "中国共产党佛山市委员会宣传部", 2016, "final_accounts"),
        # title words around the name are not the name (issue 9.4)
        ("2026年西安市城市管理局部门综合预算.pdf", "西安市城市管理局", 2026, "budget"),
        ("西安市水利局2025年度部门综合预算公开", "西安市水利局", 2025, "budget"),
        ("2026年西安市信访局部门预算公开（重新发布）", "西安市信访局", 2026, "budget"),
        ("西安市民政局2026年部门收支预算总表.xls", "西安市民政局", 2026, "budget"),
        ("中国共产党佛山市委员会宣传部2016年一般公共拨款“三公”经费情况统计表（）", "中国共产党佛山市委员会宣传部", 2016, None),
        ("无锡市教育局（本级）2025年部门预算.pdf", "无锡市教育局（本级）", 2025, "budget"),
        ("西安市审计局2024年度部门决算（草案）", "西安市审计局", 2024, "final_accounts"),
    ],
)
def test_department_and_year_from_title(title: str, department: str, year: int, kind: str) -> None:
    assert parse_title(title) == {"department": department, "year": year, "doc_kind": kind}


def test_title_pattern_from_config_wins() -> None:
    info = parse_title("关于公开杜集区政府办公室2021年部门预算的说明", r"公开(?P<department>.+?)(?P<year>20\d{2})年")
    assert info["department"] == "杜集区政府办公室" and info["year"] == 2021


def test_page_count_from_pager_scripts() -> None:
    assert page_count('<script>createPageHTML(7, 0, "index", "html");</script>') == 7
    assert page_count("page_count=Math.ceil(29/20);") == 2
    assert page_count("var countPage = 12;") == 12
    assert page_count("<p>no pager</p>") is None


def test_store_keeps_each_file_once_and_sniffs_format(tmp_path: Path) -> None:
    store = open_store(tmp_path.as_uri())
    sha, path, created = store.put(b"%PDF-1.4 hello", "bin")
    again = store.put(b"%PDF-1.4 hello", "pdf")
    assert created and again == (sha, path, False)
    assert path == tmp_path / "objects" / sha[:2] / f"{sha}.pdf"
    assert stored_suffix(b"<!DOCTYPE html><html>", "") == "html"
    assert url_key("https://A.gov.cn/x.pdf?a=1") == url_key("http://a.gov.cn/x.pdf?a=1")
    with pytest.raises(ValueError, match="unsupported"):
        open_store("s3://bucket/raw")


def test_localserver_validators_status_and_redirect(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("hello", "utf-8")
    routes = {"/gone": 404, "/go": Route(status=302, redirect="/a.txt"), "/mnt/": tmp_path}
    with serve(tmp_path, routes) as base:
        with urllib.request.urlopen(f"{base}/a.txt") as resp:
            etag, modified = resp.headers["ETag"], resp.headers["Last-Modified"]
            assert resp.read() == b"hello"
        for header in ({"If-None-Match": etag}, {"If-Modified-Since": modified}):
            with pytest.raises(urllib.error.HTTPError) as err:
                urllib.request.urlopen(urllib.request.Request(f"{base}/a.txt", headers=header))
            assert err.value.code == 304
        with pytest.raises(urllib.error.HTTPError) as err:
            urllib.request.urlopen(f"{base}/gone")
        assert err.value.code == 404
        with urllib.request.urlopen(f"{base}/go") as resp:  # urllib follows the redirect
            assert resp.read() == b"hello"
        with urllib.request.urlopen(f"{base}/mnt/a.txt") as resp:
            assert resp.read() == b"hello"
        assert base.count("/a.txt", status=304) == 2
