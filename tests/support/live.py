"""The app itself on a real HTTP socket (a thread), for flows that must cross HTTP."""

from __future__ import annotations

import threading
from types import TracebackType

from flask import Flask
from werkzeug.serving import make_server


class LiveApp:
    def __init__(self, app: Flask) -> None:
        self._server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> LiveApp:
        self._thread.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self._server.shutdown()
        self._thread.join(timeout=5)
