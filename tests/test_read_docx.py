"""read_docx on the seed as Word files (python-docx built; .doc round-tripped by LibreOffice)."""

from __future__ import annotations

import pytest

from extract.convert import convert_with_libreoffice
from extract.docx import read_docx
from extract.grid import ReadError
from samples.seed_docs import (
    expected_after,
    expected_before,
    expected_body,
    seed_paragraphs,
    seed_tables,
)
from tests.fixtures.seed_files import seed_files  # noqa: F401


def _rstrip(matrix: list[list[str]]) -> list[list[str]]:
    return [[s.rstrip(" ") for s in row] for row in matrix]


def _assert_seed_grids(result, trailing_spaces: bool = True):
    tables = seed_tables()
    assert len(result.grids) == len(tables) == 12
    for grid, table in zip(result.grids, tables, strict=True):
        if trailing_spaces:
            assert grid.matrix() == expected_body(table), f"表{table.number}"
        else:
            assert _rstrip(grid.matrix()) == _rstrip(expected_body(table)), f"表{table.number}"
        assert grid.before == expected_before(table), f"表{table.number}"
        assert grid.after == expected_after(table), f"表{table.number}"


def test_seed_docx_grids_and_paragraphs(seed_files):  # noqa: F811
    result = read_docx(seed_files.docx)
    _assert_seed_grids(result)
    assert [p.text for p in result.paragraphs] == seed_paragraphs()
    assert [p.index for p in result.paragraphs] == list(range(len(result.paragraphs)))


def test_seed_docx_addresses_and_merges(seed_files):  # noqa: F811
    grids = read_docx(seed_files.docx).grids
    t1 = grids[1].cells  # 表1: the header row 收入 | 支出 spans 2 + 5 columns
    head = t1.filter(t1["row"] == 0).sort("col")
    assert head["text"].to_list() == ["收   入             ", "", "支   出", "", "", "", ""]
    assert head["address"].to_list()[:3] == ["t1/r0/c0", "t1/r0/c1", "t1/r0/c2"]
    t2 = grids[2].cells  # 表2: title and 单位 rows left the grid; addresses keep the Word row
    first = t2.filter((t2["row"] == 2) & (t2["col"] == 0))
    assert first["text"].item() == "201" and first["address"].item() == "t2/r4/c0"
    t3 = grids[3].matrix()  # 表3: 预算数 spans two header rows: '' below it
    assert t3[0] == ["经济分类科目", "", "预算数"] and t3[1] == ["科目编码", "科目名称", ""]


@pytest.mark.slow
def test_legacy_doc_via_libreoffice(seed_files, tmp_path):  # noqa: F811
    docx = convert_with_libreoffice(seed_files.doc, "docx", tmp_path / "cache")
    result = read_docx(docx)
    # LibreOffice's .doc round trip drops trailing ASCII spaces at the end of table cells
    # ('185.62 ' → '185.62'); everything else, leading spaces and '　' included, survives.
    _assert_seed_grids(result, trailing_spaces=False)
    assert [p.text for p in result.paragraphs] == seed_paragraphs()


def test_nested_table_and_text_box_do_not_crash(tmp_path):
    import docx
    from docx.oxml import parse_xml

    d = docx.Document()
    d.add_paragraph("部门公开表1")
    outer = d.add_table(rows=2, cols=2)
    outer.cell(0, 0).text = "项目"
    outer.cell(0, 1).text = "金额"
    outer.cell(1, 0).text = "合计"
    inner = outer.cell(1, 1).add_table(rows=1, cols=2)
    inner.cell(0, 0).text = "1.00"
    inner.cell(0, 1).text = "2.00"
    box = (
        '<w:r xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" '
        'xmlns:v="urn:schemas-microsoft-com:vml"><w:pict><v:shape><v:textbox><w:txbxContent>'
        "<w:tbl><w:tr><w:tc><w:p><w:r><w:t>框内表格</w:t></w:r></w:p></w:tc></w:tr></w:tbl>"
        "<w:p><w:r><w:t>文本框</w:t></w:r></w:p></w:txbxContent></v:textbox></v:shape></w:pict></w:r>"
    )
    p = d.add_paragraph("正文")
    p._p.append(parse_xml(box))
    path = tmp_path / "nested.docx"
    d.save(path)
    result = read_docx(path)
    assert len(result.grids) == 1
    m = result.grids[0].matrix()
    assert m[0] == ["项目", "金额"] and m[1][0] == "合计" and "1.00" in m[1][1]
    assert result.grids[0].before == ["部门公开表1"]
    assert "正文" in [p.text for p in result.paragraphs]


@pytest.mark.parametrize(
    ("content", "needle"),
    [
        (b"", "为空"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, ".doc"),
        (b"PK\x03\x04garbage" * 30, "DOCX"),
    ],
)
def test_bad_files_raise_read_error(tmp_path, content, needle):
    path = tmp_path / "bad.docx"
    path.write_bytes(content)
    with pytest.raises(ReadError) as info:
        read_docx(path)
    assert info.value.status == "unreadable" and needle in info.value.reason
