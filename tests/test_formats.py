"""domain.formats.sniff_format, the one byte sniffer, on the bytes of real files made here: the seed
as DOCX/XLSX (python-docx, openpyxl), PDF/DOC/XLS (LibreOffice), a ZIP of them, an HTML page, an
image, and broken or foreign files. The crawler names what it stores by the same sniffer."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

from crawler.store import stored_suffix
from domain.formats import BINARY_FORMATS, DOCUMENT_FORMATS, sniff_format
from tests.fixtures.bad_files import corrupt_docx, ole_doc_stub
from tests.fixtures.seed_files import seed_files  # noqa: F401

PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000")


def _both(path: Path) -> str:
    """The format sniffed from the path and from the bytes: they must agree."""
    by_path, by_bytes = sniff_format(path), sniff_format(path.read_bytes())
    assert by_path == by_bytes, path
    return by_path


@pytest.mark.slow
@pytest.mark.parametrize("fmt", ["pdf", "docx", "xlsx", "doc", "xls"])
def test_office_and_pdf_files_by_their_bytes_whatever_their_name(seed_files, fmt, tmp_path):  # noqa: F811
    made: Path = getattr(seed_files, fmt)
    assert _both(made) == fmt
    misnamed = tmp_path / f"download.{'xls' if fmt != 'xls' else 'pdf'}"  # a portal's wrong suffix
    misnamed.write_bytes(made.read_bytes())
    assert _both(misnamed) == fmt
    assert stored_suffix(made.read_bytes(), "bin") == fmt


@pytest.mark.slow
def test_zip_of_attachments_and_broken_containers(seed_files, tmp_path):  # noqa: F811
    archive = tmp_path / "attachments.zip"
    with zipfile.ZipFile(archive, "w") as zf:  # stored, not compressed: '%PDF-' shows in the first KB
        zf.write(seed_files.pdf, "预算.pdf")
        zf.write(seed_files.docx, "预算.docx")
    assert _both(archive) == "zip" and b"%PDF-" in archive.read_bytes()[:1024]
    assert sniff_format(b"\r\n" + seed_files.pdf.read_bytes()) == "pdf"  # a PDF header after stray bytes
    assert _both(corrupt_docx(tmp_path / "cut.docx")) == "corrupt_zip"
    assert stored_suffix((tmp_path / "cut.docx").read_bytes(), "docx") == "docx"  # the link's suffix kept
    assert stored_suffix((tmp_path / "cut.docx").read_bytes()) == "zip"
    # a folder named word/ without [Content_Types].xml is a ZIP, not a DOCX
    fake = io.BytesIO()
    with zipfile.ZipFile(fake, "w") as zf:
        zf.writestr("word/readme.txt", "hello")
    assert sniff_format(fake.getvalue()) == "zip"
    # a PowerPoint file is OOXML but no document budgetqa reads
    pptx = io.BytesIO()
    with zipfile.ZipFile(pptx, "w") as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("ppt/presentation.xml", "<p/>")
    assert sniff_format(pptx.getvalue()) == "unknown"
    assert stored_suffix(pptx.getvalue(), "pptx") == "pptx"


def test_html_pages_images_and_other_bytes(tmp_path):
    page = tmp_path / "error.pdf"
    page.write_text("<!DOCTYPE html><html><body><p>412 Precondition Failed</p></body></html>", encoding="utf-8")
    assert _both(page) == "html"
    table = "\ufeff  <meta charset='utf-8'><table><tr><td>一般公共服务支出</td><td>457.90</td></tr></table>"
    assert sniff_format(table.encode("utf-8")) == "html"
    assert stored_suffix(page.read_bytes(), "pdf") == "html"
    assert sniff_format(PNG) == "image" and stored_suffix(PNG, "pdf") == "pdf"
    assert sniff_format(b"") == "empty" and stored_suffix(b"") == "bin"
    assert sniff_format(b"%PDF-1.7\n garbage") == "pdf"
    assert sniff_format(b"\x00\x01garbage\xff" * 50) == "unknown"
    assert sniff_format(b"<?xml version='1.0'?><note>no page</note>") == "unknown"
    assert _both(ole_doc_stub(tmp_path / "stub.doc")) == "doc"
    assert sniff_format(bytes.fromhex("D0CF11E0A1B11AE1") + bytes(1024)) == "unknown"  # OLE2, neither Word nor Excel


def test_format_vocabulary():
    assert set(BINARY_FORMATS) < set(DOCUMENT_FORMATS)
    assert {"html", "htm"} == set(DOCUMENT_FORMATS) - set(BINARY_FORMATS)
