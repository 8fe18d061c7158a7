"""What the manage page shows per repository about Jira: its Development panel push and
its smart commits."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from app.devinfo import source
from app.devinfo.push import active
from app.extensions import db
from app.models import DevinfoState, Repository, SmartCommitRun, as_utc, utcnow


def _iso(value: Any) -> str | None:
    return as_utc(value).isoformat() if value else None


def _status(on: bool, state: DevinfoState | None) -> str:
    """off, queued (nothing sent yet), waiting (told to wait: Retry-After, back-off),
    backfilling (first complete push under way), sending (changes under way), up_to_date."""
    if not on:
        return "off"
    if state is None or state.config_hash is None:
        return "queued"
    if state.next_attempt_at and as_utc(state.next_attempt_at) > utcnow():
        return "waiting"
    if state.backfilled_at is None:
        return "backfilling"
    return "sending" if state.wanted_at else "up_to_date"


def as_json(repository: Repository) -> dict[str, Any]:
    state = db.session.get(DevinfoState, repository.id)
    on = active(repository.integration, repository)
    smart = {status: int(count) for status, count in db.session.execute(
        sa.select(SmartCommitRun.status, sa.func.count())
        .where(SmartCommitRun.repository_id == repository.id,
               SmartCommitRun.status.in_(["done", "failed", "pending", "running"]))
        .group_by(SmartCommitRun.status))}
    return {
        "enabled": on,
        "status": _status(on, state),
        "sent": source.held_counts(repository.id),
        "totals": (state.totals if state else None) or {},
        "last_push_at": _iso(state.last_push_at) if state else None,
        "backfilled_at": _iso(state.backfilled_at) if state else None,
        "next_attempt_at": _iso(state.next_attempt_at) if state else None,
        "error": state.last_error if state else None,
        "unknown_issue_keys": (state.unknown_issue_keys if state else None) or [],
        "failures": source.failures(repository.id),
        "smart_commits": {"done": smart.get("done", 0), "failed": smart.get("failed", 0),
                          "pending": smart.get("pending", 0) + smart.get("running", 0)},
    }
