"""read_pdf on real disclosures of different producers, and on bad files made here.

Corpus expectations were checked by eye against the rendered pages.
"""

from __future__ import annotations

import struct
from pathlib import Path

import pytest

from extract.grid import Grid, ReadError, ReadResult
from extract.pdf import read_pdf
from extract.pdf_join import join_continued
from extract.pdf_layout import PageTable, _join_split_numbers, _lift_centred_amounts, _unwrap_centred_labels
from tests.fixtures.bad_files import HELVETICA, encrypted_pdf, text_pdf
from tests.shared_inputs import corpus_file

SHANGHAI = "renwu/001_上海/2026年上海市交通运输局_部门预算.pdf"  # WPS 表格, landscape
JIANGSU_ROTATED = "open-budget/江苏省人大办公厅/江苏省人大常委会办公厅2019年部门预算公开表.pdf"  # Distiller, /Rotate 90
JIANGSU_WPS = "open-budget/江苏省人大办公厅/江苏省人大办公厅2017年度预算公开.pdf"  # WPS, off-page objects
SHENZHEN = "renwu/003_深圳/2026年深圳市审计局部门预算.pdf"  # iText
HANGZHOU = "renwu/008_杭州/2026年杭州市气象局部门预算.pdf"  # 原点财通

_cache: dict[str, ReadResult] = {}


def read(rel: str) -> ReadResult:
    if rel not in _cache:
        _cache[rel] = read_pdf(corpus_file(rel))
    return _cache[rel]


def grid_titled(r: ReadResult, title: str) -> Grid:
    found = [g for g in r.grids if title in g.before]
    assert len(found) == 1, [g.before for g in r.grids]
    return found[0]


def assert_bboxes_inside(g: Grid, width: float, height: float) -> None:
    c = g.cells
    assert c["x0"].min() >= 0 and c["top"].min() >= 0
    assert c["x1"].max() <= width + 0.5 and c["bottom"].max() <= height + 0.5
    assert (c["x1"] > c["x0"]).all() and (c["bottom"] > c["top"]).all()


# ---- Shanghai (WPS 表格): headers repeated on every page, merged header cells -----------------


def test_shanghai_summary_table_title_and_cells():
    r = read(SHANGHAI)
    assert r.page_count == 21 and r.producer == "WPS 表格"
    g = grid_titled(r, "2026年预算单位财务收支预算总表")
    assert g.index == 0 and g.pages == [7]
    assert g.before == ["2026年预算单位财务收支预算总表", "编制单位：上海交通职业技术学院", "单位：元"]
    m = g.matrix()
    # merged header cells: text at the top-left cell, '' in the cells it spans
    assert m[0] == ["本年收入", "", "本年支出", "", "", "", ""]
    assert m[4] == ["一、财政拨款收入", "304,413,900", "一、教育支出", "326,658,710", "150,119,030", "104,154,210", "72,385,470"]
    assert m[-1][:4] == ["收入总计", "408,696,000", "支出总计", "408,696,000"]
    assert_bboxes_inside(g, 841.85, 595.25)
    assert set(g.cells["page"].to_list()) == {7}


def test_shanghai_continued_table_joined_without_repeated_header():
    r = read(SHANGHAI)
    g = grid_titled(r, "2026年预算单位收入预算总表")
    assert g.pages == [8, 9]
    m = g.matrix()
    assert sum(1 for row in m if row[0] == "功能分类科目编码") == 1  # page 9 repeats the header
    assert sum(1 for row in m if row[0] == "类") == 1
    assert m[3] == ["205", "", "", "教育支出", "326,658,710", "236,893,390", "42,865,320", "", "46,900,000"]
    assert m[-1][0] == "合计" and m[-1][4] == "408,696,000"
    # rows after the join are numbered consecutively and the later ones sit on page 9
    assert sorted(set(g.cells["row"].to_list())) == list(range(len(m)))
    last = g.cells.filter(g.cells["row"] == len(m) - 1)
    assert set(last["page"].to_list()) == {9}
    # the next table is a different one, not swallowed by the join
    assert r.grids[g.index + 1].before[0] == "2026年预算单位支出预算总表"


