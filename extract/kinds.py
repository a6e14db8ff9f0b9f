"""Recognise a table's CONTRACT §4 kind from its title, or from its header when the title is missing.

The kinds are declared as data: `TITLE_RULES` is an ordered list, most specific first; the
first rule whose pattern matches the compacted title (and whose `unless` does not) wins.
A rule with kind None marks a table that is known but not one of the contract's kinds
(e.g. 机关运行经费 in a budget, 基本支出总表), so that a looser rule cannot claim it.
Adding a kind = adding a line here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_SPACES = re.compile(r"[\s\u3000\u00a0]+")
_QUOTES = str.maketrans({"“": '"', "”": '"', "‘": '"', "’": '"', "＂": '"', "'": '"', "(": "（", ")": "）"})


def compact(text: str) -> str:
    """Title text without spaces, with one kind of quotes and full-width brackets."""
    return _SPACES.sub("", text or "").translate(_QUOTES)


@dataclass(frozen=True)
class KindRule:
    kind: str | None
    pattern: str
    unless: str | None = None
    final: bool | None = None  # True: only in 决算 titles, False: only outside them, None: both

    def matches(self, title: str, is_final: bool) -> bool:
        if self.final is not None and self.final != is_final:
            return False
        if not re.search(self.pattern, title):
            return False
        return not (self.unless and re.search(self.unless, title))


# Ordered: most specific first. Patterns run on `compact(title)`.
TITLE_RULES: tuple[KindRule, ...] = (
    # 决算 (final accounts)
    KindRule("fa_fiscal_summary", r"财政拨款收入?支出?决算总表|财政拨款收支决算总表", final=True),
    KindRule("fa_overall_summary", r"收入支出决算总表|收支决算总表", final=True),
    KindRule("fa_gpb_basic_expenditure", r"一般公共预算(财政拨款)?基本支出决算", final=True),
    KindRule("fa_gpb_expenditure", r"一般公共预算(财政拨款)?(项目)?支出决算", final=True),
    KindRule("fa_gov_fund", r"政府性基金", final=True),
    KindRule("fa_soe_capital", r"国有资本经营", final=True),
    KindRule("fa_three_public", r"三公", final=True),
    KindRule("fa_operating_costs", r"机关运行经费", final=True),
    KindRule("fa_procurement", r"政府采购", final=True),
    KindRule("fa_assets", r"国有资产", final=True),
    KindRule("fa_income", r"收入决算表", final=True),
    KindRule("fa_expenditure", r"支出决算(明细)?表", final=True),
    # 预算 (budget)
    KindRule("performance_targets", r"绩效(目标)?(申报)?表|绩效目标", final=False),
    KindRule("purchased_services", r"政府购买服务", final=False),
    KindRule("procurement", r"政府采购", final=False),
    KindRule("three_public", r"三公", final=False),
    KindRule(None, r"机关运行经费|单位构成|基本支出总表", final=False),
    KindRule(None, r"财政拨款(基本)?支出(预算)?表", unless=r"政府性基金|国有资本|一般公共预算", final=False),
    KindRule("fiscal_summary", r"财政拨款收支(预算)?总表|财政拨款收入支出(预算)?总表", final=False),
    KindRule("gpb_basic_expenditure", r"一般公共预算(财政拨款)?基本支出", final=False),
    KindRule(None, r"一般公共预算(财政拨款)?支出.*经济(分类|科目)", final=False),
    KindRule("gpb_expenditure", r"一般公共预算(财政拨款)?支出.*表", final=False),
    KindRule("gov_fund_expenditure", r"政府性基金.*支出", final=False),
    KindRule("soe_capital_expenditure", r"国有资本经营.*支出", final=False),
    KindRule("projects", r"项目支出.*表|项目(预算)?明细表"),
    KindRule("overall_summary", r"收支(预算)?总表|收入支出(预算)?总表|收支预算表", final=False),
    KindRule("income_summary", r"收入(预算)?总表|收入预算表", final=False),
    KindRule("expenditure_summary", r"支出(预算)?总表|支出预算表", final=False),
)


def is_final_accounts(title: str) -> bool:
    return "决算" in compact(title)


def kind_from_title(title: str | None) -> str | None:
    """The kind named by a table title, whatever its numbering and prefix; None if unknown."""
    if not title:
        return None
    t = compact(title)
    final = "决算" in t
    for rule in TITLE_RULES:
        if rule.matches(t, final):
            return rule.kind
    return None


def final_kind_from_title(title: str | None) -> str | None:
    """The 决算 kind a title names inside a final-accounts document when the title itself says neither
    预算 nor 决算 ('政府采购情况表', '国有资产占用情况表', '机关运行经费支出情况表'); None otherwise."""
    t = compact(title or "")
    if not t or "预算" in t.replace("一般公共预算", "").replace("基金预算", "").replace("经营预算", "") or "决算" in t:
        return None
    kind = next((rule.kind for rule in TITLE_RULES if rule.matches(t, True)), None)
    return kind if kind and kind.startswith("fa_") else None


def title_is_known(title: str | None) -> bool:
    """True when some rule (perhaps a 'not a contract kind' rule) recognises the title."""
    if not title:
        return False
    t = compact(title)
    final = "决算" in t
    return any(rule.matches(t, final) for rule in TITLE_RULES)


# Header fallback for grids without a title: (kind, words that must all appear, words that must not).
HEADER_RULES: tuple[tuple[str, tuple[str, ...], tuple[str, ...]], ...] = (
    ("performance_targets", ("绩效目标",), ()),
    ("three_public", ("因公出国",), ()),
    ("projects", ("项目名称", "项目类型"), ()),
    ("projects", ("项目名称", "项目单位"), ()),
    ("purchased_services", ("购买方式",), ()),
    ("procurement", ("采购品目",), ()),
    ("fiscal_summary", ("收入", "支出", "项目", "政府性基金"), ("事业收入", "科目编码")),
    ("overall_summary", ("收入", "支出", "项目"), ("科目编码", "功能分类", "类款项")),
    ("gpb_basic_expenditure", ("经济分类",), ("项目支出",)),
    ("income_summary", ("上年结转", "一般公共预算"), ("基本支出",)),
    ("expenditure_summary", ("基本支出", "项目支出"), ()),
)


def kind_from_header(header_text: str) -> str | None:
    """The kind guessed from the compacted header words of a grid that has no title."""
    h = compact(header_text)
    for kind, needed, excluded in HEADER_RULES:
        if all(w in h for w in needed) and not any(w in h for w in excluded):
            return kind
    return None


_CN_DIGITS = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10}


def _cn_number(s: str) -> int | None:
    if not s or any(ch not in _CN_DIGITS for ch in s):
        return None
    if s == "十":
        return 10
    if s.startswith("十"):
        return 10 + _CN_DIGITS[s[1]]
    if len(s) == 1:
        return _CN_DIGITS[s]
    if s.endswith("十"):
        return _CN_DIGITS[s[0]] * 10
    if len(s) == 3 and s[1] == "十":
        return _CN_DIGITS[s[0]] * 10 + _CN_DIGITS[s[2]]
    return None


_NUMBER_PATTERNS = (
    re.compile(r"(?:公开|部门|附)?表\s*0*(\d{1,2})(?!\d)"),  # 表1, 部门公开表7, 表5：, 表5.
    re.compile(r"公开\s*0*(\d{1,2})\s*表"),  # 公开01表
    re.compile(r"^0*(\d{1,2})\s*[-－]?\s*表"),  # 01表
    re.compile(r"^表([一二三四五六七八九十]{1,3})"),  # 表一
    re.compile(r"^([一二三四五六七八九十]{1,3})、.*表"),  # 一、收入支出决算总表
)


def table_number(lines: list[str] | tuple[str, ...]) -> int | None:
    """The table's own number printed near its title ('表1', '公开01表', '部门公开表7', '表5：…',
    '一、收入支出决算总表'); the line nearest the table (last) wins. None when not printed."""
    for line in reversed(list(lines)):
        t = compact(line)
        if not t or "详见" in t or "见表" in t:
            continue
        for pattern in _NUMBER_PATTERNS:
            m = pattern.search(t)
            if m:
                g = m.group(1)
                n = int(g) if g.isdigit() else _cn_number(g)
                if n:
                    return n
    return None
