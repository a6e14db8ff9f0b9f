"""Conditional requests for pages and documents fetched before: If-None-Match / If-Modified-Since
from the store's incremental state, so an unchanged page or attachment answers 304 with no body."""

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
        session = self.crawler.spider.session  # type: ignore[attr-defined]
        for name, value in session.validators(request.url, request.meta.get("kind", "page")).items():
            request.headers.setdefault(name, value)
