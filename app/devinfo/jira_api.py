"""The devinfo 0.10 calls, on the client ``jira_for(tenant)`` gives (Connect or Forge).

The client already waits out short ``Retry-After`` answers (429/503) in line and raises
``ApiRateLimited`` for longer ones, so callers can reschedule instead of blocking.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from app.devinfo.limits import KINDS
from app.http import ApiError, HttpClient

BASE = "/rest/devinfo/0.10"
#: ``repositories`` key of each entity list -> our kind.
LIST_KINDS = {plural: kind for kind, plural in KINDS.items()}


class Disconnected(Exception):
    """The repository went away while its push ran (its deletion follows)."""


class TooLarge(Exception):
    """Jira answered 413: "Submit fewer devinfo entities in each payload"."""


@dataclass
class Outcome:
    """What Jira said about one bulk request (the 202 body, ``StoreDevinfoResult``)."""

    #: (kind, id) -> Jira's reason, for entities it refused.
    failed: dict[tuple[str, str], str] = field(default_factory=dict)
    #: Messages about the repository itself (then none of its entities was taken).
    repository_errors: list[str] = field(default_factory=list)
    unknown_issue_keys: list[str] = field(default_factory=list)


def _messages(items: Any) -> str:
    texts = [m.get("message", "") if isinstance(m, dict) else str(m) for m in items or []]
    return "; ".join(t for t in texts if t) or "refused"


def error_text(payload: Any) -> str:
    """The reasons in an error body (``ErrorMessages``: ``{"errorMessages": [...]}``)."""
    if isinstance(payload, dict) and payload.get("errorMessages"):
        return _messages(payload["errorMessages"])
    return ""


def outcome(body: Any, repository_id: str) -> Outcome:
    result = Outcome()
    if not isinstance(body, dict):
        return result
    failed = (body.get("failedDevinfoEntities") or {}).get(repository_id) or {}
    if failed.get("errorMessages"):
        result.repository_errors.append(_messages(failed["errorMessages"]))
    for plural, kind in LIST_KINDS.items():
        for item in failed.get(plural) or []:
            if isinstance(item, dict) and "id" in item:
                result.failed[(kind, str(item["id"]))] = _messages(item.get("errorMessages"))
    result.unknown_issue_keys = [k for k in body.get("unknownIssueKeys") or []
                                 if isinstance(k, str)]
    return result


def store(client: HttpClient, body: dict[str, Any]) -> Any:
    """``POST /bulk``; the parsed 202 body."""
    try:
        response = client.request("POST", f"{BASE}/bulk", json=body)
    except ApiError as exc:
        if exc.status == 413:
            raise TooLarge(exc.message) from exc
        raise
    return response.json() if response.content else {}


def delete_entity(client: HttpClient, repository_id: str, kind: str, entity_id: str,
                  seq: int) -> None:
    client.request("DELETE", f"{BASE}/repository/{repository_id}/{kind}/{entity_id}",
                   params={"_updateSequenceId": seq})


def _seq(seq: int | None) -> dict[str, int]:
    """``_updateSequenceId``: delete only what is at most this new. Switching devinfo off
    passes it (a later switch back on sends newer data); a disconnect does not need it."""
    return {} if seq is None else {"_updateSequenceId": seq}


def delete_repository(client: HttpClient, repository_id: str, seq: int | None = None) -> None:
    client.request("DELETE", f"{BASE}/repository/{repository_id}", params=_seq(seq))


def delete_by_property(client: HttpClient, key: str, value: str,
                       seq: int | None = None) -> None:
    client.request("DELETE", f"{BASE}/bulkByProperties", params={key: value, **_seq(seq)})
