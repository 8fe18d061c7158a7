"""Bitbucket Cloud (bitbucket.org).

Webhook payloads carry no clone links, only the repository's ``full_name``
(``workspace/slug``) and web link; since Bitbucket Cloud lives only at
bitbucket.org, the clone URLs are derived from ``full_name``.
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
    split_name_email,
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
    full_ref,
    is_history_ref,
    make_commit,
    pull_request_keys,
    unique,
)
from webhooks.hosts.secrets import hub_signature_matches

#: Headers only Bitbucket Cloud sends (Server/Data Center sends ``X-Request-Id``).
CLOUD_HEADERS = ("X-Hook-UUID", "X-Request-UUID", "X-Attempt-Number")

#: Pull request events that carry the pull request's current state.
PULL_REQUEST_EVENTS = frozenset({
    "pullrequest:created", "pullrequest:updated", "pullrequest:approved",
    "pullrequest:unapproved", "pullrequest:changes_request_created",
    "pullrequest:changes_request_removed", "pullrequest:fulfilled",
    "pullrequest:rejected",
})


class BitbucketReceiver(Receiver):
    """What Bitbucket Cloud and Server share: the event in ``X-Event-Key`` and an
    HMAC-SHA256 of the body in ``X-Hub-Signature``."""

    def verify(self, incoming: Incoming, secrets: Sequence[str]) -> None:
        if not hub_signature_matches(incoming.header("X-Hub-Signature"), incoming.body,
                                     secrets, "sha256"):
            raise SignatureInvalid("X-Hub-Signature is missing or does not match")

    def event(self, incoming: Incoming) -> str:
        return incoming.header("X-Event-Key") or ""


# https://support.atlassian.com/bitbucket-cloud/docs/event-payloads/
# https://support.atlassian.com/bitbucket-cloud/docs/manage-webhooks/#Secure-webhooks
class BitbucketCloudReceiver(BitbucketReceiver):
    """``X-Event-Key`` (``repo:push``, ``pullrequest:*``), ``X-Request-UUID`` per
    delivery, ``X-Hub-Signature: sha256=<hex HMAC-SHA256 of the body>`` when the
    webhook has a secret (which the app always sets)."""

    host = "bitbucket_cloud"

    @classmethod
    def claims(cls, incoming: Incoming) -> bool:
        key = incoming.header("X-Event-Key")
        if not key:
            return False
        if any(incoming.has_header(h) for h in CLOUD_HEADERS):
            return True
        return (incoming.header("User-Agent") or "").startswith("Bitbucket-Webhooks/")

    def delivery_id(self, incoming: Incoming) -> str | None:
        return incoming.header("X-Request-UUID") or None

    def _parse(self, incoming: Incoming) -> list[Event]:
        key = self.event(incoming)
        if key != "repo:push" and key not in PULL_REQUEST_EVENTS:
            return []
        payload = incoming.json_object()
        repository = repository_ref(get_dict(payload, "repository"))
        if key == "repo:push":
            pusher = actor(get_dict(payload, "actor"))
            return list(push_changes(get_dict(payload, "push"), repository, pusher))
        return [_pull_request(payload, key, repository)]


def repository_ref(repo: dict[str, Any]) -> RepositoryRef:
    full_name = get_str(repo, "full_name")
    if not full_name or "/" not in full_name:
        raise MalformedDelivery("repository.full_name is missing")
    html = get_str(get_dict(repo, "links", "html"), "href")
    web_url = f"https://bitbucket.org/{full_name}"
    return RepositoryRef(
        name=get_str(repo, "name") or full_name.rsplit("/", 1)[-1],
        full_name=full_name,
        clone_urls=unique(f"https://bitbucket.org/{full_name}.git",
                          f"git@bitbucket.org:{full_name}.git",
                          f"ssh://git@bitbucket.org/{full_name}.git", web_url, html),
        web_url=web_url,
        default_branch=get_str(get_dict(repo, "mainbranch"), "name"),
    )


def actor(data: dict[str, Any]) -> Person | None:
    """A Bitbucket account: no e-mail in Cloud payloads."""
    name = (get_str(data, "display_name") or get_str(data, "nickname")
            or get_str(data, "username"))
    return Person(name=name, email=None) if name else None


def _author(data: dict[str, Any]) -> Person:
    """Commit authors are ``{"raw": "Name <email>", "user": {...}}``; the docs'
    examples show a bare account instead, which is accepted too."""
    raw = get_str(data, "raw")
    if raw:
        name, email = split_name_email(raw)
        account = actor(get_dict(data, "user"))
        return Person(name=name or (account.name if account else "unknown"), email=email)
    return actor(data) or Person(name="unknown", email=None)


def _commit(data: Any) -> PushedCommit | None:
    sha = get_str(data, "hash")
    if not sha:
        raise MalformedDelivery("a commit has no hash")
    return make_commit(
        sha=sha, message=get_str(data, "message") or "",
        author=_author(get_dict(data, "author")), timestamp=parse_time(data.get("date")),
        url=get_str(get_dict(data, "links", "html"), "href"))


def _ref_name(side: dict[str, Any]) -> str | None:
    name = get_str(side, "name")
    if not name:
        return None
    kind = get_str(side, "type")
    if kind in ("tag", "annotated_tag"):
        return full_ref(name, "tag")
    if kind == "branch":
        return full_ref(name, "branch")
    return None  # Mercurial named branches and bookmarks are long gone


def push_changes(push: dict[str, Any], repository: RepositoryRef,
                 pusher: Person | None) -> list[Push]:
    """``push.changes[]``: one entry per ref, each with ``old``/``new``, ``created``,
    ``closed`` and "commits: an array containing up to 5 of the most recent
    commits pushed to the reference. The array for a push with more than 5 commits
    is truncated, which is indicated by the truncated property."  Commits are
    listed newest first and are reversed here.  A push carries no total count."""
    pushes: list[Push] = []
    for change in get_list(push, "changes"):
        if not isinstance(change, dict):
            continue
        old, new = get_dict(change, "old"), get_dict(change, "new")
        ref = _ref_name(new) or _ref_name(old)
        if not ref or not is_history_ref(ref):
            continue
        before = get_str(get_dict(old, "target"), "hash")
        after = get_str(get_dict(new, "target"), "hash")
        raw = [c for c in get_list(change, "commits") if isinstance(c, dict)]
        commits = [c for c in (_commit(c) for c in raw) if c is not None]
        commits.reverse()
        deleted = get_bool(change, "closed") or (not new and bool(old))
        pushes.append(Push(
            repository=repository, ref=ref, before=before, after=None if deleted else after,
            created=get_bool(change, "created") or (not old and bool(new)),
            deleted=deleted, commits=tuple(commits), total_commits=None,
            # No list at all (tags; Server add-ons): a branch's commits are unknown.
            truncated=get_bool(change, "truncated") or len(commits) < len(raw)
            or ("commits" not in change and not deleted and ref.startswith("refs/heads/")),
            pusher=pusher))
    return pushes


def _state(key: str, pr: dict[str, Any]) -> PullRequestState:
    """The event key is authoritative for the closing events; otherwise ``state``
    (``OPEN``, ``MERGED``, ``DECLINED``, ``SUPERSEDED``) and the ``draft`` flag."""
    if key == "pullrequest:fulfilled":
        return "merged"
    if key == "pullrequest:rejected":
        return "declined"
    state = get_str(pr, "state")
    if state == "MERGED":
        return "merged"
    if state in ("DECLINED", "SUPERSEDED"):
        return "declined"
    return "draft" if get_bool(pr, "draft") else "open"


def _reviewers(pr: dict[str, Any]) -> tuple[Reviewer, ...]:
    """``reviewers`` lists who was asked; ``participants`` says who approved (and
    includes people who approved without being asked)."""
    approved: dict[str, bool] = {}
    names: dict[str, str] = {}
    for participant in get_list(pr, "participants"):
        person = get_dict(participant, "user")
        ident = get_str(person, "uuid") or get_str(person, "account_id")
        account = actor(person)
        if not ident or account is None:
            continue
        names[ident] = account.name
        approved[ident] = get_bool(participant, "approved")
    result: dict[str, Reviewer] = {}
    for person in get_list(pr, "reviewers"):
        account = actor(person if isinstance(person, dict) else {})
        if account is None:
            continue
        ident = get_str(person, "uuid") or get_str(person, "account_id") or account.name
        result[ident] = Reviewer(name=account.name, approved=approved.get(ident, False))
    for ident, is_approved in approved.items():
        if is_approved and ident not in result:
            result[ident] = Reviewer(name=names[ident], approved=True)
    return tuple(result.values())


def _pull_request(payload: dict[str, Any], key: str,
                  repository: RepositoryRef) -> PullRequest:
    pr = get_dict(payload, "pullrequest")
    number = get_id(pr, "id")
    if number is None:
        raise MalformedDelivery("pullrequest.id is missing")
    title = get_str(pr, "title") or ""
    description = get_str(pr, "description")
    source = get_str(get_dict(pr, "source", "branch"), "name")
    return PullRequest(
        repository=repository, number=number, title=title, description=description,
        state=_state(key, pr), source_branch=source,
        target_branch=get_str(get_dict(pr, "destination", "branch"), "name"),
        author=actor(get_dict(pr, "author")), reviewers=_reviewers(pr),
        url=get_str(get_dict(pr, "links", "html"), "href"),
        updated_at=parse_time(pr.get("updated_on")), action=key.partition(":")[2],
        issue_keys=pull_request_keys(title, source, description),
    )
