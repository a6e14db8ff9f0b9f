"""Crawler failures that must not be silent, address safety, revalidation by default and
`budgetqa portal test` — on real HTTP servers on 127.0.0.1 and the real crawl subprocess."""

from __future__ import annotations

import ipaddress
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import unquote

import pytest

import crawler
from crawler.downloadermiddlewares.safety import unsafe
from crawler.localserver import Route, serve
from tests.shared_inputs import SHARED

REPO = Path(__file__).resolve().parents[1]
SITES = REPO / "tests" / "portals"
REAL = SHARED / "corpus" / "real"
needs_corpus = pytest.mark.skipif(not REAL.is_dir(), reason=f"共享语料不存在 / shared corpus not found at {SHARED}")

TRS = """name: {name}
family: trs
local: true
start_urls: ["{base}/index.html"]
item_pattern: "/t\\\\d{{8}}_\\\\d+\\\\.html$"
list_selector: ".czys_listCount_list"
timeout: 1
retries: 0
delay: 0
"""


def cli(home: Path, *args: str, wait: bool = True) -> subprocess.CompletedProcess | subprocess.Popen:
    env = {**os.environ, "BUDGETQA_HOME": str(home), "PYTHONPATH": str(REPO)}
    for key in ("BUDGETQA_WAREHOUSE", "BUDGETQA_STORE", "BUDGETQA_PORTALS"):
        env.pop(key, None)
    cmd = [sys.executable, "-m", "budgetqa.cli", *args]
    if not wait:
        return subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    return subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300)


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # nothing listens once the socket is closed


# ---------- point 5: invalid YAML fails before anything is fetched ----------
@pytest.mark.parametrize(("line", "field"), [
    ('timeout: "abc"', "'timeout'"), ("retries: -1", "'retries'"), ("paging: {max_pages: many}", "'paging.max_pages'"),
    ('item_pattern: "(unclosed"', "'item_pattern'"), ("local: yes please", "'local'"),
])
def test_bad_yaml_value_in_a_folder_exits_2_naming_file_and_field(tmp_path: Path, line: str, field: str) -> None:
    with serve(SITES / "trs") as base:
        folder = tmp_path / "portals"
        folder.mkdir()
        (folder / "a_good.yaml").write_text(TRS.format(name="good", base=base), "utf-8")
        (folder / "b_bad.yaml").write_text(TRS.format(name="bad", base=base) + line + "\n", "utf-8")
        out = cli(tmp_path / "home", "crawl", "--config", str(folder))
        assert out.returncode == 2, out.stderr
        assert "b_bad.yaml" in out.stderr and field in out.stderr
        assert base.requests == []  # the good portal was not crawled either


@pytest.mark.parametrize(("text", "message"), [
    ("name: x\nfamily: nosuch\nstart_urls: [https://a.gov.cn/]\n", "unknown family"),
    ("name: x\nfamily: trs\n", "missing start_urls"),
    ("family: trs\nstart_urls: [https://a.gov.cn/]\n", "missing field 'name'"),
    ("name: x\nfamily: trs\nstart_urls: [https://a.gov.cn/]\napi: {nosuch: 1}\n", "unknown field"),
])
def test_bad_portal_file_is_refused_by_run_too(tmp_path: Path, text: str, message: str) -> None:
    (tmp_path / "p.yaml").write_text(text, "utf-8")
    out = cli(tmp_path / "home", "run", "--config", str(tmp_path / "p.yaml"))
    assert out.returncode == 2 and "p.yaml" in out.stderr and message in out.stderr, out.stderr


# ---------- point 5: a portal that yields nothing is a failure, with its cause ----------
@needs_corpus
def test_unreachable_portal_exits_3_with_a_summary_per_portal(tmp_path: Path) -> None:
    with serve(SITES / "trs") as base:
        folder = tmp_path / "portals"
        folder.mkdir()
        (folder / "good.yaml").write_text(TRS.format(name="good", base=base), "utf-8")
        dead = f"http://127.0.0.1:{closed_port()}"
        (folder / "dead.yaml").write_text(TRS.format(name="dead", base=dead), "utf-8")
        out = cli(tmp_path / "home", "crawl", "--config", str(folder))
    assert out.returncode == 3, out.stderr[-2000:]
    lines = {line.split(":")[0].strip(): line for line in out.stdout.splitlines() if line.startswith("  ")}
    assert "失败 / failed — 文件 documents 0" in lines["dead"] and "connection refused / 连接被拒绝" in lines["dead"]
    # the site's own faults (an article 500, a timeout, dead links) make the good portal partial, not failed
    assert "部分失败 / partial — 文件 documents 3" in lines["good"]
    assert "yielded nothing: dead" in out.stderr


