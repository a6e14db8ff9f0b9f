"""What every portal spider shares: requests with error capture, decoding, item and attachment
selection, department/year from titles, and the layout-change check at the end."""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter
from collections.abc import AsyncIterator, Callable, Iterable
from html import escape as html_escape
from typing import Any
from urllib.parse import urljoin, urlsplit

from parsel import Selector
from scrapy import Request, Spider, signals
from scrapy.exceptions import (
    CannotResolveHostError,
    DownloadCancelledError,
    DownloadConnectionRefusedError,
    DownloadTimeoutError,
    IgnoreRequest,
)
from scrapy.http import Response
from scrapy.utils.httpobj import urlparse_cached
from twisted.internet import defer
from twisted.internet import error as terror
from twisted.python.failure import Failure
from w3lib.encoding import html_body_declared_encoding, http_content_type_encoding

from crawler.config import FAMILY_ITEMS, PortalConfig
from crawler.downloadermiddlewares.safety import domain_allowed, refused_reason
from crawler.session import Session
from crawler.store import url_ext, url_key
from crawler.titles import looks_like_department, parse_title, year_of
from domain.formats import BINARY_FORMATS, UNREAD_ATTACHMENT_FORMATS

# Statuses the callbacks see themselves (3xx are left to RedirectMiddleware).
HANDLED_STATUSES = [304, *range(400, 600)]
WAF_STATUSES = {412, 520, 521, 522, 523, 525}  # anti-bot firewalls (瑞数 412, Cloudflare-style 52x)
_DATE = re.compile(r"((?:19|20)\d{2})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})")
_PUBLISHED = re.compile(r"(?:发布|成文|公开|更新)(?:时间|日期)\s*[：:]?\s*" + _DATE.pattern)
_JS_HINTS = ("请开启JavaScript", "请启用JavaScript", "enable JavaScript", "开启浏览器的JavaScript")
# Attachments downloaded from an article page: the binary document formats and those recorded unread.
_LOCAL_EXTS = (*BINARY_FORMATS, *UNREAD_ATTACHMENT_FORMATS)
# Download endpoints whose URL names no file type (the format is sniffed from the bytes once fetched).
DOWNLOAD_ENDPOINT = re.compile(
    r"(?:downfile|download|downLoad|filedown|fileDown|getfile|getFile|attachment)(?:File)?\.(?:jsp|do|action|aspx?|php)"
    r"|/(?:download|downfile|attach)(?:/|\?)", re.I)
# HTML fragments written by scripts: var file_appendix = '<a href="./P0….pdf">…</a>'; document.write("<a …>")
_SCRIPT_ANCHOR = re.compile(r"<a\s[^<>]*?href\s*=\s*\\?[\"']([^\"'<>]+?)\\?[\"'][^<>]*>(.*?)</a\s*>", re.I | re.S)
# A URL in an onclick handler: window.open('/download.do?id=1'), downLoad("P020….pdf"), location.href='…'
_ONCLICK_URL = re.compile(r"[\"']((?:https?://|\.{0,2}/)?[^\"'\s(),;]+?(?:\.[A-Za-z]{2,5}|\?[^\"'\s]+))[\"']")


def status_problem(status: int) -> str | None:
    if status == 404 or status == 410:
        return f"dead link (HTTP {status}) / 链接失效"
    if status in (405, 501):
        return f"method not allowed (HTTP {status}) / 请求方法不被允许"
    if status in (401, 403):
        return f"forbidden (HTTP {status}), login or access rule / 禁止访问"
    if status == 429:
        return f"rate limited (HTTP {status}) / 请求过于频繁"
    if status == 503:
        return f"service unavailable (HTTP {status}), overload or maintenance / 服务暂不可用"
    if status in WAF_STATUSES:
        return f"blocked, WAF or rate limit (HTTP {status}) / 被防火墙拦截"
    if status >= 500:
        return f"server error (HTTP {status}) / 服务器错误"
    if status >= 400:
        return f"HTTP {status}"
    return None


