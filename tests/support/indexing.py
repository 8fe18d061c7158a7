"""Helpers to run the app's indexing for real in tests: real Redis, a burst worker."""

from __future__ import annotations

import redis
from rq import SimpleWorker

from app.queue import QUEUE_NAMES, get_queue


def drain(conn: redis.Redis) -> None:
    """Run every queued job to completion in this process (RQ's burst SimpleWorker)."""
    queues = [get_queue(name, conn) for name in QUEUE_NAMES]
    SimpleWorker(queues, connection=conn).work(burst=True)
