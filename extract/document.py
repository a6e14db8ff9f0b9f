"""One published file → its `Document`s with standard tables, paragraphs and facts.

`extract_file` sniffs the format from the bytes (domain.formats), dispatches to the format readers
(extract.pdf/docx/xlsx/html; .doc/.xls through LibreOffice), normalises the grids
(extract.tables), reads the document facts (extract.facts) and sets the status. It never
raises: a file it cannot read becomes a Document with status ≠ 'ok' and a zh/en error.
"""

from __future__ import annotations

import os
import re
import tempfile
import zipfile
from pathlib import Path

import polars as pl

from domain.formats import BINARY_FORMATS, image_type, sniff_format
from domain.model import Document, SourceFile
from extract.detect import MAX_DEPTH, UnsafeArchive, file_sha256, unpack_zip
from extract.grid import ReadError, ReadResult

# A file without tables is a disclosure only if its opening names one (a notice that merely
# mentions 预算 once — 杭州's 消防 notice filed as a 部门预算 — is not).
_BUDGET_WORDS = re.compile(r"(部门|单位)\s*\d*\s*年?度?\s*(预|决)算|(预|决)算(信息)?公开|(预|决)算(编制)?(情况)?的?说明|收支(预|决)算|财政拨款")


def _cache_dir() -> Path:
    return Path(os.environ.get("BUDGETQA_HOME", "var")) / "cache" / "converted"


def _convert_timeout() -> float:
    """Seconds a LibreOffice conversion may take (BUDGETQA_CONVERT_TIMEOUT, default 120)."""
    return float(os.environ.get("BUDGETQA_CONVERT_TIMEOUT", "120"))


def read_any(path: Path, fmt: str) -> ReadResult:
    """Dispatch to the reader for `fmt` (imported lazily); raises ReadError."""
    try:
        if fmt == "pdf":
            from extract.pdf import read_pdf

            return read_pdf(path)
        if fmt in ("docx", "doc"):
            from extract.docx import read_docx

            if fmt == "doc":
                from extract.convert import convert_with_libreoffice

                path = convert_with_libreoffice(path, "docx", _cache_dir(), timeout=_convert_timeout())
            return read_docx(path)
        if fmt in ("xlsx", "xls"):
            from extract.xlsx import read_xlsx

            if fmt == "xls":
                from extract.convert import convert_with_libreoffice

                path = convert_with_libreoffice(path, "xlsx", _cache_dir(), timeout=_convert_timeout())
            return read_xlsx(path)
        if fmt == "html":
            from extract.html import read_html

            return read_html(path)
    except ImportError as e:
        raise ReadError("unsupported", f"缺少 {fmt} 格式的读取模块 / no reader for {fmt}: {e}") from e
    raise ReadError("unsupported", f"不支持的文件格式 / unsupported format: {fmt}")


def _fail(doc: Document, status: str, error: str) -> list[Document]:
    doc.status, doc.error = status, error
    return [doc]


def extract_file(path: Path, url: str | None = None, _depth: int = 0, _display: str | None = None) -> list[Document]:
    """One file → its Documents (several for a ZIP of attachments). Never raises."""
    path = Path(path)
    display = _display or str(path)
    doc = Document(source=SourceFile(path=display, sha256="", format="unknown", url=url))
    try:
        doc.source.sha256 = file_sha256(path)
        fmt = sniff_format(path)
    except OSError as e:
        return _fail(doc, "unreadable", f"无法打开文件 / cannot open file: {e}")
    doc.source.format = fmt
    if fmt == "empty":
        return _fail(doc, "unreadable", "空文件（0 字节）/ empty file (0 bytes)")
    if fmt == "unknown":
        return _fail(doc, "unsupported", "无法识别的文件格式（不是 PDF/Word/Excel/HTML）/ unrecognised file format")
    claimed = path.suffix.lower().lstrip(".")
    if fmt == "image":
        with open(path, "rb") as fh:
            kind = image_type(fh.read(16)) or "image"
        return _fail(doc, "scanned", f"文件是 {kind} 图片（文件名为 .{claimed}），没有文本层，无法读取表格 / "
                                     f"the file is a {kind} image (named .{claimed}): no text to read")
    if fmt == "corrupt_zip":
        doc.source.format = claimed if claimed in ("docx", "xlsx", "zip") else "zip"
        return _fail(doc, "unreadable", f"文件损坏：.{claimed} 应为 ZIP 结构，但目录无法读取（文件不完整或已损坏）/ "
                                        f"corrupt file: a .{claimed} is a ZIP container but its directory cannot be read")
    if fmt == "zip":
        return _extract_zip(path, url, _depth, doc)
    if fmt == "html" and claimed in BINARY_FORMATS:
        return _fail(doc, "unreadable", f"文件名为 .{claimed}，内容却是 HTML 网页（多半是门户返回的错误页）"
                                        f" / named .{claimed} but the content is an HTML page (likely an error page)")
    try:
        result = read_any(path, fmt)
        _fill(doc, result)
    except ReadError as e:
        return _fail(doc, e.status, e.reason)
    except MemoryError:  # over the worker's address-space limit (extract.batch)
        doc.tables, doc.paragraphs = [], []
        return _fail(doc, "unreadable", over_memory_reason(memory_limit_mb()))
    except Exception as e:  # noqa: BLE001 — a bad file must not stop the batch
        return _fail(doc, "unreadable", f"提取失败 / extraction failed: {type(e).__name__}: {e}")
    return [doc]


