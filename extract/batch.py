"""Extract many files at once: each distinct file once, in parallel, each within a time limit.

`extract_many` hashes every path first; files with the same sha256 are one document read once,
the later copies are reported with `duplicate_of` = the first path. The distinct files run in a
pool of worker processes (fresh interpreters running `_worker`: no forked
polars/pdfminer state, and callers need no `if __name__ == '__main__'` guard). A worker that exceeds
the per-document limit, or dies (a crash, the kernel's OOM killer), is killed together with any
LibreOffice it started and replaced; its document becomes status 'unreadable' with the reason,
and the batch goes on. Results come back in the order of `paths`.
"""

from __future__ import annotations

import contextlib
import copy
import os
import pickle
import selectors
import signal
import struct
import subprocess
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from domain.formats import sniff_format
from domain.model import Document, SourceFile
from extract.detect import file_sha256
from extract.document import extract_file

DEFAULT_TIMEOUT = 300.0  # seconds per document; the slowest real disclosure reads in < 10 s
_GRACE = 3.0
_ROOT = str(Path(__file__).resolve().parents[1])  # seconds between SIGTERM (clean up LibreOffice) and SIGKILL

Progress = Callable[[int, int, str], None]


def _send(fh, obj: object) -> None:
    data = pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
    fh.write(struct.pack(">Q", len(data)) + data)
    fh.flush()


def _worker() -> None:
    """Worker loop (its own interpreter): read (path, url) from stdin, write the Documents."""
    out = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)  # stray prints from libraries must not corrupt the protocol
    sys.stdout = sys.stderr
    from extract.convert import kill_active

    def on_term(signum, frame):  # noqa: ARG001 — the parent gave up on this document
        kill_active()
        os._exit(1)

    signal.signal(signal.SIGTERM, on_term)
    inp = sys.stdin.buffer
    while True:
        head = inp.read(8)
        if len(head) < 8:
            return
        path, url = pickle.loads(inp.read(struct.unpack(">Q", head)[0]))
        try:
            result: object = extract_file(Path(path), url=url)
            _send(out, result)
        except Exception as e:  # noqa: BLE001 — e.g. a result that cannot be pickled
            _send(out, f"{type(e).__name__}: {e}")


@dataclass
class _Slot:
    proc: subprocess.Popen
    buf: bytearray = field(default_factory=bytearray)
    task: int | None = None  # index into the list of paths
    deadline: float = 0.0

    def message(self) -> object | None:
        """The complete message in the buffer, if one has arrived."""
        if len(self.buf) < 8:
            return None
        n = struct.unpack(">Q", self.buf[:8])[0]
        if len(self.buf) < 8 + n:
            return None
        obj = pickle.loads(bytes(self.buf[8 : 8 + n]))
        del self.buf[: 8 + n]
        return obj


