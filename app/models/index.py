"""The index: commits, branches and tags of each repository, and their issue keys.

Built for the two hot paths: bulk writes while indexing (no per-row ORM objects; the
writer uses Core inserts) and "everything for issue ABC-12, newest first" (the
``commit_keys`` index is ordered the way the API pages through it).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Computed,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db

#: The project part of an issue key (``ABC`` of ``ABC-12``), in SQL both databases run:
#: project keys are upper-case letters, digits and ``_``, so trimming those from the
#: left leaves ``-12``, and the length difference is the project key's length.
PROJECT_KEY_SQL = (
    "substr(issue_key, 1, length(issue_key) - "
    "length(ltrim(issue_key, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_')))"
)


class Commit(db.Model):  # type: ignore[name-defined]
    """Keyed by (repository, sha). The second index serves "a repository's commits,
    newest first" (the Repository Browser, last commits)."""

    __tablename__ = "commits"
    __table_args__ = (Index("ix_commits_repository_time", "repository_id", "committed_at"),)

    repository_id: Mapped[int] = mapped_column(
        ForeignKey("repositories.id", ondelete="CASCADE"), primary_key=True
    )
    sha: Mapped[str] = mapped_column(String(64), primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    parents: Mapped[str] = mapped_column(String(1024), default="")
    author_name: Mapped[str] = mapped_column(String(255))
    author_email: Mapped[str] = mapped_column(String(255))
    authored_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    committer_name: Mapped[str] = mapped_column(String(255))
    committer_email: Mapped[str] = mapped_column(String(255))
    committed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    message: Mapped[str] = mapped_column(Text)
    #: ``[{path, change_type, old_path, added, removed}]``; counts filled by a second pass.
    files: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    stats_done: Mapped[bool] = mapped_column(Boolean, default=False)


class CommitKey(db.Model):  # type: ignore[name-defined]
    """One issue key mentioned by one commit, denormalised for the issue query.

    ``project_key`` is computed by the database (the writers never set it), so a
    project's commits page reads one index range, newest first, like an issue's. The
    migration makes it virtual on SQLite (which cannot add a stored one to a table).
    """

    __tablename__ = "commit_keys"
    __table_args__ = (
        Index("ix_commit_keys_lookup", "tenant_id", "issue_key", "committed_at", "sha"),
        Index("ix_commit_keys_project", "tenant_id", "project_key", "committed_at", "sha"),
        Index("ix_commit_keys_repository_time", "repository_id", "committed_at"),
    )

    repository_id: Mapped[int] = mapped_column(
        ForeignKey("repositories.id", ondelete="CASCADE"), primary_key=True
    )
    sha: Mapped[str] = mapped_column(String(64), primary_key=True)
    issue_key: Mapped[str] = mapped_column(String(64), primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    committed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    project_key: Mapped[str] = mapped_column(String(64), Computed(PROJECT_KEY_SQL, persisted=True))


class Branch(db.Model):  # type: ignore[name-defined]
    __tablename__ = "branches"
    __table_args__ = (UniqueConstraint("repository_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    repository_id: Mapped[int] = mapped_column(
        ForeignKey("repositories.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(512))
    sha: Mapped[str] = mapped_column(String(64))
    ahead: Mapped[int | None] = mapped_column(Integer)
    behind: Mapped[int | None] = mapped_column(Integer)
    is_main: Mapped[bool] = mapped_column(Boolean, default=False)
    issue_keys: Mapped[list[str]] = mapped_column(JSON, default=list)


class BranchKey(db.Model):  # type: ignore[name-defined]
    __tablename__ = "branch_keys"
    __table_args__ = (Index("ix_branch_keys_lookup", "tenant_id", "issue_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    branch_id: Mapped[int] = mapped_column(
        ForeignKey("branches.id", ondelete="CASCADE"), index=True
    )
    issue_key: Mapped[str] = mapped_column(String(64))


class Tag(db.Model):  # type: ignore[name-defined]
    __tablename__ = "tags"
    __table_args__ = (UniqueConstraint("repository_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    repository_id: Mapped[int] = mapped_column(
        ForeignKey("repositories.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(512))
    sha: Mapped[str] = mapped_column(String(64))
    annotation: Mapped[str | None] = mapped_column(Text)
    tagger_name: Mapped[str | None] = mapped_column(String(255))
    tagged_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class PullRequest(db.Model):  # type: ignore[name-defined]
    """A pull/merge request (from a host's API or, in webhook mode, from payloads)."""

    __tablename__ = "pull_requests"
    __table_args__ = (UniqueConstraint("repository_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    repository_id: Mapped[int] = mapped_column(
        ForeignKey("repositories.id", ondelete="CASCADE"), index=True
    )
    #: The host's number (GitHub #, GitLab iid, Bitbucket id, Gerrit change number).
    number: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(Text)
    description: Mapped[str | None] = mapped_column(Text)
    #: open, draft, merged, declined
    state: Mapped[str] = mapped_column(String(16))
    source_branch: Mapped[str | None] = mapped_column(String(512))
    target_branch: Mapped[str | None] = mapped_column(String(512))
    author_name: Mapped[str | None] = mapped_column(String(255))
    url: Mapped[str | None] = mapped_column(String(2048))
    #: ``[{name, approved}]``
    reviewers: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    updated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    issue_keys: Mapped[list[str]] = mapped_column(JSON, default=list)


class PullRequestKey(db.Model):  # type: ignore[name-defined]
    __tablename__ = "pull_request_keys"
    __table_args__ = (Index("ix_pull_request_keys_lookup", "tenant_id", "issue_key"),)

    pull_request_id: Mapped[int] = mapped_column(
        ForeignKey("pull_requests.id", ondelete="CASCADE"), primary_key=True
    )
    issue_key: Mapped[str] = mapped_column(String(64), primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
