"""Chinese labels (with English) for the report; pure lookups used as Jinja filters."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from domain.model import MEASURES, TABLE_KINDS

CATEGORY: dict[str, tuple[str, str]] = {
    "completeness": ("完整性", "completeness"),
    "arithmetic": ("勾稽计算", "arithmetic"),
    "code": ("科目编码", "codes"),
    "cross_table": ("表间一致", "cross-table"),
    "narrative": ("文字说明", "narrative"),
    "format": ("格式规范", "format"),
}
SEVERITY: dict[str, tuple[str, str]] = {
    "error": ("错误", "error"), "warning": ("警告", "warning"), "info": ("提示", "info"),
}
KIND: dict[str, tuple[str, str]] = {"budget": ("部门预算", "budget"), "final_accounts": ("部门决算", "final accounts")}
LEVEL: dict[str, tuple[str, str]] = {
    "province": ("省级", "province"), "prefecture": ("地市级", "prefecture"), "county": ("区县级", "county"),
    "other": ("其他", "other"),
}
STATUS: dict[str, tuple[str, str]] = {
    "ok": ("已评分", "scored"),
    "unreadable": ("无法读取", "unreadable"),
    "scanned": ("扫描件无文字层", "scanned, no text"),
    "not_a_disclosure": ("非预决算公开文件", "not a disclosure"),
    "unsupported": ("格式不支持", "unsupported"),
}


def zh(table: dict[str, tuple[str, str]], key: str | None) -> str:
    return table.get(key or "", (key or "—", ""))[0]


def en(table: dict[str, tuple[str, str]], key: str | None) -> str:
    return table.get(key or "", ("", ""))[1]


def table_name(kind: str | None) -> str:
    if kind is None:
        return "—"
    if kind == "narrative":
        return "文字说明"
    return TABLE_KINDS.get(kind, kind)


_DOCX_CELL = re.compile(r"^t(\d+)/r(\d+)/c(\d+)$")
_SHEET_CELL = re.compile(r"^(.*)!\$?([A-Z]{1,3})\$?(\d+)$")


def cell_words(cell: str | None, column: str | None = None) -> tuple[str, str]:
    """A cell reference in words, Chinese and English.

    't7/r15/c0' (0-based DOCX/HTML indices) → ('第8张表 第16行 合计列', 'table 8, row 16, column 合计') when the
    finding names its measure column, else '第1列'; '表2!C12' → ('工作表“表2” C12单元格（第12行 C列）', 'sheet 表2, cell C12').
    """
    if not cell:
        return "", ""
    words = MEASURES.get(column or "")
    if m := _DOCX_CELL.match(cell):
        t, r, c = (int(g) + 1 for g in m.groups())
        zh_col, en_col = (f"{words}列", f"column {words}") if words else (f"第{c}列", f"column {c}")
        return f"第{t}张表 第{r}行 {zh_col}", f"table {t}, row {r}, {en_col}"
    if m := _SHEET_CELL.match(cell):
        sheet, col, row = m.groups()
        extra = f"，{words}" if words else ""
        return f"工作表“{sheet}” {col}{row}单元格（第{row}行 {col}列{extra}）", f"sheet {sheet}, cell {col}{row}"
    return f"单元格 {cell}", f"cell {cell}"


def location_text(loc: dict | None, column: str | None = None) -> str:
    """'第3页 · 坐标 (72, 410)–(520, 428)', '第8张表 第16行 合计列', '第41段' — as much as is known."""
    if not loc:
        return "—"
    parts = []
    if loc.get("page") is not None:
        parts.append(f"第{loc['page']}页")
    if loc.get("bbox"):
        x0, top, x1, bottom = (round(v) for v in loc["bbox"])
        parts.append(f"坐标 ({x0}, {top})–({x1}, {bottom})")
    if loc.get("cell"):
        parts.append(cell_words(loc["cell"], column)[0])
    if loc.get("paragraph") is not None:
        parts.append(f"第{loc['paragraph']}段")
    return " · ".join(parts) or "—"


def location_en(loc: dict | None, column: str | None = None) -> str:
    """The same in English: 'page 3', 'table 8, row 16, column 合计', 'paragraph 41'."""
    if not loc:
        return ""
    parts = []
    if loc.get("page") is not None:
        parts.append(f"page {loc['page']}")
    if loc.get("cell"):
        parts.append(cell_words(loc["cell"], column)[1])
    if loc.get("paragraph") is not None:
        parts.append(f"paragraph {loc['paragraph']}")
    return ", ".join(parts)


def public_url(url: str | None) -> str | None:
    """The URL if a reader elsewhere can open it: http(s) and not this machine (a demo's 127.0.0.1 server)."""
    if not url:
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    host = (parts.hostname or "").lower()
    if parts.scheme not in ("http", "https") or not host or host == "localhost" or host.startswith("127.") or host == "::1":
        return None
    return url


def fmt_score(score: float | None) -> str:
    return "—" if score is None else f"{score:.1f}"


def grade_class(grade: str | None) -> str:
    return f"g-{grade.lower()}" if grade else "g-none"


def score_class(score: float | None) -> str:
    if score is None:
        return "s-none"
    return "s-good" if score >= 90 else "s-fair" if score >= 70 else "s-poor"


def column_name(column: str | None) -> str:
    """A measure key as its header words: 'total' → '合计 (total)'."""
    if not column:
        return ""
    words = MEASURES.get(column)
    return f"{words} ({column})" if words else column


def bbox_text(bbox: list[float] | None) -> str:
    """'x0 72 · top 410 · x1 520 · bottom 428 (pt)' — PDF points from the page's top-left."""
    if not bbox:
        return ""
    x0, top, x1, bottom = (round(v, 1) for v in bbox)
    return f"x0 {x0} · top {top} · x1 {x1} · bottom {bottom} (pt)"


def rule_zh(rule: str | None) -> str:
    """The rule's Chinese description from its declaration (expectations.rules), or ''."""
    from expectations.rules import RULES_BY_ID

    r = RULES_BY_ID.get(rule or "")
    return r.zh if r else ""
