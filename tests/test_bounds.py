"""Bounded resources and no secrets: DOCX/XLSX zip bombs refused from the ZIP directory, a worker
over its memory limit gives up on that file alone, a run left by a killed process is closed as
failed (DuckDB and a real PostgreSQL), and a warehouse password never printed.
Files built here with python-docx / openpyxl / zipfile; real worker processes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import openpyxl
import pytest
from docx import Document as DocxDocument

from extract import extract_many
from extract.detect import MAX_OFFICE_MEMBER_BYTES
from warehouse import Warehouse

try:
    from tests.pg import postgres_server, postgres_url  # noqa: F401
except ImportError:  # tests/ on sys.path rather than a package
    from pg import postgres_server, postgres_url  # noqa: F401

REPO = Path(__file__).resolve().parents[1]
SEED_DOCX = REPO / "demo" / "files" / "杜集区政府办公室2021年部门预算.docx"


def rewrite_member(path: Path, member: str, insert_before: bytes, filler: bytes, size: int,
                   compression: int = zipfile.ZIP_DEFLATED) -> None:
    """Copy the package with `member` grown to about `size` bytes of valid XML: `filler` repeated
    just before `insert_before` (the body's or the sheet data's closing tag)."""
    tmp = path.with_suffix(".tmp")
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == member:
                head, tail = data.rsplit(insert_before, 1)
                data = head + filler * (size // len(filler)) + insert_before + tail
                dst.writestr(info.filename, data, compress_type=compression)
            else:
                dst.writestr(info, data)
    tmp.replace(path)


def docx_bomb(path: Path, size: int, compression: int = zipfile.ZIP_DEFLATED) -> Path:
    doc = DocxDocument()
    doc.add_paragraph("某部门2024年部门预算")
    table = doc.add_table(rows=2, cols=2)
    table.cell(0, 0).text, table.cell(0, 1).text = "项目", "金额"
    table.cell(1, 0).text, table.cell(1, 1).text = "合计", "100.00"
    doc.save(str(path))
    rewrite_member(path, "word/document.xml", b"<w:sectPr", b"<w:p><w:r><w:t>0</w:t></w:r></w:p>", size, compression)
    return path


def xlsx_bomb(path: Path, size: int) -> Path:
    wb = openpyxl.Workbook()
    wb.active.append(["项目", "金额"])
    wb.active.append(["合计", 100])
    wb.save(str(path))
    rewrite_member(path, "xl/worksheets/sheet1.xml", b"</sheetData>", b'<row><c t="inlineStr"><is><t>0</t></is></c></row>',
                   size)
    return path


def test_docx_and_xlsx_bombs_are_refused_and_the_batch_goes_on(tmp_path: Path) -> None:
    size = MAX_OFFICE_MEMBER_BYTES + (8 << 20)
    docx = docx_bomb(tmp_path / "bomb.docx", size)
    xlsx = xlsx_bomb(tmp_path / "bomb.xlsx", size)
    assert docx.stat().st_size < 2 << 20 and xlsx.stat().st_size < 2 << 20  # small on disk, > 64 MB inflated
    started = time.monotonic()
    bomb_docx, bomb_xlsx, good = extract_many([docx, xlsx, SEED_DOCX], workers=2, timeout=120, memory_mb=3072)
    assert time.monotonic() - started < 60  # refused from the directory, never parsed
    for doc, part in ((bomb_docx, "word/document.xml"), (bomb_xlsx, "xl/worksheets/sheet1.xml")):
        assert doc.status == "unreadable", doc.error
        assert part in doc.error and "疑似压缩炸弹" in doc.error and "zip bomb" in doc.error
    assert good.status == "ok" and good.department == "杜集区政府办公室" and good.tables


def test_a_part_compressed_too_well_is_refused(tmp_path: Path) -> None:
    """Under the size limit, but 1000:1: the ratio bound refuses it."""
    (doc,) = extract_many([docx_bomb(tmp_path / "ratio.docx", 8 << 20)], workers=1)
    assert doc.status == "unreadable" and "压缩比" in doc.error and "over the 200:1 limit" in doc.error


def test_a_worker_over_its_memory_limit_gives_up_on_that_file_alone(tmp_path: Path) -> None:
    """Within the package bounds (stored, 60 MB of XML) but parsing needs more than the worker may use."""
    heavy = docx_bomb(tmp_path / "heavy.docx", 60 << 20, compression=zipfile.ZIP_STORED)
    started = time.monotonic()
    heavy_doc, good = extract_many([heavy, SEED_DOCX], workers=1, timeout=120, memory_mb=700)
    assert time.monotonic() - started < 90
    assert heavy_doc.status == "unreadable"
    assert "内存" in heavy_doc.error and "700 MiB" in heavy_doc.error, heavy_doc.error
    assert good.status == "ok" and good.tables  # the next file, in the same or a new worker


def run_holder(url: str, run_id: str) -> subprocess.Popen:
    """Another process that starts a run and keeps it open until killed."""
    code = ("import sys, time; from warehouse import Warehouse; "
            "wh = Warehouse.open(sys.argv[1], transient=True); wh.start_run(sys.argv[2]); "
            "print('started', flush=True); time.sleep(300)")
    proc = subprocess.Popen([sys.executable, "-c", code, url, run_id], cwd=REPO, stdout=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONPATH": str(REPO)})
    assert proc.stdout.readline().strip() == "started"
    return proc


@pytest.fixture(params=["duckdb", "postgresql"])
def url(request, tmp_path: Path) -> str:
    if request.param == "duckdb":
        return f"duckdb:///{tmp_path / 'wh.duckdb'}"
    return request.getfixturevalue("postgres_url")


def test_a_run_left_by_a_killed_process_is_closed_as_failed(url: str) -> None:
    killed, live = run_holder(url, "run-killed"), run_holder(url, "run-live")
    try:
        os.kill(killed.pid, signal.SIGKILL)
        killed.wait(30)
        time.sleep(0.5)  # PostgreSQL notices the closed connection and frees its lock
        with Warehouse.open(url) as wh:
            wh.start_run("run-next")
            status = {r["id"]: (r["status"], r["error"]) for r in wh.runs()}
            assert status["run-killed"][0] == "failed" and "ended before the run finished" in status["run-killed"][1]
            assert status["run-live"] == ("running", None)  # its process is alive: left alone
            assert status["run-next"] == ("running", None)
            wh.finish_run("run-next", {"documents": 0})
            assert {r["id"]: r["status"] for r in wh.runs()}["run-next"] == "finished"
    finally:
        for proc in (killed, live):
            if proc.poll() is None:
                proc.kill()
            proc.wait(30)


def test_a_warehouse_password_is_never_printed(tmp_path: Path) -> None:
    secret = "s3cr%40tPw"
    bad = f"postgresql://budget:{secret}@127.0.0.1:1/warehouse?password={secret}"
    for args in (["check", str(SEED_DOCX), "--warehouse", bad], ["report", "--out", str(tmp_path), "--warehouse", bad]):
        done = subprocess.run([sys.executable, "-m", "budgetqa", *args], cwd=REPO, capture_output=True, text=True,
                              timeout=120)
        assert done.returncode == 2
        text = done.stdout + done.stderr
        assert "cannot open the warehouse postgresql://budget:***@127.0.0.1:1/warehouse?password=***" in text
        assert secret not in text and "s3cr@tPw" not in text
