"""read_html: encodings (UTF-8, GBK with/without meta, BOM, a lying meta), spans, layout tables,
and the whole seed rendered as an HTML article."""

from __future__ import annotations

import html
import re

import pytest

from extract.grid import ReadError
from extract.html import detect_encoding, read_html
from samples.seed_docs import expected_body, seed_blocks, seed_tables

TABLE = """
<div class="TRS_Editor">
<p>部门公开表2</p><p>杜集区政府办公室2021年一般公共预算支出表</p><p>单位：万元</p>
<table border="1">
<tr><td colspan="2">功能分类科目</td><td rowspan="2">合计</td><td colspan="2">其中</td></tr>
<tr><td>科目编码</td><td>科目名称</td><td>基本支出</td><td>项目支出</td></tr>
<tr><td>201</td><td>一般公共服务支出</td><td>457.90.</td><td>165.30</td><td>292.60</td></tr>
<tr><td colspan="2">合计</td><td>525.85　</td><td>233.25</td><td>292.60</td></tr>
</table>
<p>注：本表金额保留两位小数。</p>
<p>一、关于2021年收支预算总体情况说明</p>
</div>"""

EXPECTED = [
    ["功能分类科目", "", "合计", "其中", ""],
    ["科目编码", "科目名称", "", "基本支出", "项目支出"],
    ["201", "一般公共服务支出", "457.90.", "165.30", "292.60"],
    ["合计", "", "525.85　", "233.25", "292.60"],
]


def _page(meta: str) -> str:
    return f"<html><head>{meta}<title>预算</title></head><body><div class='nav'>首页 &gt; 公开</div>{TABLE}</body></html>"


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("utf8-meta", _page('<meta charset="utf-8">').encode("utf-8")),
        ("utf8-bom", b"\xef\xbb\xbf" + _page("").encode("utf-8")),
        ("utf8-plain", _page("").encode("utf-8")),
        (
            "gbk-meta",
            _page('<meta http-equiv="Content-Type" content="text/html; charset=gb2312">').encode("gbk"),
        ),
        ("gbk-plain", _page("").encode("gbk")),
        ("gbk-lying-meta", _page('<meta charset="utf-8">').encode("gbk")),
    ],
)
def test_encodings_spans_before_after(tmp_path, name, data):
    path = tmp_path / f"{name}.html"
    path.write_bytes(data)
    result = read_html(path)
    assert len(result.grids) == 1
    grid = result.grids[0]
    assert grid.matrix() == EXPECTED
    assert grid.before == ["部门公开表2", "杜集区政府办公室2021年一般公共预算支出表", "单位：万元"]
    assert grid.after == ["注：本表金额保留两位小数。"]
    texts = [p.text for p in result.paragraphs]
    assert texts[-1] == "一、关于2021年收支预算总体情况说明"
    assert "首页 > 公开" not in texts  # navigation outside the article body is left out
    cells = grid.cells
    assert cells.filter((cells["row"] == 3) & (cells["col"] == 2))["address"].item() == "t0/r3/c2"


def test_detect_encoding():
    assert detect_encoding("预算".encode("gbk")) == "gb18030"
    assert detect_encoding("预算".encode()) == "utf-8"
    assert detect_encoding(b'<meta charset="GBK">' + "预算".encode("gbk")) == "gb18030"


def test_layout_table_is_read_through(tmp_path):
    page = f"""<html><body><table><tr><td>网站导航</td><td>
      <p>部门公开表2</p>{TABLE.replace('<div class="TRS_Editor">', "<div>")}
    </td></tr></table></body></html>"""
    path = tmp_path / "layout.html"
    path.write_text(page, encoding="utf-8")
    result = read_html(path)
    assert len(result.grids) == 1 and result.grids[0].matrix() == EXPECTED


def _seed_html() -> str:
    """The seed as an HTML article (cell text escaped; merged cells as colspan/rowspan)."""
    out = ['<html><head><meta charset="gbk"></head><body><div class="article">']
    tables = {t.block: t for t in seed_tables()}
    for i, block in enumerate(seed_blocks()):
        if "p" in block:
            out.append(f"<p>{html.escape(block['p'])}</p>")
            continue
        out.append("<table border='1'>")
        for row in tables[i].rows:
            out.append("<tr>")
            for cell in row:
                text, cs, rs = (
                    (cell, 1, 1)
                    if isinstance(cell, str)
                    else (cell["text"], cell.get("colspan", 1), cell.get("rowspan", 1))
                )
                out.append(
                    f"<td colspan='{cs}' rowspan='{rs}'>{html.escape(text).replace(chr(10), '<br>')}</td>"
                )
            out.append("</tr>")
        out.append("</table>")
    out.append("</div></body></html>")
    return "\n".join(out)


def _html_text(s: str) -> str:
    """What a browser shows: ASCII whitespace collapsed and trimmed ('　' is kept)."""
    return "\n".join(x for x in (re.sub(r"[ \t\r\n]+", " ", ln).strip(" ") for ln in s.split("\n")) if x)


def test_seed_as_gbk_html(tmp_path):
    path = tmp_path / "seed.htm"
    path.write_bytes(_seed_html().encode("gb18030"))
    result = read_html(path)
    tables = seed_tables()
    assert len(result.grids) == 12
    for grid, table in zip(result.grids, tables, strict=True):
        expected = [[_html_text(s) for s in row] for row in expected_body(table)]
        assert grid.matrix() == expected, f"表{table.number}"
    texts = [p.text for p in result.paragraphs]
    assert "杜集区政府办公室2021年财政拨款收支总表" in texts and "部门公开表7" in texts


def test_empty_file(tmp_path):
    path = tmp_path / "empty.html"
    path.write_bytes(b"  \n")
    with pytest.raises(ReadError) as info:
        read_html(path)
    assert info.value.status == "unreadable"
