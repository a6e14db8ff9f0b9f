"""A batch of bad files through `extract_many`: each ends as a document with a clear status and
error, within the time limit, while a good file in the same batch is read in full."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest

from extract import extract_many
from extract.pdf import MAX_PAGES
from tests.fixtures import bad_files as bf
from tests.shared_inputs import CORPUS

SHANGHAI = CORPUS / "renwu/001_上海/2026年上海市交通运输局_部门预算.pdf"



def _processes_mentioning(text: str) -> list[str]:
    found = []
    for pid in os.listdir("/proc"):
        if pid.isdigit() and int(pid) != os.getpid():
            try:
                cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().decode("utf-8", "replace")
            except OSError:
                continue
            if text in cmdline:
                found.append(cmdline.replace("\0", " "))
    return found


@pytest.fixture
def good_pdf(tmp_path: Path) -> Path:
    if not SHANGHAI.is_file():
        pytest.skip(f"real corpus file absent (expected beside the repo): {SHANGHAI}")
    return Path(shutil.copyfile(SHANGHAI, tmp_path / "上海市交通运输局.pdf"))


@pytest.mark.slow
def test_bad_files_in_one_batch(tmp_path: Path, good_pdf: Path, monkeypatch):
    monkeypatch.setenv("PATH", f"{bf.hanging_soffice(tmp_path / 'bin').parent}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("BUDGETQA_CONVERT_TIMEOUT", "2")  # LibreOffice that hangs is given up after 2 s
    monkeypatch.setenv("BUDGETQA_HOME", str(tmp_path / "home"))
    cut = tmp_path / "cut.pdf"
    cut.write_bytes(SHANGHAI.read_bytes()[: SHANGHAI.stat().st_size // 2])
    (tmp_path / "empty.pdf").write_bytes(b"")
    (tmp_path / "error.pdf").write_text(
        "<!DOCTYPE html><html><head><title>404 Not Found</title></head><body>页面不存在</body></html>", "utf-8"
    )
    (tmp_path / "image.pdf").write_bytes(bf.PNG_1PX)
    (tmp_path / "photo.docx").write_bytes(bf.JPEG_HEAD)
    files = {
        "good": good_pdf,
        "copy": Path(shutil.copyfile(good_pdf, tmp_path / "副本.pdf")),
        "empty": tmp_path / "empty.pdf",
        "cut": cut,
        "locked": bf.encrypted_pdf(tmp_path / "locked.pdf"),
        "html": tmp_path / "error.pdf",
        "png": tmp_path / "image.pdf",
        "jpeg": tmp_path / "photo.docx",
        "huge": bf.many_pages_pdf(tmp_path / "huge.pdf", 3000),
        "bomb": bf.zip_bomb(tmp_path / "附件.zip"),
        "hang": bf.ole_doc_stub(tmp_path / "hang.doc"),
        "broken": bf.corrupt_docx(tmp_path / "broken.docx"),
        "missing": tmp_path / "gone.pdf",
    }
    docs = extract_many(list(files.values()), workers=2, timeout=120)
    assert len(docs) == len(files)  # one document per file, in order
    by = dict(zip(files, docs, strict=True))
    for name, doc in by.items():
        assert doc.source.path == str(files[name])

    good = by["good"]
    assert good.status == "ok" and good.error is None and good.duplicate_of is None
    # filed as 上海市交通运输局 in the corpus, the content is another unit's: the content wins
    assert good.department == "上海交通职业技术学院" and good.year == 2026 and good.kind == "budget"
    assert {"fiscal_summary", "gpb_expenditure", "three_public"} <= {t.kind for t in good.tables}
    copy = by["copy"]
    assert copy.duplicate_of == str(good_pdf) and copy.source.sha256 == good.source.sha256
    assert copy.status == "ok" and [t.kind for t in copy.tables] == [t.kind for t in good.tables]
    assert copy.to_report()["duplicate_of"] == str(good_pdf)

    expected = {
        "empty": ("unreadable", "空文件"),
        "cut": ("unreadable", "截断"),
        "locked": ("unreadable", "加密"),
        "html": ("unreadable", "HTML"),
        "png": ("scanned", "PNG 图片"),
        "jpeg": ("scanned", "JPEG 图片"),
        "huge": ("unsupported", f"页数过多（3000 页，上限 {MAX_PAGES} 页）"),
        "bomb": ("unreadable", "压缩比过高"),
        "hang": ("unreadable", "LibreOffice 转换超时（2 秒）"),
        "broken": ("unreadable", "ZIP 结构"),
        "missing": ("unreadable", "无法打开文件"),
    }
    for name, (status, words) in expected.items():
        doc = by[name]
        assert (doc.status, doc.tables) == (status, []), (name, doc.status, doc.error)
        assert words in doc.error and re.search(r"/ [A-Za-z]", doc.error), (name, doc.error)  # Chinese / English
    assert by["broken"].source.format == "docx" and by["png"].source.format == "image"
    assert _processes_mentioning(str(tmp_path)) == []  # no LibreOffice stand-in, no worker left


@pytest.mark.slow
def test_a_document_past_the_time_limit_is_abandoned(tmp_path: Path, monkeypatch):
    """A reader stuck for good (LibreOffice that never returns) is killed with everything it started."""
    script = bf.hanging_soffice(tmp_path / "bin")
    monkeypatch.setenv("PATH", f"{script.parent}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("BUDGETQA_CONVERT_TIMEOUT", "3600")
    monkeypatch.setenv("BUDGETQA_HOME", str(tmp_path / "home"))
    ok = tmp_path / "ok.pdf"
    ok.write_bytes(bf.text_pdf(b"BT /F1 12 Tf 72 700 Td (2021 budget) Tj ET"))
    hang, fine = extract_many([bf.ole_doc_stub(tmp_path / "stuck.doc"), ok], workers=1, timeout=4)
    assert hang.status == "unreadable" and hang.source.format == "doc"
    assert "读取超时（超过 4 秒）" in hang.error and "longer than 4s" in hang.error
    assert fine.status in ("ok", "not_a_disclosure") and [p.text for p in fine.paragraphs] == ["2021 budget"]
    assert _processes_mentioning(str(script)) == []  # the stuck soffice went with its worker


def test_in_process_mode_reads_duplicates_once(tmp_path: Path):
    a = tmp_path / "a.pdf"
    a.write_bytes(bf.text_pdf(b"BT /F1 12 Tf 72 700 Td (2021 budget) Tj ET"))
    b = Path(shutil.copyfile(a, tmp_path / "b.pdf"))
    first, second = extract_many([a, b], workers=0)
    assert first.duplicate_of is None and second.duplicate_of == str(a)
    assert second.source.path == str(b) and second.paragraphs == first.paragraphs