def _start() -> _Slot:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [_ROOT, os.environ.get("PYTHONPATH")]))}
    proc = subprocess.Popen(
        [sys.executable, "-c", "from extract.batch import _worker; _worker()"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env, bufsize=0
    )
    os.set_blocking(proc.stdout.fileno(), False)
    return _Slot(proc)


def _stop(slot: _Slot, *, force: bool) -> None:
    proc = slot.proc
    with contextlib.suppress(OSError):
        proc.stdin.close()  # a idle worker exits on EOF
    if force and proc.poll() is None:
        proc.terminate()  # SIGTERM: the worker kills its LibreOffice, then exits
    try:
        proc.wait(_GRACE)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    proc.stdout.close()


def _failed(path: str, url: str | None, sha: str, status: str, error: str) -> Document:
    fmt = "unknown"
    with contextlib.suppress(Exception):  # only a label for the report
        fmt = sniff_format(Path(path))
    return Document(source=SourceFile(path=path, sha256=sha, format=fmt, url=url), status=status, error=error)


def extract_many(
    paths: Iterable[Path | str],
    urls: dict[str, str] | None = None,
    workers: int = 2,
    timeout: float = DEFAULT_TIMEOUT,
    progress: Progress | None = None,
) -> list[Document]:
    """Every file → its Documents, in the order given; never raises for a bad file.

    `urls` maps str(path) → source URL. `workers` ≤ 0 reads in this process (no time limit).
    `progress(done, total, path)` is called as each distinct file finishes.
    """
    urls = urls or {}
    items = [str(p) for p in paths]
    hashes: list[str | None] = []
    first_by_hash: dict[str, int] = {}
    distinct: list[int] = []  # indices into items that are read
    for i, p in enumerate(items):
        try:
            sha = file_sha256(Path(p))
        except OSError:
            sha = None  # extract_file records the reason
        hashes.append(sha)
        if sha is None or sha not in first_by_hash:
            if sha is not None:
                first_by_hash[sha] = i
            distinct.append(i)

    results: dict[int, list[Document]] = {}
    total = len(distinct)

    def done(i: int, docs: list[Document]) -> None:
        results[i] = docs
        if progress:
            progress(len(results), total, items[i])

    if workers <= 0:
        for i in distinct:
            done(i, extract_file(Path(items[i]), url=urls.get(items[i])))
    else:
        _run_pool(items, distinct, hashes, urls, min(workers, max(1, total)), timeout, done)

    out: list[Document] = []
    for i, p in enumerate(items):
        if i in results:
            out.extend(results[i])
            continue
        first = first_by_hash[hashes[i]]  # type: ignore[index]
        for d in results[first]:
            dup = copy.copy(d)
            member = d.source.path[len(items[first]):] if d.source.path.startswith(items[first]) else ""
            dup.source = SourceFile(path=p + member, sha256=d.source.sha256, format=d.source.format, url=urls.get(p))
            dup.duplicate_of = d.source.path
            out.append(dup)
    return out


def _run_pool(
    items: list[str],
    distinct: list[int],
    hashes: list[str | None],
    urls: dict[str, str],
    workers: int,
    timeout: float,
    done: Callable[[int, list[Document]], None],
) -> None:
    queue = list(reversed(distinct))
    slots: list[_Slot] = []
    sel = selectors.DefaultSelector()

    def replace(k: int) -> None:
        with contextlib.suppress(KeyError, ValueError):
            sel.unregister(slots[k].proc.stdout)
        _stop(slots[k], force=True)
        slots[k] = _start()
        sel.register(slots[k].proc.stdout, selectors.EVENT_READ, k)

    try:
        for k in range(workers):
            slots.append(_start())
            sel.register(slots[k].proc.stdout, selectors.EVENT_READ, k)
        while queue or any(s.task is not None for s in slots):
            for k, s in enumerate(slots):  # hand out work
                if s.task is None and queue:
                    i = queue.pop()
                    try:
                        _send(s.proc.stdin, (items[i], urls.get(items[i])))
                    except OSError:  # the idle worker died: replace it, retry the file
                        queue.append(i)
                        replace(k)
                        continue
                    s.task, s.deadline = i, time.monotonic() + timeout
            busy = [s for s in slots if s.task is not None]
            if not busy:
                continue
            wait_for = max(0.0, min(s.deadline for s in busy) - time.monotonic())
            events = sel.select(timeout=wait_for)
            eof: set[int] = set()
            for key, _ in events:
                k = key.data
                try:
                    chunk = os.read(slots[k].proc.stdout.fileno(), 1 << 20)
                except BlockingIOError:
                    continue
                if chunk:
                    slots[k].buf.extend(chunk)
                else:
                    eof.add(k)
            now = time.monotonic()
            for k, s in enumerate(slots):
                if s.task is None:
                    continue
                i = s.task
                p, url, sha = items[i], urls.get(items[i]), hashes[i] or ""
                got = s.message()
                if isinstance(got, list):
                    s.task = None
                    done(i, got)
                    continue
                if isinstance(got, str):  # caught by the worker, which is still usable
                    s.task = None
                    done(i, [_failed(p, url, sha, "unreadable", f"提取失败 / extraction failed: {got}")])
                    continue
                if k in eof or s.proc.poll() is not None:
                    code = s.proc.wait()
                    reason = (f"读取进程意外终止（退出码 {code}，可能内存不足或解析器崩溃）/ "
                              f"the reading process died (exit code {code}: out of memory or a parser crash)")
                elif now >= s.deadline:
                    reason = f"读取超时（超过 {timeout:g} 秒），已放弃 / gave up: reading took longer than {timeout:g}s"
                else:
                    continue
                s.task = None
                done(i, [_failed(p, url, sha, "unreadable", reason)])
                replace(k)
    finally:
        sel.close()
        for s in slots:
            _stop(s, force=s.task is not None)

