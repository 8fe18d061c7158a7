"""Bitbucket Server and Bitbucket Data Center (self-hosted).

``repo:refs_changed`` historically says only which refs moved (``fromHash`` ->
``toHash``), with no commits.  Recent Data Center versions add ``commits`` ("by
default, the maximum number of commits included is 5 ... only the most recent
commits") and ``toCommit``, without a total.  Both forms are handled:

* no ``commits``: each ref becomes a ``Push`` with no commits and
  ``truncated=True``, so the app fetches the range itself (or, for a repository it
  cannot reach, records a warning that the push's commits are unknown);
* with ``commits``: they are attached to the ref they belong to, and the push is
  complete only if their parent links provably reach ``fromHash`` (or a root
  commit); otherwise it is marked truncated.

Deliveries in the Bitbucket Cloud shape (``push.changes``, ``pullrequest``) that
older third-party "post webhook" add-ons send are parsed as well.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit, urlunsplit

from webhooks.hosts.base import (
    Incoming,
    MalformedDelivery,
    get_bool,
    get_dict,
    get_id,
    get_list,
    get_str,
    parse_time,
    sha_or_none,
)
from webhooks.hosts.bitbucket_cloud import CLOUD_HEADERS, BitbucketReceiver, push_changes
from webhooks.hosts.events import (
    Event,
    Person,
    PullRequest,
    PullRequestState,
    Push,
    PushedCommit,
    RepositoryRef,
    Reviewer,
    Trigger,
    is_history_ref,
    make_commit,
    pull_request_keys,
    short_ref,
    unique,
)

#: Pull request events whose payload holds the pull request's whole state.
PULL_REQUEST_EVENTS = frozenset({
    "pr:opened", "pr:modified", "pr:from_ref_updated", "pr:to_ref_updated",
    "pr:reviewer:updated", "pr:reviewer:approved", "pr:reviewer:unapproved",
    "pr:reviewer:needs_work", "pr:reviewer:changes_requested", "pr:merged",
    "pr:declined", "pr:deleted",
})

#: What the Cloud-shaped add-on payloads use as event keys.
LEGACY_PULL_REQUEST_STATES: dict[str, PullRequestState] = {
    "pullrequest:created": "open", "pullrequest:updated": "open",
    "pullrequest:fulfilled": "merged", "pullrequest:rejected": "declined",
}


# https://confluence.atlassian.com/bitbucketserver/event-payload-938025882.html
# https://confluence.atlassian.com/bitbucketserver/manage-webhooks-938025878.html
class BitbucketServerReceiver(BitbucketReceiver):
    """``X-Event-Key`` (``repo:refs_changed``, ``pr:*``, ``diagnostics:ping``),
    ``X-Request-Id`` per delivery, ``X-Hub-Signature: sha256=<hex HMAC>``."""

    host = "bitbucket_server"

    @classmethod
    def claims(cls, incoming: Incoming) -> bool:
        key = incoming.header("X-Event-Key")
        if not key or ":" not in key:
            return False
        return not any(incoming.has_header(h) for h in CLOUD_HEADERS)

    def delivery_id(self, incoming: Incoming) -> str | None:
        return incoming.header("X-Request-Id") or None

    def _parse(self, incoming: Incoming) -> list[Event]:
        key = self.event(incoming)
        if key == "repo:refs_changed":
            payload = incoming.json_object()
            return list(_refs_changed(payload))
        if key == "mirror:repo_synchronized":
            return _mirror_synchronized(incoming.json_object())
        if key in PULL_REQUEST_EVENTS:
            return [_pull_request(incoming.json_object(), key)]
        if key == "repo:push" or key in LEGACY_PULL_REQUEST_STATES:
            return _legacy(incoming.json_object(), key)
        return []  # diagnostics:ping, comments, repo:modified, project events...


def _browse_to_web(href: str | None) -> str | None:
    """``.../repos/<slug>/browse`` is the repository's web page without ``/browse``."""
    if href and href.endswith("/browse"):
        return href[: -len("/browse")]
    return href


