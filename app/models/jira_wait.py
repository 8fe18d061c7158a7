"""Background work parked until Jira can be reached again (a Forge installation whose
system token ran out): kept in the database, so it survives Redis and workers."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.base import utcnow


class JiraWait(db.Model):  # type: ignore[name-defined]
    __tablename__ = "jira_waits"
    __table_args__ = (UniqueConstraint("tenant_id", "work"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    #: The repository the work is for (its ``warnings`` say that it waits), if any.
    repository_id: Mapped[int | None] = mapped_column(
        ForeignKey("repositories.id", ondelete="CASCADE")
    )
    #: ``<registered job name>:<json args>``: the same work parks once.
    work: Mapped[str] = mapped_column(String(1000))
    job: Mapped[str] = mapped_column(String(100))
    args: Mapped[list[Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
