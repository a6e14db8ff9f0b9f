"""The check frames written as polars expressions (joins, group_by, windows) decide as the positional
definitions they replace: the children of a code line, and 类 = Σ款 on a generated table."""

from __future__ import annotations

import random

import polars as pl

from domain.model import Table
from expectations.checks.arithmetic import _children, column_total, parent_sum, three_public_sum
from expectations.checks.codes import parent_prefix
from expectations.checks.cross_table import same_code_same_amount
from expectations.frames import CHECK_COLUMNS, Derived
from tests.fixtures.documents import make_document, make_table


def _children_of(items: list[dict]) -> list[tuple[int, int]]:
    """(parent, child) by the polars window, the items as one table's hierarchy frame."""
    frame = pl.DataFrame({"tid": [0] * len(items), "k": list(range(len(items))), "side": [it["side"] for it in items],
                          "level": [it["level"] for it in items]},
                         schema={"tid": pl.Int64, "k": pl.Int64, "side": pl.Utf8, "level": pl.Int64})
    got = _children(frame)
    return sorted(zip(got["anchor"].to_list(), got["k"].to_list(), strict=True))


def _children_by_position(items: list[dict]) -> list[tuple[int, int]]:
    """(parent, child) by the definition: the items after a parent down to the next one at its level
    or above on its side, at the least level among them."""
    out = []
    for k, it in enumerate(items):
        below = []
        for other in items[k + 1:]:
            if other["level"] <= it["level"] or other["side"] != it["side"]:
                break
            below.append(other)
        if below:
            top = min(o["level"] for o in below)
            out += [(k, k + 1 + j) for j, o in enumerate(below) if o["level"] == top]
    return sorted(out)


def test_children_match_the_positional_definition() -> None:
    rng = random.Random(7)
    for _ in range(500):
        n = rng.randint(1, 14)
        sides = sorted(rng.choice(["", "income", "expenditure"]) for _ in range(n))  # one block per side
        items = [{"side": sides[i], "level": rng.randint(1, 5)} for i in range(n)]
        assert _children_of(items) == _children_by_position(items)


def test_children_skip_a_deeper_line_before_the_parents_own_level() -> None:
    # 类 (1), a 项 printed straight under it (3), then a 款 (2): the 款 is the 类's child, not the 项
    assert _children_of([{"side": "", "level": 1}, {"side": "", "level": 3}, {"side": "", "level": 2}]) == [(0, 2)]


def _gpb_table() -> Table:
    return make_table("gpb_expenditure", ["total", "basic", "project"], [
        ("201", "一般公共服务支出", "30.00", "10.00", "20.00"),
        ("20101", "人大事务", "12.00", "10.00", "2.00"),
        ("2010101", "行政运行", "10.00", "10.00", ""),
        ("2010102", "一般行政管理事务", "2.00", "", "2.00"),
        ("20103", "政府办公厅（室）及相关机构事务", "17.00", "", "17.00"),  # 类 30 ≠ 12 + 17
        ("2010301", "行政运行", "17.00", "", "17.00"),
        ("2050201", "学前教育", "5.00", "", "5.00"),  # a 项 under the 款 20103 by position: 17 ≠ 17 + 5
    ])


def test_parent_sum_on_a_generated_table() -> None:
    doc = make_document([_gpb_table()], [])
    frame = parent_sum([doc], Derived())
    assert list(frame.columns[:len(CHECK_COLUMNS)]) == list(CHECK_COLUMNS)
    failing = frame.filter(pl.col("excess") > 0)
    assert failing.select("code", "column", "expected", "observed").rows() == [
        ("201", "total", "29.00", "30.00"), ("201", "project", "19.00", "20.00"),
        ("20103", "total", "22.00", "17.00"), ("20103", "project", "22.00", "17.00"),
    ]
    # every parent line with a printed amount is compared, parents in print order, columns in table order
    assert frame.select("code", "column").rows() == [
        ("201", "total"), ("201", "basic"), ("201", "project"), ("20101", "total"), ("20101", "basic"),
        ("20101", "project"), ("20103", "total"), ("20103", "project")]
    assert failing["message"][0] == ("科目 201 的合计不等于下级科目之和：应为 29.00，列示 30.00 / "
                                     "201 total is not the sum of its sub-items: expected 29.00, printed 30.00")