def failure_cause(failure: Failure) -> str:
    exc = failure.value
    if isinstance(exc, IgnoreRequest):
        text = str(exc) or "ignored"
        return "robots.txt forbids / robots.txt 禁止抓取" if "robots.txt" in text else text
    if isinstance(exc, DownloadTimeoutError | terror.TimeoutError | defer.TimeoutError | TimeoutError):
        return "timeout / 超时"
    if isinstance(exc, DownloadCancelledError | defer.CancelledError) and "size" in str(exc):
        return "too large / 文件超过大小限制"
    if isinstance(exc, CannotResolveHostError | terror.DNSLookupError):
        request = getattr(failure, "request", None)
        host = urlparse_cached(request).hostname if request is not None else None
        return refused_reason(host or "") or "DNS lookup failed / 域名解析失败"
    if isinstance(exc, DownloadConnectionRefusedError | terror.ConnectionRefusedError):
        return "connection refused / 连接被拒绝"
    return f"{type(exc).__name__}: {exc}"[:200]


def decode_html(response: Response) -> str:
    """Text of a page: declared charset (GB2312/GBK read as GB18030), else UTF-8, else GB18030."""
    body = response.body
    declared = http_content_type_encoding(response.headers.get("Content-Type", b"").decode("latin-1"))
    declared = declared or html_body_declared_encoding(body)
    if declared:
        name = declared.lower()
        if name in ("gb2312", "gbk", "gb_2312-80", "cp936", "x-gbk"):
            name = "gb18030"
        try:
            return body.decode(name)
        except (LookupError, UnicodeDecodeError):
            pass
    for enc in ("utf-8", "gb18030"):
        try:
            return body.decode(enc)
        except UnicodeDecodeError:
            continue
    return body.decode("utf-8", errors="replace")


def visible_text(sel: Selector) -> str:
    return " ".join(t.strip() for t in sel.xpath("//body//text()[not(ancestor::script)][not(ancestor::style)]").getall() if t.strip())


def looks_js_only(sel: Selector) -> bool:
    text = visible_text(sel)
    has_script = bool(sel.css("script"))
    return has_script and (len(text) < 80 or any(h in text for h in _JS_HINTS))


def date_near(sel: Selector) -> str | None:
    m = _DATE.search(" ".join(sel.xpath(".//text()").getall()))
    return f"{m.group(1)}-{int(m.group(2)):02d}-{int(m.group(3)):02d}" if m else None


def _js_unescape(text: str) -> str:
    return re.sub(r"\\([\\/'\"])", r"\1", text)


def page_links(area: Selector) -> list[tuple[str, str, Selector | None]]:
    """(href, text, element) of every link in `area`: <a href>, a URL in an onclick handler, and <a>
    tags written inside script strings (`var file_appendix = '<a href="./P0….pdf">…'`), each href once."""
    out: list[tuple[str, str, Selector | None]] = []
    seen: set[str] = set()

    def add(href: str, text: str, el: Selector | None) -> None:
        href = href.strip()
        if href and not href.startswith(("javascript:", "#", "mailto:")) and href not in seen:
            seen.add(href)
            out.append((href, re.sub(r"\s+", " ", text).strip(), el))

    for el in area.css("a[href], [onclick]"):
        text = el.attrib.get("title") or " ".join(el.css("::text").getall())
        add(el.attrib.get("href") or "", text, el)
        m = _ONCLICK_URL.search(el.attrib.get("onclick") or "")
        if m:
            add(_js_unescape(m.group(1)), text, el)
    for script in area.css("script:not([src])"):
        code = script.xpath("string()").get() or ""
        for m in _SCRIPT_ANCHOR.finditer(code):
            inner = Selector(text=f"<p>{_js_unescape(m.group(2))}</p>")
            add(_js_unescape(m.group(1)), " ".join(inner.css("p ::text").getall()), None)
    return out


