"""The production web worker (``app.web_worker``) under a real gunicorn: a reload ends
the idle keep-alive connections a proxy holds at once and quietly, and serves on."""

from __future__ import annotations

import http.client
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import requests

from app import ROOT
from tests.support.services import spare_port


def children(pid: int) -> set[int]:
    return {int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()}


def test_a_reload_closes_idle_keep_alive_connections_at_once(
        migrated: dict[str, str], tmp_path: Path) -> None:
    port = spare_port()
    log = tmp_path / "gunicorn.log"
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", str(ROOT / "gunicorn.conf.py"), "-w", "1",
         "-b", f"127.0.0.1:{port}", "wsgi:app"],
        env={**os.environ, **migrated, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "metrics")},
        cwd=ROOT, stdout=log.open("wb"), stderr=subprocess.STDOUT)
    try:
        for _ in range(100):
            try:
                requests.get(f"http://127.0.0.1:{port}/healthz", timeout=2)
                break
            except requests.RequestException:
                time.sleep(0.1)
        # A proxy's connection: one request answered, then idle, kept alive.
        idle = http.client.HTTPConnection("127.0.0.1", port, timeout=15)
        idle.request("GET", "/healthz")
        answer = idle.getresponse()
        assert answer.status == 200 and answer.read() and not answer.will_close
        old = children(server.pid)

        server.send_signal(signal.SIGHUP)
        started = time.monotonic()
        assert idle.sock is not None
        assert idle.sock.recv(1) == b""  # closed by the old worker, not left to time out
        deadline = started + 25
        while children(server.pid) & old and time.monotonic() < deadline:
            time.sleep(0.05)
        elapsed = time.monotonic() - started

        assert not children(server.pid) & old
        # gunicorn's own gevent worker waits out graceful_timeout (30 s) here
        assert elapsed < 15, f"the old worker took {elapsed:.1f} s to exit"
        assert requests.get(f"http://127.0.0.1:{port}/healthz", timeout=5).status_code == 200
    finally:
        server.terminate()
        server.wait(timeout=30)
    text = log.read_text()
    assert "Worker exiting" in text
    assert "Error handling request" not in text and "graceful timeout" not in text, text


def test_a_worker_whose_database_waits_would_block_refuses_to_boot(
        migrated: dict[str, str], tmp_path: Path) -> None:
    """psycopg imported before gevent's patching (``--preload``; here forced) would block
    every request of the worker on each query: the worker says so and does not serve."""
    result = subprocess.run(
        [sys.executable, "-m", "gunicorn", "-c", str(ROOT / "gunicorn.conf.py"), "-w", "1",
         "-b", f"127.0.0.1:{spare_port()}", "wsgi:app"],
        env={**os.environ, **migrated, "PSYCOPG_WAIT_FUNC": "wait_c",
             "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "metrics")},
        cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode != 0
    assert "psycopg was imported before gevent patched this worker" in result.stderr
