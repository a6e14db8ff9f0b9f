"""Refuse requests outside the portal's configured domains and to private addresses.

Runs on every request, redirects included (a redirect is a new request through the middlewares).
Loopback is allowed only for portals configured `local: true`; private, link-local, reserved and
multicast addresses never are.
"""

from __future__ import annotations

import ipaddress
import socket
from functools import lru_cache

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest
from scrapy.utils.httpobj import urlparse_cached


@lru_cache(maxsize=1024)
def _addresses(host: str) -> tuple[str, ...]:
    try:
        return (str(ipaddress.ip_address(host)),)
    except ValueError:
        pass
    try:
        return tuple(sorted({info[4][0] for info in socket.getaddrinfo(host, None)}))
    except OSError:
        return ()  # unresolvable: the download itself will fail with a DNS error


def refusal(host: str, *, local: bool) -> str | None:
    """Why a host must not be fetched, or None."""
    for addr in _addresses(host):
        ip = ipaddress.ip_address(addr)
        if ip.is_loopback:
            if not local:
                return f"refused loopback address {addr} / 拒绝访问本机地址"
        elif ip.is_private or ip.is_link_local or ip.is_reserved or ip.is_multicast or ip.is_unspecified:
            return f"refused private address {addr} / 拒绝访问内网地址"
    return None


def domain_allowed(host: str, domains: list[str]) -> bool:
    host = host.lower().rstrip(".")
    return any(host == d or host.endswith("." + d) for d in (d.lower().lstrip(".") for d in domains))


class SafetyMiddleware:
    def __init__(self, crawler: Crawler):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> SafetyMiddleware:
        return cls(crawler)

    def process_request(self, request: Request) -> None:
        spider = self.crawler.spider
        portal = spider.portal  # type: ignore[attr-defined]
        parts = urlparse_cached(request)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise IgnoreRequest(f"refused non-http URL / 非 http 网址: {request.url}")
        why = refusal(parts.hostname, local=portal.local)
        if why:
            raise IgnoreRequest(why)
        if not domain_allowed(parts.hostname, portal.allowed_domains):
            raise IgnoreRequest(f"offsite domain {parts.hostname} / 域名未配置")