def link_ext(url: str, text: str = "") -> str | None:
    """The document format a link points at: the URL's suffix, a file name in its query
    (downfile.jsp?filename=x.pdf), the link text's suffix (…部门预算.pdf); "" for a download endpoint
    that names no type (sniffed once fetched); None when it is not a document link."""
    ext = url_ext(url)
    if ext in _LOCAL_EXTS:
        return ext
    for value in re.findall(r"=([^&#]+)", url.split("?", 1)[1] if "?" in url else ""):
        m = re.search(r"\.([A-Za-z]{2,4})$", value)
        if m and m.group(1).lower() in _LOCAL_EXTS:
            return m.group(1).lower()
    m = re.search(r"\.([A-Za-z]{2,4})\s*$", text)
    if m and m.group(1).lower() in _LOCAL_EXTS:
        return m.group(1).lower()
    if DOWNLOAD_ENDPOINT.search(url):
        return ""
    return None


class PortalSpider(Spider):
    """Base of the family spiders. One instance per configured portal."""

    family = ""

    def __init__(self, portal: PortalConfig, session: Session, **kwargs: Any):
        super().__init__(name=portal.name, **kwargs)
        self.portal = portal
        self.session = session
        self.allowed_domains = list(portal.allowed_domains)
        self.requested: set[str] = set()
        self.items_per_root: Counter[str] = Counter()
        self.root_problems: dict[str, str] = {}
        self.answered_roots: set[str] = set()  # roots with at least one page answered and read
        self.pages = 0

    @classmethod
    def from_crawler(cls, crawler: Any, *args: Any, **kwargs: Any) -> PortalSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        crawler.signals.connect(spider.on_spider_error, signal=signals.spider_error)
        return spider

    def on_spider_error(self, failure: Failure, response: Response, spider: Spider) -> None:
        """A bug or an unexpected page in a callback: visible in the crawl log, not only in Scrapy's log."""
        self.record_error(response.url, response.meta.get("kind", "page"),
                          f"internal {type(failure.value).__name__}: {failure.value}"[:200], response.meta,
                          response.status)

    # ---------- requests ----------
    async def start(self) -> AsyncIterator[Any]:
        for request in self.start_requests_for_portal():
            yield request

    def start_requests_for_portal(self) -> Iterable[Request]:
        callback = self.parse_article if self.portal.start_kind == "article" else self.parse_list
        kind = "article" if self.portal.start_kind == "article" else "list"
        for url in self.portal.start_urls:
            req = self.page_request(url, callback, kind=kind, root=url)
            if req:
                yield req

    def _first_time(self, url: str) -> bool:
        key = url_key(url)
        if key in self.requested:
            return False
        self.requested.add(key)
        return True

    def page_request(self, url: str, callback: Any, *, kind: str, root: str, **meta: Any) -> Request | None:
        """A list, article or API page, asked conditionally when fetched before (304 = unchanged)."""
        if not self._first_time(url):
            return None
        meta.update(kind=kind, root=root, handle_httpstatus_list=HANDLED_STATUSES, conditional=True)
        return Request(url, callback=callback, errback=self.on_error, meta=meta)

    def document_request(self, url: str, doc: dict[str, Any], root: str, *, count: bool = True) -> Request | None:
        """`count`: this document is an item of its root (list items count once, as the article)."""
        if count:
            self.items_per_root[root] += 1
        if not self._first_time(url):
            return None
        doc = {**doc, "url": url, "ext": doc.get("ext") or url_ext(url)}
        if self.session.dry_run:  # `portal test`: what the YAML finds, nothing fetched or stored
            self.session.record(portal=self.portal.name, url=url, kind="document", outcome="found",
                                format=doc["ext"] or None, **{k: doc.get(k) for k in (
                                    "referer", "title", "published", "department", "year", "doc_kind")})
            return None
        prev = self.session.previous(url)
        if prev and prev.get("size") and not (prev.get("etag") or prev.get("last_modified")):
            # known, but the server sent no validators: HEAD first, the body only when the size differs
            return Request(url, method="HEAD", callback=self.parse_head, errback=self.on_error, meta={
                "kind": "document", "root": root, "doc": doc, "handle_httpstatus_list": HANDLED_STATUSES})
        return self._get(doc, root)

    def _get(self, doc: dict[str, Any], root: str) -> Request:
        return Request(doc["url"], callback=self.parse_document, errback=self.on_error, meta={
            "kind": "document", "root": root, "doc": doc, "conditional": True,
            "handle_httpstatus_list": HANDLED_STATUSES,
        })

    def parse_head(self, response: Response) -> Iterable[Request]:
        """A known document without validators: the same Content-Length as stored → unchanged (not
        downloaded); another size, no length, or a server that refuses HEAD → the GET."""
        doc = response.meta["doc"]
        prev = self.session.previous(doc["url"])
        length = _header(response, "Content-Length")
        if response.status == 200 and prev and length and length.isdigit() and int(length) == prev.get("size"):
            self.session.known_unchanged(portal=self.portal.name, doc=doc, status=200)
            return
        yield self._get(doc, response.meta["root"])

    # ---------- incremental: what a page linked to last time ----------
    def remembered(self, response: Response, compute: Callable[[], list[dict[str, Any]]], *,
                   hash_body: bool = False) -> tuple[list[dict[str, Any]], bool]:
        """The links of a page and whether the page is unchanged since the last crawl: 304, or the same
        content hash (of what the page links to, so counters and dates in the page chrome do not count;
        `hash_body`: of the whole body). Pages that link to nothing are not remembered."""
        key = response.meta.get("page_key") or response.url  # a POST answer: its URL and form
        prev = self.session.page_state(key)
        if response.status == 304:
            return list((prev or {}).get("children") or []), True
        children = compute()
        digest = hashlib.sha256(response.body if hash_body else
                                json.dumps(children, sort_keys=True, ensure_ascii=False).encode()).hexdigest()
        if children:
            self.session.remember_page(key, etag=_header(response, "ETag"),
                                       last_modified=_header(response, "Last-Modified"), hash=digest,
                                       children=children)
        return children, bool(prev) and prev.get("hash") == digest

    def follow_document(self, doc: dict[str, Any], root: str, unchanged: bool, *, count: bool = False) -> Iterable[Request]:
        """A document linked from a page: known and its page unchanged → logged unchanged, not requested
        (unless the portal says `revalidate: true`); otherwise a conditional request."""
        known = self.session.previous(doc["url"])
        if known and unchanged and (not self.portal.revalidate or doc.get("inline")):
            if count:
                self.items_per_root[root] += 1
            if self._first_time(doc["url"]) or doc.get("inline"):
                self.session.known_unchanged(portal=self.portal.name, doc=doc)
            return
        if doc.get("inline"):
            return
        req = self.document_request(doc["url"], doc, root, count=count)
        if req:
            yield req

    def known_article(self, url: str, root: str) -> list[Request] | None:
        """An article of an unchanged list, crawled before with every document known: not fetched
        again. None when it must be fetched (new, failed before, or an inline table to re-check)."""
        children = (self.session.page_state(url) or {}).get("children") or []
        docs = [d for d in children if not d.get("offsite")]
        if not docs or not all(self.session.previous(d["url"]) for d in docs):
            return None
        if self.portal.revalidate and any(d.get("inline") for d in docs):
            return None
        if not self._first_time(url):
            return []
        for d in children:
            if d.get("offsite"):
                self.skipped_offsite(d["url"], url, d.get("title"))
        count = self.portal.start_kind == "article"
        return [r for d in docs for r in self.follow_document(d, root, True, count=count)]

    def allowed(self, url: str) -> bool:
        host = re.sub(r"^[a-z]+://([^/:?#]+).*$", r"\1", url, flags=re.I)
        return domain_allowed(host, self.allowed_domains)

    # ---------- errors ----------
    def record_error(self, url: str, kind: str, cause: str, meta: dict[str, Any], status: int | None = None) -> None:
        doc = meta.get("doc") or {}
        self.session.record(
            portal=self.portal.name, url=url, kind=kind, outcome=f"error: {cause}", status=status,
            referer=doc.get("referer") or meta.get("referer"), title=doc.get("title") or meta.get("title"),
            published=doc.get("published") or meta.get("published"), department=doc.get("department"),
            year=doc.get("year"), doc_kind=doc.get("doc_kind"),
        )
        if kind != "document" and meta.get("root"):
            self.root_problems.setdefault(meta["root"], cause)

    def on_error(self, failure: Failure) -> None:
        request = failure.request  # type: ignore[attr-defined]
        url = (request.meta.get("redirect_urls") or [request.url])[0]
        cause = failure_cause(failure)
        if request.meta.get("redirect_urls"):
            cause += f" (redirected to {request.url})"
        self.record_error(url, request.meta.get("kind", "page"), cause, request.meta)

    def page_problem(self, response: Response) -> bool:
        """Record an error status for a page; True if the page cannot be used."""
        self.pages += 1
        problem = status_problem(response.status)
        if problem:
            url = (response.meta.get("redirect_urls") or [response.url])[0]
            self.record_error(url, response.meta.get("kind", "page"), problem, response.meta, response.status)
            return True
        if response.meta.get("root"):
            self.answered_roots.add(response.meta["root"])
        return False

    # ---------- items ----------
    def is_item(self, title: str, url: str) -> bool:
        p = self.portal
        if not title or (p.include and not any(w in title for w in p.include)) or any(w in title for w in p.exclude):
            return False
        if p.years:
            year = year_of(title)
            if year is not None and year not in p.years:
                return False
        return not (p.item_pattern and not re.search(p.item_pattern, url))

    def describe(self, title: str, fallback_title: str | None = None) -> dict[str, Any]:
        """department / year / doc_kind of a document, from its own title then the article's."""
        info = parse_title(title, self.portal.title_pattern)
        if fallback_title:
            other = parse_title(fallback_title, self.portal.title_pattern)
            for key, value in other.items():
                if info.get(key) is None or (key == "department" and not looks_like_department(info[key])):
                    info[key] = value
            # "信访局部门预算.pdf" under "2026年西安市信访局部门预算公开": the article names it in full
            mine, theirs = info.get("department"), other.get("department")
            if mine and theirs and theirs != mine and theirs.endswith(mine) and looks_like_department(theirs):
                info["department"] = theirs
        if self.portal.department:
            info["department"] = self.portal.department
        return info

    # ---------- callbacks ----------
    def item_areas(self, sel: Selector, html: str) -> list[Selector]:
        """Where a list page's items are (a family may find them elsewhere, e.g. Hanweb's datastore)."""
        return list(sel.css(self.portal.list_selector)) if self.portal.list_selector else [sel]

    def list_children(self, response: Response, html: str, sel: Selector) -> list[dict[str, Any]]:
        """What a list page links to: sub-lists, disclosure articles and attachments, further pages.
        Without an `item_pattern`, the family's article URL shape is used when the page has such links."""
        children: list[dict[str, Any]] = []
        links = [(urljoin(response.url, href), text, el) for area in self.item_areas(sel, html)
                 for href, text, el in page_links(area)]
        family_items = FAMILY_ITEMS.get(self.family) if not self.portal.item_pattern else None
        if family_items and not any(re.search(family_items, url) for url, _t, _e in links):
            family_items = None
        for url, text, el in links:
            if self.portal.sublists and re.search(self.portal.sublists, url) and self.allowed(url):
                children.append({"type": "list", "url": url})
                continue
            title = (el.attrib.get("title") if el is not None else None) or text
            if not self.is_item(title, url):
                continue
            ext = link_ext(url, title)
            is_doc = ext is not None and (ext == "" or ext in self.portal.extensions)
            if not is_doc and family_items and not re.search(family_items, url):
                continue
            if not self.allowed(url):
                children.append({"type": "offsite", "url": url, "title": title})
                continue
            li = el.xpath("./ancestor::li[1] | ./ancestor::tr[1]") if el is not None else []
            published = date_near(li[0]) if li else None
            if is_doc:
                doc = {**self.describe(title), "title": title, "published": published,
                       "referer": response.url, "url": url, "ext": ext}
                children.append({"type": "document", "url": url, "doc": doc})
            else:
                children.append({"type": "article", "url": url, "title": title, "published": published})
        if response.meta.get("page", 0) == 0:
            children += [{"type": "page", "url": u} for u in self.next_pages(response.url, html)]
        return children

    def skipped_offsite(self, url: str, referer: str, title: str | None) -> None:
        """A disclosure link to a host not in `allowed_domains`: not followed, logged with its cause
        (on every crawl: the link is one of its page's remembered children)."""
        if not self._first_time(url):
            return
        host = urlsplit(url).hostname or "?"
        self.session.record(portal=self.portal.name, url=url, kind="link", referer=referer, title=title,
                            outcome=f"error: offsite link, domain not configured ({host}) / 站外链接，域名未配置")

    def parse_list(self, response: Response) -> Iterable[Any]:
        """A list page: follow disclosure items, sub-lists and further pages. When the list is unchanged,
        articles crawled before whose documents are all known are not fetched again."""
        if self.page_problem(response):
            return
        root = response.meta["root"]
        sel: Selector | None = None

        def compute() -> list[dict[str, Any]]:
            nonlocal sel
            html = decode_html(response)
            sel = Selector(text=html)
            return self.list_children(response, html, sel)

        children, unchanged = self.remembered(response, compute)
        if sel is not None and not any(c["type"] in ("article", "document") for c in children) and looks_js_only(sel):
            self.record_error(response.url, "list", "JS-only page, no items without a browser / 页面需 JavaScript 渲染",
                              response.meta, response.status)
        for c in children:
            kind, url = c["type"], c["url"]
            if kind == "offsite":
                self.skipped_offsite(url, response.url, c.get("title"))
                continue
            if kind == "document":
                self.items_per_root[root] += 1
                yield from self.follow_document(c["doc"], root, unchanged)
                continue
            if kind == "article":
                self.items_per_root[root] += 1
                known = self.known_article(url, root) if unchanged else None
                if known is not None:
                    yield from known
                    continue
                req = self.page_request(url, self.parse_article, kind="article", root=root, title=c["title"],
                                        published=c["published"], referer=response.url)
            else:  # a sub-list (its own first page) or a further page of this list
                req = self.page_request(url, self.parse_list, kind="list", root=root,
                                        page=0 if kind == "list" else 1, referer=response.url)
            if req:
                yield req

    def next_pages(self, base: str, html: str) -> list[str]:
        """Further list pages, from the JS page count the family's pager uses and the values the
        page's script gives its placeholders (`pager_values`)."""
        paging = self.portal.paging
        count = None if paging.style == "none" else page_count(html)
        if count is None or count < 2:
            return []
        values = self.pager_values(html)
        missing = sorted(set(re.findall(r"\{(\w+)\}", paging.template)) - {"n"} - set(values))
        if missing:
            self.session.record(portal=self.portal.name, url=base, kind="list", outcome=(
                f"error: layout change: pager value(s) {missing} not found in the page script, "
                f"pages 2–{count} not crawled / 页面脚本中未找到翻页参数"))
            return []
        last = min(count, paging.max_pages)
        return [urljoin(base, paging.template.format(n=n, **values)) for n in range(paging.first, paging.first + last - 1)]

    def pager_values(self, html: str) -> dict[str, str]:
        """Placeholders of the pager template read from the page itself: TRS createPageHTML(count,
        current, "index", "html") → prefix, suffix; Hanweb's unit id → uid."""
        values: dict[str, str] = {}
        m = re.search(r"createPageHTML\(\s*\d+\s*,\s*\d+\s*,\s*[\"']([\w-]+)[\"']\s*,\s*[\"'](\w+)[\"']", html)
        values.update(prefix=m.group(1) if m else "index", suffix=m.group(2) if m else "html")
        uid = hanweb_uid(html)
        if uid:
            values["uid"] = uid
        return values

    def article_docs(self, response: Response, sel: Selector) -> list[dict[str, Any]]:
        """An article's disclosure attachments, or the article itself (`inline`) when its tables are
        inline HTML; offsite attachments are logged as errors."""
        title = response.meta.get("title") or _article_title(sel)
        published = response.meta.get("published")
        if not published:
            m = _PUBLISHED.search(visible_text(sel))
            published = f"{m.group(1)}-{int(m.group(2)):02d}-{int(m.group(3)):02d}" if m else None
        docs: list[dict[str, Any]] = []
        for href, text, _el in page_links(sel):
            url = urljoin(response.url, href)
            ext = link_ext(url, text)
            if ext is None or (ext and ext not in self.portal.extensions):
                continue
            if any(w in text for w in self.portal.exclude):
                continue
            if not (any(w in text for w in self.portal.include) or any(w in title for w in self.portal.include)):
                continue
            doc = {**self.describe(text, title), "title": text or title, "published": published,
                   "referer": response.url, "ext": ext, "url": url}
            if not self.allowed(url):
                doc["offsite"] = True
            if not any(d["url"] == url for d in docs):
                docs.append(doc)
        if docs:
            return docs
        mode = self.portal.inline_html
        if "html" in self.portal.extensions and mode != "never" and (mode == "always" or has_budget_table(sel)):
            return [{**self.describe(title), "title": title, "published": published, "url": response.url,
                     "referer": response.meta.get("referer"), "ext": "html", "inline": True}]
        return []

    def parse_article(self, response: Response) -> Iterable[Any]:
        """An article: its attachments, or the article itself when its tables are inline HTML. An article
        unchanged since the last crawl (304 or same bytes) does not re-request its known documents."""
        if self.page_problem(response):
            return
        root = response.meta["root"]
        count = self.portal.start_kind == "article"
        sel = None if response.status == 304 else Selector(text=decode_html(response))
        docs, unchanged = self.remembered(response, lambda: self.article_docs(response, sel), hash_body=True)
        for doc in docs:
            if doc.get("offsite"):
                self.skipped_offsite(doc["url"], response.url, doc["title"])
                continue
            if doc.get("inline") and sel is not None:
                if count:
                    self.items_per_root[root] += 1
                yield {"doc": doc, "body": inline_document(sel, doc["title"], self.portal.content_selector),
                       "status": response.status, "etag": None, "last_modified": None}
            else:
                yield from self.follow_document(doc, root, unchanged, count=count)
        if not docs and sel is not None:
            why = ("JS-only page / 页面需 JavaScript 渲染" if looks_js_only(sel)
                   else "layout change: article has no attachment or table / 文章中未找到附件或表格")
            self.record_error(response.url, "article", why, response.meta, response.status)

    def parse_document(self, response: Response) -> Iterable[Any]:
        doc = response.meta["doc"]
        status = response.status
        if status == 304:
            yield {"doc": doc, "body": None, "status": 304}
            return
        problem = status_problem(status)
        if problem:
            self.record_error(doc["url"], "document", problem, response.meta, status)
            return
        body = response.body
        if doc.get("ext") != "html" and body[:1024].lstrip().lower().startswith((b"<!doctype", b"<html", b"<script")):
            self.record_error(doc["url"], "document",
                              "an HTML page instead of the file (WAF or JS challenge?) / 返回网页而非文件",
                              response.meta, status)
            return
        yield {
            "doc": doc, "body": body, "status": status,
            "etag": _header(response, "ETag"), "last_modified": _header(response, "Last-Modified"),
        }

    # ---------- end of crawl ----------
    def closed(self, reason: str) -> None:
        """A list that yields nothing where it used to is a layout change, not "no new documents"."""
        lists = self.session.state["lists"]
        for root in self.portal.start_urls:
            key = url_key(root)
            count = self.items_per_root[root]
            if count:
                lists[key] = count
            elif root not in self.root_problems:
                before = lists.get(key)
                if root not in self.answered_roots:  # never read: not a layout matter
                    cause = "no answer: the list page was not fetched / 未取得列表页"
                elif before:
                    cause = f"layout change: list yielded no disclosure items (previously {before}) / 版式变化"
                else:
                    cause = "layout change? list yielded no disclosure items / 列表未找到公开条目"
                self.session.record(portal=self.portal.name, url=root, kind="list", outcome=f"error: {cause}")
        self.session.progress(f"{self.portal.name}: 完成 finished ({reason}), {self.pages} pages")


