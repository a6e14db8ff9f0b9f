"""The money a table covers (口径): all funds, 财政拨款, 一般公共预算, 政府性基金, 国有资本经营.

Two amounts are comparable only when their tables cover the same money: a 项目支出表 that lists
一般公共预算 projects only does not add up to the 项目支出 of the all-funds 部门支出总表.
"""

from __future__ import annotations

import re

ALL_FUNDS = "all"
FISCAL = "fiscal"  # 财政拨款 (一般公共预算 + 政府性基金 + 国有资本经营)
GPB = "gpb"  # 一般公共预算
GOV_FUND = "gov_fund"
SOE_CAPITAL = "soe_capital"
SCOPES: dict[str, str] = {ALL_FUNDS: "全部资金", FISCAL: "财政拨款", GPB: "一般公共预算", GOV_FUND: "政府性基金预算",
                          SOE_CAPITAL: "国有资本经营预算"}

# The scope a table kind always has; kinds not listed take theirs from the title.
KIND_SCOPE: dict[str, str] = {
    "overall_summary": ALL_FUNDS, "income_summary": ALL_FUNDS, "expenditure_summary": ALL_FUNDS,
    "fiscal_summary": FISCAL, "gpb_expenditure": GPB, "gpb_basic_expenditure": GPB, "three_public": GPB,
    "gov_fund_expenditure": GOV_FUND, "soe_capital_expenditure": SOE_CAPITAL,
    "fa_overall_summary": ALL_FUNDS, "fa_income": ALL_FUNDS, "fa_expenditure": ALL_FUNDS,
    "fa_fiscal_summary": FISCAL, "fa_gpb_expenditure": GPB, "fa_gpb_basic_expenditure": GPB,
    "fa_gov_fund": GOV_FUND, "fa_soe_capital": SOE_CAPITAL, "fa_three_public": FISCAL,
}
_TITLE_SCOPES: tuple[tuple[str, str], ...] = (
    (GPB, r"一般公共预算|公共财政"),
    (GOV_FUND, r"政府性基金"),
    (SOE_CAPITAL, r"国有资本经营"),
    (FISCAL, r"财政拨款"),
)


def scope_of(kind: str | None, title: str | None) -> str:
    """The table's money scope: fixed by its kind, else named in its title, else all funds."""
    if kind in KIND_SCOPE:
        return KIND_SCOPE[kind]
    text = re.sub(r"\s+", "", title or "")
    return next((scope for scope, pattern in _TITLE_SCOPES if re.search(pattern, text)), ALL_FUNDS)
