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


#: What an error page calls a refusal (its title and heading), by code: people read
#: these, so no internal code appears in them (the code is in small print below).
HEADLINES: dict[str, str] = {
    "token_expired": "your session expired",
    "token_missing": "open this page from Jira",
    "unknown_tenant": "this Jira site has not installed the app",
    "app_disabled": "the app is disabled on this Jira site",
    "not_admin": "only Jira administrators can open this page",
    "jira_unavailable": "Jira did not answer",
    "oauth_failed": "the git host was not connected",
}
#: By status, for codes without their own headline.
STATUS_HEADLINES: dict[int, str] = {
    400: "this request cannot be used",
    401: "this request could not be verified",
    403: "you may not open this page",
    404: "this page does not exist",
}


def headline(problem: Problem) -> str:
    """The human title of an error page: ``Gitbridge: <headline>``."""
    return HEADLINES.get(problem.code) or STATUS_HEADLINES.get(
        problem.status, "something went wrong")
