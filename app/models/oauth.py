"""OAuth grants: tokens a host issued to an admin's browser, kept briefly until the
wizard turns them into an integration (or they expire)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from app.crypto import Encrypted
from app.extensions import db
from app.models.base import utcnow


class OAuthGrant(db.Model):  # type: ignore[name-defined]
    """One completed authorization-code exchange, waiting to be used by its tenant.

    ``id`` is a random url-safe string (the wizard's handle for it); ``token`` is the
    JSON of ``access_token``, ``refresh_token`` and ``expires_at``, encrypted.
    """

    __tablename__ = "oauth_grants"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    tenant_id: Mapped[int] = mapped_column(
        ForeignKey("tenants.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(32))
    base_url: Mapped[str | None] = mapped_column(String(2048))
    token: Mapped[str] = mapped_column(Encrypted())
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class OAuthStart(db.Model):  # type: ignore[name-defined]
    """One authorization an admin started and has not finished: the PKCE code verifier
    waits here, on the server, for the callback.

    ``id`` is the signed state's nonce. The verifier never goes into the state (which
    the host, the browser's history and the callback URL all see): a code intercepted
    on its way back is worthless without it. A row is taken (deleted) by the callback
    that uses it, so a state completes once.
    """

    __tablename__ = "oauth_starts"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    tenant_id: Mapped[int] = mapped_column(
        ForeignKey("tenants.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(32))
    code_verifier: Mapped[str] = mapped_column(Encrypted())
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
