"""Gerrit Code Review through its ``webhooks`` plugin.

The plugin POSTs the same JSON as ``gerrit stream-events`` and can neither sign
a delivery nor add a header, so the app's secret travels in the webhook URL
(``?secret=...``), which only admins are shown.  Nothing identifies Gerrit but
the body's shape.

A Gerrit *change* plays the part of a pull request: its number is the PR number,
its target branch the target, and it has no source branch.  Events name the
project but not the server; the server comes from ``change.url`` when there is
one, or from the integration's ``base_url`` given to the receiver.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from webhooks.hosts.base import (
    Incoming,
    MalformedDelivery,
    Receiver,
    SignatureInvalid,
    get_bool,
    get_dict,
    get_id,
    get_str,
    parse_time,
    require_str,
    sha_or_none,
)
from webhooks.hosts.events import (
    Event,
    Person,
    PullRequest,
    PullRequestState,
    Push,
    RepositoryRef,
    full_ref,
    is_history_ref,
    pull_request_keys,
    unique,
)
from webhooks.hosts.secrets import body_digest, secret_matches

#: Change events that carry the change's whole state, and what they make it.
CHANGE_EVENTS: dict[str, PullRequestState | None] = {
    "patchset-created": None,  # from change.status (NEW, or a draft / WIP)
    "change-restored": None,
    "wip-state-changed": None,
    "private-state-changed": None,
    "topic-changed": None,
    "hashtags-changed": None,
    "change-merged": "merged",
    "change-abandoned": "declined",
    "change-deleted": "declined",
}

#: Every ``type`` stream-events documents; used to recognise Gerrit deliveries.
KNOWN_TYPES = frozenset({
    *CHANGE_EVENTS, "ref-updated", "comment-added", "reviewer-added", "reviewer-deleted",
    "vote-deleted", "project-created", "project-head-updated", "dropped-output",
    "assignee-changed", "batch-ref-updated", "ref-replicated", "ref-replication-done",
})


# https://gerrit.googlesource.com/plugins/webhooks/+/refs/heads/master/src/main/resources/Documentation/config.md
# https://gerrit-review.googlesource.com/Documentation/cmd-stream-events.html
# https://gerrit-review.googlesource.com/Documentation/json.html
class GerritReceiver(Receiver):
    """``base_url``: the Gerrit web root of the integration (``https://review.example.com``),
    used to build clone URLs for events that do not carry a change URL."""

    host = "gerrit"

    def __init__(self, base_url: str | None = None) -> None:
        self._base_url = base_url.rstrip("/") if base_url else None

    @classmethod
    def claims(cls, incoming: Incoming) -> bool:
        if b'"type"' not in incoming.body:
            return False
        try:
            payload = incoming.json()
        except MalformedDelivery:
            return False
        if not isinstance(payload, dict):
            return False
        kind = get_str(payload, "type")
        if kind in KNOWN_TYPES:
            return True
        return bool(kind) and "eventCreatedOn" in payload and any(
            key in payload for key in ("change", "refUpdate", "patchSet"))

    def verify(self, incoming: Incoming, secrets: Sequence[str]) -> None:
        if not secret_matches(incoming.query_value("secret"), secrets):
            raise SignatureInvalid("the URL's secret is missing or does not match")

    def event(self, incoming: Incoming) -> str:
        return get_str(incoming.json_object(), "type") or ""

    def delivery_id(self, incoming: Incoming) -> str | None:
        # No delivery id exists; every event has its own eventCreatedOn and
        # subject, so a digest of the body is the same for retries only.
        return body_digest(incoming.body)

    def _parse(self, incoming: Incoming) -> list[Event]:
        payload = incoming.json_object()
        kind = get_str(payload, "type") or ""
        if kind == "ref-updated":
            push = self._ref_updated(payload)
            return [push] if push else []
        if kind in CHANGE_EVENTS:
            return [self._change(payload, kind)]
        return []

    def repository_ref(self, project: str, change_url: str | None) -> RepositoryRef:
        roots = unique(_web_root(change_url), self._base_url)
        urls: list[str] = []
        for root in roots:
            urls += [f"{root}/{project}", f"{root}/a/{project}"]
        return RepositoryRef(
            name=project.rsplit("/", 1)[-1], full_name=project, clone_urls=unique(*urls),
            web_url=f"{roots[0]}/q/project:{project}" if roots else None,
            default_branch=None)

    def _ref_updated(self, payload: dict[str, Any]) -> Push | None:
        update = get_dict(payload, "refUpdate")
        project = require_str(update, "project", "refUpdate.project")
        name = require_str(update, "refName", "refUpdate.refName")
        ref = full_ref(name)  # very old Gerrit sends "master" for refs/heads/master
        if not is_history_ref(ref):
            return None  # refs/changes/*, refs/meta/*, refs/users/*...
        before = sha_or_none(get_str(update, "oldRev"))
        after = sha_or_none(get_str(update, "newRev"))
        return Push(
            repository=self.repository_ref(project, None), ref=ref, before=before,
            after=after, created=before is None and after is not None, deleted=after is None,
            commits=(), total_commits=None, truncated=after is not None,
            pusher=_person(get_dict(payload, "submitter")))

    def _change(self, payload: dict[str, Any], kind: str) -> PullRequest:
        change = get_dict(payload, "change")
        number = get_id(change, "number")
        if number is None:
            raise MalformedDelivery("change.number is missing")
        project = require_str(change, "project", "change.project")
        url = get_str(change, "url")
        title = get_str(change, "subject") or ""
        description = get_str(change, "commitMessage")
        branch = get_str(change, "branch")
        return PullRequest(
            repository=self.repository_ref(project, url), number=number, title=title,
            description=description, state=CHANGE_EVENTS[kind] or _state(payload),
            source_branch=None, target_branch=branch, author=_person(get_dict(change, "owner")),
            reviewers=(), url=url,
            updated_at=parse_time(payload.get("eventCreatedOn")), action=kind,
            # The topic often names the issue the way a source branch would.
            issue_keys=pull_request_keys(title, get_str(change, "topic"), description),
        )


def _state(payload: dict[str, Any]) -> PullRequestState:
    change = get_dict(payload, "change")
    status = get_str(change, "status")
    if status == "MERGED":
        return "merged"
    if status == "ABANDONED":
        return "declined"
    draft = (status == "DRAFT" or get_bool(change, "wip")
             or get_bool(get_dict(payload, "patchSet"), "isDraft"))
    return "draft" if draft else "open"


def _person(data: dict[str, Any]) -> Person | None:
    name = get_str(data, "name") or get_str(data, "username")
    return Person(name=name, email=get_str(data, "email")) if name else None


def _web_root(change_url: str | None) -> str | None:
    """The server's web root from a change URL, in its three historical shapes:
    ``<root>/c/<project>/+/<n>``, ``<root>/#/c/<n>/`` and ``<root>/<n>``."""
    if not change_url:
        return None
    parts = urlsplit(change_url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    path = parts.path
    if "/c/" in path:
        path = path[: path.index("/c/")]
    elif parts.fragment.startswith("/c/") or path.endswith("/"):
        path = path.rstrip("/")
    else:
        path = path.rsplit("/", 1)[0]
    return urlunsplit((parts.scheme, parts.netloc, path.rstrip("/"), "", ""))