def test_shanghai_paragraphs_outside_tables():
    r = read(SHANGHAI)
    texts = [p.text for p in r.paragraphs]
    first = next(p for p in r.paragraphs if p.text.startswith("2026年，上海交通职业技术学院收入预算40,870万元"))
    assert first.page == 6 and first.text.endswith("其他收入5,428万元。")
    # a numbered line starts its own paragraph
    assert "3.“卫生健康支出”科目1,370万元，主要用于为职工缴纳的医疗保险支出。" in texts
    # no table cell text leaks into the running text
    assert not any("304,413,900" in t for t in texts)


# ---- Jiangsu 2019 (Acrobat Distiller): pages with /Rotate 90, captions inside the frame ------------


def test_rotated_pages_and_caption_rows_moved_to_before():
    r = read(JIANGSU_ROTATED)
    assert len(r.grids) == 12 and r.page_count == 13
    g = grid_titled(r, "一般公共预算机关运行经费支出预算表")
    assert g.pages == [11]
    assert g.before[1] == "公开表十一"
    m = g.matrix()
    assert m[0] == ["科目编码", "科目名称", "机关运行经费支出"]
    assert ["30201", "办公费", "570.00"] in m
    assert_bboxes_inside(g, 1191.0, 842.0)  # landscape as displayed


# ---- Jiangsu 2017 (WPS): objects drawn outside the page, two tables in one frame -------------------


def test_offpage_objects_dropped_and_titles_found():
    r = read(JIANGSU_WPS)
    titles = [g.before[0] for g in r.grids]
    assert titles == [
        "收支预算总表",
        "收入预算总表",
        "支出预算总表",
        "财政拨款支出预算表",
        "财政拨款收支预算总表",
        "财政拨款基本支出预算表",  # printed at the foot of page 12, table on page 13
        "财政拨款政府性基金支出预算表",
        "一般公共预算支出预算表",
        "一般公共预算基本支出预算表",
        "一般公共预算机关运行经费支出预算表",
        "“三公”经费、会议费、培训费支出预算表",
        "2017 年政府采购预算表",
    ]
    fund = grid_titled(r, "财政拨款政府性基金支出预算表")
    assert fund.pages == [15] and fund.after == ["(无政府性基金支出）"]
    basic = grid_titled(r, "财政拨款基本支出预算表")
    assert basic.pages == [13, 14, 15]  # its last row sits at the top of page 15
    assert basic.matrix()[-1] == ["30312", "提租补贴", "1,018.01"]
    for g in r.grids:
        assert_bboxes_inside(g, 595.3, 841.9)


# ---- Shenzhen (iText) and Hangzhou (原点财通) -------------------------------------------------------


def test_shenzhen_titles_notes_and_join():
    r = read(SHENZHEN)
    g = grid_titled(r, "收支总表")
    assert g.pages == [17, 18]
    assert g.before[-4:] == ["表 1", "收支总表", "部门名称：深圳市审计局", "单位：万元"]
    m = g.matrix()
    assert m[2] == ["一、财政拨款", "10,737.69", "一、一般公共服务支出", "6,960.90"]
    assert m[-1] == ["收入总计", "10,737.69", "支出总计", "10,737.69"]
    income = grid_titled(r, "收入总表")
    assert income.after == ["注：本套报表金额单位转换时可能存在尾数误差。"]


def test_hangzhou_titles():
    r = read(HANGZHOU)
    assert [g.before[0] for g in r.grids][:3] == [
        "表1：2026年市级部门收支预算总表",
        "表2：2026年市级部门收入预算总表",
        "表3：2026年市级部门支出预算总表",
    ]
    assert r.grids[0].after[0].startswith("注：本套报表若明细数加计之和与合计数有尾差")


# ---- the seed disclosure (LibreOffice PDF written by the demo helper) ----------------------------


def test_seed_pdf_keeps_raw_texts():
    path = Path(__file__).resolve().parents[1] / "demo" / "files" / "杜集区政府办公室2021年部门预算.pdf"
    if not path.is_file():
        pytest.skip(f"seed PDF not generated yet: {path}")
    r = read_pdf(path)
    assert r.producer and r.producer.startswith("LibreOffice")
    g = grid_titled(r, "杜集区政府办公室2021年一般公共预算支出表")
    assert g.before[0] == "部门公开表2" and g.before[-1] == "单位：万元"
    m = g.matrix()
    assert ["201", "一般公共服务支出", "457.90", "165.30", "292.60"] in m
    fiscal = grid_titled(r, "杜集区政府办公室2021年财政拨款收支总表")
    assert fiscal.matrix()[2][3] == "457.90."  # the seed's trailing-dot defect reaches the normaliser as printed


