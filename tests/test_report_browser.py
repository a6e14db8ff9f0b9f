"""The demo site in a real headless Chromium, served over http from a sub-path: every page is
loaded (its script run, its console read), every href and src on it followed, every #anchor
looked up in the page it points to. Zero broken links, no file:// anywhere, no console message."""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
import threading
import time
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import unquote, urldefrag, urljoin, urlsplit
from urllib.request import urlopen

import pytest
from lxml import html

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="chromium not installed")
SUB = "/publish/budget-qa/"  # the site is not at the server's root


def load(url: str, *flags: str) -> tuple[html.HtmlElement, list[str]]:
    """The DOM after Chromium has loaded `url` and run its script, and the console messages
    (`flags`: more Chromium switches, e.g. --window-size=390,844)."""
    profile = tempfile.mkdtemp(prefix="bq-chromium-")
    try:
        done = subprocess.run(
            [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
             "--disable-component-update", "--disable-sync", "--no-first-run", f"--user-data-dir={profile}",
             "--enable-logging=stderr", "--v=0", *flags, "--dump-dom", url],
            capture_output=True, text=True, timeout=120, check=True,
        )
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    return html.fromstring(done.stdout), [line for line in done.stderr.splitlines() if ":CONSOLE" in line]


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """`budgetqa demo`'s site, built, copied under a sub-path of a static http server."""
    from budgetqa.demo import run_demo

    home = tmp_path_factory.mktemp("demo")
    started = time.perf_counter()
    result = run_demo(home=home, progress=lambda _: None)
    built = time.perf_counter() - started
    root = tmp_path_factory.mktemp("www")
    shutil.copytree(result.site.parent, root / SUB.strip("/"))
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(_Quiet, directory=str(root)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}{SUB}", result.site.parent, built
    finally:
        server.shutdown()
        server.server_close()


def crawl(base: str) -> tuple[dict[str, html.HtmlElement], int, int, list[str], list[str]]:
    """Every page reachable from `base`index.html, loaded in Chromium; returns the pages, the number of
    href/src and of #anchors checked, what is broken, and the console messages."""
    pages: dict[str, html.HtmlElement] = {}
    queue, links, broken, console, fetched = [base + "index.html"], 0, [], [], set()
    while queue:
        url = queue.pop()
        if url in pages:
            continue
        pages[url], messages = load(url)
        console += [f"{url}: {m}" for m in messages]
        for el in pages[url].xpath("//*[@href or @src]"):
            raw = el.get("href") or el.get("src")
            links += 1
            target = urljoin(url, raw)
            parts = urlsplit(target)
            if parts.scheme == "data":  # made in the page (the current view as CSV): nothing to fetch
                continue
            if parts.scheme == "file" or raw.startswith("/"):
                broken.append(f"{url}: absolute link {raw}")
            elif parts.netloc != urlsplit(base).netloc:
                host = (parts.hostname or "").lower()
                if parts.scheme not in ("http", "https") or host.startswith("127.") or host == "localhost":
                    broken.append(f"{url}: link to this machine or a local file {raw}")
            elif not target.startswith(base):
                broken.append(f"{url}: leaves the site's folder {raw}")
            else:
                page_url, anchor = urldefrag(target)
                if page_url.endswith(".html") and not page_url.startswith(base + "gx/"):
                    queue.append(page_url)
                elif page_url not in fetched:
                    fetched.add(page_url)
                    with urlopen(page_url) as r:  # a download or an archived original
                        if r.status != 200 or not r.read():
                            broken.append(f"{url}: {raw} → {r.status}")
                if anchor and page_url.endswith(".html") and not page_url.startswith(base + "gx/"):
                    el.set("data-anchor", anchor)
    anchors = 0
    for url, dom in pages.items():  # every #anchor names an element of the page it points to
        for el in dom.xpath("//*[@data-anchor]"):
            anchors += 1
            target = urldefrag(urljoin(url, el.get("href")))[0]
            anchor = unquote(el.get("data-anchor"))
            if "=" in anchor:  # a filter in the address (index.html#year=2021), read by the page's script
                continue
            if target not in pages or not pages[target].xpath("//*[@id=$a]", a=anchor):
                broken.append(f"{url}: no #{anchor} in {target}")
    return pages, links, anchors, broken, console


