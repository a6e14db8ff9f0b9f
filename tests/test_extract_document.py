"""extract_file end to end on real files: the seed rendered as DOCX and PDF, a corpus PDF,
ZIPs of attachments, and files that must become documents with a status, never exceptions."""

import zipfile
from pathlib import Path

import polars as pl
import pytest

from domain.formats import sniff_format
from extract import extract_file
from tests.shared_inputs import CORPUS

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "demo/files/杜集区政府办公室2021年部门预算"

SHANGHAI = CORPUS / "renwu/001_上海/2026年上海市交通运输局_部门预算.pdf"
SEED_KINDS = [
    "fiscal_summary", "gpb_expenditure", "gpb_basic_expenditure", "gov_fund_expenditure",
    "soe_capital_expenditure", "overall_summary", "income_summary", "expenditure_summary",
    "procurement", "purchased_services", "projects",
]


@pytest.fixture(autouse=True)
def _home(tmp_path, monkeypatch):
    monkeypatch.setenv("BUDGETQA_HOME", str(tmp_path / "home"))


def _seed(fmt: str):
    (doc,) = extract_file(SEED.with_suffix(f".{fmt}"))  # committed in demo/files
    return doc


@pytest.mark.parametrize("fmt", ["docx", "pdf"])
def test_seed_kinds_and_facts(fmt):
    doc = _seed(fmt)
    assert doc.status == "ok", doc.error
    assert [t.kind for t in doc.tables] == SEED_KINDS
    assert (doc.department, doc.year, doc.kind, doc.unit) == ("杜集区政府办公室", 2021, "budget", "万元")
    assert doc.source.format == fmt and len(doc.source.sha256) == 64
    gpb = doc.table("gpb_expenditure")
    assert gpb.number == 2
    assert "2050505" in gpb.rows["code"].to_list()  # the defect is kept as printed
    expenditure = doc.table("expenditure_summary")
    assert expenditure.rows.filter(pl.col("raw_code").str.strip_chars() == "210305")["code"].to_list() == ["210305"]
    assert {"11", "2"} <= set(expenditure.rows["code"].drop_nulls().to_list())
    fiscal = doc.table("fiscal_summary")
    assert fiscal.cells.filter(pl.col("problem") == "trailing_dot")["text"].to_list() == ["457.90."]
    assert any("杜集区XX局" in n for n in doc.table("soe_capital_expenditure").notes)


def test_seed_docx_and_pdf_give_the_same_rows():
    docx, pdf = _seed("docx"), _seed("pdf")
    for a, b in zip(docx.tables, pdf.tables, strict=True):
        assert a.kind == b.kind and a.measures == b.measures
        cols = ["side", "code", "name", *a.measures]
        assert a.rows.select(cols).equals(b.rows.select(cols)), a.kind


def test_real_corpus_pdf():
    if not SHANGHAI.exists():
        pytest.skip("corpus not available")
    (doc,) = extract_file(SHANGHAI, url="https://example.org/a.pdf")
    assert doc.status == "ok" and doc.source.url == "https://example.org/a.pdf"
    assert {"income_summary", "fiscal_summary", "gpb_expenditure", "three_public"} <= {t.kind for t in doc.tables}


@pytest.mark.parametrize(
    ("content", "name", "status", "words"),
    [
        (b"", "empty.pdf", "unreadable", "空文件"),
        (b"\x00\x01garbage\xff" * 50, "garbage.pdf", "unsupported", "无法识别"),
        (b"%PDF-1.7\n garbage that is no pdf", "broken.pdf", "unreadable", "PDF"),
    ],
)
def test_bad_files_become_documents_with_a_status(tmp_path, content, name, status, words):
    path = tmp_path / name
    path.write_bytes(content)
    (doc,) = extract_file(path)
    assert doc.status == status and words in doc.error and "/" in doc.error  # Chinese / English
    assert doc.tables == []


def test_html_saved_as_pdf_is_sniffed_as_html(tmp_path):
    path = tmp_path / "download.pdf"
    path.write_text("<!DOCTYPE html><html><body><p>412 Precondition Failed</p></body></html>", encoding="utf-8")
    assert sniff_format(path) == "html"
    (doc,) = extract_file(path)
    assert doc.source.format == "html"
    assert doc.status != "ok" and doc.error  # no budget content, or no HTML reader yet


def test_docx_without_budget_content_is_not_a_disclosure(tmp_path):
    import docx

    path = tmp_path / "notice.docx"
    d = docx.Document()
    d.add_paragraph("关于召开春季运动会的通知")
    d.save(path)
    (doc,) = extract_file(path)
    assert doc.status == "not_a_disclosure", doc.error
    assert "no budget tables" in doc.error


def test_zip_of_attachments_gives_one_document_per_member(tmp_path):
    seed_pdf = SEED.with_suffix(".pdf")
    archive = tmp_path / "附件.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.write(seed_pdf, "杜集区/部门预算.pdf")
        zf.writestr("readme.txt", "see attachments")
        zf.writestr("empty.pdf", b"")
    docs = extract_file(archive, url="https://example.org/附件.zip")
    assert [d.source.format for d in docs] == ["pdf"]  # txt skipped, empty PDF sniffed as empty
    assert docs[0].status == "ok" and docs[0].source.path.endswith("!/杜集区/部门预算.pdf")
    assert docs[0].source.url == "https://example.org/附件.zip#杜集区/部门预算.pdf"
    assert [t.kind for t in docs[0].tables] == SEED_KINDS


def test_zip_bomb_is_refused(tmp_path):
    archive = tmp_path / "bomb.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("a.pdf", b"\0" * (8 * 1024 * 1024))  # compression ratio ≈ 1000
    (doc,) = extract_file(archive)
    assert doc.status == "unreadable" and "压缩比" in doc.error


def test_zip_without_documents(tmp_path):
    archive = tmp_path / "misc.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("notes.txt", "nothing here")
    (doc,) = extract_file(archive)
    assert doc.status == "unsupported" and doc.source.format == "zip"


def test_missing_file_is_a_document(tmp_path):
    (doc,) = extract_file(tmp_path / "nope.pdf")
    assert doc.status == "unreadable" and "cannot open" in doc.error
