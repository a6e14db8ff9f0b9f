"""Refuse requests outside the portal's configured domains and to non-public addresses.

Two checks, on the address actually connected to:
- `SafeResolver` is the crawl process's name resolver (Scrapy's TWISTED_DNS_RESOLVER): a host name is
  resolved once, every address is checked, and the connection can only go to the addresses checked
  (no second lookup, so no DNS-rebinding window). A name with any refused address yields no address
  at all; the reason is kept in `REFUSED` for the crawl log. Failed lookups are not cached.
- `SafetyMiddleware` refuses non-http URLs, offsite domains and IP-literal / loopback host names before
  a request is sent (redirects included: a redirect is a new request), and checks the peer address of
  every answer (`response.ip_address`) against its portal's own `local` setting.

Refused: private (RFC 1918, ULA), loopback, link-local, carrier-grade NAT (100.64.0.0/10), reserved,
multicast, unspecified and cloud metadata addresses. Loopback is allowed only for portals configured
`local: true` (the demo and the tests on 127.0.0.1).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from typing import Any

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response
from scrapy.resolver import HostResolution
from scrapy.utils.httpobj import urlparse_cached
from twisted.internet.address import IPv4Address, IPv6Address
from twisted.internet.interfaces import IAddress, IHostnameResolver, IHostResolution, IResolutionReceiver
from zope.interface import implementer, provider

LOOPBACK_NAMES = {"localhost", "127.0.0.1", "::1"}
METADATA = {ipaddress.ip_address(a) for a in ("169.254.169.254", "100.100.100.200", "fd00:ec2::254",
                                              "169.254.170.2", "fd00:ec2::23")}
CGNAT = ipaddress.ip_network("100.64.0.0/10")
REFUSED: dict[str, str] = {}  # host name → why the resolver gave it no address (this process)

Address = ipaddress.IPv4Address | ipaddress.IPv6Address


def unsafe(ip: Address, *, loopback_ok: bool) -> str | None:
    """Why this address must not be connected to, or None."""
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    if ip in METADATA:
        return f"refused metadata address {ip} / 拒绝访问云元数据地址"
    if ip.is_loopback:
        return None if loopback_ok else f"refused loopback address {ip} / 拒绝访问本机地址"
    if ip in CGNAT:
        return f"refused carrier-grade NAT address {ip} / 拒绝访问运营商内网地址"
    if (ip.is_private or ip.is_link_local or ip.is_reserved or ip.is_multicast or ip.is_unspecified
            or not ip.is_global):
        return f"refused private address {ip} / 拒绝访问内网地址"
    return None


def _ip(text: str) -> Address | None:
    try:
        return ipaddress.ip_address(text.strip("[]"))
    except ValueError:
        return None


def refusal(host: str, *, local: bool) -> str | None:
    """Why a host *name* must not be fetched (IP literals and loopback names), or None; names are
    checked on their resolved addresses by `SafeResolver`."""
    host = host.lower().rstrip(".")
    ip = _ip(host)
    if ip is not None:
        return unsafe(ip, loopback_ok=local)
    if host == "localhost" or host.endswith(".localhost"):
        return None if local else "refused loopback address localhost / 拒绝访问本机地址"
    return None


def refused_reason(host: str) -> str | None:
    """Why the resolver refused a host name in this process (for the crawl log), or None."""
    return REFUSED.get(host.lower().rstrip("."))


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
        portal = self.crawler.spider.portal  # type: ignore[attr-defined]
        parts = urlparse_cached(request)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise IgnoreRequest(f"refused non-http URL / 非 http 网址: {request.url}")
        why = refusal(parts.hostname, local=portal.local)
        if why:
            raise IgnoreRequest(why)
        if not domain_allowed(parts.hostname, portal.allowed_domains):
            raise IgnoreRequest(f"offsite domain {parts.hostname} / 域名未配置")

    def process_response(self, request: Request, response: Response) -> Response:
        """The peer of the connection that answered, checked with this portal's own `local`."""
        peer = response.ip_address
        why = unsafe(peer, loopback_ok=self.crawler.spider.portal.local) if peer else None  # type: ignore[attr-defined]
        if why:
            raise IgnoreRequest(why)
        return response


@provider(IResolutionReceiver)
class _Collect:
    def __init__(self, done: Any):
        self.addresses: list[IAddress] = []
        self.done = done

    def resolutionBegan(self, resolution: IHostResolution) -> None:
        pass

    def addressResolved(self, address: IAddress) -> None:
        self.addresses.append(address)

    def resolutionComplete(self) -> None:
        self.done(self.addresses)


@implementer(IHostnameResolver)
class SafeResolver:
    """The crawl process's resolver: each name resolved once per crawl, its addresses checked before
    any connection. `BUDGETQA_LOOPBACK_OK` (some portal is `local: true`) lets the loopback *names*
    127.0.0.1 / localhost / ::1 through (the middleware refuses them for the other portals);
    `BUDGETQA_RESOLVE` {name: address} pins names like curl's --resolve (checked all the same)."""

    def __init__(self, reactor: Any, loopback_ok: bool = False, pinned: dict[str, str] | None = None):
        self.reactor = reactor
        self.original: IHostnameResolver = reactor.nameResolver
        self.loopback_ok = loopback_ok
        self.pinned = {k.lower().rstrip("."): v for k, v in (pinned or {}).items()}
        self.cache: dict[str, list[IAddress]] = {}  # successful, checked lookups only

    @classmethod
    def from_crawler(cls, crawler: Any, reactor: Any) -> SafeResolver:
        s = crawler.settings
        return cls(reactor, s.getbool("BUDGETQA_LOOPBACK_OK"), s.getdict("BUDGETQA_RESOLVE"))

    def install_on_reactor(self) -> None:
        self.reactor.installNameResolver(self)

    def _deliver(self, receiver: IResolutionReceiver, name: str, port: int, addresses: list[IAddress]) -> None:
        key = name.lower().rstrip(".")
        loopback_ok = self.loopback_ok and key in LOOPBACK_NAMES
        reasons = [why for a in addresses if (ip := _ip(getattr(a, "host", ""))) is not None
                   and (why := unsafe(ip, loopback_ok=loopback_ok))]
        if reasons:
            REFUSED[key] = reasons[0]
            addresses = []
        elif addresses:
            REFUSED.pop(key, None)
            self.cache[key] = addresses
        for a in addresses:
            receiver.addressResolved(type(a)(a.type, a.host, port) if hasattr(a, "host") else a)
        receiver.resolutionComplete()

    def resolveHostName(self, resolutionReceiver: IResolutionReceiver, hostName: str, portNumber: int = 0,
                        addressTypes: Sequence[type[IAddress]] | None = None,
                        transportSemantics: str = "TCP") -> IResolutionReceiver:
        key = hostName.lower().rstrip(".")
        resolution = HostResolution(hostName)
        resolutionReceiver.resolutionBegan(resolution)
        if key in self.cache:
            self._deliver(resolutionReceiver, hostName, portNumber, self.cache[key])
        elif key in self.pinned or _ip(key) is not None:
            ip = _ip(self.pinned.get(key, key))
            addr: list[IAddress] = [] if ip is None else [
                IPv6Address("TCP", str(ip), portNumber) if ip.version == 6 else IPv4Address("TCP", str(ip), portNumber)]
            self._deliver(resolutionReceiver, hostName, portNumber, addr)
        else:
            self.original.resolveHostName(
                _Collect(lambda found: self._deliver(resolutionReceiver, hostName, portNumber, found)),
                hostName, portNumber, addressTypes, transportSemantics)
        return resolutionReceiver