def test_every_link_and_anchor_of_the_site_resolves_over_http_from_a_sub_path(served):
    base, site, built = served
    pages, links, anchors, broken, console = crawl(base)
    raw = "".join(p.read_text(encoding="utf-8") for p in site.rglob("*.html"))
    weights = sorted(((p.stat().st_size, p.relative_to(site).as_posix()) for p in site.rglob("*.html")), reverse=True)
    print(f"\ndemo site: built in {built:.1f} s (crawl, extract, validate, score, report); {len(pages)} pages, "
          f"{links} href/src checked ({anchors} with an #anchor), {len(broken)} broken; largest page {weights[0][1]} {weights[0][0] / 1024:.1f} KB; "
          f"site {sum(p.stat().st_size for p in site.rglob('*') if p.is_file()) / 1024:.0f} KB")
    assert not broken, broken[:20]
    assert not console, console[:10]
    assert "file://" not in raw and not re.search(r'(href|src)="/', raw)
    # every page is reachable from the ranking (GX's own Data Docs, under gx/, are fetched, not crawled:
    # their pages load GX's scripts from public CDNs)
    ours = [p for p in site.rglob("*.html") if p.relative_to(site).parts[0] != "gx"]
    assert len(pages) == len(ours)
    # the script ran over http: the ranking is filtered to the newest year and counted
    index = pages[base + "index.html"]
    assert index.xpath('//*[@id="f-count"]')[0].text_content().endswith("个部门 departments")
    assert index.xpath('//table[@id="ranking"]/tbody/tr[not(@hidden)]')
    # every page links the methodology; the demo's portal (a 127.0.0.1 server, gone) is named, not linked
    assert all(dom.xpath('//a[@href[contains(., "methodology.html")]]') for dom in pages.values())
    doc = next(dom for u, dom in pages.items() if "/doc/" in u)
    assert "127.0.0.1" in doc.xpath('//dl[@class="meta"]')[0].text_content() and not doc.xpath('//*[@id="source-url"]')
    assert doc.xpath('//a[@id="archive"]/@href')[0].startswith("../files/")


def test_an_auditor_follows_a_finding_to_its_page_image_table_cell_rule_and_data_docs(served):
    """In Chromium over http: a document's finding → the page image with its box, the table view with its
    cell marked, the rule's page listing the document, and the run's Data Docs published in the site."""
    base, site, _ = served
    doc_url = next(base + p.relative_to(site).as_posix() for p in sorted((site / "doc").glob("*.html"))
                   if 'class="evid"' in p.read_text(encoding="utf-8"))
    doc, console = load(doc_url)
    assert not console
    row = doc.xpath('//tr[contains(@class, "finding")][.//a[@class="evid"]]')[0]
    n = row.get("id")
    view_url = urljoin(doc_url, row.xpath('.//a[@class="evid"]/@href')[0])
    view, _ = load(view_url)
    anchor = urldefrag(view_url)[1]
    box = view.xpath("//*[@id=$a]", a=anchor)[0]
    assert anchor == f"box-{n}" and urljoin(view_url, box.get("href")) == f"{doc_url}#{n}" or anchor == n
    src = urljoin(view_url, view.xpath('//div[@id="page"]/img/@src')[0])
    with urlopen(src) as r:
        assert r.status == 200 and r.read(12)[8:12] == b"WEBP"
    rule_url = urljoin(doc_url, row.xpath("./td[3]/a/@href")[0])
    rule, _ = load(rule_url)
    assert rule.xpath("//tr[@id=$a]", a=urldefrag(rule_url)[1]) and rule.xpath('//*[@id="basis"]')
    docs_url = urljoin(doc_url, doc.xpath('//a[@id="data-docs"]/@href')[0])
    with urlopen(docs_url) as r:
        assert r.status == 200 and r.read()
    cells = doc.xpath('//a[@class="cellview"]/@href')
    assert cells
    table_url = urljoin(doc_url, cells[0])
    table, _ = load(table_url)
    marked = table.xpath("//*[@id=$a]", a=urldefrag(table_url)[1])[0]
    assert {"fail", "marked-row", "table-level"} & set((marked.get("class") or "").split())
