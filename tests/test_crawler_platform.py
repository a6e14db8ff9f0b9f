"""A JSON unified platform whose endpoints take POST form fields only (GET answers 405), with two
types (部门预算 / 部门决算) and two years, configured by YAML alone: api.* as {url, method, form},
regions from an endpoint or a list, api.types and api.years [from, to]. Real HTTP, real Scrapy, real PDFs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import crawler
from crawler.config import ConfigError
from crawler.localserver import serve
from samples.platform_site import POST_YAML, SITE, platform_routes
from tests.shared_inputs import SHARED

pytestmark = pytest.mark.skipif(not (SHARED / "corpus" / "real").is_dir(),
                                reason=f"共享语料不存在 / shared corpus not found at {SHARED}")

EXPECTED = {  # file id → (department, year, kind, published)
    "F0101": ("西安市财政局", 2026, "budget", "2026-02-10"),
    "F0102": ("西安市财政局", 2025, "budget", "2025-02-11"),
    "F0103": ("西安市财政局", 2025, "final_accounts", "2026-08-20"),
    "F0201": ("西安市教育局", 2026, "budget", "2026-02-12"),  # no 预算 in its title: the type says
    "F0202": ("西安市教育局", 2025, "final_accounts", "2026-08-21"),  # no year either: the form's year
    "F1101": ("西安市新城区民政局", 2026, "budget", "2026-02-15"),
    "F1102": ("西安市新城区民政局", 2025, "final_accounts", "2026-08-25"),
}


def load(tmp_path: Path, base: str, text: str) -> list[crawler.PortalConfig]:
    (tmp_path / "p.yaml").write_text(text, "utf-8")
    return crawler.load_portals(tmp_path / "p.yaml", base_url=base)


def test_post_only_platform_with_types_and_years(tmp_path: Path) -> None:
    with serve(SITE, platform_routes()) as base:
        report = crawler.crawl(load(tmp_path, base, POST_YAML), (tmp_path / "store").as_uri())
        api_calls = [r for r in base.requests if r["path"].startswith("/yjsgk/api/")]
    got = {r.url.rsplit("=", 1)[1]: (r.department, r.year, r.doc_kind, r.published) for r in report.records}
    assert got == EXPECTED
    assert {r.outcome for r in report.records} == {"new"} and {r.format for r in report.records} == {"pdf"}
    assert report.portal_status()["shaanxi_yjsgk"]["status"] == "ok"
    # every API call a POST with the form filled in: 2 region lists, 2 regions × 2 years × 2 types
    # department lists, and one file list per department × year × type
    assert {r["method"] for r in api_calls} == {"POST"}
    assert sum(r["path"] == "/yjsgk/api/dept/list" for r in api_calls) == 8
    assert sum(r["path"] == "/yjsgk/api/file/list" for r in api_calls) == 3 * 2 * 2
    assert {"regionCode": "610102", "year": "2025", "type": "2"} in [r["form"] for r in api_calls]


def test_regions_as_a_list_and_a_get_endpoint_is_405_method_not_allowed(tmp_path: Path) -> None:
    text = POST_YAML.replace(
        '  regions:\n    url: "{base_url}/yjsgk/api/region/list"\n    method: POST\n    form: {year: "{year}"}\n',
        '  regions: [610102]\n')
    with serve(SITE, platform_routes()) as base:
        report = crawler.crawl(load(tmp_path, base, text), (tmp_path / "store").as_uri())
        # the same platform written with GET templates, as before: the endpoint refuses the method
        get = POST_YAML.replace("method: POST", "method: GET").replace("name: shaanxi_yjsgk", "name: shaanxi_get")
        failed = crawler.crawl(load(tmp_path, base, get), (tmp_path / "store2").as_uri())
    assert {r.url.rsplit("=", 1)[1]: r.doc_kind for r in report.records} == {"F1101": "budget", "F1102": "final_accounts"}
    (status,) = failed.portal_status().values()
    assert status["status"] == "failed" and status["cause"] == "method not allowed (HTTP 405) / 请求方法不被允许"


@pytest.mark.parametrize(("api", "message"), [
    ("departments: {url: 'http://a.gov.cn/d', method: PUT}", "'api.departments.method'"),
    ("departments: 'http://a.gov.cn/d?r={regon}'", "unknown placeholder(s) ['regon']"),
    ("types: {1: budget, 2: final}", "'api.types'"),
    ("download: {url: 'http://a.gov.cn/dl', method: POST}", "'api.download'"),
    ("departments: {method: POST}", "'api.departments'"),
])
def test_bad_platform_yaml_names_the_field(tmp_path: Path, api: str, message: str) -> None:
    base = {"departments": "'http://a.gov.cn/d?r={region}'", "files": "'http://a.gov.cn/f?d={dept_id}'",
            "download": "'http://a.gov.cn/dl?id={file_id}'"}
    key = api.split(":", 1)[0]
    lines = [f"  {k}: {v}" for k, v in base.items() if k != key] + [f"  {api}"]
    (tmp_path / "p.yaml").write_text("name: x\nfamily: platform\napi:\n" + "\n".join(lines) + "\n", "utf-8")
    with pytest.raises(ConfigError) as err:
        crawler.load_portals(tmp_path / "p.yaml")
    assert message in str(err.value) and "p.yaml" in str(err.value)


def test_years_range_types_and_no_include_filter_by_default(tmp_path: Path) -> None:
    (tmp_path / "p.yaml").write_text(
        "name: x\nfamily: platform\napi: {departments: 'http://a.gov.cn/d', files: 'http://a.gov.cn/f?d={dept_id}',\n"
        "  download: 'http://a.gov.cn/dl?id={file_id}', years: [2020, 2023], types: {1: budget}, regions: [1, '2']}\n",
        "utf-8")
    (p,) = crawler.load_portals(tmp_path / "p.yaml")
    assert p.api.years == [2020, 2021, 2022, 2023] and p.api.types == {"1": "budget"} and p.api.regions == ["1", "2"]
    assert p.include == []  # a platform lists disclosures: no title-word filter unless the YAML says
    again = crawler.PortalConfig.from_dict(p.to_dict())  # as the crawl process reads it back
    assert again.api == p.api and again.include == []


def test_department_list_remembered_by_an_older_version_is_read_again(tmp_path: Path) -> None:
    """A store whose state holds department lists in the older form (file-list URLs, no ids): the
    304 answer cannot say which departments there are, so the list is asked once more in full."""
    site = SITE.parent / "platform"
    text = """name: platform_old
