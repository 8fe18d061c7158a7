"""A repository the app indexes, with the state people see (status, progress, errors)."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.base import TimestampMixin

#: How many lines of a repository's indexing log are kept for the admin page.
LOG_LINES = 50


class RepositoryStatus(enum.StrEnum):
    QUEUED = "queued"
    INDEXING = "indexing"
    INDEXED = "indexed"
    ERROR = "error"
    DISABLED = "disabled"


class Repository(TimestampMixin, db.Model):  # type: ignore[name-defined]
    __tablename__ = "repositories"
    __table_args__ = (UniqueConstraint("integration_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), index=True)
    integration_id: Mapped[int] = mapped_column(
        ForeignKey("integrations.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(512))
    clone_url: Mapped[str | None] = mapped_column(String(2048))
    web_url: Mapped[str | None] = mapped_column(String(2048))
    default_branch: Mapped[str | None] = mapped_column(String(255))
    status: Mapped[str] = mapped_column(String(16), default=RepositoryStatus.QUEUED.value)
    progress_done: Mapped[int] = mapped_column(Integer, default=0)
    progress_total: Mapped[int] = mapped_column(Integer, default=0)
    #: The line-count pass (after ``indexed``): commits counted of those it counts, and
    #: when it is due (set by an index run that added commits, cleared when it is done).
    lines_done: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    lines_total: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    lines_due_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), index=True)
    error: Mapped[str | None] = mapped_column(Text)
    warnings: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    index_log: Mapped[list[str]] = mapped_column(JSON, default=list)
    #: Full ref name -> sha as of the last completed index (drives incremental runs).
    refs: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    counts: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)
    project_keys: Mapped[list[str] | None] = mapped_column(JSON)
    #: The host's id for the repository (API paths use it; it survives renames).
    host_id: Mapped[str | None] = mapped_column(String(255))
    #: The webhook the app created on the host, deleted again on disconnect.
    hook_id: Mapped[str | None] = mapped_column(String(255))
    prs_synced_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_indexed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_changed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    next_poll_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), index=True)

    integration = relationship("Integration", back_populates="repositories")

    def __repr__(self) -> str:
        return f"<Repository {self.id} {self.name!r}>"
