"""A connection to a git host (or one repository by clone URL) for one tenant."""

from __future__ import annotations

import enum
import secrets
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.crypto import Encrypted
from app.extensions import db
from app.models.base import TimestampMixin, as_utc

DEFAULT_SETTINGS: dict[str, Any] = {
    "enabled": True,
    "repositories": "all",
    "custom_api_path": None,
    "jmespath_filter": None,
    "ssl_verify": True,
    "require_user_pat": False,
    "project_keys": None,
    "indexing_triggers": True,
    "smart_commits": True,
    #: Azure DevOps Server / TFS: the one collection to scan (``None``: every one).
    "collection": None,
    "devinfo": True,
}


class IntegrationMode(enum.StrEnum):
    FULL = "full"
    WEBHOOK = "webhook"


class Integration(TimestampMixin, db.Model):  # type: ignore[name-defined]
    __tablename__ = "integrations"

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    display_name: Mapped[str] = mapped_column(String(255))
    base_url: Mapped[str | None] = mapped_column(String(1024))
    url: Mapped[str | None] = mapped_column(String(2048))
    mode: Mapped[str] = mapped_column(String(16), default=IntegrationMode.FULL.value)
    status: Mapped[str] = mapped_column(String(16), default="active")
    auth_type: Mapped[str] = mapped_column(String(16), default="none")
    #: JSON of the credentials (token, password, private key...), encrypted as one value.
    credentials: Mapped[str | None] = mapped_column(Encrypted())
    #: SSH host keys pinned on first use (public, shown to admins).
    known_hosts: Mapped[str | None] = mapped_column(String(8192))
    settings: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    webhook_secret: Mapped[str] = mapped_column(
        Encrypted(), default=lambda: secrets.token_urlsafe(32)
    )
    #: The secret before the last regeneration, still accepted until it expires, so
    #: hosts can be updated one by one.
    previous_webhook_secret: Mapped[str | None] = mapped_column(Encrypted())
    previous_secret_expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    #: Who the credentials belong to on the host, and the last scan's outcome.
    account_login: Mapped[str | None] = mapped_column(String(255))
    error: Mapped[str | None] = mapped_column(Text)
    last_scan_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    next_scan_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), index=True)
    #: Last time a verified webhook arrived: with live webhooks, polling slows down.
    webhook_seen_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    repositories = relationship(
        "Repository",
        back_populates="integration",
        cascade="all, delete-orphan",
        passive_deletes=True,
    )

    def webhook_secrets(self, now: datetime) -> list[str]:
        """Secrets a delivery may be signed with: the current one, and the previous one
        until it expires (so hosts can be switched over one at a time)."""
        secrets_ = [self.webhook_secret]
        expires = self.previous_secret_expires_at
        if self.previous_webhook_secret and expires and as_utc(expires) > now:
            secrets_.append(self.previous_webhook_secret)
        return secrets_

    def setting(self, name: str) -> Any:
        return {**DEFAULT_SETTINGS, **(self.settings or {})}.get(name)

    def __repr__(self) -> str:
        return f"<Integration {self.id} {self.kind}>"
