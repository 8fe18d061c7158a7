"""Azure DevOps Services and Azure DevOps Server (formerly TFS) service hooks.

Service hooks cannot sign deliveries.  What a subscription can do is send HTTP
Basic credentials (over https), so the app's webhook secret is configured as the
*password*; any user name is accepted.  Nothing in the headers names the host
either, so Azure deliveries are recognised by their body
(``publisherId``/``eventType``/``resource``).
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
    get_list,
    get_str,
    parse_time,
    sha_or_none,
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
    short_ref,
    unique,
)
from webhooks.hosts.secrets import basic_auth_password, secret_matches

PUBLISHERS = frozenset({"tfs", "azure-devops"})

PULL_REQUEST_EVENTS = frozenset({
    "git.pullrequest.created", "git.pullrequest.updated", "git.pullrequest.merged",
})

#: Microsoft documents neither a limit on ``resource.commits`` nor a commit count
#: for ``git.push``.  A push listing this many commits or more is assumed to be cut
#: (a conservative guess, so the app fetches rather than silently missing keys).
ASSUMED_COMMIT_CAP = 20

#: Reviewer votes: 10 approved, 5 approved with suggestions, 0 none, -5 waiting for
#: author, -10 rejected.
APPROVING_VOTES = frozenset({5, 10})


# https://learn.microsoft.com/en-us/azure/devops/service-hooks/events
# https://learn.microsoft.com/en-us/azure/devops/service-hooks/services/webhooks
class AzureDevOpsReceiver(Receiver):
    """Event name in the body's ``eventType``; the delivery's id is the body's
    ``id`` (the same for every retry of a notification)."""

    host = "azure_devops"

    @classmethod
    def claims(cls, incoming: Incoming) -> bool:
        if b'"eventType"' not in incoming.body or b'"resource"' not in incoming.body:
            return False
        try:
            payload = incoming.json()
        except MalformedDelivery:
            return False
        return (isinstance(payload, dict) and get_str(payload, "publisherId") in PUBLISHERS
                and get_str(payload, "eventType") is not None
                and isinstance(payload.get("resource"), dict))

    def verify(self, incoming: Incoming, secrets: Sequence[str]) -> None:
        password = basic_auth_password(incoming.header("Authorization"))
        if password is None:
            raise SignatureInvalid("Basic authentication is missing")
        if not secret_matches(password, secrets):
            raise SignatureInvalid("the Basic authentication password does not match")

    def event(self, incoming: Incoming) -> str:
        return get_str(incoming.json_object(), "eventType") or ""

    def delivery_id(self, incoming: Incoming) -> str | None:
        payload = incoming.json_object()
        event_id = get_id(payload, "id")
        if event_id:
            return event_id
        subscription = get_id(payload, "subscriptionId")
        notification = get_id(payload, "notificationId")
        return f"{subscription}:{notification}" if subscription and notification else None

    def _parse(self, incoming: Incoming) -> list[Event]:
        payload = incoming.json_object()
        kind = get_str(payload, "eventType")
        resource = get_dict(payload, "resource")
        if kind == "git.push":
            return list(_push(resource))
        if kind in PULL_REQUEST_EVENTS:
            return [_pull_request(payload, resource, kind or "")]
        return []


def _ssh_url(remote: str) -> str | None:
    """``https://dev.azure.com/org/project/_git/repo`` ->
    ``git@ssh.dev.azure.com:v3/org/project/repo`` (the form Azure's clone dialog
    shows), also for ``org.visualstudio.com``."""
    parts = urlsplit(remote)
    host = (parts.hostname or "").lower()
    segments = [s for s in parts.path.split("/") if s]
    if host.endswith(".visualstudio.com") and segments[:1] == ["DefaultCollection"]:
        segments = segments[1:]  # the old URL form names the (only) collection
    if "_git" not in segments:
        return None
    at = segments.index("_git")
    if at + 1 >= len(segments):
        return None
    if host == "dev.azure.com" and at == 2:
        org, project = segments[0], segments[1]
    elif host.endswith(".visualstudio.com") and at == 1:
        org, project = host.split(".", 1)[0], segments[0]
    else:
        return None
    return f"git@ssh.dev.azure.com:v3/{org}/{project}/{segments[at + 1]}"


def _without_user(url: str | None) -> str | None:
    """``https://org@dev.azure.com/...`` -> ``https://dev.azure.com/...``."""
    if not url:
        return None
    parts = urlsplit(url)
    if "@" not in parts.netloc:
        return url
    return urlunsplit((parts.scheme, parts.netloc.rpartition("@")[2], parts.path,
                       parts.query, parts.fragment))


def repository_ref(repo: dict[str, Any]) -> RepositoryRef:
    name = get_str(repo, "name")
    if not name:
        raise MalformedDelivery("resource.repository.name is missing")
    remote = get_str(repo, "remoteUrl")
    web = get_str(repo, "webUrl")
    project = get_str(get_dict(repo, "project"), "name")
    plain = _without_user(remote)
    default = get_str(repo, "defaultBranch")
    return RepositoryRef(
        name=name,
        full_name=f"{project}/{name}" if project else None,
        clone_urls=unique(remote, plain, get_str(repo, "sshUrl"),
                          _ssh_url(plain) if plain else None, web),
        web_url=web or plain,
        default_branch=short_ref(default) if default else None,
    )