@needs_corpus
def test_http_405_is_named_method_not_allowed_not_a_waf(tmp_path: Path) -> None:
    with serve(SITES / "platform", {"/api/region/340602/2026/departments.json": Route(status=405, body=b"")}) as base:
        (tmp_path / "p.yaml").write_text(f"""name: post_only
family: platform
local: true
delay: 0
retries: 0
api:
  departments: "{base}/api/region/{{region}}/{{year}}/departments.json"
  files: "{base}/api/dept/{{dept_id}}/{{year}}/files.json"
  download: "{base}/download.do?iid={{file_id}}"
  regions: ["340602"]
  years: [2026]
""", "utf-8")
        report = crawler.crawl(crawler.load_portals(tmp_path / "p.yaml"), (tmp_path / "s").as_uri())
    (rec,) = report.records
    assert rec.outcome == "error: method not allowed (HTTP 405) / 请求方法不被允许" and rec.status == 405
    status = report.portal_status()["post_only"]
    assert status["status"] == "failed" and status["cause"] == "method not allowed (HTTP 405) / 请求方法不被允许"


# ---------- point 6: addresses refused on what is connected to ----------
@pytest.mark.parametrize(("address", "word"), [
    ("100.100.100.200", "metadata"), ("169.254.169.254", "metadata"), ("fd00:ec2::254", "metadata"),
    ("100.64.0.1", "carrier-grade NAT"), ("100.127.255.254", "carrier-grade NAT"), ("10.1.2.3", "private"),
    ("192.168.0.1", "private"), ("172.16.5.4", "private"), ("169.254.1.1", "private"), ("fe80::1", "private"),
    ("fc00::1", "private"), ("0.0.0.0", "private"), ("224.0.0.1", "private"), ("127.0.0.1", "loopback"),
    ("::1", "loopback"), ("::ffff:127.0.0.1", "loopback"), ("::ffff:10.0.0.1", "private"),
])
def test_non_public_addresses_are_refused(address: str, word: str) -> None:
    why = unsafe(ipaddress.ip_address(address), loopback_ok=False)
    assert why is not None and word in why


def test_public_addresses_pass() -> None:
    for address in ("61.135.169.121", "2400:da00::6666", "100.128.0.1"):
        assert unsafe(ipaddress.ip_address(address), loopback_ok=False) is None


@needs_corpus
def test_names_resolving_to_loopback_or_metadata_are_refused_at_connection(tmp_path: Path) -> None:
    """Host names pinned (like curl --resolve) to 127.0.0.1 and 100.100.100.200 for portals without
    `local`: refused by the resolver before any connection, while a `local` portal in the same crawl
    is served; a redirect to the literal metadata address is refused too."""
    routes = {"/redirect/P020230731.pdf": Route(status=302, redirect="http://100.100.100.200/latest/meta-data/")}
    with serve(SITES / "trs", routes) as base:
        port = base.rsplit(":", 1)[1]
        (tmp_path / "p.yaml").write_text(TRS.format(name="local_ok", base=base), "utf-8")
        portals = crawler.load_portals(tmp_path / "p.yaml")
        for name, host in (("rebind", "czj.example.gov.cn"), ("meta", "meta.example.gov.cn")):
            (tmp_path / f"{name}.yaml").write_text(
                TRS.format(name=name, base=f"http://{host}:{port}").replace("local: true\n", ""), "utf-8")
            portals += crawler.load_portals(tmp_path / f"{name}.yaml")
        served_before = len(base.requests)
        report = crawler.crawl(portals, (tmp_path / "s").as_uri(),
                               resolve={"czj.example.gov.cn": "127.0.0.1", "meta.example.gov.cn": "100.100.100.200"})
        base.wait_idle()
        hosts = {r["headers"].get("Host", "") for r in base.requests[served_before:]}
    status = report.portal_status()
    assert status["rebind"]["status"] == "failed" and status["meta"]["status"] == "failed"
    assert status["rebind"]["cause"] == "refused loopback address 127.0.0.1 / 拒绝访问本机地址"
    assert status["meta"]["cause"] == "refused metadata address 100.100.100.200 / 拒绝访问云元数据地址"
    assert status["local_ok"]["documents"] == 3
    assert not any(h.startswith(("czj.", "meta.")) for h in hosts)  # never connected under those names
    redirect = next(r for r in report.records if r.url.endswith("/redirect/P020230731.pdf"))
    assert redirect.outcome.startswith("error: refused metadata address 100.100.100.200 / 拒绝访问云元数据地址")


