"""A real HTTP server on 127.0.0.1 for the demo portal and the crawler tests.

    with serve(Path("demo/portal")) as base_url:   # "http://127.0.0.1:PORT"
        ...

Files under `root` are served with ETag and Last-Modified; conditional requests get 304.
`routes` (and an optional `routes.yaml` in `root`) map URL paths to behaviours:
  "/files/": Path("demo/files")                mount a folder
  "/a.pdf": Path("x.pdf")                      serve one file
  "/gone.pdf": 404                             a status code
  "/x": Route(status=302, redirect="http://10.0.0.1/")   or delay=…, body=…, headers=…,
                                                        fail_first=N (N × 503 first), validators=False,
                                                        methods=("POST",) (others answer 405)
  "/api/x": handler                            a function of the Call (method, path, query, form: the
                                               POSTed form fields) returning any of the above
`base_url.requests` lists every request served (method, path, status, bytes, headers), for tests
that count what a crawl fetched. `base_url.routes` can be changed while the server runs.
"""

from __future__ import annotations

import contextlib
import email.utils
import hashlib
import mimetypes
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

import yaml


@dataclass
class Route:
    status: int = 200
    file: Path | None = None
    body: bytes | None = None
    redirect: str | None = None
    delay: float = 0.0  # seconds before answering
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str | None = None
    validators: bool = True  # send ETag / Last-Modified, answer 304 to conditional requests
    fail_first: int = 0  # answer the first N requests with `fail_status` (a flaky server, for retries)
    fail_status: int = 503
    methods: tuple[str, ...] | None = None  # e.g. ("POST",): other methods answer 405 Method Not Allowed


@dataclass
class Call:
    """A request as a route handler sees it."""

    method: str
    path: str
    query: dict[str, str]
    form: dict[str, str]


class BaseURL(str):
    """The server's base URL, carrying the request log and the live routes."""

    requests: list[dict[str, Any]]
    routes: dict[str, Any]
    in_flight: Callable[[], int]

    def wait_idle(self, timeout: float = 60.0) -> None:
        """Wait until no request is being answered (a slow route the client gave up on is logged
        only when its answer is done), so `requests` is complete for what was asked so far."""
        deadline = time.monotonic() + timeout
        while self.in_flight() and time.monotonic() < deadline:
            time.sleep(0.05)

    def count(self, path_prefix: str = "", *, status: int | None = None) -> int:
        return sum(
            1 for r in self.requests
            if r["path"].startswith(path_prefix) and (status is None or r["status"] == status)
        )


def _routes_from_yaml(root: Path) -> dict[str, Any]:
    path = root / "routes.yaml"
    if not path.exists():
        return {}
    data = yaml.safe_load(path.read_text("utf-8")) or {}
    routes: dict[str, Any] = {}
    for key, value in data.items():
        if isinstance(value, str):
            routes[key] = (root / value).resolve()
        elif isinstance(value, dict):
            value = dict(value)
            if "file" in value:
                value["file"] = (root / value["file"]).resolve()
            if isinstance(value.get("body"), str):
                value["body"] = value["body"].encode("utf-8")
            routes[key] = Route(**value)
        else:
            routes[key] = value
    return routes


def _content_type(path: Path) -> str:
    if path.suffix.lower() in (".html", ".htm"):
        return "text/html"  # no charset: pages declare it themselves, or not (as real portals do)
    return mimetypes.guess_type(path.name)[0] or "application/octet-stream"


