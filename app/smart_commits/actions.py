"""Running one smart-commit command on one issue through Jira's REST API.

Calls go through the client ``jira_for(tenant)`` gives, so they run as the app. The
commit's author is found among Jira's users by email (``GET /rest/api/3/user/search``;
exactly one active person must match) and named in everything posted: mentioned when
found, by their git name and email when not, so an issue's history always says whose
commit did it. Bodies are Atlassian Document Format, as REST v3 requires.

Outcomes: ``Result`` (done, or failed for a reason worth telling the admin: no such
issue or transition, worklog refused...); ``RetryLater`` (rate limited, Jira down: the
command did not happen and may be sent again); ``Uncertain`` (a timeout after the
request went out: it may have happened, so it is not sent again).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from app.http import (
    ApiError,
    ApiHostError,
    ApiNotFound,
    ApiRateLimited,
    ApiTimeout,
    HttpClient,
)
from app.smart_commits.parser import Command, duration, match_transition

API = "/rest/api/3"


class RetryLater(Exception):
    def __init__(self, message: str, wait: float | None = None) -> None:
        super().__init__(message)
        self.wait = wait


class Uncertain(Exception):
    """The request may have reached Jira; repeating it could run the command twice."""


@dataclass(frozen=True)
class Result:
    ok: bool
    message: str


@dataclass(frozen=True)
class CommitInfo:
    sha: str
    author_name: str
    author_email: str
    committed_at: datetime
    repository: str
    url: str | None


def _text(value: str) -> dict[str, Any]:
    return {"type": "text", "text": value}


def document(*paragraphs: list[dict[str, Any]]) -> dict[str, Any]:
    """An ADF document of the given paragraphs (lists of inline nodes)."""
    return {"type": "doc", "version": 1,
            "content": [{"type": "paragraph", "content": p} for p in paragraphs if p]}


def _errors(exc: ApiError) -> str:
    payload = exc.payload if isinstance(exc.payload, dict) else {}
    parts = [*(payload.get("errorMessages") or []),
             *(f"{k}: {v}" for k, v in (payload.get("errors") or {}).items())]
    return "; ".join(str(p) for p in parts) or exc.message


@dataclass
class Actions:
    """The commands of one commit, run against Jira as the app."""

    client: HttpClient
    commit: CommitInfo
    _users: dict[str, str | None] = field(default_factory=dict)
    _transitions: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    #: Whether the command being run has sent a change to Jira yet.
    _wrote: bool = False

    def run(self, issue_key: str, command: Command) -> Result:
        self._wrote = False
        try:
            return self._run(issue_key, command)
        except ApiNotFound:
            return Result(False, f"issue {issue_key} does not exist or Gitbridge cannot see it")
        except ApiRateLimited as exc:
            raise RetryLater(exc.message, exc.retry_after) from exc
        except ApiTimeout as exc:
            if self._wrote:
                raise Uncertain(exc.message) from exc
            raise RetryLater(exc.message) from exc
        except ApiHostError as exc:  # not connected: nothing was sent
            raise RetryLater(exc.message) from exc
        except ApiError as exc:
            if exc.status is not None and exc.status >= 500:
                raise RetryLater(exc.message) from exc
            return Result(False, f"Jira refused {command.label()[:60]}: {_errors(exc)}")

    def _run(self, key: str, command: Command) -> Result:
        if command.name == "comment":
            if not command.args:
                return Result(False, "#comment needs the comment text after it")
            self._comment(key, command.args)
            return Result(True, "comment added")
        if command.name == "time":
            spent, text = duration(command.args)
            if spent is None:
                return Result(False, "#time needs a duration such as 1w 2d 4h 30m")
            body = document(*self._body(text or "Work logged"))
            self._write("POST", f"{API}/issue/{key}/worklog",
                        {"timeSpent": spent, "started": self._started(), "comment": body})
            return Result(True, f"logged {spent}")
        if command.name == "assign":
            return self._assign(key, command.args.split()[0] if command.args else "")
        if command.name == "label":
            labels = command.args.split()
            if not labels:
                return Result(False, "#label needs one or more labels")
            self._write("PUT", f"{API}/issue/{key}",
                        {"update": {"labels": [{"add": x} for x in labels]}})
            return Result(True, "labelled " + ", ".join(labels))
        return self._transition(key, command)

    def _transition(self, key: str, command: Command) -> Result:
        if key not in self._transitions:
            answer = self.client.get_json(f"{API}/issue/{key}/transitions")
            self._transitions[key] = list((answer or {}).get("transitions") or [])
        transition, why = match_transition(command.name, self._transitions[key])
        if transition is None:
            return Result(False, why)
        self._write("POST", f"{API}/issue/{key}/transitions",
                    {"transition": {"id": str(transition["id"])}})
        self._transitions.pop(key, None)  # the issue's workflow step changed
        status = (transition.get("to") or {}).get("name") or transition.get("name")
        note = command.args or f"Transitioned to {status}"
        self._comment(key, note)
        return Result(True, f"transitioned to {status}")

    def _assign(self, key: str, who: str) -> Result:
        if not who:
            return Result(False, "#assign needs a user name or email")
        account = self._user(who)
        if account is None:
            return Result(False, f"no single Jira user matches {who!r}")
        self._write("PUT", f"{API}/issue/{key}/assignee", {"accountId": account})
        return Result(True, f"assigned to {who}")

    def _comment(self, key: str, text: str) -> None:
        body = document(*self._body(text))
        self._write("POST", f"{API}/issue/{key}/comment", {"body": body})

    def _write(self, method: str, path: str, body: dict[str, Any]) -> None:
        self._wrote = True
        self.client.request(method, path, json=body)

    def _body(self, text: str) -> list[list[dict[str, Any]]]:
        """The text, then who did it: the author (mentioned when Jira knows them) and the
        commit."""
        c = self.commit
        try:
            account = self._user(c.author_email) if c.author_email else None
        except ApiError as exc:
            if isinstance(exc, ApiRateLimited | ApiTimeout | ApiHostError):
                raise
            account = None  # an author we cannot look up is named by their git identity
        who = ({"type": "mention", "attrs": {"id": account, "text": f"@{c.author_name}"}}
               if account else _text(f"{c.author_name} <{c.author_email}>"))
        commit = _text(c.sha[:7])
        if c.url:
            commit = {**commit, "marks": [{"type": "link", "attrs": {"href": c.url}}]}
        return [[_text(text)],
                [_text("— "), who, _text(" in commit "), commit,
                 _text(f" ({c.repository}), via Gitbridge smart commits")]]

    def _user(self, query: str) -> str | None:
        """The account id of the one active person matching ``query`` (email or name)."""
        if query not in self._users:
            found = self.client.get_json(f"{API}/user/search", params={"query": query}) or []
            people = [u for u in found if isinstance(u, dict) and u.get("active", True)
                      and u.get("accountType", "atlassian") == "atlassian"]
            exact = [u for u in people if (u.get("emailAddress") or "").lower() == query.lower()]
            chosen = exact if exact else people
            self._users[query] = chosen[0]["accountId"] if len(chosen) == 1 else None
        return self._users[query]

    def _started(self) -> str:
        """The commit's time in Jira's worklog format (``2021-01-17T12:34:00.000+0000``)."""
        when = self.commit.committed_at
        when = when if when.tzinfo else when.replace(tzinfo=UTC)
        return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000+0000")