# ---------- point 3: a file replaced at the same URL is found by default ----------
@needs_corpus
def test_pdf_replaced_under_an_unchanged_page_is_downloaded_again_by_default(tmp_path: Path) -> None:
    pdf = tmp_path / "served.pdf"
    shutil.copy(REAL / "renwu" / "001_上海" / "2026年上海市水务局_部门预算.pdf", pdf)
    with serve(SITES / "trs", {"/202310/P020231027_1.pdf": pdf}) as base:
        (tmp_path / "p.yaml").write_text(TRS.format(name="trs", base=base), "utf-8")
        portals = crawler.load_portals(tmp_path / "p.yaml")
        store = (tmp_path / "store").as_uri()
        first = crawler.crawl(portals, store)
        base.wait_idle()
        shutil.copy(REAL / "renwu" / "001_上海" / "2026年上海市财政局_部门预算.pdf", pdf)
        os.utime(pdf, (time.time() + 5, time.time() + 5))
        n = len(base.requests)
        second = crawler.crawl(portals, store)
        base.wait_idle()
        asked = {unquote(r["path"]): r["status"] for r in base.requests[n:]}
    assert asked["/202310/P020231027_1.pdf"] == 200 and asked["/index_1.html"] == 304  # its list page unchanged
    known = ("/202310/P020231027_1.pdf", "/uploadfiles/202602/长沙市财政局2026年部门预算.pdf",
             "/uploadfiles/202402/P020240219_copy.pdf")  # the three files stored by the first crawl
    assert [asked[p] for p in known] == [200, 304, 304]  # re-asked conditionally: only the replaced one comes
    outcome = {unquote(r.url).rsplit("/", 1)[1]: r.outcome for r in second.records if not r.is_error}
    assert outcome["P020231027_1.pdf"] == "new_version"
    assert sorted(outcome.values()) == ["new_version", "unchanged", "unchanged"]
    (req1, bytes1), (req2, bytes2) = first.cost(), second.cost()
    assert req2 <= req1 and pdf.stat().st_size <= bytes2 < bytes1  # the one new download dominates
    assert f"requests {req2}, bytes {bytes2:,}" in second.summary()


# ---------- point 7: portal test ----------
@needs_corpus
def test_portal_test_prints_items_and_stores_nothing(tmp_path: Path) -> None:
    with serve(SITES / "trs") as base:
        (tmp_path / "p.yaml").write_text(TRS.format(name="trs_try", base=base), "utf-8")
        out = cli(tmp_path / "home", "portal", "test", str(tmp_path / "p.yaml"))
        paths = [unquote(r["path"]) for r in base.requests]
    assert out.returncode == 0, out.stderr[-2000:]
    assert "条目 items 5, 附件 attachments 6" in out.stdout
    assert ("附件 / attachment: 2024年度长沙市财政局部门决算.docx | 长沙市财政局 | 2024 | final_accounts | "
            "发布 published 2025-09-29 | docx") in out.stdout
    assert "/index.html" in paths and "/index_1.html" not in paths  # the first list page only
    assert not any(p.endswith((".pdf", ".docx", ".xlsx", ".zip")) for p in paths)  # attachments listed, not fetched
    assert not (tmp_path / "home").exists() or not any((tmp_path / "home").rglob("objects/*/*"))


