"""The app's own refusal type. Each surface renders it its own way: JSON for the API,
a page for iframes, a bare status for lifecycle hooks."""

from __future__ import annotations


class Problem(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message

    def to_json(self) -> dict[str, dict[str, str]]:
        return {"error": {"code": self.code, "message": self.message}}
