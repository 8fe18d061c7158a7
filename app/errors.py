"""The app's own refusal type. Each surface renders it its own way: JSON for the API,
a page for iframes, a bare status for lifecycle hooks."""

from __future__ import annotations

from typing import Any


class Problem(Exception):
    def __init__(self, status: int, code: str, message: str,
                 extra: dict[str, Any] | None = None) -> None:
        """``extra``: fields the JSON error carries besides code and message, e.g. the
        existing integration's id a 409 refers to."""
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.extra = extra or {}

    def to_json(self) -> dict[str, dict[str, Any]]:
        return {"error": {**self.extra, "code": self.code, "message": self.message}}
