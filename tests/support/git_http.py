"""A real smart-HTTP git server for tests: ``git http-backend`` behind a tiny CGI host.

Serves every bare repository under ``root`` at ``http://127.0.0.1:PORT/<name>``
from a thread, optionally behind HTTP Basic auth, optionally answering some
paths with redirects.  It records each request's method, path and headers so
tests can assert that no credential ever travels in a URL.

Request bodies are passed to the backend as git sends them: ``Transfer-Encoding:
chunked`` is de-chunked here (CGI has no chunking), while ``Content-Encoding:
gzip`` is left alone and announced via ``HTTP_CONTENT_ENCODING`` because
http-backend inflates it itself.
"""

from __future__ import annotations

import base64
import os
import subprocess
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

__all__ = ["GitHttpServer", "RecordedRequest", "HTTP_BACKEND"]

HTTP_BACKEND = "/usr/lib/git-core/git-http-backend"


@dataclass
class RecordedRequest:
    method: str
    path: str
    headers: dict[str, str]
    status: int = 0


@dataclass
class GitHttpServer:
    """Start with :meth:`start` (or use as a context manager), stop with :meth:`stop`."""

    root: Path
    username: str | None = None
    password: str | None = None
    redirects: dict[str, str] = field(default_factory=dict)
    requests: list[RecordedRequest] = field(default_factory=list)
    host: str = "127.0.0.1"
    port: int = 0
    _server: ThreadingHTTPServer | None = None
    _thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def url(self, name: str) -> str:
        return f"{self.base_url}/{name}"

    def start(self) -> GitHttpServer:
        handler = _make_handler(self)
        self._server = ThreadingHTTPServer((self.host, 0), handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever,
                                        kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> GitHttpServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _make_handler(server: GitHttpServer) -> type[BaseHTTPRequestHandler]:
    return type("BoundGitCgiHandler", (_GitCgiHandler,), {"git_server": server})


def _parse_cgi_output(raw: bytes) -> tuple[int, dict[str, str], bytes] | None:
    """Split CGI output into (status, headers, body); None if it has no header block."""
    head, sep, payload = raw.partition(b"\r\n\r\n")
    if not sep:
        head, sep, payload = raw.partition(b"\n\n")
    if not sep:
        return None
    status = 200
    headers: dict[str, str] = {}
    for line in head.decode("latin-1").splitlines():
        key, _, value = line.partition(":")
        if key.lower() == "status":
            status = int(value.strip().split()[0])
        elif key:
            headers[key.strip()] = value.strip()
    return status, headers, payload


class _GitCgiHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    git_server: GitHttpServer
    _record: RecordedRequest

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass  # keep pytest output clean

    def do_GET(self) -> None:  # noqa: N802
        self._handle()

    def do_POST(self) -> None:  # noqa: N802
        self._handle()

    def _read_body(self) -> bytes:
        if "chunked" not in self.headers.get("Transfer-Encoding", "").lower():
            length = int(self.headers.get("Content-Length") or 0)
            return self.rfile.read(length) if length else b""
        chunks: list[bytes] = []
        while True:
            size = int(self.rfile.readline().split(b";", 1)[0].strip() or b"0", 16)
            if size == 0:
                while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                    pass  # trailers
                return b"".join(chunks)
            chunks.append(self.rfile.read(size))
            self.rfile.readline()  # CRLF after each chunk

    def _send(self, status: int, headers: dict[str, str], body: bytes = b"") -> None:
        self.send_response(status)
        for key, value in headers.items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
        self._record.status = status

    def _authorised(self) -> str | None:
        """REMOTE_USER if the request may proceed ('' when auth is off), else None."""
        server = self.git_server
        if server.username is None:
            return ""
        header = self.headers.get("Authorization", "")
        if header.startswith("Basic "):
            try:
                user, _, pwd = base64.b64decode(header[6:]).decode().partition(":")
            except ValueError:
                return None
            if user == server.username and pwd == server.password:
                return user
        return None

    def _redirect_target(self, path: str, query: str) -> str | None:
        for prefix, target in self.git_server.redirects.items():
            if path.startswith(prefix):
                return target + path[len(prefix):] + (f"?{query}" if query else "")
        return None

    def _handle(self) -> None:
        server = self.git_server
        parts = urlsplit(self.path)
        self._record = RecordedRequest(self.command, self.path, dict(self.headers.items()))
        server.requests.append(self._record)
        body = self._read_body() if self.command == "POST" else b""
        location = self._redirect_target(parts.path, parts.query)
        if location is not None:
            self._send(301, {"Location": location})
            return
        user = self._authorised()
        if user is None:
            self._send(401, {"WWW-Authenticate": 'Basic realm="git"'}, b"auth required\n")
            return
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "GIT_PROJECT_ROOT": str(server.root),
            "GIT_HTTP_EXPORT_ALL": "1",
            "GIT_CONFIG_NOSYSTEM": "1",
            "GIT_CONFIG_GLOBAL": "/dev/null",
            "REQUEST_METHOD": self.command,
            "PATH_INFO": parts.path,
            "QUERY_STRING": parts.query,
            "CONTENT_TYPE": self.headers.get("Content-Type", ""),
            "CONTENT_LENGTH": str(len(body)),
            "REMOTE_ADDR": self.client_address[0],
            "REMOTE_USER": user,
            "SERVER_PROTOCOL": "HTTP/1.1",
            "GATEWAY_INTERFACE": "CGI/1.1",
        }
        if self.headers.get("Content-Encoding"):
            env["HTTP_CONTENT_ENCODING"] = self.headers["Content-Encoding"]
        if self.headers.get("Git-Protocol"):
            env["GIT_PROTOCOL"] = self.headers["Git-Protocol"]
        proc = subprocess.run([HTTP_BACKEND], input=body, env=env, capture_output=True,
                              check=False, timeout=120)
        parsed = _parse_cgi_output(proc.stdout)
        if parsed is None:
            self._send(500, {}, proc.stderr)
        else:
            self._send(*parsed)
