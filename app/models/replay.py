"""Lifecycle tokens already used, so a captured signed ``installed`` call cannot be
replayed with a different body (the JWT does not cover the body)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, String
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db


class UsedToken(db.Model):  # type: ignore[name-defined]
    __tablename__ = "used_tokens"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    body_hash: Mapped[str] = mapped_column(String(64))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
