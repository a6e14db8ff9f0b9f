"""One spider per portal family; `SPIDERS[family]` is the class a portal's YAML selects."""

from __future__ import annotations

from crawler.spiders.base import PortalSpider
from crawler.spiders.html import GdcmsSpider, HanwebSpider, JeecmsSpider, TrsSpider, XxgkSpider
from crawler.spiders.platform import PlatformSpider

SPIDERS: dict[str, type[PortalSpider]] = {
    cls.family: cls for cls in (TrsSpider, GdcmsSpider, JeecmsSpider, HanwebSpider, XxgkSpider, PlatformSpider)
}
