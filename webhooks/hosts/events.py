"""The normalised events every receiver produces, whatever the host.

The processing side works only with these frozen dataclasses, so it needs no
knowledge of any host's JSON.  Conventions shared by every receiver:

* refs are full names (``refs/heads/main``, ``refs/tags/v1``); only branches and
  tags are reported, because other refs (``refs/pull/*``, ``refs/changes/*``,
  ``refs/meta/*``) are not history the app indexes;
* git's all-zero object id never appears: a created ref has ``before=None``, a
  deleted one ``after=None``;
* ``Push.commits`` is in push order, oldest first, whatever order the host uses;
* ``truncated`` means "the payload describes fewer commits than the push added"
  (or describes some of them only in part); the app then fetches the rest, or, for
  a webhook-only repository it cannot reach, records a warning;
* issue keys come from :mod:`app.indexing.issue_keys`: upper-case keys from
  messages, titles and descriptions, any-case keys from branch names.  They may
  include look-alikes such as ``UTF-8``; the app filters them against the site's
  real project keys.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from app.indexing.issue_keys import extract_branch_keys, extract_keys

__all__ = [
    "Event",
    "Person",
    "PullRequest",
    "PullRequestState",
    "Push",
    "PushedCommit",
    "RefChange",
    "RepositoryRef",
    "Reviewer",
    "SubscriptionConfirmation",
    "Trigger",
    "full_ref",
    "is_history_ref",
    "make_commit",
    "pull_request_keys",
    "short_ref",
    "unique",
]

PullRequestState = Literal["open", "draft", "merged", "declined"]


@dataclass(frozen=True)
class RepositoryRef:
    """Enough to find the connected repository a delivery is about.

    ``clone_urls`` holds every form the payload gives or implies (https, ssh,
    scp-like ``git@host:path``, ``git://``, the web URL), de-duplicated, in the
    host's order.  Matching should normalise case of the host, a trailing ``.git``
    and user info (``https://user@host/...``) itself.
    """

    name: str
    full_name: str | None
    clone_urls: tuple[str, ...]
    web_url: str | None
    default_branch: str | None


@dataclass(frozen=True)
class Person:
    name: str
    email: str | None


@dataclass(frozen=True)
class PushedCommit:
    sha: str
    message: str
    author: Person
    timestamp: datetime  # timezone-aware
    url: str | None
    added: tuple[str, ...]
    modified: tuple[str, ...]
    removed: tuple[str, ...]
    issue_keys: tuple[str, ...]


@dataclass(frozen=True)
class Push:
    """One ref moved.  A push touching three refs is three ``Push`` events."""

    repository: RepositoryRef
    ref: str
    before: str | None
    after: str | None
    created: bool
    deleted: bool
    commits: tuple[PushedCommit, ...]
    total_commits: int | None  # as the host counts them, when it says
    truncated: bool
    pusher: Person | None


@dataclass(frozen=True)
class RefChange:
    """A ref was created or deleted, reported apart from any push (GitHub's
    ``create``/``delete`` events).  ``sha`` when the payload names the object."""

    repository: RepositoryRef
    ref: str
    sha: str | None
    created: bool
    deleted: bool


@dataclass(frozen=True)
class Reviewer:
    name: str
    approved: bool


@dataclass(frozen=True)
class PullRequest:
    """The state of one pull request (a GitLab merge request, a Gerrit change...)
    after the event: the app upserts it, so each event carries the whole state."""

    repository: RepositoryRef
    number: str
    title: str
    description: str | None
    state: PullRequestState
    source_branch: str | None
    target_branch: str | None
    author: Person | None
    reviewers: tuple[Reviewer, ...]
    url: str | None
    updated_at: datetime | None
    action: str  # the host's verb ("opened", "fulfilled", "deleted", ...)
    issue_keys: tuple[str, ...]


@dataclass(frozen=True)
class Trigger:
    """"Something changed in this repository, look at it": the generic CI trigger,
    and hosts whose events say that refs moved but not to what."""

    repository: RepositoryRef


@dataclass(frozen=True)
class SubscriptionConfirmation:
    """Amazon SNS asks us to confirm a subscription: the app GETs ``subscribe_url``
    (already checked to be https on the same ``sns.<region>`` host that signed it)."""

    subscribe_url: str
    topic_arn: str


Event = Push | RefChange | PullRequest | Trigger | SubscriptionConfirmation


def is_history_ref(ref: str) -> bool:
    """Branches and tags only: what the index covers."""
    for prefix in ("refs/heads/", "refs/tags/"):
        if ref.startswith(prefix) and len(ref) > len(prefix):
            return True
    return False


def full_ref(name: str, kind: Literal["branch", "tag"] = "branch") -> str:
    """``main`` -> ``refs/heads/main``; a name already starting ``refs/`` is kept."""
    if name.startswith("refs/"):
        return name
    return ("refs/tags/" if kind == "tag" else "refs/heads/") + name


def short_ref(ref: str) -> str:
    """``refs/heads/main`` -> ``main`` (``refs/tags/v1`` -> ``v1``)."""
    for prefix in ("refs/heads/", "refs/tags/"):
        if ref.startswith(prefix):
            return ref[len(prefix):]
    return ref


def unique(*values: str | None) -> tuple[str, ...]:
    """Non-empty strings in first-seen order, each once (for ``clone_urls``)."""
    return tuple(dict.fromkeys(v for v in values if isinstance(v, str) and v))


def make_commit(sha: str, message: str, author: Person, timestamp: datetime | None,
                url: str | None, added: tuple[str, ...] = (), modified: tuple[str, ...] = (),
                removed: tuple[str, ...] = ()) -> PushedCommit | None:
    """A :class:`PushedCommit` with its issue keys, or ``None`` when the payload does
    not date the commit: such a commit is left for the app to fetch (the push is
    then marked truncated) rather than stored with an invented date."""
    if timestamp is None:
        return None
    return PushedCommit(sha=sha, message=message, author=author, timestamp=timestamp,
                        url=url, added=added, modified=modified, removed=removed,
                        issue_keys=extract_keys(message))


def pull_request_keys(title: str, source_branch: str | None,
                      description: str | None) -> tuple[str, ...]:
    """Issue keys of a pull request: title first, then source branch, then
    description, each key once."""
    keys = [*extract_keys(title)]
    if source_branch:
        keys.extend(extract_branch_keys(source_branch))
    if description:
        keys.extend(extract_keys(description))
    return tuple(dict.fromkeys(keys))
