"""Extract many files at once: each distinct file once, in parallel, each within a time limit.

`extract_many` hashes every path first; files with the same sha256 are one document read once,
the later copies are reported with `duplicate_of` = the first path. The distinct files run in a
pool of worker processes (fresh interpreters running `_worker`: no forked
polars/pdfminer state, and callers need no `if __name__ == '__main__'` guard). A worker that exceeds
the per-document limit, or dies (a crash, the kernel's OOM killer), is killed together with any
LibreOffice it started and replaced; its document becomes status 'unreadable' with the reason,
and the batch goes on. Each worker runs under an address-space limit (setrlimit RLIMIT_AS,
`memory_mb`): a file that needs more fails alone (MemoryError, or the worker dies) and is
reported as over the limit. Results come back in the order of `paths`; `on_result` also gets
each file's documents as soon as it is read, so the caller can store them as it goes.
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
from extract.document import extract_file, over_memory_reason

DEFAULT_TIMEOUT = 300.0  # seconds per document; the slowest real disclosure reads in < 10 s
_GRACE = 3.0
_ROOT = str(Path(__file__).resolve().parents[1])  # seconds between SIGTERM (clean up LibreOffice) and SIGKILL

Progress = Callable[[int, int, str], None]
OnResult = Callable[[list[Document]], None]


def limit_memory(memory_mb: int | None) -> None:
    """Cap this process's address space (soft limit) at `memory_mb` MiB; None or 0: no cap."""
    if memory_mb:
        import resource

        _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        limit = memory_mb << 20
        resource.setrlimit(resource.RLIMIT_AS, (limit if hard == resource.RLIM_INFINITY else min(limit, hard), hard))


def _send(fh, obj: object) -> None:
    data = pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
    fh.write(struct.pack(">Q", len(data)) + data)
    fh.flush()


def _worker(memory_mb: int | None = None) -> None:
    """Worker loop (its own interpreter): read (path, url) from stdin, write the Documents."""
    limit_memory(memory_mb)
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
        except MemoryError:
            result = over_memory_reason(memory_mb)
        if memory_mb and _peak_bytes() >= NEAR_LIMIT * (memory_mb << 20):
            # This file took the worker to its ceiling: a parser that failed then failed for want of
            # memory (lxml reports it as a syntax error), and the next file gets a fresh worker.
            if isinstance(result, list):
                for d in result:
                    if d.status == "unreadable":
                        d.error = over_memory_reason(memory_mb)
            _send(out, (RETIRE, result))
            return
        try:
            _send(out, result)
        except Exception as e:  # noqa: BLE001 — e.g. a result that cannot be pickled
            _send(out, f"提取失败 / extraction failed: {type(e).__name__}: {e}")


RETIRE = "retire"  # a worker's last message: (RETIRE, result)
NEAR_LIMIT = 0.9


def _peak_bytes() -> int:
    """The most address space this process has used (VmPeak), the measure RLIMIT_AS bounds."""
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmPeak:"):
                return int(line.split()[1]) * 1024
    return 0


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


def _start(memory_mb: int | None) -> _Slot:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [_ROOT, os.environ.get("PYTHONPATH")]))}
    if memory_mb:
        env.setdefault("MALLOC_ARENA_MAX", "2")  # glibc's per-thread arenas would reserve address space for nothing
    proc = subprocess.Popen(
        [sys.executable, "-c", f"from extract.batch import _worker; _worker({int(memory_mb or 0)})"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env, bufsize=0,
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
    memory_mb: int | None = None,
    on_result: OnResult | None = None,
    tick: Callable[[], None] | None = None,
) -> list[Document]:
    """Every file → its Documents, in the order given; never raises for a bad file.

    `urls` maps str(path) → source URL. `workers` ≤ 0 reads in this process (no time or memory
    limit). `memory_mb` caps each worker's address space. `progress(done, total, path)` is called
    as each distinct file finishes, then `on_result(documents)` with its documents followed by
    those of its copies (`duplicate_of` set); `tick()` about every second while the workers read.
    An exception from `on_result` or `tick` stops the batch.
    """
    urls = urls or {}
    items = [str(p) for p in paths]
    hashes: list[str | None] = []
    first_by_hash: dict[str, int] = {}
    distinct: list[int] = []  # indices into items that are read
    copies: dict[int, list[int]] = {}  # a distinct index → the later items with the same bytes
    for i, p in enumerate(items):
        try:
            sha = file_sha256(Path(p))
        except OSError:
            sha = None  # extract_file records the reason
        hashes.append(sha)
        if sha is not None and sha in first_by_hash:
            copies.setdefault(first_by_hash[sha], []).append(i)
            continue
        if sha is not None:
            first_by_hash[sha] = i
        distinct.append(i)

    results: dict[int, list[Document]] = {}
    total = len(distinct)
    finished = 0

    def done(i: int, docs: list[Document]) -> None:
        nonlocal finished
        results[i] = docs
        for j in copies.get(i, []):
            results[j] = _copies(docs, items[i], items[j], urls.get(items[j]))
        finished += 1
        if progress:
            progress(finished, total, items[i])
        if on_result:
            on_result([*docs, *(d for j in copies.get(i, []) for d in results[j])])

    if workers <= 0:
        for i in distinct:
            done(i, extract_file(Path(items[i]), url=urls.get(items[i])))
    else:
        _run_pool(items, distinct, hashes, urls, min(workers, max(1, total)), timeout, done, memory_mb, tick)
    return [d for i in range(len(items)) for d in results[i]]


def _copies(docs: list[Document], first: str, path: str, url: str | None) -> list[Document]:
    """The documents of `first` as found again at `path` (the same bytes), marked `duplicate_of`."""
    out = []
    for d in docs:
        dup = copy.copy(d)
        member = d.source.path[len(first):] if d.source.path.startswith(first) else ""
        dup.source = SourceFile(path=path + member, sha256=d.source.sha256, format=d.source.format, url=url)
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
    memory_mb: int | None = None,
    tick: Callable[[], None] | None = None,
) -> None:
    queue = list(reversed(distinct))
    slots: list[_Slot] = []
    sel = selectors.DefaultSelector()

    def replace(k: int) -> None:
        with contextlib.suppress(KeyError, ValueError):
            sel.unregister(slots[k].proc.stdout)
        _stop(slots[k], force=True)
        slots[k] = _start(memory_mb)
        sel.register(slots[k].proc.stdout, selectors.EVENT_READ, k)

    try:
        for k in range(workers):
            slots.append(_start(memory_mb))
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
            events = sel.select(timeout=min(wait_for, 1.0) if tick else wait_for)
            if tick:
                tick()
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
                retire = isinstance(got, tuple) and got[0] == RETIRE
                if retire:
                    got = got[1]
                    s.task = None
                    done(i, got if isinstance(got, list) else [_failed(p, url, sha, "unreadable", got)])
                    replace(k)
                    continue
                if isinstance(got, list):
                    s.task = None
                    done(i, got)
                    continue
                if isinstance(got, str):  # caught by the worker, which is still usable
                    s.task = None
                    done(i, [_failed(p, url, sha, "unreadable", got)])
                    continue
                if k in eof or s.proc.poll() is not None:
                    code = s.proc.wait()
                    zh, en = (f"（上限 {memory_mb} MiB）", f" (limit {memory_mb} MiB)") if memory_mb else ("", "")
                    reason = (f"读取进程意外终止（退出码 {code}，可能内存不足{zh}或解析器崩溃）/ "
                              f"the reading process died (exit code {code}: out of memory{en} or a parser crash)")
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

