"""PDF reader: every table as a `Grid` (cells with page and bbox) plus the running text.

Tables come from pdfplumber's table finder (ruled tables, "lines" strategy); pages without
rules but with column-aligned numbers are read from word coordinates (`extract.pdf_layout`).
Text lines are rebuilt from word positions (clustered by y, ordered by x), never from a
text-flow mode, because WPS, Word and ONLYOFFICE PDFs order their text streams differently.

Pages are processed one at a time and their caches dropped, so a long PDF does not grow
memory. Tables that continue over pages are joined (`extract.pdf_join`).
"""

from __future__ import annotations

import re
from pathlib import Path

import pdfplumber
import polars as pl
from pdfminer.pdfdocument import PDFEncryptionError, PDFPasswordIncorrect
from pdfminer.pdfparser import PDFSyntaxError
from pdfplumber.utils.exceptions import PdfminerException

from domain.model import Paragraph
from extract.grid import GRID_COLUMNS, Grid, ReadError, ReadResult
from extract.pdf_join import carry_foot_captions, join_continued
from extract.pdf_layout import (
    Line,
    PageTable,
    build_lines,
    is_page_furniture,
    lines_after,
    lines_before,
    lines_to_paragraphs,
    ruled_tables,
    unruled_tables,
)

CID_RE = re.compile(r"\(cid:\d+\)")
# Pages read at most: the largest real disclosures have a few hundred; beyond this a file is a
# compilation or a trap, refused quickly rather than left to the per-document time limit.
MAX_PAGES = 2000
TRUNCATED = "PDF 文件不完整（被截断，缺少 %%EOF 且无法解析）/ truncated PDF (no %%EOF and cannot be parsed)"


def check_bytes(path: Path) -> bool:
    """Reject files that are plainly not a readable PDF before pdfminer sees them.

    Returns True when the file lacks a final %%EOF: it may be truncated, but many readable PDFs
    have trailing junk or a missing marker, so it is called truncated only if pdfminer fails too."""
    try:
        size = path.stat().st_size
    except OSError as e:
        raise ReadError("unreadable", f"无法打开文件 / cannot open file: {e}") from e
    if size == 0:
        raise ReadError("unreadable", "空文件（0 字节）/ empty file (0 bytes)")
    with path.open("rb") as fh:
        head = fh.read(1024)
        fh.seek(max(0, size - 4096))
        tail = fh.read()
    if b"%PDF-" not in head:
        low = head.lower().lstrip()
        if low.startswith((b"<!doctype html", b"<html", b"<?xml")) or b"<html" in low or b"<head" in low:
            raise ReadError("unreadable", "不是 PDF：文件是 HTML 网页（可能是下载出错页）/ not a PDF: an HTML page")
        raise ReadError("unreadable", "不是 PDF：缺少 %PDF- 文件头 / not a PDF: no %PDF- header")
    return b"%%EOF" not in tail


def _open_error(e: Exception) -> ReadError:
    inner = e.args[0] if isinstance(e, PdfminerException) and e.args else e
    if isinstance(inner, PDFPasswordIncorrect | PDFEncryptionError) or "password" in str(inner).lower():
        return ReadError("unreadable", "PDF 已加密，需要密码 / encrypted PDF (password required)")
    if isinstance(inner, PDFSyntaxError):
        return ReadError("unreadable", f"PDF 结构损坏 / corrupt PDF structure: {inner}")
    return ReadError("unreadable", f"无法解析 PDF / cannot parse PDF: {type(inner).__name__}: {inner}")


