"""Logging that cannot leak credentials.

Connect tokens travel in URLs (``?jwt=``) and headers, and the request log of every
server prints URLs. A filter on the app's, werkzeug's and gunicorn's loggers masks
anything shaped like a JWT or a ``jwt=``/``token=``/``secret=`` parameter before a
record is written, as a second line of defence behind never logging secrets at all.
"""

from __future__ import annotations

import logging
import re

from flask import Flask

_PATTERNS = [
    re.compile(r"eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]+"),
    re.compile(r"(?i)((?:jwt|token|secret|password|access_token)=)[^&\s\"']+"),
    re.compile(r"(?i)(authorization:\s*(?:jwt|bearer|basic|token)\s+)\S+"),
]


def redact(text: str) -> str:
    text = _PATTERNS[0].sub("<redacted-jwt>", text)
    for pattern in _PATTERNS[1:]:
        text = pattern.sub(r"\1<redacted>", text)
    return text


class RedactingFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


_FILTER = RedactingFilter()


def init_app(app: Flask) -> None:
    for name in (app.logger.name, "werkzeug", "gunicorn.access", "gunicorn.error", "rq.worker"):
        logger = logging.getLogger(name)
        if _FILTER not in logger.filters:
            logger.addFilter(_FILTER)
    if not app.debug and app.logger.level == logging.NOTSET:
        app.logger.setLevel(logging.INFO)