def _derived_clone_url(web_url: str | None) -> str | None:
    """``<root>/projects/KEY/repos/slug`` -> ``<root>/scm/key/slug.git`` and
    ``<root>/users/name/repos/slug`` -> ``<root>/scm/~name/slug.git``: the http
    clone URL, for payloads (add-ons) that give no ``links.clone``."""
    if not web_url:
        return None
    parts = urlsplit(web_url)
    segments = parts.path.rstrip("/").split("/")
    if len(segments) < 4 or segments[-2] != "repos":
        return None
    owner_kind, owner = segments[-4], segments[-3]
    if owner_kind == "projects":
        owner = owner.lower()
    elif owner_kind == "users":
        owner = "~" + owner
    else:
        return None
    path = "/".join([*segments[:-4], "scm", owner, segments[-1] + ".git"])
    return urlunsplit((parts.scheme, parts.netloc, path, "", ""))


def repository_ref(repo: dict[str, Any]) -> RepositoryRef:
    slug = get_str(repo, "slug")
    if not slug:
        raise MalformedDelivery("repository.slug is missing")
    project_key = get_str(get_dict(repo, "project"), "key")
    links = get_dict(repo, "links")
    clone = [get_str(link, "href") for link in get_list(links, "clone")]
    selves = get_list(links, "self")
    web_url = _browse_to_web(get_str(selves[0], "href") if selves else None)
    return RepositoryRef(
        name=get_str(repo, "name") or slug,
        full_name=f"{project_key}/{slug}" if project_key else get_str(repo, "fullName"),
        clone_urls=unique(*clone, None if clone else _derived_clone_url(web_url), web_url),
        web_url=web_url,
        default_branch=None,  # not in webhook payloads
    )


def _person(data: dict[str, Any]) -> Person | None:
    name = (get_str(data, "displayName") or get_str(data, "name")
            or get_str(data, "username"))
    return Person(name=name, email=get_str(data, "emailAddress")) if name else None


def _commit(data: dict[str, Any]) -> PushedCommit | None:
    sha = get_str(data, "id")
    if not sha:
        raise MalformedDelivery("a commit has no id")
    when = data.get("authorTimestamp")
    return make_commit(
        sha=sha, message=get_str(data, "message") or "",
        author=_person(get_dict(data, "author")) or Person(name="unknown", email=None),
        timestamp=parse_time(when if when is not None else data.get("committerTimestamp")),
        url=None)


def _parents(data: dict[str, Any]) -> list[str]:
    return [p for p in (get_str(parent, "id") for parent in get_list(data, "parents")) if p]


def _complete(raw: list[dict[str, Any]], before: str | None, after: str | None) -> bool:
    """True when the listed commits are provably everything the ref gained: the new
    tip is listed and every parent of a listed commit is either listed too or the
    old tip (``before``); a root commit ends the chain."""
    listed = {get_str(c, "id") for c in raw}
    if after is None or after not in listed:
        return False
    return all(parent in listed or parent == before for c in raw for parent in _parents(c))


def _refs_changed(payload: dict[str, Any]) -> list[Push]:
    repository = repository_ref(get_dict(payload, "repository"))
    pusher = _person(get_dict(payload, "actor"))
    raw = [c for c in get_list(payload, "commits") if isinstance(c, dict)]
    tip = get_str(get_dict(payload, "toCommit"), "id")
    changes = [c for c in get_list(payload, "changes") if isinstance(c, dict)]
    live = [c for c in changes if sha_or_none(get_str(c, "toHash"))]
    pushes: list[Push] = []
    for change in changes:
        ref = get_str(change, "refId") or get_str(get_dict(change, "ref"), "id")
        if not ref or not is_history_ref(ref):
            continue
        before = sha_or_none(get_str(change, "fromHash"))
        after = sha_or_none(get_str(change, "toHash"))
        kind = get_str(change, "type")
        deleted = kind == "DELETE" or after is None
        # The commit list belongs to the push, not to a ref: give it to the ref
        # whose new tip is ``toCommit`` (for an annotated tag, toHash is the tag
        # object), or to the only ref that moved.
        only = len(live) == 1 and live[0] is change
        mine = bool(raw) and not deleted and (after == tip or only)
        listed = raw if mine else []
        commits = [c for c in (_commit(c) for c in listed) if c is not None]
        commits.reverse()  # newest first on the wire
        # For an annotated tag, toHash is the tag object; toCommit is its commit.
        head = tip if mine and tip else after
        complete = mine and len(commits) == len(listed) and _complete(listed, before, head)
        pushes.append(Push(
            repository=repository, ref=ref, before=before, after=None if deleted else after,
            created=kind == "ADD" or (before is None and after is not None), deleted=deleted,
            commits=tuple(commits), total_commits=None,
            truncated=not deleted and not complete, pusher=pusher))
    return pushes


