"""A webhook delivery, stored before it is acknowledged.

The raw body and the headers that matter are kept so a delivery can be processed
after a crash, replayed by an admin, and recognised when the host sends it again.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.base import utcnow


class DeliveryStatus(enum.StrEnum):
    QUEUED = "queued"
    PROCESSING = "processing"
    PROCESSED = "processed"
    IGNORED = "ignored"
    FAILED = "failed"


#: Deliveries waiting for (or in) processing: few, however many are kept.
_PENDING = text("status IN ('queued', 'processing')")


class Delivery(db.Model):  # type: ignore[name-defined]
    """Every index here is paid for by each delivery's insert, on the path that must
    answer a git host quickly: just the ones the reads need (the integration's recent
    deliveries; its pending ones, in order; the retention sweep by age, a BRIN range
    index on PostgreSQL, since rows arrive in time order)."""

    __tablename__ = "deliveries"
    __table_args__ = (
        UniqueConstraint("integration_id", "delivery_key"),
        Index("ix_deliveries_integration_recent", "integration_id", "id"),
        Index("ix_deliveries_pending", "integration_id", "id",
              postgresql_where=_PENDING, sqlite_where=_PENDING),
        Index("ix_deliveries_received_at", "received_at", postgresql_using="brin"),
        # A push's body, compressed, stays in its row instead of the TOAST table: two
        # writes fewer per delivery (migration 8c2f4a6d1e3b).
        {"postgresql_with": {"toast_tuple_target": 4080}},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The integration's tenant, for tenant-scoped reads. No foreign key of its own:
    #: the integration's (which cascades from its tenant) already ties it, and a second
    #: referential check on every insert cost a fifth of the insert.
    tenant_id: Mapped[int] = mapped_column(Integer)
    integration_id: Mapped[int] = mapped_column(
        ForeignKey("integrations.id", ondelete="CASCADE"))
    host: Mapped[str] = mapped_column(String(32))
    event: Mapped[str] = mapped_column(String(128))
    #: The host's delivery id, or a hash of the body when the host sends none.
    delivery_key: Mapped[str] = mapped_column(String(255))
    headers: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    body: Mapped[bytes] = mapped_column(LargeBinary)
    status: Mapped[str] = mapped_column(String(16), default=DeliveryStatus.QUEUED.value)
    outcome: Mapped[str | None] = mapped_column(Text)
    repositories: Mapped[list[str]] = mapped_column(JSON, default=list)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    processing_ms: Mapped[int | None] = mapped_column(Integer)
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    processed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    def summary(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "host": self.host,
            "event": self.event,
            "status": self.status,
            "outcome": self.outcome,
            "repositories": self.repositories or [],
            "attempts": self.attempts,
            "processing_ms": self.processing_ms,
            "received_at": self.received_at.isoformat() if self.received_at else None,
            "processed_at": self.processed_at.isoformat() if self.processed_at else None,
        }
