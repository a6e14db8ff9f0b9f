"""Provincial unified platforms (预决算公开统一平台) that answer JSON:
regions (ids, or an endpoint listing them) × years × types → department list → a department's file
list → download.do?iid=…. Each endpoint is a GET URL template or {url, method: GET|POST, form}."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterable
from typing import Any
from urllib.parse import urlencode

from scrapy import FormRequest, Request
from scrapy.http import Response

from crawler.config import Endpoint
from crawler.spiders.base import HANDLED_STATUSES, PortalSpider, link_ext


def _get(data: Any, key: str) -> Any:
    for part in key.split(".") if key else []:
        data = data.get(part) if isinstance(data, dict) else None
    return data


def _with_query(url: str, form: dict[str, str]) -> str:
    return url + ("&" if "?" in url else "?") + urlencode(form) if form else url


def page_key(ep: Endpoint, url: str, form: dict[str, str]) -> str:
    """The state key of an API answer: the URL a GET asks, or for a POST its URL, form and method
    (one endpoint answers many forms)."""
    if ep.method == "GET":
        return _with_query(url, form)
    return _with_query(url, {**form, "_method": "POST"})


class PlatformSpider(PortalSpider):
    family = "platform"

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.endpoints = self.portal.api.endpoints()
        self.roots: list[str] = []  # the first API request of each region × year × type

    # ---------- requests ----------
    def api_request(self, name: str, values: dict[str, Any], callback: Any, *, root: str | None,
                    **meta: Any) -> Request | None:
        ep = self.endpoints[name]
        url, form = ep.fill(**values)
        key = page_key(ep, url, form)
        if not self._first_time(key):
            return None
        if root is None:
            root = key
            self.roots.append(key)
        meta.update(kind="api", root=root, page_key=key, values=values, handle_httpstatus_list=HANDLED_STATUSES)
        if ep.method == "POST":  # never conditional: its answer is keyed by the form
            return FormRequest(url, formdata=form, method="POST", callback=callback, errback=self.on_error,
                               meta=meta, dont_filter=True)
        return Request(_with_query(url, form), callback=callback, errback=self.on_error,
                       meta={**meta, "conditional": True})

    def grouped(self, name: str, values: dict[str, Any], types: list[str]) -> dict[str, tuple[dict[str, Any], list[str]]]:
        """The requests of an endpoint for each type: types that make the same request share it."""
        ep = self.endpoints[name]
        groups: dict[str, tuple[dict[str, Any], list[str]]] = {}
        for t in types:
            v = {**values, "type": t}
            url, form = ep.fill(**v)
            groups.setdefault(page_key(ep, url, form), (v, []))[1].append(t)
        return groups

    async def start(self) -> AsyncIterator[Any]:
        api = self.portal.api
        years = [str(y) for y in api.years] or [""]
        if isinstance(api.regions, list):
            for region in api.regions or [""]:
                for req in self.department_requests(region, years, root=None):
                    yield req
            return
        for year in years:
            req = self.api_request("regions", {"year": year}, self.parse_regions, root=None)
            if req:
                yield req

    def department_requests(self, region: str, years: list[str], root: str | None) -> Iterable[Request]:
        """The department lists of a region for each year and type; their files count for one root
        (the region's first request, or its regions answer), so an empty year or type is no alarm."""
        types = list(self.portal.api.types) or [""]
        for year in years:
            for values, ts in self.grouped("departments", {"region": region, "year": year}, types).values():
                req = self.api_request("departments", values, self.parse_departments, root=root, types=ts)
                if req:
                    root = req.meta["root"]
                    yield req

    # ---------- answers ----------
    def _json(self, response: Response) -> list[dict[str, Any]] | None:
        try:
            data = json.loads(response.body)
        except ValueError:
            self.record_error(response.url, "api", "layout change: answer is not JSON / 接口未返回 JSON",
                              response.meta, response.status)
            return None
        items = _get(data, self.portal.api.list_key) if self.portal.api.list_key else data
        if not isinstance(items, list):
            self.record_error(response.url, "api", f"layout change: no list at {self.portal.api.list_key!r} / 接口结构变化",
                              response.meta, response.status)
            return None
        return [i for i in items if isinstance(i, dict)]

    def parse_regions(self, response: Response) -> Iterable[Request]:
        if self.page_problem(response):
            return
        api, meta = self.portal.api, response.meta

        def compute() -> list[dict[str, Any]]:
            return [{"region": str(r.get(api.region_id))} for r in self._json(response) or []
                    if r.get(api.region_id) is not None]

        children, _unchanged = self.remembered(response, compute)
        for c in children:
            yield from self.department_requests(c["region"], [meta["values"]["year"]], root=meta["root"])

    def parse_departments(self, response: Response) -> Iterable[Request]:
        if self.page_problem(response):
            return
        api, meta = self.portal.api, response.meta

        def compute() -> list[dict[str, Any]]:
            return [{"dept_id": d.get(api.dept_id), "department": d.get(api.dept_name)}
                    for d in self._json(response) or []]

        children, _unchanged = self.remembered(response, compute)
        if response.status == 304 and any("dept_id" not in c for c in children):
            # remembered by an older version (file-list URLs, no ids): ask once more without validators
            yield Request(response.url, callback=self.parse_departments, errback=self.on_error, dont_filter=True,
                          meta={k: meta[k] for k in ("kind", "root", "page_key", "values", "types",
                                                     "handle_httpstatus_list") if k in meta})
            return
        for c in children:  # each department's file list (a GET is asked conditionally)
            values = {**meta["values"], "dept_id": c.get("dept_id")}
            for v, ts in self.grouped("files", values, meta["types"]).values():
                req = self.api_request("files", v, self.parse_files, root=meta["root"], types=ts,
                                       department=c.get("department"), referer=response.url)
                if req:
                    yield req

    def parse_files(self, response: Response) -> Iterable[Request]:
        if self.page_problem(response):
            return
        api, meta = self.portal.api, response.meta
        values, types = meta["values"], meta["types"]
        kind = api.types.get(types[0]) if len(types) == 1 else None  # this request answers for one type

        def compute() -> list[dict[str, Any]]:
            docs = []
            for item in self._json(response) or []:
                name = str(item.get(api.file_name) or "")
                if not self.is_item(name, ""):
                    continue
                info = self.describe(name)
                if meta.get("department") and not self.portal.department:
                    info["department"] = meta["department"]
                if info.get("year") is None and values.get("year"):
                    info["year"] = int(values["year"])
                if kind:
                    info["doc_kind"] = kind
                published = item.get(api.published)
                url, form = self.endpoints["download"].fill(**{**values, "file_id": item.get(api.file_id)})
                url = _with_query(url, form)
                docs.append({**info, "title": name, "published": str(published)[:10] if published else None,
                             "referer": response.url, "ext": link_ext(url, name) or "", "url": url})
            return docs

        docs, unchanged = self.remembered(response, compute)
        for doc in docs:
            yield from self.follow_document(doc, meta["root"], unchanged, count=True)

    def closed(self, reason: str) -> None:
        self.portal.start_urls = list(self.roots)  # the layout check runs per first API request
        super().closed(reason)