family: platform
local: true
include: [部门预算]
delay: 0
api:
  departments: "{base_url}/api/region/{region}/{year}/departments.json"
  files: "{base_url}/api/dept/{dept_id}/{year}/files.json"
  download: "{base_url}/download.do?iid={file_id}"
  regions: ["340602"]
  years: [2026]
"""
    store = tmp_path / "store"
    with serve(site) as base:
        portals = load(tmp_path, base, text)
        crawler.crawl(portals, store.as_uri())
        state = json.loads((store / "state.json").read_text("utf-8"))
        for page in state["pages"].values():
            if page["url"].endswith("departments.json"):
                page["children"] = [{"url": f"{base}/api/dept/{c['dept_id']}/2026/files.json",
                                     "department": c["department"]} for c in page["children"]]
        (store / "state.json").write_text(json.dumps(state, ensure_ascii=False), "utf-8")
        n = len(base.requests)
        again = crawler.crawl(portals, store.as_uri())
        asked = [(r["path"], r["status"]) for r in base.requests[n:] if "departments" in r["path"]]
    assert asked == [("/api/region/340602/2026/departments.json", 304),
                     ("/api/region/340602/2026/departments.json", 200)]
    assert {r.url.rsplit("=", 1)[1]: r.outcome for r in again.records} == {"F1001": "unchanged", "F2001": "unchanged"}
