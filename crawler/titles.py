"""Department, year and kind read from a disclosure title (article title or attachment name)."""

from __future__ import annotations

import re

_YEAR = re.compile(r"((?:19|20)\d{2})\s*年?")
_EXT = re.compile(r"\.(pdf|docx?|xlsx?|zip|rar|html?|wps|et)$", re.I)
# Words around the department name in titles such as "2024年度长沙市财政局部门决算公开".
_NOISE = re.compile(
    r"(?:19|20)\d{2}\s*年度?|年度|(?:部门|单位)?(?:综合|整体|收支)?(?:预算|决算)(?:公开|信息|总?表格?|说明|情况|报告|草案)*"
    r"|部门综合|（部门）|\(部门\)|（草案）|公开|附件\s*\d*[：:.、]?"
)

# Notes on a posting, not part of the name: （重新发布）（更正）（修订版）（）
_POSTING_NOTE = re.compile(r"[（(](?:重新发布|重发|更正|修订|修正|调整|补充|更新|第.次)[^）)]{0,3}[）)]$|[（(][）)]")
# Where a table's title starts after the department's name.
_TABLE_WORDS = re.compile(r"一般公共|财政拨款|政府性基金|国有资本|[“\"]?三公|经费|收支|收入|支出|统计表|明细表|情况表|功能分类|经济分类")


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
    text = _POSTING_NOTE.sub("", text)
    text = re.sub(r"[\s_\-—:：、，,]+", "", text)
    cut = _TABLE_WORDS.search(text)  # "…宣传部一般公共拨款“三公”经费情况统计表": the table, not the name
    if cut and looks_like_department(text[:cut.start()]):
        text = text[:cut.start()]
    if text.count("（") > text.count("）"):
        text += "）"
    return text.strip("）)") if text.count("）") > text.count("（") else (text or None)


def looks_like_department(name: str | None) -> bool:
    """A name that ends like a government unit (…局, …委员会, …中心, …学校, …（本级）)."""
    name = re.sub(r"[（(][^）)]*[）)]$", "", name or "")
    return len(name) >= 3 and bool(re.search(r"[局委办院厅部会中心所站队馆校府司处室]", name[-4:]))


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
