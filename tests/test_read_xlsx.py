"""read_xlsx on the seed workbook, on a legacy .xls made by LibreOffice, and on edge cases."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest

from extract.convert import convert_with_libreoffice
from extract.grid import ReadError
from extract.xlsx import read_xlsx
from samples.seed_docs import (
    PART_RE,
    expected_after,
    expected_before,
    expected_body,
    seed_paragraphs,
    seed_tables,
)
from tests.fixtures.seed_files import seed_files  # noqa: F401


def _assert_seed(result):
    tables = seed_tables()
    assert len(result.grids) == 12
    for grid, table in zip(result.grids, tables, strict=True):
        assert grid.matrix() == expected_body(table), f"表{table.number}"
        # the 第二部分 heading stays on the 说明 sheet, not above 表1
        assert grid.before == [s for s in expected_before(table) if not PART_RE.match(s)], f"表{table.number}"
        assert grid.after == expected_after(table), f"表{table.number}"
    assert [g.sheet for g in result.grids] == ["说明", *[f"表{n}" for n in range(1, 12)]]
    # every narrative paragraph is read exactly; extra lines are title/unit rows of the table sheets
    got = Counter(p.text for p in result.paragraphs)
    assert not Counter(seed_paragraphs()) - got


def test_seed_xlsx(seed_files):  # noqa: F811
    result = read_xlsx(seed_files.xlsx)
    _assert_seed(result)
    t2 = result.grids[2].cells
    assert t2.filter((t2["row"] == 2) & (t2["col"] == 0))["address"].item() == "表2!A6"
    assert t2.filter((t2["row"] == 2) & (t2["col"] == 2))["text"].item() == "457.90"  # 0.00 format
    t11 = result.grids[11].matrix()
    assert t11[-1][:3] == ["合  计", "", ""] and t11[-1][3] == "292.6"  # '0.0' format


@pytest.mark.slow
def test_legacy_xls_via_libreoffice(seed_files, tmp_path):  # noqa: F811
    xlsx = convert_with_libreoffice(seed_files.xls, "xlsx", tmp_path / "cache")
    _assert_seed(read_xlsx(xlsx))


def test_number_formats_and_two_tables_on_one_borderless_sheet(tmp_path):
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "Sheet1"
    ws.append(["表1 收入表"])
    ws.append(["单位：元"])
    ws.append(["项目", "金额", "比例", "日期"])
    ws.append(["甲", 1234.5, 0.1234, dt.datetime(2021, 3, 1)])
    ws.append(["乙", 3.0, 0.1 + 0.2, None])
    ws.append(["本表无数据"])
    ws.append(["丙", 7, 1, None])
    ws.append(["注：测试数据"])
    ws.append([])
    ws.append([])
    ws.append(["表2 支出表"])
    ws.append(["科目", "数额"])
    ws.append(["201", 10])
    ws["B4"].number_format = "#,##0.00"
    ws["C4"].number_format = "0.00%"
    ws["C5"].number_format = "General"
    ws.merge_cells("A1:D1")
    path = tmp_path / "two.xlsx"
    wb.save(path)
    result = read_xlsx(path)
    assert len(result.grids) == 2
    a, b = result.grids
    assert a.before == ["表1 收入表", "单位：元"] and a.after == ["注：测试数据"]
    assert a.matrix() == [
        ["项目", "金额", "比例", "日期"],
        ["甲", "1,234.50", "12.34%", "2021-03-01"],
        ["乙", "3", "0.3", ""],
        ["本表无数据", "", "", ""],
        ["丙", "7", "1", ""],
    ]
    assert b.before == ["表2 支出表"] and b.matrix() == [["科目", "数额"], ["201", "10"]]
    assert b.cells["address"].to_list()[0] == "Sheet1!A12"


@pytest.mark.parametrize(
    ("content", "needle"),
    [
        (b"", "为空"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, ".xls"),
        (b"not a zip at all" * 10, "XLSX"),
    ],
)
def test_bad_files_raise_read_error(tmp_path, content, needle):
    path = tmp_path / "bad.xlsx"
    path.write_bytes(content)
    with pytest.raises(ReadError) as info:
        read_xlsx(path)
    assert info.value.status == "unreadable" and needle in info.value.reason
