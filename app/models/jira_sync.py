"""What the app keeps about its writes to Jira: the Development-panel push and smart commits.

Everything here is durable state that background jobs resume from, so a killed worker,
a lost Redis job or a restart delays work but never loses or repeats it:

* ``DevinfoState``: one row per repository; a push is due while ``wanted_at`` is set
  (the job clears it only if no newer request arrived meanwhile), and it remembers the
  sequence numbers handed out, so every request to Jira carries a higher
  ``updateSequenceId`` than the one before, whichever worker sends it.
* ``DevinfoEntity``: what Jira holds (or refused) per commit, branch and pull request,
  with a fingerprint of what was sent, so only new or changed entities go out again.
* ``DevinfoDeletion``: a Jira-side deletion owed for a disconnected repository or
  integration, written in the same transaction that removes the local rows.
* ``SmartCommitRun``: the claim on one commit's commands for one issue; its primary key
  is what makes each command run once per (site, commit, issue), whichever repository,
  branch, re-index, webhook replay or worker sees the commit again.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.base import utcnow


class DevinfoState(db.Model):  # type: ignore[name-defined]
    __tablename__ = "devinfo_states"

    repository_id: Mapped[int] = mapped_column(
        ForeignKey("repositories.id", ondelete="CASCADE"), primary_key=True
    )
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    #: A push is due (set by indexing, settings changes and "resend"); cleared by the job.
    wanted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), index=True)
    #: Not before this time (Jira's Retry-After, back-off after failures, no token yet).
    next_attempt_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    #: The first complete push (operationType BACKFILL) was accepted; later ones are NORMAL.
    backfilled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    #: The highest ``updateSequenceId`` handed out for this repository.
    last_seq: Mapped[int] = mapped_column(BigInteger, default=0)
    #: What the entities were built from (name, links, project keys); a change resends all.
    config_hash: Mapped[str | None] = mapped_column(String(64))
    last_push_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_error: Mapped[str | None] = mapped_column(Text)
    #: ``{commits, branches, pull_requests}``: how many carry a key (what should be in
    #: Jira), as of the last push.
    totals: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)
    #: Issue keys Jira said it does not know (newest answer first, capped).
    unknown_issue_keys: Mapped[list[str]] = mapped_column(JSON, default=list)
    #: Smart commits of newly indexed commits are due.
    smart_wanted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), index=True)


class DevinfoEntity(db.Model):  # type: ignore[name-defined]
    __tablename__ = "devinfo_entities"

    repository_id: Mapped[int] = mapped_column(
        ForeignKey("repositories.id", ondelete="CASCADE"), primary_key=True
    )
    #: ``commit``, ``branch`` or ``pull_request`` (the path segment Jira's delete uses).
    kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    entity_id: Mapped[str] = mapped_column(String(255), primary_key=True)
    fingerprint: Mapped[str] = mapped_column(String(40))
    #: ``sent`` (accepted) or ``failed`` (refused by Jira: not retried until it changes).
    status: Mapped[str] = mapped_column(String(8), default="sent")
    error: Mapped[str | None] = mapped_column(Text)


class DevinfoDeletion(db.Model):  # type: ignore[name-defined]
    __tablename__ = "devinfo_deletions"

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(
        ForeignKey("tenants.id", ondelete="CASCADE"), index=True
    )
    #: ``repository`` (DELETE /repository/{id}) or ``integration`` (bulkByProperties).
    scope: Mapped[str] = mapped_column(String(16))
    #: The repository id (as sent to Jira) or the integration id (the property value).
    target: Mapped[str] = mapped_column(String(64))
    #: Local repositories whose in-flight pushes must end before the delete is sent.
    repository_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    next_attempt_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class SmartCommitRun(db.Model):  # type: ignore[name-defined]
    __tablename__ = "smart_commit_runs"
    __table_args__ = (Index("ix_smart_commit_runs_work", "repository_id", "status"),)

    tenant_id: Mapped[int] = mapped_column(
        ForeignKey("tenants.id", ondelete="CASCADE"), primary_key=True
    )
    sha: Mapped[str] = mapped_column(String(64), primary_key=True)
    issue_key: Mapped[str] = mapped_column(String(64), primary_key=True)
    #: The repository the commit was first seen in (no foreign key: the claim outlives
    #: a disconnect, so connecting the repository again runs nothing twice).
    repository_id: Mapped[int] = mapped_column(Integer)
    committed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    #: none (no commands), skipped, pending, running, done, failed
    status: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(Text)
    #: ``[{name, args}]`` as parsed.
    commands: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    #: ``[{command, ok, message}]``, one per command run so far (resume point).
    results: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    #: When a worker took it (``running``): one that stays running long after lost its
    #: worker.
    claimed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