# ---- bad files ---------------------------------------------------------------------------------


def test_minimal_text_pdf_reads(tmp_path: Path):
    p = tmp_path / "ok.pdf"
    p.write_bytes(text_pdf(b"BT /F1 12 Tf 72 700 Td (Hello budget.) Tj ET", HELVETICA))
    r = read_pdf(p)
    assert r.grids == [] and [x.text for x in r.paragraphs] == ["Hello budget."] and r.page_count == 1


def _raises(path: Path, status: str, words: str) -> None:
    with pytest.raises(ReadError) as e:
        read_pdf(path)
    assert e.value.status == status
    assert words in e.value.reason, e.value.reason


def test_empty_file(tmp_path: Path):
    p = tmp_path / "empty.pdf"
    p.write_bytes(b"")
    _raises(p, "unreadable", "空文件")


def test_html_saved_as_pdf(tmp_path: Path):
    p = tmp_path / "error.pdf"
    p.write_text("<!DOCTYPE html><html><head><title>404 Not Found</title></head><body>404</body></html>")
    _raises(p, "unreadable", "HTML")


def test_random_bytes(tmp_path: Path):
    p = tmp_path / "junk.pdf"
    p.write_bytes(bytes(range(256)) * 8)
    _raises(p, "unreadable", "%PDF-")


