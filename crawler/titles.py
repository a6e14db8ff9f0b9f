"""Department, year and kind read from a disclosure title (article title or attachment name)."""

from __future__ import annotations

import re

_YEAR = re.compile(r"((?:19|20)\d{2})\s*年?")
_EXT = re.compile(r"\.(pdf|docx?|xlsx?|zip|rar|html?|wps|et)$", re.I)
# Words around the department name in titles such as "2024年度长沙市财政局部门决算公开".
_NOISE = re.compile(
    r"(?:19|20)\d{2}\s*年度?|(?:部门|单位)?(?:预算|决算)(?:公开|信息|表格?|说明|情况|报告)*"
    r"|（部门）|\(部门\)|公开|附件\s*\d*[：:.、]?"
)


def kind_of(title: str) -> str | None:
    if "决算" in title:
        return "final_accounts"
    if "预算" in title:
        return "budget"
    return None


def year_of(title: str) -> int | None:
    m = _YEAR.search(title)
    return int(m.group(1)) if m else None


def department_of(title: str) -> str | None:
    text = _EXT.sub("", title.strip())
    text = _NOISE.sub("", text)
    text = re.sub(r"[（(]含[^）)]*[）)]?", "", text)  # "（含市创建办）" is a note, not the name
    text = re.sub(r"[\s_\-—:：、，,]+", "", text)
    if text.count("（") > text.count("）"):
        text += "）"
    return text.strip("）)") if text.count("）") > text.count("（") else (text or None)


def parse_title(title: str, pattern: str | None = None) -> dict:
    """{department, year, doc_kind}; a configured `pattern` (named groups department/year) wins."""
    out = {"department": department_of(title), "year": year_of(title), "doc_kind": kind_of(title)}
    if pattern:
        m = re.search(pattern, title)
        if m:
            groups = m.groupdict()
            if groups.get("department"):
                out["department"] = groups["department"].strip()
            if groups.get("year"):
                out["year"] = int(groups["year"])
    return out
