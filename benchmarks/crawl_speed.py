"""Crawl speed on the test portals served on 127.0.0.1 (prints figures; asserts nothing).

    .venv/bin/python benchmarks/crawl_speed.py [--minimal]

Crawls the TRS, gdcms, Jeecms, Hanweb and JSON-platform test sites twice into a fresh store and prints
documents and pages per second, the second crawl's requests and downloaded bytes as a ratio of the
first's, and the crawl process's peak memory. `--minimal`: the sites configured by minimal YAML
(name, family, start_urls) — the script-link TRS site, the GBK Hanweb column with a JS-only pager, the
gdcms and Jeecms sites — and the POST-only platform, with documents per portal. Needs
../shared/corpus/real next to the repo.
"""

from __future__ import annotations

import contextlib
import resource
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import crawler  # noqa: E402
from crawler.localserver import serve  # noqa: E402

SITES = REPO / "tests" / "portals"
CONFIGS = {
    "trs": 'family: trs\nstart_urls: ["{base_url}/index.html"]\nitem_pattern: "/t\\\\d{8}_\\\\d+\\\\.html$"\n'
           "list_selector: .czys_listCount_list\ntimeout: 1\nretries: 0\n",
    "gdcms": 'family: gdcms\nstart_urls: ["{base_url}/index.html"]\nlist_selector: .wrap-list\nexclude: [三公]\n',
    "jeecms": 'family: jeecms\nstart_kind: article\nstart_urls: ["{base_url}/sthjj/zfxxgk/9968003.jhtml"]\n',
    "hanweb": 'family: hanweb\nstart_urls: ["{base_url}/col/col1229/index.html"]\n'
              'paging: {template: "index.html?uid=5207&pageNum={n}"}\nretries: 0\n',
    "platform": "family: platform\ninclude: [部门预算]\napi:\n"
                '  departments: "{base_url}/api/region/{region}/{year}/departments.json"\n'
                '  files: "{base_url}/api/dept/{dept_id}/{year}/files.json"\n'
                '  download: "{base_url}/download.do?iid={file_id}"\n  regions: ["340602"]\n  years: [2026]\n',
}

MINIMAL = {  # site → YAML beyond name / local / delay (the family and the start URL only)
    "trs_script": 'family: trs\nstart_urls: ["{base_url}/index.html"]\n',
    "hanweb_gbk": 'family: hanweb\nstart_urls: ["{base_url}/col/col3381/index.html"]\n',
    "gdcms": 'family: gdcms\nstart_urls: ["{base_url}/index.html"]\n',
    "jeecms": 'family: jeecms\nstart_urls: ["{base_url}/sthjj/zfxxgk/9968003.jhtml"]\n',
    "platform_post": None,  # tests/test_crawler_platform.py's POST_YAML and routes
}


def main() -> None:
    if not (REPO.parent / "shared" / "corpus" / "real").is_dir():
        sys.exit("需要 ../shared/corpus/real / needs the shared corpus next to the repo")
    with tempfile.TemporaryDirectory() as tmp, contextlib.ExitStack() as stack:
        portals, servers = [], []
        minimal = "--minimal" in sys.argv
        for name, body in (MINIMAL if minimal else CONFIGS).items():
            routes = None
            if body is None:
                from samples.platform_site import POST_YAML, platform_routes

                routes, body = platform_routes(), POST_YAML.replace("name: shaanxi_yjsgk\n", "")
            base = stack.enter_context(serve(SITES / name, routes))
            servers.append(base)
            path = Path(tmp) / f"{name}.yaml"
            path.write_text(f"name: bench_{name}\nlocal: true\ndelay: 0\nconcurrency_per_domain: 8\n" + body, "utf-8")
            portals += crawler.load_portals(path, base_url=base)
        store = (Path(tmp) / "store").as_uri()
        runs = []
        for label in ("first", "second"):
            served = [len(b.requests) for b in servers]
            t0 = time.perf_counter()
            report = crawler.crawl(portals, store)
            seconds = time.perf_counter() - t0
            requests = sum(s["requests"] for s in report.stats.values())
            pages = sum(s["pages"] for s in report.stats.values())
            nbytes = sum(s["bytes"] for s in report.stats.values())
            docs = sum(1 for r in report.records if not r.is_error)
            downloads = sum(1 for r in report.records if not r.is_error and r.status == 200)
            skipped = sum(1 for r in report.records if not r.is_error and r.status is None)
            runs.append((requests, downloads, nbytes))
            print(f"{label:6} crawl: {seconds:6.2f} s (incl. process start) | documents {docs} "
                  f"({docs / seconds:.1f}/s) | pages {pages} ({pages / seconds:.1f}/s) | requests {requests} | "
                  f"downloads {downloads} | known, not asked {skipped} | bytes {nbytes:,} | {report.summary().split(' / ')[1]}")
            if minimal:
                per = {n: s["documents"] for n, s in report.portal_status().items()}
                print(f"       documents per portal: {per}")
            statuses = Counter(r["status"] for b, n in zip(servers, served, strict=True) for r in b.requests[n:])
            print(f"       answers served by status: {dict(sorted(statuses.items()))}")
        (r1, d1, b1), (r2, d2, b2) = runs
        print(f"second/first: requests {r2 / r1:.2f}, document downloads {d2 / max(d1, 1):.2f}, bytes {b2 / b1:.3f}")
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        print(f"peak memory of a crawl process: {peak:.0f} MiB")


if __name__ == "__main__":
    main()
