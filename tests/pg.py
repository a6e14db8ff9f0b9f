"""A throwaway PostgreSQL server for tests: initdb into a temp dir, start on a free 127.0.0.1 port.

Use from a test module:  `from tests.pg import postgres_server, postgres_url  # noqa: F401`
`postgres_url` gives each test its own fresh database. Skips with a reason when the
PostgreSQL binaries are absent. As root the server runs as the `postgres` user (initdb refuses root).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _as_postgres(cmd: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *cmd] if os.geteuid() == 0 else cmd


def _ensure_user() -> str | None:
    """As root, make sure the `postgres` user exists; return a skip reason on failure."""
    if os.geteuid() != 0:
        return None
    if subprocess.run(["id", "postgres"], capture_output=True).returncode == 0:
        return None
    if not shutil.which("useradd"):
        return "no `postgres` user and no useradd to create it"
    done = subprocess.run(["useradd", "-r", "postgres"], capture_output=True, text=True)
    return None if done.returncode == 0 else f"could not create the postgres user: {done.stderr.strip()}"


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[dict]:
    """Start a server for the session; yields {"host", "port", "user", "dir"}; stops it at teardown."""
    for tool in ("initdb", "pg_ctl"):
        if not shutil.which(tool):
            pytest.skip(f"PostgreSQL `{tool}` not on PATH; install PostgreSQL to run the PostgreSQL warehouse tests")
    if os.geteuid() == 0 and not shutil.which("runuser"):
        pytest.skip("running as root without `runuser`: initdb refuses to run as root")
    reason = _ensure_user()
    if reason:
        pytest.skip(reason)
    base = Path(tempfile.mkdtemp(prefix="budgetqa-pg-"))
    if os.geteuid() == 0:
        shutil.chown(base, "postgres")
    data, log, port = base / "data", base / "server.log", _free_port()
    user = "postgres"
    try:
        subprocess.run(_as_postgres(["initdb", "-D", str(data), "-U", user, "--auth=trust", "-E", "UTF8",
                                     "--locale=C", "--no-sync"]), check=True, capture_output=True)
        options = f"-p {port} -k {base} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off"
        started = subprocess.run(_as_postgres(["pg_ctl", "-D", str(data), "-o", options, "-l", str(log), "-w",
                                               "start"]), capture_output=True, text=True)
        if started.returncode != 0:
            detail = log.read_text() if log.exists() else started.stderr
            raise RuntimeError(f"pg_ctl start failed: {detail}")
        yield {"host": "127.0.0.1", "port": port, "user": user, "dir": str(base)}
    finally:
        if (data / "postmaster.pid").exists():
            subprocess.run(_as_postgres(["pg_ctl", "-D", str(data), "-m", "fast", "-w", "stop"]), capture_output=True)
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture
def postgres_url(postgres_server: dict) -> Iterator[str]:
    """A fresh, empty database on the session server, dropped after the test."""
    import psycopg

    s = postgres_server
    admin = f"postgresql://{s['user']}@{s['host']}:{s['port']}/postgres"
    name = "t_" + uuid.uuid4().hex[:12]
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    yield f"postgresql://{s['user']}@{s['host']}:{s['port']}/{name}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
