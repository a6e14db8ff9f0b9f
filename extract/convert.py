"""Format conversion with LibreOffice headless (legacy .doc/.xls → .docx/.xlsx, DOCX → PDF).

Each conversion runs `soffice` in its own process group with a throw-away user profile (so
concurrent conversions do not fight over one profile lock), is killed as a group on timeout,
and the result is cached by the input's sha256: converting the same bytes twice is a cache hit.
Any failure raises `ReadError("unreadable", …)` with a Chinese + English reason.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

from extract.detect import file_sha256
from extract.grid import ReadError

# target → LibreOffice --convert-to argument (filter names pin the output format).
FILTERS: dict[str, str] = {
    "pdf": "pdf",
    "docx": "docx:MS Word 2007 XML",
    "xlsx": "xlsx:Calc MS Excel 2007 XML",
    "doc": "doc:MS Word 97",
    "xls": "xls:MS Excel 97",
}

# Import filters forced for legacy binary Office files.
_OLE_FILTERS: dict[str, str] = {".doc": "MS Word 97", ".xls": "MS Excel 97"}

# Leading bytes of inputs LibreOffice can meaningfully open.
_MAGIC: tuple[bytes, ...] = (
    b"\xd0\xcf\x11\xe0",  # OLE2: .doc, .xls, .ppt (also encrypted OOXML)
    b"PK\x03\x04",  # OOXML / ODF zip
    b"{\\rtf",  # RTF (often saved as .doc)
    b"%PDF",
    b"\xef\xbb\xbf",  # UTF-8 BOM: HTML / text saved as .doc/.xls
    b"\xff\xfe",
    b"\xfe\xff",
)


# Process groups of the LibreOffice runs in progress in this process (killed if we are stopped).
_ACTIVE: set[int] = set()


def kill_active() -> None:
    """Kill every LibreOffice process group this process started and has not reaped."""
    for pgid in list(_ACTIVE):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(pgid, signal.SIGKILL)
        _ACTIVE.discard(pgid)


def soffice_binary() -> str:
    found = shutil.which("soffice") or shutil.which("libreoffice")
    if not found:
        raise ReadError(
            "unsupported", "未安装 LibreOffice，无法转换此格式 / LibreOffice (soffice) is not installed"
        )
    return found


def _looks_convertible(head: bytes) -> bool:
    if head.startswith(_MAGIC):
        return True
    # HTML / XML (SpreadsheetML, "xls" pages exported by portals) or plain text.
    stripped = head.lstrip()
    if stripped[:1] == b"<":
        return True
    for enc in ("utf-8", "gb18030"):
        try:
            head.decode(enc)
            return b"\x00" not in head
        except UnicodeDecodeError:
            continue
    return False


def convert_with_libreoffice(path: Path, target: str, cache_dir: Path, timeout: float = 120) -> Path:
    """Convert `path` to `target` ('pdf' | 'docx' | 'xlsx' | 'doc' | 'xls'); return the cached result."""
    path = Path(path)
    if target not in FILTERS:
        raise ValueError(f"unknown conversion target {target!r}; expected one of {sorted(FILTERS)}")
    if not path.is_file():
        raise ReadError("unreadable", f"文件不存在 / file not found: {path}")
    size = path.stat().st_size
    if size == 0:
        raise ReadError("unreadable", "文件为空 / the file is empty")
    with path.open("rb") as f:
        head = f.read(4096)
    if not _looks_convertible(head):
        raise ReadError(
            "unreadable",
            f"文件内容无法识别，不是有效的 Office/文本文件 / unrecognised content, not an Office or text file: {path.name}",
        )

    cache_dir = Path(cache_dir)
    cache_dir.mkdir(parents=True, exist_ok=True)
    cached = cache_dir / f"{file_sha256(path)}.{target}"
    if cached.is_file() and cached.stat().st_size > 0:
        return cached

    soffice = soffice_binary()
    with tempfile.TemporaryDirectory(prefix="budgetqa-lo-") as tmp:
        tmpdir = Path(tmp)
        profile, outdir, workdir = tmpdir / "profile", tmpdir / "out", tmpdir / "in"
        outdir.mkdir()
        workdir.mkdir()
        # A plain ASCII name avoids quoting/encoding surprises; keep the suffix LibreOffice uses to sniff.
        src = workdir / f"input{path.suffix.lower()}"
        shutil.copyfile(path, src)
        cmd = [
            soffice,
            f"-env:UserInstallation={profile.as_uri()}",
            "--headless",
            "--invisible",
            "--norestore",
            "--nolockcheck",
            "--nodefault",
            "--convert-to",
            FILTERS[target],
            "--outdir",
            str(outdir),
            str(src),
        ]
        if head.startswith(_MAGIC[0]) and path.suffix.lower() in _OLE_FILTERS:
            # a damaged OLE file would otherwise be "converted" by LibreOffice's text import
            cmd.insert(1, f"--infilter={_OLE_FILTERS[path.suffix.lower()]}")
        env = {**os.environ, "HOME": str(tmpdir), "SAL_USE_VCLPLUGIN": "svp"}
        proc = subprocess.Popen(
            cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True, env=env, cwd=tmpdir
        )
        _ACTIVE.add(proc.pid)
        try:
            out, err = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            _kill_group(proc)
            raise ReadError(
                "unreadable",
                f"LibreOffice 转换超时（{timeout:g} 秒）/ LibreOffice conversion to {target} timed out after {timeout:g}s",
            ) from None
        finally:
            _kill_group(proc)  # soffice may leave helpers (oosplash, soffice.bin) behind
            _ACTIVE.discard(proc.pid)
        produced = outdir / f"input.{target}"
        if proc.returncode != 0 or not produced.is_file() or produced.stat().st_size == 0:
            detail = (err or out or b"").decode("utf-8", "replace").strip().splitlines()
            tail = detail[-1] if detail else f"exit code {proc.returncode}"
            raise ReadError(
                "unreadable",
                f"LibreOffice 无法将文件转换为 {target}，文件可能已损坏 / LibreOffice could not convert "
                f"{path.name} to {target}: {tail}",
            )
        partial = cache_dir / f".{cached.name}.{os.getpid()}.part"
        shutil.copyfile(produced, partial)
        os.replace(partial, cached)
    return cached


def _kill_group(proc: subprocess.Popen) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(timeout=10)
