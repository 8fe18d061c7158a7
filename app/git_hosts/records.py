"""What providers return: plain records of the host's accounts, repositories, branches
and pull requests, in the shapes the app stores."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

PR_STATES = ("open", "draft", "merged", "declined")



@dataclass(frozen=True)
class Account:
    """Who the credentials belong to.

    ``scopes`` is ``None`` when the host does not report scopes (GitHub fine-grained
    tokens, Bitbucket Server tokens); a tuple (maybe empty) when it does.
    """

    login: str
    name: str | None = None
    id: str | None = None
    scopes: tuple[str, ...] | None = None
    expires_at: datetime | None = None


@dataclass(frozen=True)
class HostRepository:
    """A repository as the host lists it.

    ``name`` is what admins recognise and what the host's API paths use:
    ``owner/repo`` (GitHub, Bitbucket Cloud ``workspace/slug``), the project path
    (GitLab ``group/sub/project``), ``PROJECTKEY/slug`` (Bitbucket Server). ``host_id``
    is the host's stable id (survives renames; GitLab API paths use it).
    """

    name: str
    clone_https: str
    clone_ssh: str | None
    web_url: str
    default_branch: str | None
    host_id: str


class Reviewer(NamedTuple):
    """``(name, approved)``: a reviewer's display name and whether they approved."""

    name: str
    approved: bool


@dataclass(frozen=True)
class HostPullRequest:
    """A pull/merge request, in the shape of ``app.models.index.PullRequest``.

    ``state`` is one of ``open``, ``draft``, ``merged``, ``declined`` (GitLab "closed",
    Bitbucket "SUPERSEDED" and GitHub closed-unmerged are all ``declined``).
    """

    number: str
    title: str
    description: str | None
    state: str
    source_branch: str | None
    target_branch: str | None
    author: str | None
    reviewers: tuple[Reviewer, ...]
    url: str | None
    updated_at: datetime | None

    def reviewers_json(self) -> list[dict[str, Any]]:
        """``[{name, approved}]`` as the ``PullRequest.reviewers`` column stores it."""
        return [{"name": r.name, "approved": r.approved} for r in self.reviewers]


@dataclass(frozen=True)
class HostBranch:
    name: str
    sha: str | None
    url: str | None
