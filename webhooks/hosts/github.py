"""GitHub.com and GitHub Enterprise Server.

Both send the same headers and payloads; Enterprise only differs in the host of
the URLs, which is why repositories are matched by the clone URLs in the payload
rather than by a fixed ``github.com``.  Gitea and Forgejo also send
``X-GitHub-Event`` with GitHub-shaped payloads and are handled here as well.
"""

from __future__ import annotations

from collections.abc import Sequence
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
    RefChange,
    RepositoryRef,
    Reviewer,
    full_ref,
    is_history_ref,
    make_commit,
    pull_request_keys,
    unique,
)
from webhooks.hosts.secrets import hub_signature_matches

#: "The array includes a maximum of 2048 commits. If necessary, you can use the
#: Commits API to fetch additional commits."  The push payload has no total count
#: (``size`` exists only in the Events API), so a full list is the only hint.
#: https://docs.github.com/en/webhooks/webhook-events-and-payloads#push
MAX_PUSH_COMMITS = 2048

#: ``pull_request`` actions that change something the app shows (state, title,
#: description, branches, reviewers).  Labels, assignees, locks, auto-merge... do not.
PULL_REQUEST_ACTIONS = frozenset({
    "opened", "reopened", "synchronize", "edited", "closed", "converted_to_draft",
    "ready_for_review", "review_requested", "review_request_removed",
})


# https://docs.github.com/en/webhooks/webhook-events-and-payloads
# https://docs.github.com/en/webhooks/using-webhooks/validating-webhook-deliveries
class GitHubReceiver(Receiver):
    """``X-GitHub-Event`` names the event, ``X-GitHub-Delivery`` is a GUID per
    delivery (kept by "Redeliver"), ``X-Hub-Signature-256`` is
    ``sha256=<hex HMAC-SHA256 of the raw body>``."""

    host = "github"

    @classmethod
    def claims(cls, incoming: Incoming) -> bool:
        return bool(incoming.header("X-GitHub-Event"))

    def verify(self, incoming: Incoming, secrets: Sequence[str]) -> None:
        sha256 = incoming.header("X-Hub-Signature-256")
        if sha256 is not None:
            if hub_signature_matches(sha256, incoming.body, secrets, "sha256"):
                return
            raise SignatureInvalid("X-Hub-Signature-256 does not match")
        # Only very old Enterprise servers sign with SHA-1 alone.  HMAC-SHA1 is still
        # unforgeable without the key; it is accepted only when no SHA-256 is sent.
        sha1 = incoming.header("X-Hub-Signature")
        if sha1 is not None and hub_signature_matches(sha1, incoming.body, secrets, "sha1"):
            return
        raise SignatureInvalid("X-Hub-Signature-256 is missing or does not match")

    def event(self, incoming: Incoming) -> str:
        return incoming.header("X-GitHub-Event") or ""

    def delivery_id(self, incoming: Incoming) -> str | None:
        return incoming.header("X-GitHub-Delivery") or None

    def _parse(self, incoming: Incoming) -> list[Event]:
        name = self.event(incoming)
        if name not in ("push", "create", "delete", "pull_request"):
            return []  # ping, issues, check runs, ... nothing to index
        payload = incoming.json_object()
        repository = repository_ref(get_dict(payload, "repository"))
        if name == "push":
            push = _push(payload, repository)
            return [push] if push else []
        if name in ("create", "delete"):
            change = _ref_change(payload, repository, created=name == "create")
            return [change] if change else []
        return _pull_request(payload, repository)


def repository_ref(repo: dict[str, Any]) -> RepositoryRef:
    """Every URL form GitHub gives for the repository.  ``url`` is left out: in
    most events it is the API URL, not something a clone URL could match."""
    full_name = get_str(repo, "full_name")
    name = get_str(repo, "name") or (full_name.rsplit("/", 1)[-1] if full_name else None)
    if not name:
        raise MalformedDelivery("repository.name is missing")
    html_url = get_str(repo, "html_url")
    return RepositoryRef(
        name=name,
        full_name=full_name,
        clone_urls=unique(get_str(repo, "clone_url"), get_str(repo, "ssh_url"),
                          get_str(repo, "git_url"), html_url, get_str(repo, "svn_url")),
        web_url=html_url,
        default_branch=get_str(repo, "default_branch") or get_str(repo, "master_branch"),
    )