def test_parent_prefix_joins_each_code_with_its_parent() -> None:
    frame = parent_prefix([make_document([_gpb_table()], [])], Derived())
    wrong = frame.filter(pl.col("prefix") != pl.col("parent_code"))
    assert wrong.select("code", "expected", "parent_code").rows() == [("2050201", "20103xx", "20103")]


def test_three_public_sum_uses_the_items_of_a_blank_subtotal() -> None:
    table = make_table("three_public", ["total", "abroad", "vehicle", "vehicle_purchase", "vehicle_operation",
                                        "reception"], [
        ("", "合计", "10.00", "1.00", "", "3.00", "5.00", "1.50"),  # 车辆 blank: 1 + (3 + 5) + 1.5 = 10.5
    ])
    frame = three_public_sum([make_document([table], [])], Derived())
    assert frame.filter(pl.col("column") == "total").select("expected", "observed").rows() == [("10.50", "10.00")]


def _total_of_roots(total: str) -> Table:
    return make_table("gpb_expenditure", ["total"], [
        ("201", "一般公共服务支出", "10.00"),
        ("20101", "人大事务", "10.00"),
        ("20503", "职业教育", "20.00"),  # a 款 printed without its 类: a root beside the top-level 201
        ("", "合计", total),
    ])


def test_column_total_is_met_by_either_reading_of_a_coded_table() -> None:
    # top-level rows: 10; root rows (201 and 20503): 30
    met = column_total([make_document([_total_of_roots("30.00")], [])], Derived())
    assert met.select("name", "column", "expected", "observed").rows() == [("合计", "total", "30.00", "30.00")]
    assert met["excess"][0] <= 0
    # neither reading adds up: the top-level reading is reported
    missed = column_total([make_document([_total_of_roots("31.00")], [])], Derived())
    assert missed.select("expected", "observed", "message").rows() == [
        ("10.00", "31.00", "合计行不等于各项之和：应为 10.00，列示 31.00 / total row is not the sum of the rows: "
                           "expected 10.00, printed 31.00")]


def test_three_public_sum_finds_the_items_as_rows_by_name() -> None:
    table = make_table("three_public", ["amount"], [
        ("", "合计", "8.00"),  # 1 + 5 + 1 = 7
        ("", "1.因公出国（境）费", "1.00"),
        ("", "2.公务用车购置及运行费", "5.00"),  # 2 + 3.5 = 5.5
        ("", "其中：公务用车购置费", "2.00"),
        ("", "公务用车运行费", "3.50"),
        ("", "3.公务接待费", "1.00"),
    ])
    frame = three_public_sum([make_document([table], [])], Derived())
    assert frame.select("name", "column", "expected", "observed").rows() == [
        ("合计", "amount", "7.00", "8.00"), ("2.公务用车购置及运行费", "amount", "5.50", "5.00")]


def test_same_code_same_amount_blames_the_odd_table_out() -> None:
    # 201 prints 30 in the 一般公共预算支出表, 30 in the 支出总表 and 31 in the 收入总表: all funds are
    # 一般公共预算, so the 收入总表 is the odd one out on both pairs that include it
    gpb = make_table("gpb_expenditure", ["total", "basic", "project"], [("201", "一般公共服务支出", "30.00", "10.00", "20.00")])
    spent = make_table("expenditure_summary", ["total", "basic", "project"], [("201", "一般公共服务支出", "30.00", "10.00", "20.00")])
    income = make_table("income_summary", ["total", "gpb"], [("", "合计", "31.00", "31.00"),
                                                             ("201", "一般公共服务支出", "31.00", "31.00")])
    frame = same_code_same_amount([make_document([gpb, spent, income], [])], Derived())
    failing = frame.filter(pl.col("excess") > 0)
    assert failing.select("table", "column", "expected", "observed").rows() == [
        ("income_summary", "gpb", "30.00", "31.00"), ("income_summary", "total", "30.00", "31.00")]
    assert frame.filter(pl.col("excess") <= 0).select("table", "column").rows() == [
        ("expenditure_summary", "total"), ("expenditure_summary", "basic"), ("expenditure_summary", "project")]
