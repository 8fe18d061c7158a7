"""GitLab.com and self-managed GitLab: project and group webhooks, and system hooks.

Authentication comes in two forms.  The classic one is the webhook's *secret
token*, sent verbatim in ``X-Gitlab-Token``.  Newer GitLab can also *sign*
deliveries with a signing token following the Standard Webhooks scheme
(``webhook-id``, ``webhook-timestamp``, ``webhook-signature``).  Whatever a
delivery presents must be valid, and it must present at least one of the two.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import time
from collections.abc import Callable, Sequence
from typing import Any

from webhooks.hosts.base import (
    Incoming,
    MalformedDelivery,
    Receiver,
    SignatureInvalid,
    get_bool,
    get_dict,
    get_id,
    get_list,
    get_str,
    parse_time,
    require_id,
    require_str,
    sha_or_none,
    str_items,
)
from webhooks.hosts.events import (
    Event,
    Person,
    PullRequest,
    PullRequestState,
    Push,
    PushedCommit,
    RepositoryRef,
    Reviewer,
    is_history_ref,
    make_commit,
    pull_request_keys,
    unique,
)
from webhooks.hosts.secrets import secret_matches, usable_secrets

#: Standard Webhooks: "verify the timestamp is within a tolerance (five minutes)".
STANDARD_WEBHOOKS_TOLERANCE = 300

_REDACTED = "[REDACTED]"


# https://docs.gitlab.com/user/project/integrations/webhook_events/
# https://docs.gitlab.com/user/project/integrations/webhooks/#custom-headers
# https://github.com/standard-webhooks/standard-webhooks/blob/main/spec/standard-webhooks.md
class GitLabReceiver(Receiver):
    """``X-Gitlab-Event`` is ``Push Hook``, ``Tag Push Hook``, ``Merge Request Hook``,
    ``System Hook``...; the body's ``object_kind`` (``event_name`` in system hooks)
    says what it really is, so parsing dispatches on the body.

    ``clock`` and ``tolerance`` exist for the Standard Webhooks replay window."""

    host = "gitlab"

    def __init__(self, clock: Callable[[], float] = time.time,
                 tolerance: int = STANDARD_WEBHOOKS_TOLERANCE) -> None:
        self._clock = clock
        self._tolerance = tolerance

    @classmethod
    def claims(cls, incoming: Incoming) -> bool:
        return bool(incoming.header("X-Gitlab-Event"))

    def verify(self, incoming: Incoming, secrets: Sequence[str]) -> None:
        token = incoming.header("X-Gitlab-Token")
        signature = incoming.header("webhook-signature")
        if token is None and signature is None:
            raise SignatureInvalid("neither X-Gitlab-Token nor webhook-signature was sent")
        if token is not None and not secret_matches(token, secrets):
            raise SignatureInvalid("X-Gitlab-Token does not match")
        if signature is not None:
            self._verify_signature(incoming, signature, secrets)

    def _verify_signature(self, incoming: Incoming, signature: str,
                          secrets: Sequence[str]) -> None:
        msg_id = incoming.header("webhook-id")
        stamp = incoming.header("webhook-timestamp")
        if not msg_id or not stamp or not stamp.isdigit() or len(stamp) > 12:
            raise SignatureInvalid("webhook-id or webhook-timestamp is missing")
        if abs(self._clock() - int(stamp)) > self._tolerance:
            raise SignatureInvalid("webhook-timestamp is outside the allowed window")
        signed = f"{msg_id}.{stamp}.".encode() + incoming.body
        presented = [
            part[3:].encode("ascii", "replace")
            for part in signature.split() if part.startswith("v1,")
        ]
        matched = False
        for key in _signing_keys(secrets):
            expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest())
            for candidate in presented:
                matched |= hmac.compare_digest(candidate, expected)
        if not matched:
            raise SignatureInvalid("webhook-signature does not match")

    def event(self, incoming: Incoming) -> str:
        return incoming.header("X-Gitlab-Event") or ""

    def delivery_id(self, incoming: Incoming) -> str | None:
        # Idempotency-Key stays the same across retries of one delivery; the
        # event UUID is shared by every hook the same event triggers.
        for name in ("Idempotency-Key", "webhook-id", "X-Gitlab-Event-UUID"):
            value = incoming.header(name)
            if value:
                return value
        return None

    def _parse(self, incoming: Incoming) -> list[Event]:
        payload = incoming.json_object()
        kind = get_str(payload, "object_kind") or get_str(payload, "event_name")
        if kind in ("push", "tag_push"):
            push = _push(payload)
            return [push] if push else []
        if kind == "merge_request":
            return [_merge_request(payload)]
        if kind == "repository_update":  # system hook: refs moved, no commits
            return _repository_update(payload)
        return []  # notes, issues, pipelines, project/user system events...


def _signing_keys(secrets: Sequence[str]) -> list[bytes]:
    """Standard Webhooks keys are ``whsec_<base64>``: the HMAC key is the decoded
    part.  A secret without the prefix (or not valid base64) is used as it is."""
    keys: list[bytes] = []
    for secret in usable_secrets(secrets):
        if secret.startswith("whsec_"):
            try:
                keys.append(base64.b64decode(secret[len("whsec_"):], validate=True))
            except (binascii.Error, ValueError):
                pass
        keys.append(secret.encode("utf-8"))
    return [k for k in keys if k]


def repository_ref(payload: dict[str, Any]) -> RepositoryRef:
    """From ``project``; the older ``repository`` block only when ``project`` has no
    URLs (in some merge request payloads it describes another project)."""
    project = get_dict(payload, "project")
    legacy = get_dict(payload, "repository")
    full_name = get_str(project, "path_with_namespace")
    name = (get_str(project, "name") or get_str(legacy, "name")
            or (full_name.rsplit("/", 1)[-1] if full_name else None))
    if not name:
        raise MalformedDelivery("project.name is missing")
    urls = unique(get_str(project, "git_http_url"), get_str(project, "http_url"),
                  get_str(project, "git_ssh_url"), get_str(project, "ssh_url"),
                  get_str(project, "url"))
    if not urls:  # only then: in some payloads ``repository`` is another project
        urls = unique(get_str(legacy, "git_http_url"), get_str(legacy, "git_ssh_url"),
                      get_str(legacy, "url"))
    web_url = get_str(project, "web_url") or get_str(legacy, "homepage")
    return RepositoryRef(
        name=name,
        full_name=full_name,
        clone_urls=unique(*urls, web_url),
        web_url=web_url,
        default_branch=get_str(project, "default_branch"),
    )


def _email(value: str | None) -> str | None:
    """GitLab sends ``[REDACTED]`` instead of hidden e-mail addresses."""
    return None if value in (None, _REDACTED) else value


def _commit(data: Any) -> PushedCommit | None:
    sha = get_str(data, "id")
    if not sha:
        raise MalformedDelivery("a commit has no id")
    author = get_dict(data, "author")
    return make_commit(
        sha=sha, message=get_str(data, "message") or "",
        author=Person(name=get_str(author, "name") or "unknown",
                      email=_email(get_str(author, "email"))),
        timestamp=parse_time(data.get("timestamp")), url=get_str(data, "url"),
        added=str_items(data.get("added")), modified=str_items(data.get("modified")),
        removed=str_items(data.get("removed")))


def _push(payload: dict[str, Any]) -> Push | None:
    """Push and tag push.  "commits: the array is limited to 20 commits"; the real
    count is ``total_commits_count``, so truncation is exact here.  (Pushes changing
    more than ``push_event_hooks_limit`` refs, 3 by default, fire no hook at all.)"""
    ref = require_str(payload, "ref", "ref")
    if not is_history_ref(ref):
        return None
    repository = repository_ref(payload)
    raw = [c for c in get_list(payload, "commits") if isinstance(c, dict)]
    commits = [c for c in (_commit(c) for c in raw) if c is not None]
    total = payload.get("total_commits_count")
    total_commits = total if isinstance(total, int) and not isinstance(total, bool) else None
    before = sha_or_none(get_str(payload, "before"))
    after = sha_or_none(get_str(payload, "after"))
    pusher_name = get_str(payload, "user_name") or get_str(payload, "user_username")
    return Push(
        repository=repository, ref=ref, before=before, after=after,
        created=before is None and after is not None,
        deleted=after is None,
        commits=tuple(commits),  # oldest first, as GitLab sends them
        total_commits=total_commits,
        truncated=(total_commits is not None and total_commits > len(raw))
        or len(commits) < len(raw),
        pusher=Person(name=pusher_name, email=_email(get_str(payload, "user_email")))
        if pusher_name else None,
    )


def _repository_update(payload: dict[str, Any]) -> list[Event]:
    """System hook ``repository_update``: ``changes`` lists before/after/ref only."""
    repository = repository_ref(payload)
    pushes: list[Event] = []
    for change in get_list(payload, "changes"):
        ref = get_str(change, "ref")
        if not ref or not is_history_ref(ref):
            continue
        before = sha_or_none(get_str(change, "before"))
        after = sha_or_none(get_str(change, "after"))
        pushes.append(Push(
            repository=repository, ref=ref, before=before, after=after,
            created=before is None and after is not None, deleted=after is None,
            commits=(), total_commits=None, truncated=after is not None, pusher=None))
    return pushes


def _merge_request_state(attrs: dict[str, Any]) -> PullRequestState:
    state = get_str(attrs, "state")
    if state == "merged":
        return "merged"
    if state == "closed":
        return "declined"
    # "opened", and "locked" (a merge in progress) count as open.
    draft = get_bool(attrs, "draft") or get_bool(attrs, "work_in_progress")
    return "draft" if draft else "open"


def _merge_request(payload: dict[str, Any]) -> PullRequest:
    attrs = get_dict(payload, "object_attributes")
    iid = require_id(attrs, "iid", "object_attributes.iid")
    title = get_str(attrs, "title") or ""
    description = get_str(attrs, "description")
    source = get_str(attrs, "source_branch")
    action = get_str(attrs, "action") or "update"
    user = get_dict(payload, "user")
    # The payload names the acting user, not the author; they are the same person
    # exactly when the ids agree.
    author = None
    if get_id(user, "id") is not None and get_id(user, "id") == get_id(attrs, "author_id"):
        name = get_str(user, "name") or get_str(user, "username")
        if name:
            author = Person(name=name, email=_email(get_str(user, "email")))
    actor = get_str(user, "username")
    reviewers = []
    for reviewer in get_list(payload, "reviewers"):
        name = get_str(reviewer, "name") or get_str(reviewer, "username")
        if not name:
            continue
        approved = get_str(reviewer, "state") == "approved" or (
            action in ("approved", "approval") and actor is not None
            and get_str(reviewer, "username") == actor)
        reviewers.append(Reviewer(name=name, approved=approved))
    return PullRequest(
        repository=repository_ref(payload), number=iid, title=title,
        description=description, state=_merge_request_state(attrs),
        source_branch=source, target_branch=get_str(attrs, "target_branch"),
        author=author, reviewers=tuple(reviewers), url=get_str(attrs, "url"),
        updated_at=parse_time(attrs.get("updated_at")), action=action,
        issue_keys=pull_request_keys(title, source, description),
    )
