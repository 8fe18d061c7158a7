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

    def fields(self, forms: tuple[tuple[str, ...], ...]) -> dict[str, str] | str:
        """The credential as the provider takes it: the PAT, or the fields of its form."""
        if self.username is None:
            return self.token
        two = next((f for f in forms if len(f) == 2), ("username", "password"))
        return {two[0]: self.username, two[1]: self.token}
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class UserSetting(db.Model):  # type: ignore[name-defined]
    """A user's preferences (default repository per Jira project)."""

    __tablename__ = "user_settings"

    tenant_id: Mapped[int] = mapped_column(
        ForeignKey("tenants.id", ondelete="CASCADE"), primary_key=True
    )
    account_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
