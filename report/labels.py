"""Chinese labels (with English) for the report; pure lookups used as Jinja filters."""

from __future__ import annotations

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


def location_text(loc: dict | None) -> str:
    """'第3页 · 坐标 (72, 410)–(520, 428)', '单元格 表2!C12', '第41段' — as much as is known."""
    if not loc:
        return "—"
    parts = []
    if loc.get("page") is not None:
        parts.append(f"第{loc['page']}页")
    if loc.get("bbox"):
        x0, top, x1, bottom = (round(v) for v in loc["bbox"])
        parts.append(f"坐标 ({x0}, {top})–({x1}, {bottom})")
    if loc.get("cell"):
        parts.append(f"单元格 {loc['cell']}")
    if loc.get("paragraph") is not None:
        parts.append(f"第{loc['paragraph']}段")
    return " · ".join(parts) or "—"


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
