"""Conditional requests for documents fetched before: If-None-Match / If-Modified-Since from the
store's incremental state, so an unchanged attachment answers 304 and is not downloaded again."""

from __future__ import annotations

from scrapy import Request
from scrapy.crawler import Crawler


class ConditionalRequestMiddleware:
    def __init__(self, crawler: Crawler):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ConditionalRequestMiddleware:
        return cls(crawler)

    def process_request(self, request: Request) -> None:
        if not request.meta.get("conditional"):
            return
        prev = self.crawler.spider.session.previous(request.url)  # type: ignore[attr-defined]
        if not prev:
            return
        if prev.get("etag"):
            request.headers.setdefault("If-None-Match", prev["etag"])
        if prev.get("last_modified"):
            request.headers.setdefault("If-Modified-Since", prev["last_modified"])
