"""Scrapy's RetryMiddleware (5xx, 408, 429, timeouts, connection errors; RETRY_TIMES per portal)
with exponential backoff: wait RETRY_BACKOFF × 2^(n-1) seconds (at most 60) before retry n."""

from __future__ import annotations

from scrapy import Request
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.http import Response
from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet import reactor
from twisted.internet.task import deferLater

MAX_BACKOFF = 60.0


class BackoffRetryMiddleware(RetryMiddleware):
    async def _backoff(self, result: Request | Response | None) -> Request | Response | None:
        if isinstance(result, Request):
            base = self.crawler.settings.getfloat("RETRY_BACKOFF", 0.0)
            wait = min(base * 2 ** (result.meta.get("retry_times", 1) - 1), MAX_BACKOFF)
            if wait > 0:
                await maybe_deferred_to_future(deferLater(reactor, wait, lambda: None))
        return result

    async def process_response(self, request: Request, response: Response) -> Request | Response:  # type: ignore[override]
        return await self._backoff(super().process_response(request, response))  # type: ignore[return-value]

    async def process_exception(self, request: Request, exception: Exception) -> Request | Response | None:  # type: ignore[override]
        return await self._backoff(super().process_exception(request, exception))