def test_truncated(tmp_path: Path):
    data = corpus_file(SHANGHAI).read_bytes()
    p = tmp_path / "cut.pdf"
    p.write_bytes(data[: len(data) // 2])
    _raises(p, "unreadable", "截断")


def test_corrupt_structure(tmp_path: Path):
    p = tmp_path / "bad.pdf"
    p.write_bytes(b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 9 0 R >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n")
    with pytest.raises(ReadError) as e:
        read_pdf(p)
    assert e.value.status == "unreadable"


def test_encrypted_needs_password(tmp_path: Path):
    import pdfplumber

    p = encrypted_pdf(tmp_path / "locked.pdf", b"secret", b"owner")
    with pdfplumber.open(p, password="secret") as pdf:  # the file is a real encrypted PDF
        assert "Secret" in pdf.pages[0].extract_text()
    _raises(p, "unreadable", "加密")


def test_scanned_image_only(tmp_path: Path):
    from PIL import Image, ImageDraw

    img = Image.new("RGB", (600, 800), "white")
    ImageDraw.Draw(img).rectangle((50, 50, 550, 300), outline="black", width=3)
    p = tmp_path / "scan.pdf"
    img.save(p, "PDF", resolution=72.0)
    _raises(p, "scanned", "无文本层")


def test_undecodable_cid_fonts(tmp_path: Path):
    # a CID font with Identity-H and no ToUnicode map: pdfminer can only print (cid:NN)
    font = (
        b"<< /Type /Font /Subtype /Type0 /BaseFont /SimSun /Encoding /Identity-H /DescendantFonts "
        b"[<< /Type /Font /Subtype /CIDFontType2 /BaseFont /SimSun "
        b"/CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> /DW 1000 >>] >>"
    )
    glyphs = b"".join(struct.pack(">H", 300 + i) for i in range(40))
    p = tmp_path / "cid.pdf"
    p.write_bytes(text_pdf(b"BT /F1 12 Tf 72 700 Td <" + glyphs.hex().encode() + b"> Tj ET", font))
    _raises(p, "unreadable", "cid")


# ---- tables printed without rules ---------------------------------------------------------------


@pytest.mark.slow
def test_borderless_xlsx_export_is_read_from_word_positions(tmp_path: Path):
    """An XLSX without cell borders, printed to PDF by LibreOffice: no rule on the page, so the
    table comes from word coordinates; blank cells stay blank in their own column."""
    from openpyxl import Workbook

    from extract import extract_file
    from extract.convert import convert_with_libreoffice

    wb = Workbook()
    ws = wb.active
    rows = [
        ["杜集区政府办公室2021年一般公共预算支出表"],
        ["", "", "", "单位：万元"],
        ["科目编码", "科目名称", "合计", "基本支出", "项目支出"],
        ["201", "一般公共服务支出", "457.90", "165.30", "292.60"],
        ["2010301", "行政运行", "165.30", "165.30", ""],
        ["2010302", "一般行政管理事务", "292.60", "", "292.60"],
        ["", "合计", "457.90", "165.30", "292.60"],
    ]
    for row in rows:
        ws.append(row)
    for col, width in zip("ABCDE", (10, 30, 10, 10, 10), strict=True):
        ws.column_dimensions[col].width = width
    ws.page_setup.orientation = "landscape"
    wb.save(tmp_path / "borderless.xlsx")
    pdf = convert_with_libreoffice(tmp_path / "borderless.xlsx", "pdf", tmp_path / "cache")
    r = read_pdf(pdf)
    (g,) = r.grids
    assert g.before == ["杜集区政府办公室2021年一般公共预算支出表", "单位：万元"]
    assert g.matrix() == rows[2:]
    (doc,) = extract_file(pdf)
    (t,) = doc.tables
    assert (t.kind, t.unit, t.measures) == ("gpb_expenditure", "万元", ["total", "basic", "project"])
    assert t.rows.select("code", "basic", "project").rows() == [
        ("201", 165.3, 292.6), ("2010301", 165.3, None), ("2010302", None, 292.6), (None, 165.3, 292.6)
    ]
    cell = t.cells.filter((t.cells["row"] == 2) & (t.cells["column"] == "project")).row(0, named=True)
    assert cell["text"] == "292.60" and cell["page"] == 1 and cell["x0"] > 0  # located on the page


def test_narrative_pages_yield_no_unruled_table(tmp_path: Path):
    """Prose with amounts in it is not a table: one run per line, however many numbers."""
    content = b"".join(
        b"BT /F1 11 Tf 72 %d Td (Income 1,234.56 and spending 1,200.00 this year, up 3.5 per cent.) Tj ET\n" % y
        for y in range(700, 500, -16)
    )
    p = tmp_path / "prose.pdf"
    p.write_bytes(text_pdf(content, HELVETICA))
    r = read_pdf(p)
    assert r.grids == [] and len(r.paragraphs) >= 1


def test_missing_eof_marker_alone_is_not_truncation(tmp_path: Path):
    """Trailing junk after %%EOF (more than 4 KB, as some portals append) still reads."""
    p = tmp_path / "junk-tail.pdf"
    p.write_bytes(text_pdf(b"BT /F1 12 Tf 72 700 Td (Hello budget.) Tj ET", HELVETICA) + b"\n" + b"x" * 8192)
    assert [x.text for x in read_pdf(p).paragraphs] == ["Hello budget."]


def _part(page: int, rows: list[list[str]], before: list[str]) -> PageTable:
    cells = [
        (r, c, text, page, 60.0 + 100 * c, 100.0 + 20 * r, 160.0 + 100 * c, 120.0 + 20 * r, None)
        for r, row in enumerate(rows)
        for c, text in enumerate(row)
    ]
    n = len(rows[0])
    return PageTable([page], 60, 100, 60 + 100 * n, 100 + 20 * len(rows), cells, len(rows), n,
                     [60.0 + 100 * c for c in range(n + 1)], before=before)


@pytest.mark.parametrize(
    ("last", "first", "joined"),
    [
        (["八、社会保障和就", ""], ["业支出", "1,608.51"], None),  # an amount: a row of its own
        (["八、社会保障和就", "1,608.51"], ["业支出", ""], "八、社会保障和就业支出"),
        (["二十、其他支出", ""], ["上年结转资金", ""], None),  # a finished label above
        (["八、社会保障和就", "1,608.51"], ["九、医疗卫生支出", ""], None),  # a new item
        (["杭州市机动", "12,437.3"], ["车驾驶员考试服务中心", "6"], "杭州市机动车驾驶员考试服务中心"),  # a cut number
        (["杭州市机动", "12,437.30"], ["车驾驶员考试服务中心", "6"], None),  # '6' is no cut digit here
    ],
)
def test_row_cut_by_page_break_joined_only_when_a_tail(last, first, joined):
    a = _part(1, [["项目", "金额"], ["一、一般公共服务支出", "10.00"], last], ["收支预算总表", "单位：万元"])
    b = _part(2, [first, ["支出合计", "20.00"]], [])
    (t,) = join_continued([a, b])
    names = [x for x in (t.row_texts(r)[0] for r in range(t.n_rows)) if x]
    if joined:
        assert names == ["项目", "一、一般公共服务支出", joined, "支出合计"] and t.n_rows == 4
        assert t.row_texts(2)[1] == (last[1] + first[1]).strip()
    else:
        assert names == ["项目", "一、一般公共服务支出", last[0], first[0], "支出合计"] and t.n_rows == 5


def test_wrapped_labels_join_and_move_to_their_amount():
    t = [
        ["2.政府性基金", "", "三、单位预留机动", ""],
        ["", "", "", "2,388.04"],
        ["预算", "", "", ""],
        ["", "", "经费", ""],
        ["十四、资源勘探信息等支", "", "四、其他", "1.00"],
        ["出", "", "", ""],
        ["公共财政拨款(补助)资金", "5.00", "", ""],
        ["专项收入", "", "", ""],  # under a finished label: an item of its own
        ["六、科学技术支出", "", "", ""],
    ]
    _unwrap_centred_labels(t)
    assert [r[0] for r in t] == ["2.政府性基金预算", "", "", "", "十四、资源勘探信息等支出", "", "公共财政拨款(补助)资金", "专项收入", "六、科学技术支出"]
    assert [r[2] for r in t[:4]] == ["", "三、单位预留机动经费", "", ""]


def test_number_cut_by_a_stray_rule_is_one_number():
    t = [["小计", "公务用车运行维护费", ""], ["484.30", "267.8", "0"], ["1.5", "2.5", ""]]
    _join_split_numbers(t)
    assert t[1] == ["484.30", "267.80", ""] and t[2] == ["1.5", "2.5", ""]
    t = [["合计", "人数"], ["267.8", "5"], ["10.0", "人"]]  # a column of its own (text in it): kept apart
    _join_split_numbers(t)
    assert t[1] == ["267.8", "5"]


def test_amount_centred_below_its_label_joins_the_label_row():
    t = [
        ["功能科目代码", "功能科目名称", "金额"],
        ["204", "公共安全支出", ""],
        ["", "", "16,444.36"],
        ["20404", "检察", "16,444.36"],
    ]
    _lift_centred_amounts(t)
    assert t[1] == ["204", "公共安全支出", "16,444.36"] and t[2] == ["", "", ""]
    header = [["合计", "小计", "购置费"], ["", "", ""], ["2,599.37", "670.12", ""]]  # values under a header
    _lift_centred_amounts(header)
    assert header[0] == ["合计", "小计", "购置费"] and header[2] == ["2,599.37", "670.12", ""]


@pytest.mark.slow
def test_a_caption_at_the_foot_of_a_text_page_titles_the_table_on_the_next(tmp_path: Path) -> None:
    """The narrative ends a page with '部门公开表1 / …收支总表 / 单位：元'; the table starts the next page."""
    from docx import Document as Docx
    from docx.enum.text import WD_BREAK

    from extract.convert import convert_with_libreoffice

    doc = Docx()
    for i in range(30):
        doc.add_paragraph(f"第{i + 1}段说明文字，用来把第一页写满。")
    for caption in ("部门公开表1", "2026年部门财务收支预算总表", "单位：元"):
        doc.add_paragraph(caption)
    doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
    table = doc.add_table(rows=3, cols=4)
    table.style = "Table Grid"
    for r, row in enumerate([("项目", "预算数", "项目", "预算数"), ("一、财政拨款收入", "100", "一、教育支出", "100"),
                             ("收入总计", "100", "支出总计", "100")]):
        for c, text in enumerate(row):
            table.cell(r, c).text = text
    doc.save(tmp_path / "foot.docx")
    pdf = convert_with_libreoffice(tmp_path / "foot.docx", "pdf", tmp_path / "cache")
    result = read_pdf(pdf)
    (grid,) = result.grids
    assert grid.pages[0] >= 2  # the table really starts on a later page than its caption
    assert grid.before[-3:] == ["部门公开表1", "2026年部门财务收支预算总表", "单位：元"]
