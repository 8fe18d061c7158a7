"""A repository's ``warnings``: what the app could not do or see, for its admins.

Several jobs write them (indexing, webhook processing, the Jira push, smart commits),
so each change re-reads the row under a row lock (PostgreSQL; SQLite has one writer
anyway) and commits at once: no job overwrites another's warning with a stale list.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sqlalchemy as sa

from app.extensions import db
from app.models import Repository, utcnow

#: Warnings kept per repository, newest last.
MAX_WARNINGS = 20

Warnings = list[dict[str, Any]]


def _update(repository_id: int, change: Callable[[Warnings], Warnings]) -> None:
    row = db.session.execute(
        sa.select(Repository.id, Repository.warnings).where(Repository.id == repository_id)
        .with_for_update()
    ).first()
    if row is None:  # disconnected meanwhile
        db.session.rollback()
        return
    new = change(list(row.warnings or []))[-MAX_WARNINGS:]
    db.session.execute(sa.update(Repository).where(Repository.id == repository_id)
                       .values(warnings=new), execution_options={"synchronize_session": False})
    db.session.commit()


def add(repository_id: int, code: str, message: str) -> None:
    """Append a warning (several of one code may stand, e.g. one per failed command)."""
    warning = {"code": code, "message": message, "at": utcnow().isoformat()}
    _update(repository_id, lambda current: [*current, warning])


def put(repository_id: int, code: str, message: str) -> None:
    """Set the one warning of ``code`` (replacing an older one of that code)."""
    warning = {"code": code, "message": message, "at": utcnow().isoformat()}
    _update(repository_id, lambda current: [w for w in current if w.get("code") != code]
            + [warning])


def clear(repository_id: int, *codes: str) -> None:
    """Drop the warnings of ``codes`` (the problem is gone)."""
    _update(repository_id, lambda current: [w for w in current if w.get("code") not in codes])
