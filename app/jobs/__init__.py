"""Background jobs: queueing with de-duplication and priority, and per-repository locks.

A request to index a repository that already has one pending at the same or a higher
priority merges into it (the pending job's id is kept in Redis); a higher-priority
request supersedes a lower one, which then exits as merged when a worker reaches it.
The database stays the source of truth: a repository marked ``queued`` or ``indexing``
without a pending job or a live lock is re-queued by ``recover`` (scheduler), so a
lost Redis or a killed worker delays work but never loses it.
"""

from __future__ import annotations

import uuid

import redis
from rq import Retry
from rq.exceptions import NoSuchJobError
from rq.job import Job

from app.queue import (
    MANUAL,
    QUEUE_NAMES,
    SCHEDULED,
    WEBHOOK,
    QueueUnavailable,
    connection,
    enqueue,
    key,
)

PRIORITY = {MANUAL: 0, WEBHOOK: 1, SCHEDULED: 2}
JOB_TIMEOUT = 2 * 3600
#: Transient failures are retried after these delays (seconds); then the repository
#: shows the error until the next poll or a manual retry.
RETRY_INTERVALS = [15, 60, 300]


def pending_key(repository_id: int) -> str:
    return key("pending", "index", repository_id)


def lock_key(repository_id: int) -> str:
    return key("lock", "index", repository_id)


def request_index(repository_id: int, queue_name: str = MANUAL) -> str:
    """Queue an index of the repository unless an equal or higher one is pending.

    Returns the id of the job that will do the work.
    Raises:
        QueueUnavailable: Redis cannot be reached (the caller decides what to tell).
    """
    assert queue_name in QUEUE_NAMES
    conn = connection()
    try:
        current = conn.get(pending_key(repository_id))
    except redis.RedisError as exc:
        raise QueueUnavailable(f"the job queue is unavailable: {type(exc).__name__}") from exc
    if current:
        text = current.decode() if isinstance(current, bytes) else str(current)
        queued_in, _, job_id = text.partition("|")
        if PRIORITY.get(queued_in, 9) <= PRIORITY[queue_name]:
            return job_id
        _cancel(job_id)
    job_id = f"index-{repository_id}-{uuid.uuid4().hex[:12]}"
    conn.set(pending_key(repository_id), f"{queue_name}|{job_id}", ex=JOB_TIMEOUT)
    from app.jobs.indexing import index_repository

    enqueue(
        queue_name,
        index_repository,
        repository_id,
        job_id=job_id,
        job_timeout=JOB_TIMEOUT,
        retry=Retry(max=len(RETRY_INTERVALS), interval=RETRY_INTERVALS),
        result_ttl=3600,
        failure_ttl=7 * 24 * 3600,
        description=f"index repository {repository_id}",
    )
    return job_id


def _cancel(job_id: str) -> None:
    """Take a superseded job out of its queue (it has not started: it was pending)."""
    try:
        Job.fetch(job_id, connection=connection()).cancel()
    except NoSuchJobError:
        pass


def claim(repository_id: int, job_id: str) -> bool:
    """At job start: False if a newer request superseded this job (it should exit)."""
    conn = connection()
    script = (
        "local v = redis.call('GET', KEYS[1]) "
        "if not v then return 1 end "
        "if string.sub(v, -string.len(ARGV[1])) == ARGV[1] then redis.call('DEL', KEYS[1]) "
        "return 1 end return 0"
    )
    return bool(conn.eval(script, 1, pending_key(repository_id), "|" + job_id))


def has_pending(repository_id: int) -> bool:
    return bool(connection().exists(pending_key(repository_id)))


def is_locked(repository_id: int) -> bool:
    return bool(connection().exists(lock_key(repository_id)))