def hanweb_uid(html: str) -> str | None:
    """The unit id of a Hanweb jpage column: in its data-proxy URL (unitid=5207), a uid/unitid script
    variable, or the id of the <div> holding the <datastore> script."""
    for pattern in (r"[?&](?:amp;)?unitid=(\d+)", r"[?&](?:amp;)?uid=(\d+)",
                    r"\b(?:unitid|unitId|uid)\s*[=:]\s*['\"]?(\d+)",
                    r"<div[^>]*\bid=[\"']?(\d+)[\"']?[^>]*>\s*<script[^>]*type=[\"']text/xml"):
        m = re.search(pattern, html)
        if m:
            return m.group(1)
    return None


def page_count(html: str) -> int | None:
    """Total list pages from the pager script: TRS createPageHTML(N, …), gdcms Math.ceil(total/size),
    countPage/totalPage/page_count variables."""
    m = re.search(r"createPageHTML\(\s*(\d+)\s*,", html)
    if m:
        return int(m.group(1))
    m = re.search(r"Math\.ceil\(\s*(\d+)\s*/\s*(\d+)\s*\)", html)
    if m:
        total, size = int(m.group(1)), int(m.group(2))
        return -(-total // size) if size else None
    m = re.search(r"(?:totalRecord\s*[=:]\s*|<totalrecord>)\s*['\"]?(\d+)", html, re.I)
    if m:  # Hanweb jpage: records and records per page (15 unless the page says)
        per = re.search(r"(?:perPage\s*[=:]\s*|<perpage>)\s*['\"]?(\d+)", html, re.I)
        size = int(per.group(1)) if per else 15
        return -(-int(m.group(1)) // size) if size else None
    m = re.search(r"\b(?:countPage|totalPage|pageCount|page_count|totalPages)\s*[=:]\s*['\"]?(\d+)", html)
    return int(m.group(1)) if m else None


def has_budget_table(sel: Selector) -> bool:
    """An inline disclosure table: a <table> of several rows mentioning budget words or 科目 codes."""
    for table in sel.css("table"):
        rows = table.css("tr")
        text = " ".join(table.xpath(".//text()").getall())
        if len(rows) >= 4 and (re.search(r"预算|决算|科目|功能分类", text) or re.search(r"\b20[1-9]\d{2,5}\b", text)):
            return True
    return False


# Where CMS families put an article's body (TRS, Hanweb, gdcms, Jeecms, 政府信息公开 platforms).
CONTENT_SELECTORS = (".TRS_Editor", "#zoom", "#Zoom", ".zoom", "#UCAP-CONTENT", ".article-content",
                     ".article_content", ".content", "#content", ".main-txt", ".article", "article")


def content_area(sel: Selector, selector: str | None = None) -> Selector:
    """The article body holding the budget tables: the configured selector, a known CMS body, or the
    element around the first budget table. Falls back to <body>."""
    for query in ([selector] if selector else []) + list(CONTENT_SELECTORS):
        for el in sel.css(query):
            if has_budget_table(el):
                return el
    for table in sel.css("table"):
        if has_budget_table(table.xpath("..")[0]):
            return table.xpath("..")[0]
    body = sel.css("body")
    return body[0] if body else sel


def inline_document(sel: Selector, title: str, selector: str | None = None) -> bytes:
    """An inline-HTML disclosure as stored: title + article body only, UTF-8, so the page chrome
    (visit counters, today's date, menus) never makes a new version."""
    area = content_area(sel, selector)
    body, t = area.get(), html_escape(title)
    return (f'<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>{t}</title></head>\n'
            f"<body><h1>{t}</h1>\n{body}\n</body></html>\n").encode()


def _article_title(sel: Selector) -> str:
    for q in ("h1::text", ".content-title ::text", ".article-title ::text", "title::text"):
        text = " ".join(t.strip() for t in sel.css(q).getall() if t.strip())
        if text:
            return text
    return ""


def _header(response: Response, name: str) -> str | None:
    value = response.headers.get(name)
    return value.decode("latin-1") if value else None