def _mirror_synchronized(payload: dict[str, Any]) -> list[Event]:
    """A mirror finished syncing: ``changes`` like refs_changed (no commits), or,
    past the mirror's ref limit (``refLimitExceeded``), no list at all."""
    repository = repository_ref(get_dict(payload, "repository"))
    if get_bool(payload, "refLimitExceeded"):
        return [Trigger(repository=repository)]
    events: list[Event] = []
    for change in get_list(payload, "changes"):
        ref = get_str(change, "refId") or get_str(get_dict(change, "ref"), "id")
        if not ref or not is_history_ref(ref):
            continue
        before = sha_or_none(get_str(change, "fromHash"))
        after = sha_or_none(get_str(change, "toHash"))
        deleted = get_str(change, "type") == "DELETE" or after is None
        events.append(Push(
            repository=repository, ref=ref, before=before, after=None if deleted else after,
            created=before is None and not deleted, deleted=deleted, commits=(),
            total_commits=None, truncated=not deleted, pusher=None))
    return events


def _state(key: str, pr: dict[str, Any]) -> PullRequestState:
    state = get_str(pr, "state")
    if key == "pr:merged" or state == "MERGED":
        return "merged"
    if key in ("pr:declined", "pr:deleted") or state == "DECLINED":
        # A deleted pull request is gone; "declined" with action "deleted" tells
        # the app to drop it rather than show it as open.
        return "declined"
    return "draft" if get_bool(pr, "draft") else "open"


def _pull_request(payload: dict[str, Any], key: str) -> PullRequest:
    pr = get_dict(payload, "pullRequest")
    number = get_id(pr, "id")
    if number is None:
        raise MalformedDelivery("pullRequest.id is missing")
    to_ref, from_ref = get_dict(pr, "toRef"), get_dict(pr, "fromRef")
    repository = repository_ref(get_dict(to_ref, "repository"))
    title = get_str(pr, "title") or ""
    description = get_str(pr, "description")
    source = get_str(from_ref, "displayId") or short_ref(get_str(from_ref, "id") or "") or None
    target = get_str(to_ref, "displayId") or short_ref(get_str(to_ref, "id") or "") or None
    reviewers = []
    for reviewer in get_list(pr, "reviewers"):
        person = _person(get_dict(reviewer, "user"))
        if person:
            approved = get_bool(reviewer, "approved") or get_str(reviewer, "status") == "APPROVED"
            reviewers.append(Reviewer(name=person.name, approved=approved))
    selves = get_list(get_dict(pr, "links"), "self")
    return PullRequest(
        repository=repository, number=number, title=title, description=description,
        state=_state(key, pr), source_branch=source, target_branch=target,
        author=_person(get_dict(pr, "author", "user")), reviewers=tuple(reviewers),
        url=get_str(selves[0], "href") if selves else None,
        updated_at=parse_time(pr.get("updatedDate")), action=key.partition(":")[2],
        issue_keys=pull_request_keys(title, source, description),
    )


def _legacy(payload: dict[str, Any], key: str) -> list[Event]:
    """Cloud-shaped payloads from Bitbucket Server add-ons: repository with
    ``fullName`` and a browse link only; pushes without commits."""
    repository = repository_ref(get_dict(payload, "repository"))
    if key == "repo:push":
        pusher = _person(get_dict(payload, "actor"))
        return list(push_changes(get_dict(payload, "push"), repository, pusher))
    pr = get_dict(payload, "pullrequest")
    number = get_id(pr, "id")
    if number is None:
        raise MalformedDelivery("pullrequest.id is missing")
    title = get_str(pr, "title") or ""
    source = get_str(get_dict(pr, "fromRef", "branch"), "name")
    author = get_str(pr, "authorLogin")
    return [PullRequest(
        repository=repository, number=number, title=title, description=None,
        state=LEGACY_PULL_REQUEST_STATES[key], source_branch=source,
        target_branch=get_str(get_dict(pr, "toRef", "branch"), "name"),
        author=Person(name=author, email=None) if author else None, reviewers=(),
        url=get_str(pr, "link"), updated_at=None, action=key.partition(":")[2],
        issue_keys=pull_request_keys(title, source, None),
    )]
