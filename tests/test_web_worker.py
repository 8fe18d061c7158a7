"""The production web worker (``app.web_worker``) under a real gunicorn: a reload ends
the idle keep-alive connections a proxy holds at once and quietly, and serves on; its
responses send their head with their body's first bytes, in order, on real sockets."""

from __future__ import annotations

import http.client
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import gevent
import pytest
import requests
from gunicorn.config import Config
from gunicorn.http import RequestParser, wsgi

from app import ROOT, web_worker
from tests.support.services import spare_port, start_gunicorn


def children(pid: int) -> set[int]:
    return {int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()}


def start(migrated: dict[str, str], tmp_path: Path, port: int) -> subprocess.Popen[bytes]:
    """One production worker serving the app, its output in ``tmp_path / "gunicorn.log"``."""
    return start_gunicorn(
        {**os.environ, **migrated, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "metrics")},
        port, "-w", "1", log=tmp_path / "gunicorn.log")


def test_a_reload_closes_idle_keep_alive_connections_at_once(
        migrated: dict[str, str], tmp_path: Path) -> None:
    port = spare_port()
    log = tmp_path / "gunicorn.log"
    server = start(migrated, tmp_path, port)
    try:
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
        # The new worker answers once it has booted: under a loaded CI machine that takes
        # longer than a request should, so its wait is the boot's, not the test's subject.
        assert requests.get(f"http://127.0.0.1:{port}/healthz", timeout=60).status_code == 200
    finally:
        server.terminate()
        server.wait(timeout=30)
    text = log.read_text()
    assert "Worker exiting" in text
    assert "Error handling request" not in text and "graceful timeout" not in text, text


def test_a_connection_whose_requests_are_always_there_lets_the_others_in(
        migrated: dict[str, str], tmp_path: Path) -> None:
    """A connection whose next request has always arrived already (here 2,000 pipelined)
    is served one request at a time among the others: gunicorn's gevent worker serves
    it to the end while every other connection waits."""
    port = spare_port()
    server = start(migrated, tmp_path, port)
    burst = 2000
    try:
        busy = socket.create_connection(("127.0.0.1", port), timeout=30)
        other = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        other.connect()
        answers = bytearray()

        def drain() -> None:  # read the burst's answers: the worker never waits to send
            while chunk := busy.recv(65536):  # until the last request's close
                answers.extend(chunk)

        reader = threading.Thread(target=drain)
        reader.start()
        busy.sendall(b"".join(
            f"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Request-Id: burst-{n:05}\r\n".encode()
            + (b"Connection: close\r\n\r\n" if n == burst - 1 else b"\r\n")
            for n in range(burst)))
        while not answers:  # the burst is being served
            time.sleep(0.001)
        other.request("GET", "/healthz", headers={"X-Request-Id": "the-other-one"})
        assert other.getresponse().status == 200
        reader.join(timeout=60)
        busy.close()
        other.close()
        assert answers.count(b"HTTP/1.1 200") == burst
    finally:
        server.terminate()
        server.wait(timeout=30)
    served = re.findall(r"\b(burst-\d+|the-other-one)\b", (tmp_path / "gunicorn.log").read_text())
    assert len(served) == burst + 1
    # With the yield the other request waits for a few of the burst's; without, for all.
    assert served.index("the-other-one") < burst // 2, served.index("the-other-one")


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


