"""Document formats: the files budgetqa reads, by the suffix they are named with, and the one
sniffer that tells them apart by their bytes (never by the name).

The crawler names a stored file by `sniff_format`; extraction dispatches on it.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import BinaryIO

# Formats that are binary containers (suffix, lower case, no dot): an HTML page named so is an error page.
BINARY_FORMATS: tuple[str, ...] = ("pdf", "doc", "docx", "xls", "xlsx", "zip")
# Every format extraction reads (legacy .doc/.xls through LibreOffice).
DOCUMENT_FORMATS: tuple[str, ...] = (*BINARY_FORMATS, "html", "htm")
# Attachments portals also publish that budgetqa downloads and records but cannot read (RAR, WPS Office).
UNREAD_ATTACHMENT_FORMATS: tuple[str, ...] = ("rar", "wps", "et")

OLE2_MAGIC = bytes.fromhex("D0CF11E0A1B11AE1")
# Leading bytes of image formats (a scan or a photo saved under a document's name).
IMAGE_MAGIC: dict[bytes, str] = {
    b"\x89PNG\r\n\x1a\n": "PNG",
    b"\xff\xd8\xff": "JPEG",
    b"GIF87a": "GIF",
    b"GIF89a": "GIF",
    b"II*\x00": "TIFF",
    b"MM\x00*": "TIFF",
    b"BM": "BMP",
}
_HEAD = 4096
_OLE_SCAN = 2 * 1024 * 1024  # the stream directory of a .doc/.xls is found within this


def image_type(head: bytes) -> str | None:
    """'PNG', 'JPEG', … when the bytes start like an image, else None."""
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "WEBP"
    return next((name for magic, name in IMAGE_MAGIC.items() if head.startswith(magic)), None)


def sniff_format(source: Path | str | bytes) -> str:
    """The format of a file (a path) or of its bytes: 'pdf', 'docx', 'xlsx', 'zip', 'doc', 'xls',
    'html', 'image', 'corrupt_zip' (ZIP magic but no readable ZIP directory: a broken DOCX/XLSX/ZIP),
    'empty' or 'unknown' (pptx and other OOXML, an OLE2 file that is neither Word nor Excel, …)."""
    if isinstance(source, bytes | bytearray):
        return _sniff(io.BytesIO(source))
    with open(source, "rb") as fh:
        return _sniff(fh)


def _sniff(fh: BinaryIO) -> str:
    head = fh.read(_HEAD)
    if not head:
        return "empty"
    # Containers first: their magic is at byte 0, while a PDF's header may come up to 1 KB in, and
    # a ZIP that stores a PDF uncompressed shows '%PDF-' there too.
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        fh.seek(0)
        try:
            with zipfile.ZipFile(fh) as zf:
                names = zf.namelist()
        except (zipfile.BadZipFile, OSError, ValueError):
            return "corrupt_zip"
        if "[Content_Types].xml" in names:
            if any(n.startswith("word/") for n in names):
                return "docx"
            if any(n.startswith("xl/") for n in names):
                return "xlsx"
            return "unknown"  # pptx and other OOXML
        return "zip"
    if head.startswith(OLE2_MAGIC):
        fh.seek(0)
        data = fh.read(_OLE_SCAN)
        if "WordDocument".encode("utf-16-le") in data:
            return "doc"
        if "Workbook".encode("utf-16-le") in data or "Book".encode("utf-16-le") in data:
            return "xls"
        return "unknown"
    if b"%PDF-" in head[:1024]:
        return "pdf"
    if image_type(head):
        return "image"
    text = head.lstrip(b"\xef\xbb\xbf").lstrip().lower()
    if text.startswith((b"<!doctype html", b"<html")) or any(tag in text for tag in (b"<html", b"<table", b"<body")):
        return "html"
    return "unknown"
