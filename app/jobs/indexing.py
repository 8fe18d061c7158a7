"""The indexing job: thin, takes an id, everything else is in ``app.index_runs``."""

from __future__ import annotations

from flask import current_app
from rq import get_current_job

from app import index_runs, jira_sync
from app.extensions import db
from app.jobs import JOB_TIMEOUT, claim, lock_key
from app.jobs.locks import HeartbeatLock
from app.models import Repository, RepositoryStatus
from app.queue import connection


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
