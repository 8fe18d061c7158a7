"""The delivery job: thin, takes an id; the work is in ``app.webhook_processing``."""

from __future__ import annotations

from rq import Retry

from app import webhook_processing
from app.extensions import db
from app.queue import WEBHOOK, enqueue


def job_id(delivery_id: int) -> str:
    return f"delivery-{delivery_id}"


def enqueue_delivery(delivery_id: int) -> None:
    """Queue processing. Raises QueueUnavailable when Redis cannot take it."""
    enqueue(
        WEBHOOK,
        process_delivery,
        delivery_id,
        job_id=job_id(delivery_id),
        retry=Retry(max=3, interval=[10, 60, 300]),
        result_ttl=600,
        failure_ttl=7 * 24 * 3600,
        description=f"webhook delivery {delivery_id}",
    )


def process_delivery(delivery_id: int) -> str:
    try:
        return webhook_processing.process(delivery_id)
    finally:
        db.session.remove()
