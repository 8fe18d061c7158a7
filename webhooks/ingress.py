"""``/webhooks/<integration id>`` served in front of Flask, as one WSGI call.

Flask's handling of a request (its request context, URL matching, the app's before,
after and teardown hooks, a response object) cost a worker as much CPU as everything
else a delivery needs: under wrk the same receiver took 368 µs of worker CPU a
delivery served this way against 517–739 µs through a Flask route
(``docs/benchmarks.md``, "Fifth pass"). The receiver needs none of it (no session, no
page, no API token), nor an app context of its own (``webhooks.endpoint``). So
``webhooks.init_app`` wraps the app's WSGI callable in :class:`Ingress`, which serves
the receiver's URL itself and hands every other request to Flask unchanged.

What the app's hooks do for every request it does too: the request id
(``X-Request-Id`` kept when tame, else made; echoed; on every log line), the access
line, the in-progress gauge. An unexpected error is logged and answered 500 in the
receiver's JSON shape; a method other than POST gets 405.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterable
from http import HTTPStatus
from typing import Any

from flask import Flask

from app import logs, metrics
from webhooks import endpoint

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]

#: The receiver's URL (an id that fits a 64-bit integer); any other path is Flask's.
PATH = re.compile(r"/webhooks/([0-9]{1,18})")
#: ``202 Accepted`` and the like, made once.
STATUS_LINES = {status.value: f"{status.value} {status.phrase}" for status in HTTPStatus}


class Ingress:
    """The app's WSGI callable: the receiver's URL here, the rest to ``inner``."""

    def __init__(self, app: Flask, inner: WSGIApp) -> None:
        self.app, self.inner = app, inner

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]
                 ) -> Iterable[bytes]:
        match = PATH.fullmatch(environ.get("PATH_INFO") or "")
        if match is None:
            return self.inner(environ, start_response)
        started = time.perf_counter()
        request_id = logs.request_id_for(environ.get("HTTP_X_REQUEST_ID") or "")
        method = environ.get("REQUEST_METHOD") or ""
        with logs.bound(request_id), metrics.serving("webhooks"):
            outcome = self._outcome(environ, method, int(match.group(1)))
            status, headers, body = endpoint.finish(outcome, started)
            logs.access(method, environ["PATH_INFO"], status, started)
        start_response(STATUS_LINES[status], [
            *headers.items(), ("Content-Type", "application/json"),
            ("Content-Length", str(len(body))), ("X-Request-Id", request_id)])
        return [body]

    def _outcome(self, environ: dict[str, Any], method: str, integration_id: int
                 ) -> endpoint.Outcome:
        if method != "POST":
            return endpoint.Outcome(405, "method_not_allowed", "git hosts POST deliveries to "
                                    "this URL", integration_id, headers={"Allow": "POST"})
        try:
            return endpoint.receive(self.app, environ, integration_id)
        except Exception:
            self.app.logger.exception("webhooks.error integration=%s", integration_id)
            return endpoint.Outcome(500, "internal_error", "something went wrong on our side; "
                                    "send the delivery again", integration_id)
