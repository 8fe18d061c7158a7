"""Queueing the processing of stored deliveries: at once when the process is quiet,
coalesced per integration when it is busy, never left undone."""

from __future__ import annotations

import time

import redis
from flask import Flask

from app.jobs.webhooks import pending_key
from app.queue import WEBHOOK, get_queue
from app.store.processing_calls import ProcessingCalls


def jobs(conn: redis.Redis) -> int:
    return len(get_queue(WEBHOOK, conn).job_ids)


def job_started(conn: redis.Redis, integration_id: int) -> None:
    """What a draining job does first: take the pending mark (later arrivals queue a
    new job), and its job off the queue."""
    conn.delete(pending_key(integration_id))
    get_queue(WEBHOOK, conn).empty()


def test_quiet_calls_are_made_at_once(app: Flask, redis_conn: redis.Redis) -> None:
    calls = ProcessingCalls(app, window=60)
    calls.after_commit([7], busy=False)
    assert jobs(redis_conn) == 1
    job_started(redis_conn, 7)
    calls.after_commit([7], busy=False)  # within the window, but nobody else is in flight
    assert jobs(redis_conn) == 1


def test_busy_calls_are_coalesced_then_made(app: Flask, redis_conn: redis.Redis) -> None:
    """Within the window a busy process defers the call; the deferred call still comes,
    after the job that the first call queued has started, so nothing is stranded."""
    calls = ProcessingCalls(app, window=0.5)
    calls.after_commit([7, 8], busy=True)  # first calls for these: at once
    assert jobs(redis_conn) == 2
    job_started(redis_conn, 7)
    job_started(redis_conn, 8)
    for _ in range(20):
        calls.after_commit([7], busy=True)
    assert jobs(redis_conn) == 0  # deferred
    deadline = time.monotonic() + 10
    while jobs(redis_conn) == 0 and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.6)  # nothing more was deferred: no further call
    assert jobs(redis_conn) == 1 and redis_conn.exists(pending_key(7))
    assert not redis_conn.exists(pending_key(8))
