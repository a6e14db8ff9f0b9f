"""The seed transcription is faithful to the published text, and the built files carry it."""

from __future__ import annotations

from pathlib import Path

import pytest

from samples.seed_docs import (
    DEMO_BASENAME,
    expected_body,
    seed_blocks,
    seed_paragraphs,
    seed_tables,
)
from tests.fixtures.seed_files import seed_files  # noqa: F401
from tests.shared_inputs import SEED_TXT

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "demo" / "files"


def _by_number(n):
    return next(t for t in seed_tables() if t.number == n)


def _all_texts(table) -> list[str]:
    return [c.text for c in table.cells()]


def test_eleven_numbered_tables_plus_the_unit_table():
    tables = seed_tables()
    assert [t.number for t in tables] == [None, *range(1, 12)]
    for t in tables:
        t.cells()  # every row spans exactly `width` columns (raises otherwise)


@pytest.mark.skipif(not SEED_TXT.exists(), reason="shared seed text not mounted")
def test_transcription_replays_the_published_text_token_by_token():
    """Every non-empty line of the .txt (cell tab removed) equals the transcription's paragraphs and
    cell lines in order — texts compared exactly, spaces and '　' included."""
    published = [
        ln[1:] if ln.startswith("\t") else ln for ln in SEED_TXT.read_text(encoding="utf-8").split("\n")
    ]
    published = [s for s in published if s != ""]
    ours: list[str] = []
    for block in seed_blocks():
        if "p" in block:
            ours.append(block["p"].removeprefix("\t"))
            continue
        t = next(t for t in seed_tables() if t.block == seed_blocks().index(block))
        for cell in sorted(t.cells(), key=lambda c: (c.row, c.col)):
            ours += [s for s in cell.text.split("\n")]
    ours = [s for s in ours if s != ""]
    assert ours == published


def test_oddities_are_kept():
    t1, t2, t3, t7, t8 = (_by_number(n) for n in (1, 2, 3, 7, 8))
    assert "457.90." in _all_texts(t1) and "525.85　" in _all_texts(t1)
    assert t1.rows[0] == [{"text": "收   入             ", "colspan": 2}, {"text": "支   出", "colspan": 5}]
    assert "2050505" in _all_texts(t2) and "20103" in _all_texts(t2)
    assert "185.62 " in _all_texts(t3)
    for t in (t7, t8):
        codes = [row[0] for row in expected_body(t)]
        assert {" 20103", "11", "2"} <= set(codes)
    assert " 210305" in [row[0] for row in expected_body(t8)]
    for n in (4, 5, 9, 10):
        assert any("本表无数据" in s for s in _all_texts(_by_number(n)))
    paragraphs = seed_paragraphs()
    assert any(p.startswith(" (十四）") and p.endswith("工作。 ") for p in paragraphs)
    assert "    （七）持续优化营商环境，完善公正公平监管体系，提升政府服务效能" in paragraphs
    # the 部门公开表7 label is printed after table 7, just above table 8
    blocks = seed_blocks()
    i7 = _by_number(7).block
    assert blocks[i7 + 1]["p"].strip() == "部门公开表7" and _by_number(8).block == i7 + 2
    assert _by_number(8).rows[0] == [
        {"text": "部门公开表8\n杜集区政府办公室2021年支出预算总表", "colspan": 5}
    ]
    # template notes: as a paragraph under 表4, as the last merged row of 表5
    assert blocks[_by_number(4).block + 1]["p"].startswith("注：“杜集区XX局")
    assert _by_number(5).rows[-1][0]["text"].startswith("注：“杜集区XX局")


def test_built_docx_has_real_merges_borders_and_landscape(seed_files):  # noqa: F811
    import docx
    from docx.enum.section import WD_ORIENT

    d = docx.Document(str(seed_files.docx))
    assert len(d.tables) == 12
    assert all(t.style.name == "Table Grid" for t in d.tables)
    xml = d.tables[1]._tbl.xml
    assert 'w:gridSpan w:val="5"' in xml  # 支出 spans five columns
    assert "w:vMerge" in d.tables[3]._tbl.xml  # 表3 预算数 spans two header rows
    assert any(s.orientation == WD_ORIENT.LANDSCAPE for s in d.sections)


@pytest.mark.slow
def test_built_pdf_renders_text_and_tables(seed_files):  # noqa: F811
    import pdfplumber

    with pdfplumber.open(seed_files.pdf) as pdf:
        assert len(pdf.pages) >= 12
        text = "\n".join(p.extract_text() or "" for p in pdf.pages)
        assert "杜集区政府办公室2021年一般公共预算支出表" in text
        assert "457.90." in text and "2050505" in text
        ruled = [p for p in pdf.pages if p.find_tables()]
        assert len(ruled) >= 11


def test_built_xlsx_sheets(seed_files):  # noqa: F811
    import openpyxl

    wb = openpyxl.load_workbook(seed_files.xlsx)
    assert wb.sheetnames == ["说明", *[f"表{n}" for n in range(1, 12)]]
    ws = wb["表1"]
    assert any(str(r).startswith("A") for r in ws.merged_cells.ranges)
    cell = next(c for row in ws.iter_rows() for c in row if c.value == 457.9)
    assert cell.number_format == "0.00"


def test_demo_files_are_current():
    """demo/files holds the built seed; rebuild with scripts/build_seed_files.py when seed.yaml changes."""
    from extract.docx import read_docx

    for ext in ("docx", "pdf", "xlsx"):
        assert (DEMO / f"{DEMO_BASENAME}.{ext}").stat().st_size > 10_000
    grids = read_docx(DEMO / f"{DEMO_BASENAME}.docx").grids
    assert [g.matrix() for g in grids] == [expected_body(t) for t in seed_tables()]
