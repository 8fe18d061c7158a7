"""Periodic work: adaptive polling and recovery of work Redis or a worker lost.

``tick`` is safe to run from several ``gitbridge scheduler`` processes at once: each
tick takes a short Redis lock, and every enqueue goes through ``request_index``, which
merges duplicates anyway.
"""

from __future__ import annotations

import time
from datetime import datetime

from flask import current_app

from app.extensions import db
from app.jobs import has_pending, is_locked, request_index
from app.models import Integration, Repository, RepositoryStatus, utcnow
from app.queue import MANUAL, SCHEDULED, connection

TICK_SECONDS = 30


def due_for_poll(now: datetime) -> list[int]:
    rows = db.session.execute(
        db.select(Repository.id, Integration.settings)
        .join(Integration, Repository.integration_id == Integration.id)
        .where(Repository.status == RepositoryStatus.INDEXED.value)
        .where(Repository.clone_url.is_not(None))
        .where(Repository.next_poll_at <= now)
    ).all()
    return [rid for rid, settings in rows if (settings or {}).get("enabled", True)]


def recover() -> list[int]:
    """Re-queue repositories whose job was lost: queued with nothing pending, or
    indexing with no live lock (the worker died)."""
    rows = db.session.execute(
        db.select(Repository.id, Repository.status).where(
            Repository.status.in_([RepositoryStatus.QUEUED.value, RepositoryStatus.INDEXING.value])
        )
    ).all()
    lost = [rid for rid, _ in rows if not has_pending(rid) and not is_locked(rid)]
    for repository_id in lost:
        request_index(repository_id, MANUAL)
    return lost


def tick(now: datetime | None = None) -> dict[str, list[int]]:
    """One round of scheduled work; returns what was queued, for logs and tests."""
    if not connection().set("gitbridge:scheduler:tick", "1", nx=True, ex=TICK_SECONDS - 5):
        return {"polled": [], "recovered": []}
    polled = due_for_poll(now or utcnow())
    for repository_id in polled:
        request_index(repository_id, SCHEDULED)
    recovered = recover()
    db.session.remove()
    return {"polled": polled, "recovered": recovered}


def run_forever() -> None:
    while True:
        try:
            result = tick()
            if result["polled"] or result["recovered"]:
                current_app.logger.info(
                    "scheduler.tick polled=%d recovered=%d",
                    len(result["polled"]),
                    len(result["recovered"]),
                )
        except Exception:  # keep scheduling through a database or Redis outage
            current_app.logger.exception("scheduler.tick failed")
            db.session.remove()
        time.sleep(TICK_SECONDS)
