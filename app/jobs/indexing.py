"""The indexing jobs: thin, they take an id; everything else is in ``app.index_runs``.

Two per repository: the index run (commits, files, branches, tags: ``indexed``) and,
after it, the line-count pass, on the scheduled queue so it never delays another
repository's index. Each holds its own lock, so an index run (a push) is never held
up by a long pass of the same repository. The database says when a pass is due
(``lines_due_at``); the scheduler queues again whatever a lost job left behind.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

import redis
import sqlalchemy as sa
from flask import current_app
from rq import get_current_job

from app import index_runs, jira_sync
from app.extensions import db
from app.jobs import JOB_TIMEOUT, claim, lock_key
from app.jobs.locks import HeartbeatLock, LockTimeout, run_holding
from app.models import Repository, RepositoryStatus
from app.queue import SCHEDULED, QueueUnavailable, connection, enqueue, key

#: A pass due for longer than this with no job pending and none running lost its job.
LINES_SWEEP_AFTER = timedelta(seconds=30)


def index_repository(repository_id: int) -> str:
    """Index one repository, never concurrently with another worker."""
    job = get_current_job()
    if job is not None and not claim(repository_id, job.id):
        return "merged"
    lock = HeartbeatLock(
        connection(), lock_key(repository_id), ttl=current_app.config["INDEX_LOCK_TTL"]
    )
    lock.acquire(wait=JOB_TIMEOUT)
    try:
        outcome = index_runs.run_index(repository_id)
        if outcome == "indexed":
            repository = db.session.get(Repository, repository_id)
            if repository is not None:
                jira_sync.after_index([repository])
                if repository.lines_due_at is not None:
                    _try_request_line_counts(repository_id)
        return outcome
    except index_runs.TransientIndexError as exc:
        repository = db.session.get(Repository, repository_id)
        if repository is not None:
            retrying = job is not None and (job.retries_left or 0) > 0
            status = RepositoryStatus.QUEUED if retrying else RepositoryStatus.ERROR
            prefix = "will retry: " if retrying else ""
            index_runs.set_status(repository, status, f"{prefix}{exc}")
        raise
    finally:
        db.session.remove()
        lock.release()


# -- the line-count pass ----------------------------------------------------------------


def _lines_pending(repository_id: int) -> str:
    return key("pending", "lines", repository_id)


def _lines_lock(repository_id: int) -> str:
    return key("lock", "lines", repository_id)


def request_line_counts(repository_id: int) -> bool:
    """Queue the pass unless one is pending already; True if queued."""
    try:
        first = connection().set(_lines_pending(repository_id), "1", nx=True, ex=JOB_TIMEOUT)
    except redis.RedisError as exc:
        raise QueueUnavailable(f"the job queue is unavailable: {type(exc).__name__}") from exc
    if not first:
        return False
    enqueue(SCHEDULED, count_lines, repository_id,
            job_id=f"lines-{repository_id}-{uuid.uuid4().hex[:12]}", job_timeout=JOB_TIMEOUT,
            result_ttl=600, failure_ttl=7 * 24 * 3600,
            description=f"count lines of repository {repository_id}")
    return True


def _try_request_line_counts(repository_id: int) -> None:
    try:
        request_line_counts(repository_id)
    except QueueUnavailable:  # the due time is in the database: the sweep queues it
        current_app.logger.warning("line_counts.queue_unavailable id=%s", repository_id)


def count_lines(repository_id: int) -> str:
    """The pass for one repository; a pass already running re-reads what is due."""
    connection().delete(_lines_pending(repository_id))  # later requests queue anew
    lock = HeartbeatLock(connection(), _lines_lock(repository_id),
                         ttl=current_app.config["INDEX_LOCK_TTL"])
    try:
        lock.acquire(wait=5)
    except LockTimeout:
        return "busy"
    return run_holding(lock, _count_lines, repository_id, again=request_line_counts)


def _count_lines(repository_id: int) -> str:
    """One pass, run holding the repository's line-count lock."""
    outcome = index_runs.run_line_counts(repository_id)
    repository = db.session.get(Repository, repository_id)
    if outcome in ("done", "continue") and repository is not None:
        jira_sync.after_index([repository])  # the commits' files can go to Jira now
    return outcome


def sweep_line_counts(now: datetime) -> list[int]:
    """Queue passes that are due but whose job was lost (Redis, a killed worker)."""
    due = db.session.execute(sa.select(Repository.id).where(
        Repository.lines_due_at < now - LINES_SWEEP_AFTER)).scalars().all()
    return [rid for rid in due
            if not connection().exists(_lines_lock(rid)) and request_line_counts(rid)]
