"""What a Jira user keeps in the app: personal access tokens and preferences."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.crypto import Encrypted
from app.extensions import db
from app.models.base import utcnow


class UserToken(db.Model):  # type: ignore[name-defined]
    """A user's own token for one integration (Require User PAT): branches and pull
    requests they create are made with it, so the host attributes them to the user."""

    __tablename__ = "user_tokens"
    __table_args__ = (UniqueConstraint("integration_id", "account_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    integration_id: Mapped[int] = mapped_column(
        ForeignKey("integrations.id", ondelete="CASCADE"), index=True
    )
    account_id: Mapped[str] = mapped_column(String(128))
    #: The secret: a PAT, the HTTP password, or the AWS secret access key.
    token: Mapped[str] = mapped_column(Encrypted())
    #: The other half of a two-part credential: the user name, or the AWS access key id.
    username: Mapped[str | None] = mapped_column(Encrypted())
    login: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    def fields(self, forms: tuple[tuple[str, ...], ...]) -> dict[str, str] | str:
        return credential_fields(self.username, self.token, forms)


def credential_fields(username: str | None, secret: str, forms: tuple[tuple[str, ...], ...]
                      ) -> dict[str, str] | str:
    """A user's credential as the provider takes it: the PAT, an AWS key pair, or a user
    name and password (``forms``: the host's, from the registry)."""
    if username is None:
        return secret
    if ("access_key_id", "secret_access_key") in forms:
        return {"access_key_id": username, "secret_access_key": secret}
    return {"username": username, "password": secret}


class UserSetting(db.Model):  # type: ignore[name-defined]
    """A user's preferences (default repository per Jira project)."""

    __tablename__ = "user_settings"

    tenant_id: Mapped[int] = mapped_column(
        ForeignKey("tenants.id", ondelete="CASCADE"), primary_key=True
    )
    account_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
