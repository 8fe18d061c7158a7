"""Real backing services, private to one test session.

Every session (and every pytest-xdist worker) gets its own ``redis-server`` on a spare
port and its own PostgreSQL database, so test runs in two checkouts, or two workers of
one run, never flush or drop each other's state. ``GITBRIDGE_TEST_REDIS_URL`` points
the tests at an existing Redis instead.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import redis
import requests
import sqlalchemy as sa

from app import ROOT


def spare_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_gunicorn(env: dict[str, str], port: int, *options: str, log: Path | None = None,
                   **popen: Any) -> subprocess.Popen[bytes]:
    """``gunicorn -c gunicorn.conf.py <options> wsgi:app`` on ``127.0.0.1:port``, the
    production settings as an operator starts them, once it answers ``/healthz``.
    ``env`` is its whole environment; its output goes to ``log`` (else inherited)."""
    output = log.open("wb") if log is not None else None
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", str(ROOT / "gunicorn.conf.py"), *options,
         "-b", f"127.0.0.1:{port}", "wsgi:app"],
        env=env, cwd=ROOT, stdout=output, stderr=subprocess.STDOUT if output else None,
        **popen)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            requests.get(f"http://127.0.0.1:{port}/healthz", timeout=5)
            return server
        except requests.RequestException:
            time.sleep(0.1)
    server.kill()
    server.wait()
    raise RuntimeError("gunicorn did not start" + (f": {log.read_text()}" if log else ""))


class PrivateRedis:
    """A ``redis-server`` on loopback that keeps nothing on disk."""

    def __init__(self) -> None:
        self.port = spare_port()
        self.dir = Path(tempfile.mkdtemp(prefix="gitbridge-redis-"))
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/15"

    def start(self) -> None:
        binary = shutil.which("redis-server") or "/usr/bin/redis-server"
        self.process = subprocess.Popen(
            [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(self.dir), "--databases", "16"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        conn = redis.Redis(port=self.port)
        for _ in range(100):
            try:
                conn.ping()
                return
            except redis.ConnectionError:
                time.sleep(0.05)
        raise RuntimeError("the test Redis did not start")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
        shutil.rmtree(self.dir, ignore_errors=True)


def worker_suffix() -> str:
    """``_gw0``... under pytest-xdist, else empty."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    return f"_{worker}" if worker else ""


def postgres_for_worker(url: str) -> str:
    """The session's PostgreSQL URL: the configured database, one per xdist worker."""
    parsed = sa.engine.make_url(url)
    return parsed.set(database=f"{parsed.database}{worker_suffix()}").render_as_string(
        hide_password=False
    )


def reset_postgres(url: str) -> None:
    """Create the test database if needed and drop everything in it."""
    parsed = sa.engine.make_url(url)
    admin = sa.create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        exists = conn.execute(
            sa.text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": parsed.database}
        ).scalar()
        if not exists:
            conn.execute(sa.text(f'CREATE DATABASE "{parsed.database}"'))
    admin.dispose()
    engine = sa.create_engine(parsed)
    with engine.begin() as conn:
        conn.execute(sa.text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    engine.dispose()
