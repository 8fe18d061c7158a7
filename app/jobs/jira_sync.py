"""Jobs that write to Jira: the Development-panel push, smart commits, owed deletions.

Thin functions taking ids; the work is in ``app.devinfo`` and ``app.smart_commits``.
Each repository has at most one push and one smart-commit run at a time (heartbeat
locks that lapse when a worker dies). Redis only makes things prompt: every request is
in the database before its job is queued, each job re-reads what is due, and the
scheduler (``sweep``) queues again whatever a lost job or a dead worker left behind.

Queues: a repository's first push (its backfill, possibly thousands of requests) runs
on the scheduled queue, behind indexing; later pushes and smart commits on the webhook
queue, seconds after the index that produced them.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

import redis
import sqlalchemy as sa
from flask import current_app

from app.atlassian import jira_for
from app.devinfo import deletions, push
from app.devinfo import state as states
from app.extensions import db
from app.jobs.locks import HeartbeatLock, LockTimeout, run_holding
from app.models import DevinfoDeletion, DevinfoState, Repository, as_utc, utcnow
from app.queue import SCHEDULED, WEBHOOK, QueueUnavailable, connection, enqueue, get_queue, key
from app.smart_commits import runs

#: A request older than this with no job pending and no lock held lost its job.
SWEEP_AFTER = timedelta(seconds=30)
#: How long a job waits for the lock of a run finishing on another worker.
LOCK_WAIT = 5.0


def _pending(kind: str, ident: int) -> str:
    return key("pending", kind, ident)


def lock_key(kind: str, ident: int) -> str:
    return key("lock", kind, ident)


def _queue(kind: str, ident: int, func: object, queue: str, force: bool) -> bool:
    """Queue ``func(ident)`` unless one is pending already; True if queued."""
    try:
        first = connection().set(_pending(kind, ident), "1", nx=True, ex=3600)
    except redis.RedisError as exc:
        raise QueueUnavailable(f"the job queue is unavailable: {type(exc).__name__}") from exc
    if not (first or force):
        return False
    enqueue(queue, func, ident, job_id=f"{kind}-{ident}-{uuid.uuid4().hex[:12]}",
            job_timeout=3600, result_ttl=600, failure_ttl=7 * 24 * 3600,
            description=f"{kind} {ident}")
    return True


def _later(when: datetime | None, func: object, ident: int) -> None:
    """Run again at ``when`` (RQ's scheduler; the sweep is the safety net)."""
    if when is None:
        return
    try:
        get_queue(SCHEDULED).enqueue_at(max(as_utc(when), utcnow()), func, ident)
    except redis.RedisError:
        pass


def _locked(kind: str, ident: int) -> bool:
    return bool(connection().exists(lock_key(kind, ident)))


def _run_locked(kind: str, ident: int) -> HeartbeatLock | None:
    connection().delete(_pending(kind, ident))  # before reading: later requests queue anew
    lock = HeartbeatLock(connection(), lock_key(kind, ident),
                         ttl=current_app.config["INDEX_LOCK_TTL"])
    try:
        lock.acquire(wait=LOCK_WAIT)
    except LockTimeout:
        return None  # the holder re-reads the database before it finishes
    return lock


# -- the Development-panel push ---------------------------------------------------------


def request_push(repository_id: int, *, force: bool = False) -> bool:
    state = db.session.get(DevinfoState, repository_id)
    queue = WEBHOOK if state is not None and state.backfilled_at else SCHEDULED
    return _queue("devinfo", repository_id, push_devinfo, queue, force)


def push_devinfo(repository_id: int) -> str:
    lock = _run_locked("devinfo", repository_id)
    if lock is None:
        return "busy"
    return run_holding(lock, _push, repository_id, again=request_push)


def _push(repository_id: int) -> str:
    """One push, run holding the repository's devinfo lock."""
    outcome = push.run(repository_id, jira_for)
    if outcome == "deferred":
        state = db.session.get(DevinfoState, repository_id)
        _later(state.next_attempt_at if state else None, push_devinfo, repository_id)
    elif outcome == "held":  # not next_attempt_at: the pass's push may come sooner
        repository = db.session.get(Repository, repository_id)
        _later(push.files_wait_until(repository) if repository else None, push_devinfo,
               repository_id)
    return outcome


# -- smart commits ----------------------------------------------------------------------


def request_smart_commits(repository_id: int, *, force: bool = False) -> bool:
    return _queue("smart", repository_id, run_smart_commits, WEBHOOK, force)


def run_smart_commits(repository_id: int) -> str:
    lock = _run_locked("smart", repository_id)
    if lock is None:
        return "busy"
    return run_holding(lock, _smart_commits, repository_id, again=request_smart_commits)


def _smart_commits(repository_id: int) -> str:
    """One smart-commit run, run holding the repository's smart lock."""
    repository = db.session.get(Repository, repository_id)
    state = db.session.get(DevinfoState, repository_id)
    if repository is None:
        return "gone"
    wanted = state.smart_wanted_at if state else None
    runs.mark(repository, enabled=bool(repository.integration.setting("smart_commits")))
    outcome, wait = runs.execute(repository, jira_for)
    if outcome == "done" and not states.finish(repository_id, wanted, "smart_wanted_at"):
        outcome = "continue"  # commits indexed meanwhile
    if outcome == "deferred" and wait:
        _later(utcnow() + timedelta(seconds=wait), run_smart_commits, repository_id)
    return outcome


# -- deletions owed to Jira -------------------------------------------------------------


def request_deletion(deletion_id: int, *, force: bool = False) -> bool:
    return _queue("devinfo-delete", deletion_id, delete_devinfo, WEBHOOK, force)


def delete_devinfo(deletion_id: int) -> str:
    connection().delete(_pending("devinfo-delete", deletion_id))
    try:
        outcome = deletions.run(deletion_id, jira_for,
                                busy=lambda ids: any(_locked("devinfo", i) for i in ids))
        deletion = db.session.get(DevinfoDeletion, deletion_id)
        if outcome == "busy":
            _later(utcnow() + timedelta(seconds=5), delete_devinfo, deletion_id)
        elif outcome == "deferred" and deletion is not None:
            _later(deletion.next_attempt_at, delete_devinfo, deletion_id)
    finally:
        db.session.remove()
    return outcome


# -- recovery ---------------------------------------------------------------------------


def sweep(now: datetime) -> dict[str, list[int]]:
    """Queue requests whose job was lost: pushes and smart-commit runs asked for more
    than ``SWEEP_AFTER`` ago with no job pending and no run holding the lock (and not
    waiting out a Retry-After), and deletions that are due."""
    before = now - SWEEP_AFTER
    pushes, smart = [], []
    for row in db.session.execute(sa.select(
            DevinfoState.repository_id, DevinfoState.wanted_at, DevinfoState.smart_wanted_at,
            DevinfoState.next_attempt_at).where(sa.or_(DevinfoState.wanted_at < before,
                                                       DevinfoState.smart_wanted_at < before))):
        due = row.next_attempt_at is None or as_utc(row.next_attempt_at) <= now
        if row.wanted_at and as_utc(row.wanted_at) < before and due:
            pushes.append(row.repository_id)
        if row.smart_wanted_at and as_utc(row.smart_wanted_at) < before:
            smart.append(row.repository_id)
    owed = [row.id for row in db.session.execute(
        sa.select(DevinfoDeletion.id, DevinfoDeletion.next_attempt_at, DevinfoDeletion.attempts)
        .where(DevinfoDeletion.created_at < before,
               DevinfoDeletion.attempts < deletions.MAX_ATTEMPTS))
        if row.next_attempt_at is None or as_utc(row.next_attempt_at) <= now]
    queued: dict[str, list[int]] = {"devinfo": [], "smart_commits": [], "devinfo_deletions": []}
    for ident in pushes:
        if not _locked("devinfo", ident) and request_push(ident):
            queued["devinfo"].append(ident)
    for ident in smart:
        if not _locked("smart", ident) and request_smart_commits(ident):
            queued["smart_commits"].append(ident)
    for ident in owed:
        if request_deletion(ident):
            queued["devinfo_deletions"].append(ident)
    return queued