def read_pdf(path: Path) -> ReadResult:
    """Read a PDF into grids (document order, continued tables joined) and paragraphs.

    Raises ReadError('scanned', …) when no page has a text layer and ReadError('unreadable', …)
    for empty, truncated, encrypted, non-PDF or undecodable-font files.
    """
    path = Path(path)
    no_eof = check_bytes(path)
    try:
        pdf = pdfplumber.open(path)
    except Exception as e:  # pdfminer raises many types for bad files
        err = _open_error(e)
        raise (ReadError("unreadable", TRUNCATED) if no_eof and "加密" not in err.reason else err) from e

    page_tables: list[PageTable] = []
    all_lines: list[Line] = []
    heights: dict[int, float] = {}
    page_text: dict[int, list[str]] = {}  # body text lines per page, for captions at a page foot
    n_chars = n_cid = 0
    with pdf:
        meta = pdf.metadata or {}
        producer = _meta_text(meta.get("Producer")) or _meta_text(meta.get("Creator"))
        try:
            pages = pdf.pages
        except Exception as e:
            raise (ReadError("unreadable", TRUNCATED) if no_eof else _open_error(e)) from e
        if not pages:
            raise ReadError("unreadable", TRUNCATED if no_eof else "PDF 没有页面 / PDF has no pages")
        if len(pages) > MAX_PAGES:
            raise ReadError(
                "unsupported",
                f"页数过多（{len(pages)} 页，上限 {MAX_PAGES} 页），不像单个部门的公开文件 / "
                f"too many pages ({len(pages)} > {MAX_PAGES}): not a single department's disclosure",
            )
        for page_no, page in enumerate(pages, start=1):
            heights[page_no] = float(page.height)
            try:
                tables, lines, chars, cids = _read_page(page, page_no)
            except ReadError:
                raise
            except Exception as e:
                if no_eof:
                    raise ReadError("unreadable", f"{TRUNCATED}（第 {page_no} 页 / page {page_no}）") from e
                raise ReadError(
                    "unreadable", f"第 {page_no} 页无法解析 / page {page_no} cannot be parsed: {type(e).__name__}: {e}"
                ) from e
            finally:
                page.close()
            page_tables.extend(tables)
            all_lines.extend(lines)
            page_text[page_no] = [ln.text for ln in lines if not is_page_furniture(ln, heights[page_no])]
            n_chars += chars
            n_cid += cids
        page_count = len(pages)

    if n_chars == 0:
        raise ReadError("scanned", "无文本层（扫描件）/ no text layer (scanned)")
    if n_cid > 0.5 * n_chars:
        raise ReadError(
            "unreadable",
            f"文字无法解码：{n_cid}/{n_chars} 个字符是 (cid:NN)，字体缺少编码表 / "
            "undecodable fonts: text is mostly (cid:NN)",
        )

    carry_foot_captions(page_tables, page_text)
    grids = join_continued(page_tables)
    out: list[Grid] = []
    for i, t in enumerate(grids):
        out.append(
            Grid(index=i, cells=_cells_frame(t), before=t.before, after=t.after, pages=sorted(set(t.pages)))
        )
    paragraphs = [
        Paragraph(index=i, text=text, page=page) for i, (text, page) in enumerate(lines_to_paragraphs(all_lines, heights))
    ]
    return ReadResult(grids=out, paragraphs=paragraphs, page_count=page_count, producer=producer)


def _meta_text(v: object) -> str | None:
    if v is None:
        return None
    if isinstance(v, bytes):
        for enc in ("utf-16", "utf-8", "latin-1"):
            try:
                v = v.decode(enc)
                break
            except UnicodeDecodeError:
                continue
    s = str(v).strip().strip("\x00")
    return s or None


def _read_page(page: pdfplumber.page.Page, page_no: int) -> tuple[list[PageTable], list[Line], int, int]:
    """Tables and text lines of one page, plus (chars, cid chars) counts."""
    chars = page.chars
    n_chars = sum(1 for c in chars if c["text"].strip())
    n_cid = sum(1 for c in chars if CID_RE.fullmatch(c["text"]))
    if n_chars == 0:
        return [], [], 0, 0
    if any(c["x0"] < -1 or c["top"] < -1 or c["x1"] > page.width + 1 or c["bottom"] > page.height + 1 for c in chars):
        # objects drawn outside the visible page (WPS spreadsheet overflow) are not printed: keep
        # only those whose centre is on the page (a title straddling the bottom edge belongs to the next)
        x0, top, x1, bottom = page.bbox
        page = page.filter(
            lambda o: o.get("object_type") != "char"
            or (x0 <= (o["x0"] + o["x1"]) / 2 <= x1 and top <= (o["top"] + o["bottom"]) / 2 <= bottom)
        ).crop(page.bbox, strict=False)
    words = page.extract_words(keep_blank_chars=False, x_tolerance=1.5, y_tolerance=2)
    tables = ruled_tables(page, page_no, words)
    outside = [w for w in words if not any(t.contains(w) for t in tables)]
    lines = build_lines(outside, page_no)
    if not tables:  # no rules drawn: look for column-aligned amounts (runs split at 1.5-char gaps)
        tables, _ = unruled_tables(build_lines(outside, page_no, gap_chars=1.5), page, page_no)
        if tables:
            lines = [ln for ln in lines if not any(t.contains(vars(ln)) for t in tables)]
    # assign the text lines between tables as `before` / `after`
    body = [ln for ln in lines if not is_page_furniture(ln, page.height)]
    prev_bottom = 0.0
    for k, t in enumerate(tables):
        top, bottom = (t.area[1], t.area[3]) if t.area else (t.top, t.bottom)
        nxt = tables[k + 1] if k + 1 < len(tables) else None
        nxt_top = (nxt.area[1] if nxt.area else nxt.top) if nxt else page.height + 1
        above = [ln for ln in body if prev_bottom - 1 <= ln.top and ln.bottom <= top + 1]
        t.before = [ln.text for ln in (above if k else lines_before(above))] + t.before
        below = [ln for ln in body if bottom - 1 <= ln.top and ln.bottom <= nxt_top + 1]
        t.after = t.after + [ln.text for ln in (below if nxt else lines_after(below))]
        prev_bottom = bottom
    return tables, lines, n_chars, n_cid


def _cells_frame(t: PageTable) -> pl.DataFrame:
    rows = t.cells
    if not rows:
        return pl.DataFrame(schema=GRID_COLUMNS)
    data = {k: [c[i] for c in rows] for i, k in enumerate(GRID_COLUMNS)}
    return pl.DataFrame(data, schema=GRID_COLUMNS)
