"""HTML reader (.html/.htm disclosures and portal article pages) → `ReadResult`.

Encoding: BOM, then a <meta charset> / XML declaration that actually decodes, then trial UTF-8,
then GB18030 (a superset of GBK/GB2312). Every data <table> becomes a grid with rowspan/colspan
expanded (text at the top-left, '' elsewhere); layout tables (holding other tables but no
numbers, or a single row/column without numbers) are read through as text. Paragraphs are the
text lines of the article body; `before` = up to 4 lines just above a table plus its caption rows.
Addresses are 't{table}/r{row}/c{col}' (0-based, the table's ordinal among data tables).
"""

from __future__ import annotations

import codecs
import re
from pathlib import Path

from extract.flow import Flow, RawCell
from extract.grid import ReadError, ReadResult

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:\-]+)""", re.I)
_XML_ENCODING = re.compile(rb"""^\s*<\?xml[^>]+encoding\s*=\s*["']([A-Za-z0-9_.:\-]+)""", re.I)
_ALIASES = {
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "gb_2312-80": "gb18030",
    "cp936": "gb18030",
}
_WS = re.compile(r"[ \t\r\n\f\v]+")
_NUMBER = re.compile(r"[-+－]?[\d,，]*\d(\.\d*)?\.?%?")
_BLOCK = {
    "p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "ul", "ol", "tr", "td", "th", "section", "article",
    "header", "footer", "blockquote", "pre", "dl", "dt", "dd", "center", "form", "hr", "caption", "table",
    "tbody", "thead", "tfoot", "nav", "aside", "main", "figure", "figcaption", "address",
}  # fmt: skip
_SKIP = {"script", "style", "noscript", "head", "template", "iframe", "object", "select", "button"}
_ARTICLE = re.compile(
    r"TRS_Editor|article|content|zoom|detail|main.?text|wenzhang|zw|Custom_UnionStyle", re.I
)


