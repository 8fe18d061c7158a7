"""Delivery processing jobs: one draining job per integration at a time.

Receiving a delivery queues a job only when none is pending for its integration (one
``SET NX``), so a burst of thousands of deliveries costs the queue a handful of jobs,
not thousands. The job takes the integration's lock (so deliveries of one
integration are applied in the order they arrived, never by two workers at once) and
processes every queued delivery, oldest first, until none is left.
"""

from __future__ import annotations

import uuid

import redis
from flask import current_app

from app import webhook_processing
from app.extensions import db
from app.jobs.locks import HeartbeatLock, LockTimeout
from app.models import Delivery, DeliveryStatus
from app.queue import WEBHOOK, QueueUnavailable, connection, enqueue, key

BATCH = 500


def pending_key(integration_id: int) -> str:
    return key("pending", "deliveries", integration_id)


def schedule_processing(integration_id: int, *, force: bool = False) -> bool:
    """Queue a draining job unless one is already pending; True if one was queued.

    Raises:
        QueueUnavailable: Redis cannot be reached (the deliveries stay stored and the
            scheduler's sweeper queues them later).
    """
    try:
        first = connection().set(pending_key(integration_id), "1", nx=True, ex=3600)
    except redis.RedisError as exc:
        raise QueueUnavailable(f"the job queue is unavailable: {type(exc).__name__}") from exc
    if not (first or force):
        return False
    enqueue(WEBHOOK, process_deliveries, integration_id,
            job_id=f"deliveries-{integration_id}-{uuid.uuid4().hex[:12]}", result_ttl=600,
            failure_ttl=7 * 24 * 3600, description=f"webhook deliveries of {integration_id}")
    return True


def process_deliveries(integration_id: int) -> int:
    """Process every queued delivery of the integration, in order; returns how many."""
    conn = connection()
    conn.delete(pending_key(integration_id))  # before reading: later arrivals get a new job
    lock = HeartbeatLock(conn, key("lock", "deliveries", integration_id),
                         ttl=current_app.config["INDEX_LOCK_TTL"])
    try:
        lock.acquire(wait=0)
    except LockTimeout:
        return 0  # another worker is draining this integration, and will drain this too
    try:
        done = _drain(integration_id)
    finally:
        db.session.remove()
        lock.release()
    # A delivery stored while we were finishing saw our lock and left it to us.
    if _queued(integration_id, exclude=set()):
        schedule_processing(integration_id)
    return done


def _queued(integration_id: int, exclude: set[int]) -> list[int]:
    return list(db.session.execute(
        db.select(Delivery.id)
        .where(Delivery.integration_id == integration_id,
               Delivery.status == DeliveryStatus.QUEUED.value,
               Delivery.id.not_in(exclude))
        .order_by(Delivery.id).limit(BATCH)
    ).scalars())


def _drain(integration_id: int) -> int:
    done, failed = 0, set[int]()
    while True:
        ids = _queued(integration_id, exclude=failed)
        if not ids:
            return done
        for delivery_id in ids:
            try:
                webhook_processing.process(delivery_id)
                done += 1
            except Exception:  # recorded on the delivery; the sweeper retries it later
                current_app.logger.exception("webhooks.process_failed delivery=%s", delivery_id)
                failed.add(delivery_id)