def _person(data: Any) -> Person | None:
    name = get_str(data, "name") or get_str(data, "username") or get_str(data, "login")
    if not name:
        return None
    return Person(name=name, email=get_str(data, "email"))


def _commit(data: Any) -> PushedCommit | None:
    sha = get_str(data, "id")
    if not sha:
        raise MalformedDelivery("a commit has no id")
    author = _person(get_dict(data, "author")) or Person(name="unknown", email=None)
    return make_commit(
        sha=sha, message=get_str(data, "message") or "", author=author,
        timestamp=parse_time(data.get("timestamp")), url=get_str(data, "url"),
        added=str_items(data.get("added")), modified=str_items(data.get("modified")),
        removed=str_items(data.get("removed")))


def _push(payload: dict[str, Any], repository: RepositoryRef) -> Push | None:
    ref = require_str(payload, "ref", "ref")
    if not is_history_ref(ref):
        return None
    raw = [c for c in get_list(payload, "commits") if isinstance(c, dict)]
    commits = [c for c in (_commit(c) for c in raw) if c is not None]
    before = sha_or_none(get_str(payload, "before"))
    after = sha_or_none(get_str(payload, "after"))
    return Push(
        repository=repository, ref=ref, before=before, after=after,
        created=get_bool(payload, "created") or (before is None and after is not None),
        deleted=get_bool(payload, "deleted") or (after is None and before is not None),
        commits=tuple(commits),  # GitHub lists them oldest first already
        total_commits=None,
        truncated=len(raw) >= MAX_PUSH_COMMITS or len(commits) < len(raw),
        pusher=_person(get_dict(payload, "pusher")),
    )


def _ref_change(payload: dict[str, Any], repository: RepositoryRef,
                created: bool) -> RefChange | None:
    """``create``/``delete`` carry the short ref name and its type, never a sha."""
    kind = get_str(payload, "ref_type")
    if kind not in ("branch", "tag"):
        return None  # "repository" creation: nothing to index yet
    ref = full_ref(require_str(payload, "ref", "ref"), "tag" if kind == "tag" else "branch")
    if not is_history_ref(ref):
        return None
    return RefChange(repository=repository, ref=ref, sha=None,
                     created=created, deleted=not created)


def _pull_request_state(pr: dict[str, Any]) -> PullRequestState:
    """From the object, not the action, so redeliveries out of order still agree."""
    if get_str(pr, "state") == "closed":
        merged = get_bool(pr, "merged") or get_str(pr, "merged_at") is not None
        return "merged" if merged else "declined"
    return "draft" if get_bool(pr, "draft") else "open"


def _pull_request(payload: dict[str, Any], repository: RepositoryRef) -> list[Event]:
    action = get_str(payload, "action") or ""
    if action not in PULL_REQUEST_ACTIONS:
        return []
    pr = get_dict(payload, "pull_request")
    if not pr:
        raise MalformedDelivery("pull_request is missing")
    number = get_id(pr, "number") or require_id(payload, "number", "pull_request.number")
    title = get_str(pr, "title") or ""
    description = get_str(pr, "body")
    source = get_str(get_dict(pr, "head"), "ref")
    reviewers = tuple(
        Reviewer(name=login, approved=False)
        for login in (get_str(r, "login") for r in get_list(pr, "requested_reviewers"))
        if login)
    user = get_dict(pr, "user")
    login = get_str(user, "login")
    return [PullRequest(
        repository=repository, number=number, title=title, description=description,
        state=_pull_request_state(pr), source_branch=source,
        target_branch=get_str(get_dict(pr, "base"), "ref"),
        author=Person(name=login, email=get_str(user, "email")) if login else None,
        reviewers=reviewers, url=get_str(pr, "html_url"),
        updated_at=parse_time(pr.get("updated_at")), action=action,
        issue_keys=pull_request_keys(title, source, description),
    )]