class _Handler(BaseHTTPRequestHandler):
    server_version = "budgetqa-localserver"
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass

    def do_HEAD(self) -> None:
        self._answer(head=True)

    def do_GET(self) -> None:
        self._busy_answer({})

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode("utf-8", errors="replace") if length else ""
        self._busy_answer(dict(parse_qsl(body, keep_blank_values=True)))

    def _busy_answer(self, form: dict[str, str]) -> None:
        server = self.server  # type: ignore[assignment]
        with server._lock:  # type: ignore[attr-defined]
            server.busy += 1  # type: ignore[attr-defined]
        try:
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):  # the client gave up (timeouts)
                self._answer(head=False, form=form)
        finally:
            with server._lock:  # type: ignore[attr-defined]
                server.busy -= 1  # type: ignore[attr-defined]

    def _resolve(self, path: str, form: dict[str, str]) -> Route | None:
        routes: dict[str, Any] = self.server.routes  # type: ignore[attr-defined]
        root: Path = self.server.root  # type: ignore[attr-defined]
        value = routes.get(self.path) if "?" in self.path else None  # a route with its query string wins,
        if value is None:
            value = routes.get(path)  # then the exact path, then a mounted folder
        if callable(value):
            query = dict(parse_qsl(urlsplit(self.path).query, keep_blank_values=True))
            value = value(Call(self.command, path, query, form))
        for key, mount in routes.items() if value is None else ():
            if key.endswith("/") and path.startswith(key) and isinstance(mount, Path) and mount.is_dir():
                target = (mount / path[len(key):]).resolve()
                return Route(file=target) if target.is_relative_to(mount.resolve()) and target.is_file() else None
        if isinstance(value, Route):
            return value
        if isinstance(value, int):
            return Route(status=value, body=f"HTTP {value}".encode())
        if isinstance(value, Path):
            return Route(file=value)
        if isinstance(value, bytes | str):
            return Route(body=value.encode("utf-8") if isinstance(value, str) else value)
        target = (root / path.lstrip("/")).resolve()
        if target.is_dir():
            target = target / "index.html"
        if target.is_relative_to(root.resolve()) and target.is_file():
            return Route(file=target)
        return None

    def _answer(self, head: bool, form: dict[str, str] | None = None) -> None:
        path = unquote(urlsplit(self.path).path)
        route = self._resolve(path, form or {})
        if route is None:
            route = Route(status=404, body=b"<html><body>404 Not Found</body></html>", content_type="text/html")
        if route.methods and self.command not in route.methods:
            route = Route(status=405, body=b"Method Not Allowed", headers={"Allow": ", ".join(route.methods)})
        if route.delay:
            time.sleep(route.delay)
        if route.fail_first > 0:
            route.fail_first -= 1
            route = Route(status=route.fail_status, body=f"HTTP {route.fail_status}".encode())
        headers = dict(route.headers)
        body = b""
        status = route.status
        if route.redirect:
            headers["Location"] = route.redirect
        elif route.file is not None:
            body = route.file.read_bytes()
            headers.setdefault("Content-Type", route.content_type or _content_type(route.file))
            if route.validators:
                mtime = int(route.file.stat().st_mtime)
                headers["Last-Modified"] = email.utils.formatdate(mtime, usegmt=True)
        elif route.body is not None:
            body = route.body
            headers.setdefault("Content-Type", route.content_type or "text/html")
        if route.validators and body and status == 200:
            etag = '"' + hashlib.sha1(body).hexdigest()[:16] + '"'
            headers["ETag"] = etag
            inm = self.headers.get("If-None-Match")
            ims = self.headers.get("If-Modified-Since")
            fresh = inm == etag if inm else False
            if not inm and ims and "Last-Modified" in headers:
                try:
                    fresh = email.utils.parsedate_to_datetime(ims) >= email.utils.parsedate_to_datetime(
                        headers["Last-Modified"])
                except (TypeError, ValueError):
                    fresh = False
            if fresh:
                status, body = 304, b""
        self.server.log_request_record(  # type: ignore[attr-defined]
            {"method": self.command, "path": self.path, "status": status, "bytes": 0 if head else len(body),
             "headers": dict(self.headers.items()), "form": form or {}}
        )
        self.send_response(status)
        for k, v in headers.items():
            self.send_header(k, v)
        if status != 304:
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if body and not head:
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                self.wfile.write(body)


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, root: Path, routes: dict[str, Any]):
        super().__init__(("127.0.0.1", 0), _Handler)
        self.root = root
        self.routes = routes
        self.requests: list[dict[str, Any]] = []
        self.busy = 0  # requests being answered now
        self._lock = threading.Lock()

    def log_request_record(self, record: dict[str, Any]) -> None:
        with self._lock:
            self.requests.append(record)


@contextlib.contextmanager
def serve(root: Path, routes: dict[str, Any] | None = None) -> Iterator[BaseURL]:
    """Serve `root` on 127.0.0.1 at a free port for the duration of the block."""
    root = Path(root).resolve()
    all_routes = {**_routes_from_yaml(root), **(routes or {})}
    server = _Server(root, all_routes)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = BaseURL(f"http://127.0.0.1:{server.server_address[1]}")
    base.requests = server.requests
    base.routes = server.routes
    base.in_flight = lambda: server.busy
    try:
        yield base
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