class Recording:
    """A real socket whose sends are recorded (what went out, in which calls)."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.sends: list[bytes] = []

    def sendall(self, data: bytes) -> None:
        self.sends.append(bytes(data))
        self.sock.sendall(data)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.sock, name)


@pytest.fixture()
def exchange() -> Iterator[Callable[..., tuple[list[bytes], bytes]]]:
    """Serve one request through gunicorn's own parser and ``wsgi.create`` with the
    worker's response class, on a real socket pair: the calls that sent the answer,
    and the bytes the client received."""
    pairs: list[tuple[socket.socket, socket.socket]] = []

    def run(app: Callable[..., Any], request: bytes = b"GET / HTTP/1.1\r\nHost: x\r\n\r\n"
            ) -> tuple[list[bytes], bytes]:
        client, server = socket.socketpair()
        pairs.append((client, server))
        client.sendall(request)
        cfg = Config()
        req = next(iter(RequestParser(cfg, server, ("127.0.0.1", 1))))
        recording = Recording(server)
        resp, environ = wsgi.create(req, recording, ("127.0.0.1", 1), "test", cfg,
                                    response_class=web_worker.Response)
        result = app(environ, resp.start_response)
        if isinstance(result, environ["wsgi.file_wrapper"]):
            resp.write_file(result)
        else:
            for item in result:
                resp.write(item)
        resp.close()
        server.shutdown(socket.SHUT_WR)
        received = b""
        while chunk := client.recv(65536):
            received += chunk
        return recording.sends, received

    yield run
    for client, server in pairs:
        client.close()
        server.close()


def answering(*body: bytes, headers: Sequence[tuple[str, str]] = ()) -> Callable[..., Any]:
    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        start_response("202 Accepted", list(headers))
        return list(body)
    return app


def test_a_small_answer_leaves_in_one_send(exchange: Any) -> None:
    body = b'{"status":"accepted"}'
    sends, received = exchange(answering(body, headers=[("Content-Length", str(len(body)))]))
    assert len(sends) == 1
    assert sends[0].startswith(b"HTTP/1.1 202 Accepted\r\n")
    assert sends[0].endswith(b"\r\n\r\n" + body)
    assert received == sends[0]


def test_an_answer_without_a_body_sends_its_head_at_its_end(exchange: Any) -> None:
    sends, received = exchange(answering(headers=[("Content-Length", "0")]))
    assert len(sends) == 1 and sends[0].endswith(b"Content-Length: 0\r\n\r\n")
    assert received == sends[0]


def test_a_large_body_is_not_copied_to_join_its_head(exchange: Any) -> None:
    body = b"x" * (web_worker.JOIN_UP_TO + 1)
    sends, received = exchange(answering(body, headers=[("Content-Length", str(len(body)))]))
    assert len(sends) == 2 and sends[1] == body
    assert received.endswith(b"\r\n\r\n" + body)


def test_a_chunked_answer_keeps_its_order(exchange: Any) -> None:
    sends, received = exchange(answering(b"one", b"two"))
    assert received.endswith(b"\r\n\r\n3\r\none\r\n3\r\ntwo\r\n0\r\n\r\n")
    assert b"Transfer-Encoding: chunked" in sends[0] and sends[0].endswith(b"3\r\none\r\n")


def test_a_file_follows_its_head(exchange: Any, tmp_path: Path) -> None:
    served = tmp_path / "served.txt"
    served.write_bytes(b"file body")

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        start_response("200 OK", [("Content-Length", "9")])
        return environ["wsgi.file_wrapper"](served.open("rb"))

    sends, received = exchange(app)
    assert sends[0].endswith(b"\r\n\r\n")  # the head, flushed before sendfile
    assert received.startswith(b"HTTP/1.1 200 OK\r\n") and received.endswith(b"\r\n\r\nfile body")


def test_a_worker_that_stops_while_a_connection_yields_still_ends_its_wait_at_once() -> None:
    """``handle_exit`` ends the idle waits it finds; a connection that is letting the others
    go first at that moment is not among them, and must not then wait out its keep-alive."""
    worker: Any = SimpleNamespace(cfg=SimpleNamespace(keepalive=30), alive=True, _idle={})
    read: list[str] = []

    def connection() -> None:
        with web_worker.Worker.timeout_ctx(worker):
            gevent.sleep(20)  # gunicorn reading a next request that never comes
            read.append("a request")

    def stop() -> None:
        worker.alive = False

    started = time.monotonic()
    greenlets = [gevent.spawn(connection), gevent.spawn(stop)]
    gevent.joinall(greenlets, timeout=30, raise_error=True)
    assert all(g.dead for g in greenlets) and not read
    assert time.monotonic() - started < 5 and not worker._idle
