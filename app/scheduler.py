"""Periodic work: adaptive polling and recovery of work Redis or a worker lost.

``tick`` is safe to run from several ``gitbridge scheduler`` processes at once: each
tick takes a short Redis lock, and every enqueue goes through ``request_index``, which
merges duplicates anyway.
"""

from __future__ import annotations

import time
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app

from app import providers
from app.extensions import db
from app.jobs import has_pending, is_locked, jira_sync, request_index
from app.jobs.indexing import sweep_line_counts
from app.jobs.scan import queue_scan
from app.jobs.webhooks import schedule_processing
from app.models import Delivery, DeliveryStatus, Integration, Repository, RepositoryStatus, utcnow
from app.queue import MANUAL, SCHEDULED, connection, key
from app.webhook_processing import STUCK_AFTER

#: A stored delivery still queued after this long is checked against Redis.
SWEEP_AFTER = timedelta(seconds=30)

TICK_SECONDS = 30


def tick_key() -> str:
    """Held for one tick, so schedulers running side by side do the work once."""
    return key("scheduler", "tick")


def due_for_poll(now: datetime) -> list[int]:
    rows = db.session.execute(
        db.select(Repository.id, Integration.settings)
        .join(Integration, Repository.integration_id == Integration.id)
        .where(Repository.status == RepositoryStatus.INDEXED.value)
        .where(Repository.clone_url.is_not(None))
        .where(Repository.next_poll_at <= now)
    ).all()
    return [rid for rid, settings in rows if (settings or {}).get("enabled", True)]


def scans_due(now: datetime) -> list[int]:
    """Git-service integrations whose daily scan (new and removed repositories) is due."""
    rows = db.session.execute(
        sa.select(Integration.id, Integration.kind, Integration.settings).where(
            Integration.mode == "full", Integration.next_scan_at <= now)
    ).all()
    due = [r.id for r in rows
           if providers.is_service(r.kind) and (r.settings or {}).get("enabled", True)]
    for integration_id in due:
        queue_scan(integration_id)
    return due


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


def sweep_deliveries(now: datetime) -> list[int]:
    """Queue stored deliveries whose job Redis lost (or never got), and re-queue those
    whose worker died mid-way; then purge deliveries past their retention."""
    stuck = (
        db.session.execute(
            sa.update(Delivery)
            .where(
                Delivery.status == DeliveryStatus.PROCESSING.value,
                Delivery.started_at < now - STUCK_AFTER,
            )
            .values(status=DeliveryStatus.QUEUED.value)
            .returning(Delivery.id),
            execution_options={"synchronize_session": False},
        )
        .scalars()
        .all()
    )
    waiting = db.session.execute(
        sa.select(Delivery.id, Delivery.integration_id).where(
            Delivery.status == DeliveryStatus.QUEUED.value,
            Delivery.received_at < now - SWEEP_AFTER,
        )
    ).all()
    retention = timedelta(days=current_app.config["WEBHOOK_RETENTION_DAYS"])
    db.session.execute(
        sa.delete(Delivery).where(Delivery.received_at < now - retention),
        execution_options={"synchronize_session": False},
    )
    db.session.commit()
    integrations = sorted({row.integration_id for row in waiting})
    for integration_id in integrations:
        # Forced: Redis may hold a stale pending mark; a job that finds the integration
        # already being drained exits at once.
        schedule_processing(integration_id, force=True)
    return sorted({row.id for row in waiting} | set(stuck))


def tick(now: datetime | None = None) -> dict[str, list[int]]:
    """One round of scheduled work; returns what was queued, for logs and tests."""
    if not connection().set(tick_key(), "1", nx=True, ex=TICK_SECONDS - 5):
        return {"polled": [], "recovered": [], "deliveries": [], "scans": [], "devinfo": [],
                "smart_commits": [], "devinfo_deletions": [], "line_counts": []}
    now = now or utcnow()
    polled = due_for_poll(now)
    for repository_id in polled:
        request_index(repository_id, SCHEDULED)
    recovered = recover()
    deliveries = sweep_deliveries(now)
    scans = scans_due(now)
    jira = jira_sync.sweep(now)
    line_counts = sweep_line_counts(now)
    db.session.remove()
    return {"polled": polled, "recovered": recovered, "deliveries": deliveries, "scans": scans,
            **jira, "line_counts": line_counts}


def run_forever() -> None:
    while True:
        try:
            result = tick()
            if any(result.values()):
                counts = {name: len(ids) for name, ids in result.items()}
                current_app.logger.info("scheduler.tick %s", counts)
        except Exception:  # keep scheduling through a database or Redis outage
            current_app.logger.exception("scheduler.tick failed")
            db.session.remove()
        time.sleep(TICK_SECONDS)
