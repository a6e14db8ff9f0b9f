"""The HTML portal families. They share PortalSpider's list → article → attachment flow and differ
in their pager and item URLs, which are defaults that a portal's YAML can override."""

from __future__ import annotations

import re

from parsel import Selector

from crawler.spiders.base import PortalSpider

# Hanweb's jpage column: the items sit as CDATA records in <script type="text/xml"><datastore>.
_RECORD = re.compile(r"<record>\s*<!\[CDATA\[(.*?)\]\]>\s*</record>", re.S | re.I)


class TrsSpider(PortalSpider):
    """TRS CMS: `createPageHTML(_nPageCount, _nCurrIndex, "index", "html")`, pages index_N.html
    (index_1.html is the second page), items ./YYYYMM/tYYYYMMDD_N.html."""

    family = "trs"


class GdcmsSpider(PortalSpider):
    """gdcms (广东): items …/content/post_N.html, JS pager `Math.ceil(total/20)`, index_2.html is page 2."""

    family = "gdcms"


class JeecmsSpider(PortalSpider):
    """Jeecms: articles with `/attachment/<url-encoded name>.pdf?<token>` links."""

    family = "jeecms"


class HanwebSpider(PortalSpider):
    """Hanweb (浙江, 湖北): col/colN/index.html lists whose items are CDATA `<record>`s of a jpage
    `<datastore>` script (invisible to a CSS selector), art/YYYY/M/D/art_{col}_{id}.html items,
    pages `?uid=<unit>&pageNum=N` counted from `totalRecord` / `perPage`."""

    family = "hanweb"

    def item_areas(self, sel: Selector, html: str) -> list[Selector]:
        records = _RECORD.findall(html)
        if records:
            return [Selector(text="<ul>" + "\n".join(records) + "</ul>")]
        return super().item_areas(sel, html)


class XxgkSpider(PortalSpider):
    """政府信息公开 platforms: articles whose attachments (doc, docx, xls, pdf) are the disclosures;
    start URLs may be the articles themselves (`start_kind: article`)."""

    family = "xxgk"