def _fill(doc: Document, result: ReadResult) -> None:
    from extract.facts import document_facts
    from extract.tables import normalise_grids

    doc.paragraphs = list(result.paragraphs)
    doc.page_count = result.page_count
    doc.tables = normalise_grids(result.grids)
    context = [line for g in result.grids for line in g.before]
    facts = document_facts(doc.paragraphs, doc.tables, doc.source.path, context=context)
    for key, value in facts.items():
        setattr(doc, key, value)
    text = " ".join([p.text for p in doc.paragraphs[:60]] + context)
    if not doc.tables and not _BUDGET_WORDS.search(text):
        doc.status = "not_a_disclosure"
        doc.error = "未找到预算公开表格或预算文字 / no budget tables or budget text found"
    elif is_government_report(doc):
        doc.status = "not_a_disclosure"
        doc.error = ("政府预算/决算报告（向人大的报告），不是部门预算或部门决算公开 / "
                     "a government's budget or final-accounts report to the congress, not a department's disclosure")
    elif is_blank_template(doc):
        doc.status = "not_a_disclosure"
        doc.error = "空白模板：表格没有金额，文字留有 XX 占位 / a blank template: no amounts, XX placeholders"


_PLACEHOLDER = re.compile(r"X{2,}|×{2,}")
# The title of a government's report to the people's congress: '关于…2023年决算草案和2024年上半年预算执行情况的报告'
_GOVERNMENT_REPORT = re.compile(r"^关于.{0,40}(预算执行情况|预算草案|决算草案|财政决算).{0,40}的报告")
_CONGRESS = re.compile(r"人民代表大会|人大常委会|各位代表|各位委员")


def is_government_report(doc: Document) -> bool:
    """The report a finance bureau makes to the people's congress on the whole government's budget
    (its title starts '关于…预算执行情况/预算草案/决算草案…的报告' and it addresses the congress)."""
    head = [p.text for p in doc.paragraphs[:12]]
    title = re.sub(r"\s+", "", "".join(head[:3]))
    return bool(_GOVERNMENT_REPORT.search(title)) and any(_CONGRESS.search(t) for t in head)


def is_blank_template(doc: Document) -> bool:
    """Tables that print no amount at all, and placeholder text (XX局, XXX万元) in the narrative or
    tables: a template published or filed by mistake, not a department's disclosure."""
    if not doc.tables or any(t.cells.filter(pl.col("value").is_not_null()).height for t in doc.tables):
        return False
    texts = [p.text for p in doc.paragraphs] + [t.title for t in doc.tables]
    return sum(len(_PLACEHOLDER.findall(t)) for t in texts) >= 3


def _extract_zip(path: Path, url: str | None, depth: int, doc: Document) -> list[Document]:
    if depth >= MAX_DEPTH:
        return _fail(doc, "unsupported", "压缩包嵌套过深 / archive nested too deeply")
    docs: list[Document] = []
    with tempfile.TemporaryDirectory(prefix="budgetqa-zip-") as tmp:
        try:
            members = unpack_zip(path, Path(tmp))
        except UnsafeArchive as e:
            return _fail(doc, "unreadable", str(e))
        except (zipfile.BadZipFile, OSError, RuntimeError, EOFError) as e:
            return _fail(doc, "unreadable", f"压缩包损坏或加密 / corrupt or encrypted archive: {e}")
        for member in members:
            member_url = f"{url}#{member.name}" if url else None
            for d in extract_file(member.path, member_url, depth + 1, f"{doc.source.path}!/{member.name}"):
                if d.source.format in ("unknown", "empty", "image"):
                    continue  # readme.txt, thumbs.db, a logo … are not documents
                docs.append(d)
    return docs or _fail(doc, "unsupported", "压缩包内没有可读的公开文件 / no readable document in the archive")


def memory_limit_mb() -> int | None:
    """This process's address-space limit in MiB, if one is set."""
    import resource

    soft, _hard = resource.getrlimit(resource.RLIMIT_AS)
    return None if soft == resource.RLIM_INFINITY else soft >> 20


def over_memory_reason(limit_mb: int | None) -> str:
    limit = f"{limit_mb} MiB" if limit_mb else "?"
    return (f"读取所需内存超出上限（{limit}），已放弃 / gave up: reading needs more memory than the limit ({limit}); "
            "文件可能是恶意构造的 / the file may be hostile")