def _identity(data: dict[str, Any]) -> Person | None:
    """``uniqueName`` is an e-mail address for Entra ID users, ``DOMAIN\\user`` on
    Server, or ``Windows Live ID\\name@example.com`` on old accounts."""
    name = get_str(data, "displayName")
    if not name:
        return None
    unique_name = get_str(data, "uniqueName") or ""
    tail = unique_name.rpartition("\\")[2]
    return Person(name=name, email=tail if "@" in tail else None)


def _commit(data: dict[str, Any]) -> PushedCommit | None:
    sha = get_str(data, "commitId")
    if not sha:
        raise MalformedDelivery("a commit has no commitId")
    author = get_dict(data, "author")
    return make_commit(
        sha=sha, message=get_str(data, "comment") or "",
        author=Person(name=get_str(author, "name") or "unknown",
                      email=get_str(author, "email")),
        timestamp=parse_time(author.get("date")) or parse_time(
            get_dict(data, "committer").get("date")),
        url=get_str(data, "remoteUrl") or get_str(data, "url"))


def _push(resource: dict[str, Any]) -> list[Push]:
    """One ``Push`` per ``refUpdates`` entry.  ``resource.commits`` (newest first)
    belongs to the push as a whole; it goes to the ref whose new tip is its newest
    commit, or to the only ref that moved."""
    repository = repository_ref(get_dict(resource, "repository"))
    pusher = _identity(get_dict(resource, "pushedBy"))
    raw = [c for c in get_list(resource, "commits") if isinstance(c, dict)]
    newest = get_str(raw[0], "commitId") if raw else None
    updates = [u for u in get_list(resource, "refUpdates") if isinstance(u, dict)]
    live = [u for u in updates if sha_or_none(get_str(u, "newObjectId"))]
    pushes: list[Push] = []
    for update in updates:
        ref = get_str(update, "name")
        if not ref or not is_history_ref(ref):
            continue
        before = sha_or_none(get_str(update, "oldObjectId"))
        after = sha_or_none(get_str(update, "newObjectId"))
        mine = after is not None and bool(raw) and (
            after == newest or (len(live) == 1 and live[0] is update))
        listed = raw if mine else []
        commits = [c for c in (_commit(c) for c in listed) if c is not None]
        commits.reverse()
        # commentTruncated: Azure cut the message, so keys past the cut are unseen.
        cut = any(get_bool(c, "commentTruncated") for c in listed)
        pushes.append(Push(
            repository=repository, ref=ref, before=before, after=after,
            created=before is None and after is not None, deleted=after is None,
            commits=tuple(commits), total_commits=None,
            truncated=after is not None and (
                not mine or cut or len(listed) >= ASSUMED_COMMIT_CAP
                or len(commits) < len(listed)),
            pusher=pusher))
    return pushes


def _state(resource: dict[str, Any]) -> PullRequestState:
    status = get_str(resource, "status")
    if status == "completed":
        return "merged"
    if status == "abandoned":
        return "declined"
    return "draft" if get_bool(resource, "isDraft") else "open"


def _pull_request(payload: dict[str, Any], resource: dict[str, Any],
                  kind: str) -> PullRequest:
    """``git.pullrequest.merged`` is "merge attempted": whether the pull request is
    really completed is in ``status``, which is what decides the state."""
    number = get_id(resource, "pullRequestId")
    if number is None:
        raise MalformedDelivery("resource.pullRequestId is missing")
    repository = repository_ref(get_dict(resource, "repository"))
    title = get_str(resource, "title") or ""
    description = get_str(resource, "description")
    source_ref = get_str(resource, "sourceRefName")
    target_ref = get_str(resource, "targetRefName")
    source = short_ref(source_ref) if source_ref else None
    reviewers = []
    for reviewer in get_list(resource, "reviewers"):
        name = get_str(reviewer, "displayName")
        if name:
            vote = reviewer.get("vote")
            approved = type(vote) is int and vote in APPROVING_VOTES
            reviewers.append(Reviewer(name=name, approved=approved))
    web = get_str(get_dict(resource, "_links", "web"), "href")
    if not web and repository.web_url:
        web = f"{repository.web_url}/pullrequest/{number}"
    return PullRequest(
        repository=repository, number=number, title=title, description=description,
        state=_state(resource), source_branch=source,
        target_branch=short_ref(target_ref) if target_ref else None,
        author=_identity(get_dict(resource, "createdBy")), reviewers=tuple(reviewers),
        url=web,
        updated_at=parse_time(payload.get("createdDate"))
        or parse_time(resource.get("closedDate")) or parse_time(resource.get("creationDate")),
        action=kind.rpartition(".")[2], issue_keys=pull_request_keys(title, source, description),
    )
