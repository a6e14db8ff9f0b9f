"""Hash and store every fetched document in the raw store; the session decides its outcome."""

from __future__ import annotations

from typing import Any

from scrapy.crawler import Crawler


class StorePipeline:
    def __init__(self, crawler: Crawler):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StorePipeline:
        return cls(crawler)

    def process_item(self, item: dict[str, Any]) -> dict[str, Any]:
        spider = self.crawler.spider
        record = spider.session.store_document(  # type: ignore[attr-defined]
            portal=spider.portal.name,  # type: ignore[attr-defined]
            doc=item["doc"], body=item.get("body"), status=item["status"],
            etag=item.get("etag"), last_modified=item.get("last_modified"),
        )
        return {"outcome": record.outcome, "url": record.url, "sha256": record.sha256}