def detect_encoding(data: bytes) -> str:
    """The encoding to decode `data` with (see module docstring)."""
    for bom, enc in (
        (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    ):
        if data.startswith(bom):
            return enc
    head = data[:8192]
    for pattern in (_XML_ENCODING, _META_CHARSET):
        m = pattern.search(head)
        if not m:
            continue
        name = m.group(1).decode("ascii", "ignore").lower()
        name = _ALIASES.get(name, name)
        try:
            codecs.lookup(name)
            data.decode(name)
            return name
        except (LookupError, UnicodeDecodeError):
            pass  # a declaration that lies: fall back to trial decoding
    try:
        data.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError:
        return "gb18030"


def _tag(el) -> str:
    return el.tag.lower() if isinstance(el.tag, str) else ""


def _clean(line: str) -> str:
    return _WS.sub(" ", line).strip(" ")


def _cell_text(el) -> str:
    """Text of a cell: <br> and block children make new lines; nested tables are left out."""
    lines: list[str] = [""]

    def walk(node, top: bool) -> None:
        tag = _tag(node)
        if not top:
            if tag in _SKIP or tag == "table" or not tag:
                pass
            elif tag == "br":
                lines.append("")
            else:
                block = tag in _BLOCK
                if block:
                    lines.append("")
                lines[-1] += node.text or ""
                for child in node:
                    walk(child, False)
                if block:
                    lines.append("")
            lines[-1] += node.tail or ""
            return
        lines[-1] += node.text or ""
        for child in node:
            walk(child, False)

    walk(el, True)
    return "\n".join(s for s in (_clean(x) for x in lines) if s)


def _own_rows(table) -> list:
    return table.xpath("./tr | ./thead/tr | ./tbody/tr | ./tfoot/tr")


def _span(value: str | None) -> int:
    try:
        n = int(str(value).strip())
    except (TypeError, ValueError):
        return 1
    return min(max(n, 1), 200)


def _expand(table, t_index: int) -> list[list[RawCell]]:
    grid: dict[tuple[int, int], RawCell] = {}
    rows = _own_rows(table)
    for r, tr in enumerate(rows):
        c = 0
        for td in tr.xpath("./td | ./th"):
            while (r, c) in grid:
                c += 1
            cs, rs = _span(td.get("colspan")), min(_span(td.get("rowspan")), len(rows) - r)
            grid[(r, c)] = RawCell(_cell_text(td), True, f"t{t_index}/r{r}/c{c}", cs)
            for dr in range(rs):
                for dc in range(cs):
                    if (dr, dc) != (0, 0):
                        grid.setdefault(
                            (r + dr, c + dc), RawCell("", False, f"t{t_index}/r{r + dr}/c{c + dc}")
                        )
            c += cs
    if not grid:
        return []
    n_rows = max(r for r, _ in grid) + 1
    n_cols = max(c for _, c in grid) + 1
    return [
        [grid.get((r, c)) or RawCell("", False, f"t{t_index}/r{r}/c{c}") for c in range(n_cols)]
        for r in range(n_rows)
    ]


def _is_data_table(table, rows: list[list[RawCell]]) -> bool:
    numeric = any(c.origin and _NUMBER.fullmatch(c.text.strip()) for row in rows for c in row)
    if numeric:
        return True
    if table.xpath(".//table"):
        return False  # layout table around other content
    return len(rows) >= 2 and max(len(r) for r in rows) >= 2


def _article_root(doc):
    body = doc.find("body")
    body = body if body is not None else doc
    best, best_len = None, 0
    for el in body.iter():
        if not isinstance(el.tag, str):
            continue
        key = f"{el.get('id', '')} {el.get('class', '')}"
        if key.strip() and _ARTICLE.search(key):
            n = len(el.text_content())
            if n > best_len:
                best, best_len = el, n
    total = len(body.text_content())
    if best is not None and (best.xpath(".//table") or best_len >= 0.3 * total):
        return best
    return body


def read_html(path: Path) -> ReadResult:
    """Read an HTML file: data tables as grids, article text as paragraphs."""
    import lxml.etree
    import lxml.html

    path = Path(path)
    if not path.is_file():
        raise ReadError("unreadable", f"文件不存在 / file not found: {path}")
    data = path.read_bytes()
    if not data.strip():
        raise ReadError("unreadable", "文件为空 / the file is empty")
    encoding = detect_encoding(data)
    text = data.decode(encoding, errors="replace")
    text = re.sub(r"^\s*<\?xml[^>]*\?>", "", text)
    try:
        doc = lxml.html.document_fromstring(text)
    except (lxml.etree.ParserError, ValueError) as e:
        raise ReadError("unreadable", f"HTML 无法解析 / cannot parse the HTML: {e}") from e

    flow = Flow()
    line: list[str] = []
    t_index = 0

    def flush() -> None:
        s = _clean("".join(line))
        line.clear()
        if s:
            flow.paragraph(s)

    def walk(el) -> None:
        nonlocal t_index
        tag = _tag(el)
        if tag in _SKIP or not tag:
            pass
        elif tag == "table":
            rows = _expand(el, t_index)
            if rows and _is_data_table(el, rows):
                flush()
                flow.table(rows)
                t_index += 1
            else:  # layout table: read its cells as text blocks
                flush()
                line.append(el.text or "")
                for child in el:
                    walk(child)
                flush()
        elif tag == "br":
            flush()
        else:
            block = tag in _BLOCK
            if block:
                flush()
            line.append(el.text or "")
            for child in el:
                walk(child)
            if block:
                flush()
        line.append(el.tail or "")

    try:
        root = _article_root(doc)
        line.append(root.text or "")
        for child in root:
            walk(child)
        flush()
    except RecursionError as e:
        raise ReadError("unreadable", "HTML 嵌套过深，无法解析 / HTML nested too deeply") from e
    return flow.result()
