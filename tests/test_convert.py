"""convert_with_libreoffice: real soffice runs, cache hits, timeouts that leave no process, bad input."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

from extract.convert import convert_with_libreoffice
from extract.grid import ReadError
from tests.fixtures.seed_files import seed_files  # noqa: F401


def _processes_mentioning(text: str) -> list[int]:
    found = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().decode("utf-8", "replace")
        except OSError:
            continue
        if text in cmdline:
            found.append(int(pid))
    return found


@pytest.mark.slow
def test_docx_to_pdf_then_cache_hit(seed_files, tmp_path, monkeypatch):  # noqa: F811
    cache = tmp_path / "cache"
    pdf = convert_with_libreoffice(seed_files.docx, "pdf", cache)
    assert pdf.read_bytes().startswith(b"%PDF") and pdf.parent == cache
    # a second call must not run LibreOffice: with no soffice on PATH it still answers from the cache
    monkeypatch.setenv("PATH", str(tmp_path / "nothing-here"))
    assert convert_with_libreoffice(seed_files.docx, "pdf", cache) == pdf
    with pytest.raises(ReadError) as info:  # while an uncached conversion needs soffice
        convert_with_libreoffice(seed_files.xlsx, "pdf", cache)
    assert info.value.status == "unsupported" and "LibreOffice" in info.value.reason


@pytest.mark.slow
def test_timeout_kills_the_process_group(seed_files, tmp_path, monkeypatch):  # noqa: F811
    work = tmp_path / "lo-tmp"
    work.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(work))  # the per-run profile lands under `work`
    with pytest.raises(ReadError) as info:
        convert_with_libreoffice(seed_files.docx, "pdf", tmp_path / "cache", timeout=0.3)
    assert (
        info.value.status == "unreadable" and "超时" in info.value.reason and "timed out" in info.value.reason
    )
    assert _processes_mentioning(str(work)) == []
    assert list(work.iterdir()) == []  # profile and output directories removed
    assert not (tmp_path / "cache").exists() or not list((tmp_path / "cache").iterdir())


def test_binary_garbage_is_refused_without_running_soffice(tmp_path):
    path = tmp_path / "junk.doc"
    path.write_bytes(bytes(range(256)) * 8)
    with pytest.raises(ReadError) as info:
        convert_with_libreoffice(path, "docx", tmp_path / "cache")
    assert info.value.status == "unreadable" and "无法识别" in info.value.reason


@pytest.mark.slow
def test_corrupt_ole_file_fails_cleanly(tmp_path):
    path = tmp_path / "broken.xls"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + os.urandom(4096))
    with pytest.raises(ReadError) as info:
        convert_with_libreoffice(path, "xlsx", tmp_path / "cache", timeout=60)
    assert info.value.status == "unreadable" and "LibreOffice" in info.value.reason


def test_missing_empty_and_unknown_target(tmp_path):
    with pytest.raises(ReadError):
        convert_with_libreoffice(tmp_path / "absent.doc", "docx", tmp_path)
    empty = tmp_path / "empty.doc"
    empty.write_bytes(b"")
    with pytest.raises(ReadError) as info:
        convert_with_libreoffice(empty, "docx", tmp_path)
    assert "为空" in info.value.reason
    with pytest.raises(ValueError):
        convert_with_libreoffice(empty, "odt", tmp_path)
