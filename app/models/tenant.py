"""A Jira Cloud site that installed the app."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, Enum, String, text
from sqlalchemy.orm import Mapped, mapped_column

from app.crypto import Encrypted
from app.extensions import db
from app.models.base import TimestampMixin, utcnow


class TenantState(enum.StrEnum):
    INSTALLED = "installed"
    ENABLED = "enabled"
    DISABLED = "disabled"


class Platform(enum.StrEnum):
    """How a tenant reaches the app; only ``app.atlassian`` acts on it."""

    CONNECT = "connect"
    FORGE = "forge"


class Tenant(TimestampMixin, db.Model):  # type: ignore[name-defined]
    """One installation of the app on a Jira site, keyed by a stable id (never by URL:
    sites get renamed): the Connect ``clientKey``, or the Forge ``installationId``
    (``ari:cloud:ecosystem::installation/<uuid>``); the two never collide."""

    __tablename__ = "tenants"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_key: Mapped[str] = mapped_column(String(255), unique=True)
    platform: Mapped[str] = mapped_column(
        String(16), default=Platform.CONNECT.value, server_default=Platform.CONNECT.value
    )
    #: Connect only: the site's shared secret (HS256 tokens both ways).
    shared_secret: Mapped[str | None] = mapped_column(Encrypted())
    #: The site's URL; a Forge installation learns it after install (empty until then).
    base_url: Mapped[str] = mapped_column(String(255))
    display_url: Mapped[str | None] = mapped_column(String(255))
    product_type: Mapped[str | None] = mapped_column(String(32))
    description: Mapped[str | None] = mapped_column(String(255))
    state: Mapped[TenantState] = mapped_column(
        Enum(
            TenantState,
            native_enum=False,
            length=16,
            values_callable=lambda e: [m.value for m in e],
        ),
        default=TenantState.INSTALLED,
    )
    installed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    state_changed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    #: App-wide settings an admin sets in General settings (e.g. the branch template).
    settings: Mapped[dict[str, Any]] = mapped_column(
        JSON, default=dict, server_default=text("'{}'")
    )
    #: The site's cloud id: a Forge installation's from its tokens, a Connect tenant's
    #: from the site's ``/_edge/tenant_info`` (to match the two for adoption).
    cloud_id: Mapped[str | None] = mapped_column(String(64), index=True)
    #: Forge only: where Jira REST calls go (the FIT's ``app.apiBaseUrl``).
    api_base_url: Mapped[str | None] = mapped_column(String(255))
    #: Forge only: the newest ``x-forge-oauth-system`` token and when it expires.
    system_token: Mapped[str | None] = mapped_column(Encrypted())
    system_token_expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    #: Forge only: the installation's environment (the FIT's ``app.environment.id``), for
    #: links to the app's pages made without a FIT (background work).
    forge_environment_id: Mapped[str | None] = mapped_column(String(160))

    @property
    def site_urls(self) -> list[str]:
        """Origins the site is reachable at (for CSP frame-ancestors)."""
        return [u for u in (self.base_url, self.display_url) if u]

    def __repr__(self) -> str:  # never include the secret
        return f"<Tenant {self.id} {self.client_key!r}>"
