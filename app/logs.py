"""Logging: one handler, structured in production, with a request id, never a secret.

* **One handler, on the root logger.** Every logger of the app, werkzeug's and RQ's
  propagates to it and nothing else prints (Flask's default handler is removed, RQ and
  werkzeug add none when one exists), so every warning is written exactly once.
* **Format by environment.** Production writes one JSON object per line (``ts``,
  ``level``, ``logger``, ``message``, ``request_id``, ``job_id``, ``exc``) for a log
  shipper; development writes readable lines.
* **A request id on every line.** Taken from an incoming ``X-Request-Id`` when it looks
  like one (a proxy or load balancer made it), else generated; echoed in the response.
  Jobs a request enqueues carry it in their meta (``app.queue``) and the worker binds
  it again while the job runs, so a delivery can be followed from the receiver into
  its job's lines.
* **Redaction.** Connect tokens travel in URLs (``?jwt=``) and headers, and server
  request logs print URLs. The handler masks anything shaped like a JWT or a
  ``jwt=``/``token=``/``secret=`` parameter before a record is written, as a second
  line of defence behind never logging secrets at all.
"""

from __future__ import annotations

import contextvars
import json
import logging
import os
import re
import sys
import time
from datetime import UTC, datetime
from typing import Any

from flask import Flask, Response, g, request
from flask.logging import default_handler

_PATTERNS = [
    re.compile(r"eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]+"),
    re.compile(r"(?i)((?:jwt|token|secret|password|access_token)=)[^&\s\"']+"),
    re.compile(r"(?i)(authorization:\s*(?:jwt|bearer|basic|token)\s+)\S+"),
]

#: An incoming request id is kept only if it is this tame (it goes into every line).
_SANE_ID = re.compile(r"^[A-Za-z0-9._:-]{8,128}$")

_request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "gitbridge_request_id", default=None)
_job_id: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "gitbridge_job_id", default=None)


def redact(text: str) -> str:
    text = _PATTERNS[0].sub("<redacted-jwt>", text)
    for pattern in _PATTERNS[1:]:
        text = pattern.sub(r"\1<redacted>", text)
    return text


def current_request_id() -> str | None:
    return _request_id.get()


class bound:  # noqa: N801  (used as a function: ``with logs.bound(...)``)
    """Every line logged inside carries these ids (a request, a job run by a worker).
    A class, not a generator: the webhook receiver enters one per delivery."""

    __slots__ = ("ids", "tokens")

    def __init__(self, request_id: str | None, job_id: str | None = None) -> None:
        self.ids = (request_id, job_id)

    def __enter__(self) -> None:
        self.tokens = (_request_id.set(self.ids[0]), _job_id.set(self.ids[1]))

    def __exit__(self, *_: object) -> None:
        _job_id.reset(self.tokens[1])
        _request_id.reset(self.tokens[0])


class ContextFilter(logging.Filter):
    """Redacts the message and stamps the current request and job ids on the record."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        record.request_id = _request_id.get()
        record.job_id = _job_id.get()
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None),
            "job_id": getattr(record, "job_id", None),
        }
        if record.exc_info:
            line["exc"] = redact(self.formatException(record.exc_info))
        return json.dumps(line, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)-7s %(name)s [%(ids)s] %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        ids = [getattr(record, "request_id", None), getattr(record, "job_id", None)]
        record.ids = " ".join(i for i in ids if i) or "-"
        return redact(super().format(record))


class StderrHandler(logging.StreamHandler):
    """Writes to whatever ``sys.stderr`` is when a record comes (a test's capture too)."""

    @property
    def stream(self) -> Any:
        return sys.stderr

    @stream.setter
    def stream(self, _value: Any) -> None:
        pass


#: The process's one handler (created once: several apps in one process share it).
HANDLER = StderrHandler()
HANDLER.addFilter(ContextFilter())
_LOGGER_FILTER = ContextFilter()


ACCESS = logging.getLogger("gitbridge.access")


class _NoWerkzeugRequestLines(logging.Filter):
    """The development server's own request lines repeat ``ACCESS``'s, without ids."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).endswith('"%s" %s %s')


def formatter_for(env_name: str) -> logging.Formatter:
    return JsonFormatter() if env_name == "production" else TextFormatter()


def init_app(app: Flask) -> None:
    HANDLER.setFormatter(formatter_for(app.config["ENV_NAME"]))
    root = logging.getLogger()
    if HANDLER not in root.handlers:
        root.addHandler(HANDLER)
    gunicorn = logging.getLogger("gunicorn.error")
    if gunicorn.handlers:  # under gunicorn: its --log-level is the operator's choice
        root.setLevel(gunicorn.level)
    elif root.level == logging.WARNING:  # Python's default: nobody chose one
        root.setLevel(logging.INFO)
    app.logger.removeHandler(default_handler)
    # Also on the loggers themselves, so any other handler (a test's capture) gets
    # redacted records too.
    for name in (app.logger.name, "werkzeug", "gunicorn.access", "gunicorn.error", "rq.worker"):
        logger = logging.getLogger(name)
        if _LOGGER_FILTER not in logger.filters:
            logger.addFilter(_LOGGER_FILTER)
    # gunicorn's loggers print through their own handlers (``propagate`` off); give
    # those handlers the same format and ids.
    for name in ("gunicorn.error", "gunicorn.access"):
        for handler in logging.getLogger(name).handlers:
            handler.setFormatter(HANDLER.formatter)
            if not any(isinstance(f, ContextFilter) for f in handler.filters):
                handler.addFilter(ContextFilter())
    werkzeug = logging.getLogger("werkzeug")
    if not any(isinstance(f, _NoWerkzeugRequestLines) for f in werkzeug.filters):
        werkzeug.addFilter(_NoWerkzeugRequestLines())
    app.before_request(_start_request)
    app.after_request(_echo_request_id)
    app.teardown_request(_end_request)


def request_id_for(incoming: str) -> str:
    """The id of a request that came with ``X-Request-Id: incoming`` (kept if tame)."""
    return incoming if _SANE_ID.match(incoming) else os.urandom(16).hex()


def access(method: str, path: str, status: int, started: float) -> None:
    """A request's one access line (``started``: its ``time.perf_counter()``)."""
    ACCESS.info("%s %s %s %.1fms", method, path, status, (time.perf_counter() - started) * 1000)


def _start_request() -> None:
    request_id = request_id_for(request.headers.get("X-Request-Id", ""))
    g.request_id = request_id
    g.request_started = time.perf_counter()
    g.request_id_token = _request_id.set(request_id)


def _echo_request_id(response: Response) -> Response:
    """Echo the request id and write the request's one access line (gunicorn's own
    access log stays off: its line comes after the request and would have no id)."""
    if "request_id" in g:
        response.headers["X-Request-Id"] = g.request_id
        access(request.method, request.path, response.status_code, g.request_started)
    return response


def _end_request(_exc: BaseException | None) -> None:
    token = g.pop("request_id_token", None)
    if token is not None:
        _request_id.reset(token)
