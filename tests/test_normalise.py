"""extract.normalise: each oddity seen in the seed and the corpus."""

import pytest

from domain.names import clean_name, name_key
from extract.normalise import clean_code, join_split_code, parse_amount, split_code_parts


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("525.85", (525.85, None)),
        ("525.85　", (525.85, None)),  # seed: trailing ideographic space
        ("19.27 ", (19.27, None)),
        ("20", (20.0, None)),
        ("15,502,390", (15502390.0, None)),
        ("21,118.5\n1", (21118.51, None)),  # a number wrapped inside a PDF cell
        ("457.90.", (457.9, "trailing_dot")),  # seed 表1
        ("１２３．４５", (123.45, "full_width")),
        ("1，234.00", (1234.0, "full_width")),
        ("(12.5)", (-12.5, None)),
        ("-12.5", (-12.5, None)),
        ("－12.5", (-12.5, "full_width")),
        ("1,23.4", (123.4, "bad_grouping")),
        ("12.5%", (None, "percent")),
        ("", (None, None)),
        ("　", (None, None)),
        ("－", (None, None)),
        ("-", (None, None)),
        ("—", (None, None)),
        ("本表无数据", (None, None)),
        ("本表无数据　", (None, None)),
        ("12.3.4", (None, "not_a_number")),
        ("约12万", (None, "not_a_number")),
        (None, (None, None)),
    ],
)
def test_parse_amount(text, expected):
    assert parse_amount(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [(" 20103", "20103"), ("2010305 ", "2010305"), ("　210305", "210305"), ("２０１", "201"), ("11", "11"), ("", "")],
)
def test_clean_code(text, expected):
    assert clean_code(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("        其他社会保障和就业支出", "其他社会保障和就业支出"),
        ("   其中： 国库管理非税收入", "国库管理非税收入"),
        ("因公出国(境)费", "因公出国（境）费"),
        ("合  计", "合计"),
        ("机关事业单位基本养老保险\n缴费", "机关事业单位基本养老保险缴费"),
        ("一、一般公共服务支出", "一般公共服务支出"),
        ("（二）政府性基金预算拨款", "政府性基金预算拨款"),
        ("1.一般公共预算拨款", "一般公共预算拨款"),
        ("一般行政管理事务（政府办公室）", "一般行政管理事务（政府办公室）"),
    ],
)
def test_clean_name(text, expected):
    assert clean_name(text) == expected


def test_one_name_key_for_every_way_a_line_is_printed():
    """The key tables, narrative and catalog match names by: enumerators, 其中, brackets and spaces
    (CJK or Latin, full-width or not) do not change it."""
    printed = ["（二）项目支出", "二、项目支出", "其中：项目 支出", "(2)项目支出", "2.项目支出", "  项目\u3000支出 "]
    assert {name_key(p) for p in printed} == {"项目支出"}
    assert name_key("因公出国(境)费") == name_key("因公出国（境）费") == "因公出国（境）费"
    assert name_key(None) == ""


def test_a_table_carries_its_name_keys():
    """Extraction computes `name_key` once per row; a table built without it (by hand, or stored
    before the column existed) gets it on construction, after `raw_name`."""
    import polars as pl

    from domain.model import ROW_KEY_COLUMNS, Table

    rows = pl.DataFrame({"row": [0, 1], "side": ["", ""], "code": [None, "201"], "raw_code": [None, "201"],
                         "name": ["合 计", "一般公共服务支出"], "raw_name": ["合  计", "一、一般公共服务支出"],
                         "total": [1.0, 1.0]})
    table = Table(kind="gpb_expenditure", title="t", measures=["total"], rows=rows)
    assert table.rows.columns == [*ROW_KEY_COLUMNS, "total"]
    assert table.rows["name_key"].to_list() == ["合计", "一般公共服务支出"]


def test_join_split_code_basic_and_partial():
    assert join_split_code("210", "11", "01") == "2101101"
    assert join_split_code("210", "11", "") == "21011"
    assert join_split_code("210", "", "") == "210"
    assert join_split_code("", "", "") == ""


def test_join_split_code_carries_blank_lei_from_previous_row():
    previous = split_code_parts("210", "11", "01")
    assert join_split_code("", "11", "02", previous) == "2101102"
    assert join_split_code("", "", "03", previous) == "2101103"
    # without a previous row there is nothing to carry
    assert join_split_code("", "11", "02") == ""  # no 类 to carry: no code


def test_join_split_code_pads_dropped_zeros():
    assert join_split_code("221", "2", "1") == "2210201"
    assert split_code_parts(" 221", "２", "") == ("221", "02", "")
