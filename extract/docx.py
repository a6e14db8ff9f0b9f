"""Word (.docx) reader: body paragraphs and tables in document order → `ReadResult`.

Merged cells (gridSpan / vMerge) give their text once, at the top-left grid position, and ''
elsewhere. Publishers often put the title, 部门公开表N and 单位：万元 *inside* the table as
single-cell rows, and notes (注：…) as a last merged row: those rows are reported in
`Grid.before` / `Grid.after` like the paragraphs around the table, not as grid rows.
`address` is 't{table}/r{row}/c{col}' with the table's ordinal among the document's top-level
tables and the row/column in the Word table (0-based), so a person can find the cell.

Tables and paragraphs are put in reading order by extract.flow, shared with the xlsx and html readers.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

from extract.flow import Flow, RawCell
from extract.grid import ReadError, ReadResult, check_office_file


def _open_docx(path: Path):
    import docx
    from docx.opc.exceptions import PackageNotFoundError

    path = check_office_file(
        path,
        "文件是旧版 .doc 或已加密的 Word 文档，无法按 DOCX 读取 / legacy .doc or encrypted Word file, not a DOCX",
    )
    try:
        return docx.Document(str(path))
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError) as e:
        raise ReadError(
            "unreadable", f"DOCX 文件已损坏或不是 Word 文档 / corrupt or not a DOCX file: {e}"
        ) from e
    except Exception as e:  # lxml errors in damaged parts
        raise ReadError(
            "unreadable", f"DOCX 文件无法解析 / cannot parse the DOCX: {type(e).__name__}: {e}"
        ) from e


def _paragraph_text(p_elm, parent) -> str:
    from docx.text.paragraph import Paragraph as DocxParagraph

    return DocxParagraph(p_elm, parent).text


def _cell_text(tc, parent) -> str:
    from docx.oxml.ns import qn

    # all paragraphs of the cell, nested tables and text boxes flattened into lines
    return "\n".join(_paragraph_text(p, parent) for p in tc.iter(qn("w:p")))


def _table_rows(tbl, t_index: int, parent) -> list[list[RawCell]]:
    from docx.oxml.ns import qn

    def val(el, tag: str) -> str | None:
        found = el.find(qn(tag)) if el is not None else None
        return None if found is None else found.get(qn("w:val"))

    rows: list[list[RawCell]] = []
    for r, tr in enumerate(tbl.xpath("./w:tr | ./w:sdt/w:sdtContent/w:tr | ./w:customXml/w:tr")):
        tr_pr = tr.find(qn("w:trPr"))
        row: list[RawCell] = []
        for _ in range(int(val(tr_pr, "w:gridBefore") or 0)):
            row.append(RawCell("", False, f"t{t_index}/r{r}/c{len(row)}"))
        for tc in tr.xpath("./w:tc | ./w:sdt/w:sdtContent/w:tc | ./w:customXml/w:tc"):
            tc_pr = tc.find(qn("w:tcPr"))
            span = max(1, int(val(tc_pr, "w:gridSpan") or 1))
            vmerge_el = tc_pr.find(qn("w:vMerge")) if tc_pr is not None else None
            continued = vmerge_el is not None and vmerge_el.get(qn("w:val")) in (None, "continue")
            col = len(row)
            text = "" if continued else _cell_text(tc, parent)
            row.append(RawCell(text, not continued, f"t{t_index}/r{r}/c{col}", span))
            for k in range(1, span):
                row.append(RawCell("", False, f"t{t_index}/r{r}/c{col + k}"))
        rows.append(row)
    return rows


def read_docx(path: Path) -> ReadResult:
    """Read a .docx: paragraphs and table grids in document order (see module docstring)."""
    from docx.oxml.ns import qn

    document = _open_docx(path)
    flow = Flow()
    t_index = 0

    def walk(container) -> None:
        nonlocal t_index
        for child in container.iterchildren():
            if child.tag == qn("w:p"):
                flow.paragraph(_paragraph_text(child, document))
            elif child.tag == qn("w:tbl"):
                try:
                    rows = _table_rows(child, t_index, document)
                except (ValueError, TypeError) as e:  # malformed spans: keep the rest of the document
                    rows = []
                    flow.paragraph(f"[表格无法读取 / unreadable table t{t_index}: {e}]")
                if rows:
                    flow.table(rows)
                t_index += 1
            elif child.tag in (qn("w:sdt"), qn("w:customXml")):
                content = child.find(qn("w:sdtContent"))
                walk(content if content is not None else child)

    try:
        walk(document.element.body)
    except ReadError:
        raise
    except Exception as e:
        raise ReadError(
            "unreadable", f"DOCX 内容无法解析 / cannot parse the DOCX body: {type(e).__name__}: {e}"
        ) from e
    return flow.result()
