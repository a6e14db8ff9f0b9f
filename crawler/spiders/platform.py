"""Provincial unified platforms (预决算公开统一平台) that answer JSON:
region + year → department list → a department's file list → download.do?iid=…"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterable
from typing import Any

from scrapy import Request
from scrapy.http import Response

from crawler.spiders.base import PortalSpider


def _get(data: Any, key: str) -> Any:
    for part in key.split(".") if key else []:
        data = data.get(part) if isinstance(data, dict) else None
    return data


class PlatformSpider(PortalSpider):
    family = "platform"

    async def start(self) -> AsyncIterator[Any]:
        api = self.portal.api
        for region in api.regions or [""]:
            for year in api.years or [""]:
                url = api.departments.format(region=region, year=year)
                req = self.page_request(url, self.parse_departments, kind="api", root=url, region=region, year=year)
                if req:
                    yield req

    def start_roots(self) -> list[str]:
        api = self.portal.api
        return [api.departments.format(region=r, year=y) for r in api.regions or [""] for y in api.years or [""]]

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

    def parse_departments(self, response: Response) -> Iterable[Request]:
        if self.page_problem(response):
            return
        api, meta = self.portal.api, response.meta

        def compute() -> list[dict[str, Any]]:
            return [{"url": api.files.format(dept_id=d.get(api.dept_id), year=meta["year"], region=meta["region"]),
                     "department": d.get(api.dept_name)} for d in self._json(response) or []]

        children, _unchanged = self.remembered(response, compute)
        for c in children:  # each department's file list is asked conditionally
            req = self.page_request(c["url"], self.parse_files, kind="api", root=meta["root"],
                                    department=c["department"], year=meta["year"], referer=response.url)
            if req:
                yield req

    def parse_files(self, response: Response) -> Iterable[Request]:
        if self.page_problem(response):
            return
        api = self.portal.api

        def compute() -> list[dict[str, Any]]:
            docs = []
            for item in self._json(response) or []:
                name = str(item.get(api.file_name) or "")
                if not self.is_item(name, ""):
                    continue
                info = self.describe(name)
                if response.meta.get("department") and not self.portal.department:
                    info["department"] = response.meta["department"]
                if info.get("year") is None and response.meta.get("year"):
                    info["year"] = int(response.meta["year"])
                published = item.get(api.published)
                ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
                docs.append({**info, "title": name, "published": str(published)[:10] if published else None,
                             "referer": response.url, "ext": ext, "url": api.download.format(file_id=item.get(api.file_id))})
            return docs

        docs, unchanged = self.remembered(response, compute)
        for doc in docs:
            yield from self.follow_document(doc, response.meta["root"], unchanged, count=True)

    def closed(self, reason: str) -> None:
        self.portal.start_urls = self.start_roots()  # the layout check runs per department-list URL
        super().closed(reason)