def test_portal_test_of_an_unreachable_portal_exits_3(tmp_path: Path) -> None:
    (tmp_path / "p.yaml").write_text(TRS.format(name="dead", base=f"http://127.0.0.1:{closed_port()}"), "utf-8")
    out = cli(tmp_path / "home", "portal", "test", str(tmp_path / "p.yaml"))
    assert out.returncode == 3 and "connection refused / 连接被拒绝" in out.stdout, out.stdout + out.stderr


# ---------- point 6: temp folders ----------
@needs_corpus
def test_job_folder_removed_when_the_crawl_is_terminated(tmp_path: Path) -> None:
    routes = {"/202310/P020231027_1.pdf": Route(file=REAL / "renwu" / "001_上海" / "2026年上海市水务局_部门预算.pdf",
                                                 delay=30.0)}
    with serve(SITES / "trs", routes) as base:
        (tmp_path / "p.yaml").write_text(TRS.format(name="slow", base=base).replace("timeout: 1", "timeout: 60"), "utf-8")
        home = tmp_path / "home"
        jobs = home / "raw" / "tmp"
        jobs.mkdir(parents=True)
        stale = jobs / "crawl-999999999-x"  # left by a crawl whose process is gone
        stale.mkdir()
        proc = cli(home, "crawl", "--config", str(tmp_path / "p.yaml"), wait=False)
        deadline = time.monotonic() + 120
        while not base.count("/202310/"):
            assert proc.poll() is None and time.monotonic() < deadline, proc.stderr.read() if proc.stderr else ""
            time.sleep(0.2)
        assert [p.name for p in jobs.iterdir()][0].startswith(f"crawl-{proc.pid}-") and not stale.exists()
        proc.send_signal(signal.SIGTERM)
        proc.communicate(timeout=60)
    assert proc.returncode == 128 + signal.SIGTERM
    assert list(jobs.iterdir()) == []
    crawls = [p for p in Path("/proc").glob("[0-9]*/cmdline") if str(tmp_path) in p.read_text(errors="replace")]
    assert crawls == []  # the crawl process was stopped with its parent


@needs_corpus
def test_known_file_without_validators_is_checked_by_head(tmp_path: Path) -> None:
    """A server that sends no ETag / Last-Modified: a known attachment is re-checked by HEAD (same
    Content-Length → unchanged, nothing downloaded); a replaced file of another size is downloaded."""
    pdf = tmp_path / "served.pdf"
    shutil.copy(REAL / "renwu" / "001_上海" / "2026年上海市水务局_部门预算.pdf", pdf)
    path = "/202310/P020231027_1.pdf"
    with serve(SITES / "trs", {path: Route(file=pdf, validators=False)}) as base:
        (tmp_path / "p.yaml").write_text(TRS.format(name="trs", base=base), "utf-8")
        portals = crawler.load_portals(tmp_path / "p.yaml")
        store = (tmp_path / "store").as_uri()
        crawler.crawl(portals, store)
        n = len(base.requests)
        second = crawler.crawl(portals, store)
        asked = [(r["method"], r["status"], r["bytes"]) for r in base.requests[n:] if r["path"] == path]
        assert asked == [("HEAD", 200, 0)]
        rec = next(r for r in second.records if r.url.endswith(path))
        assert (rec.outcome, rec.status, rec.size) == ("unchanged", 200, 0)

        shutil.copy(REAL / "renwu" / "001_上海" / "2026年上海市财政局_部门预算.pdf", pdf)
        n = len(base.requests)
        third = crawler.crawl(portals, store)
        asked = [(r["method"], r["status"]) for r in base.requests[n:] if r["path"] == path]
    assert asked == [("HEAD", 200), ("GET", 200)]
    assert next(r for r in third.records if r.url.endswith(path)).outcome == "new_version"


def test_unresolvable_name_is_a_dns_failure_not_an_allowance(tmp_path: Path) -> None:
    (tmp_path / "p.yaml").write_text(TRS.format(name="nodns", base="http://czj.nosuch.invalid").replace(
        "local: true\n", ""), "utf-8")
    report = crawler.crawl(crawler.load_portals(tmp_path / "p.yaml"), (tmp_path / "s").as_uri())
    status = report.portal_status()["nodns"]
    assert status["status"] == "failed" and status["cause"] == "DNS lookup failed / 域名解析失败"
