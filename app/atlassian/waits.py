"""Background work that needs Jira waits, durably, while Jira cannot be called.

A job registered with :func:`jira_job` that hits ``TokenUnavailable`` (a Forge
installation whose app system token ran out) is parked in ``jira_waits`` instead of
failing, and the repository it was for says so in its ``warnings``. When the
installation has a valid token again (the scheduled trigger brings one every hour, and
any UI invocation does too) :func:`resume` queues the parked work and clears the
warning. Parked work lives in the database, so a lost Redis or worker loses nothing.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from typing import Any

from flask import current_app

from app.atlassian.errors import TokenUnavailable
from app.extensions import db
from app.models import JiraWait, Repository, utcnow
from app.queue import MANUAL, QueueUnavailable, enqueue

WAIT_CODE = "jira_unavailable"
WAIT_MESSAGE = (
    "Waiting for Jira: Forge has not handed Gitbridge a valid app token for this site "
    "yet. The work resumes by itself with Forge's next invocation (at the latest the "
    "hourly scheduled trigger); nothing is lost."
)

#: Registered job name -> the (wrapped) job function.
JOBS: dict[str, Callable[..., Any]] = {}


def jira_job(name: str, repository_arg: int | None = None) -> Callable[[Any], Any]:
    """Register a job whose Jira calls may have to wait; ``repository_arg`` is the index
    of its repository id argument, if it works for one repository."""

    def decorate(function: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(function)
        def run(*args: Any) -> Any:
            try:
                return function(*args)
            except TokenUnavailable as exc:
                db.session.rollback()
                if exc.discard is not None:
                    exc.discard()
                repository = args[repository_arg] if repository_arg is not None else None
                park(exc.tenant_id, name, list(args), repository)
                return "waiting for Jira"

        JOBS[name] = run
        return run

    return decorate


def park(tenant_id: int, job: str, args: list[Any], repository_id: int | None = None) -> None:
    """Keep the work until Jira can be called again (once, however often it parks)."""
    work = f"{job}:{json.dumps(args, sort_keys=True)}"[:1000]
    exists = db.session.execute(
        db.select(JiraWait.id).filter_by(tenant_id=tenant_id, work=work)
    ).first()
    if exists is None:
        db.session.add(JiraWait(tenant_id=tenant_id, repository_id=repository_id, work=work,
                                job=job, args=args))
    repository = db.session.get(Repository, repository_id) if repository_id else None
    if repository is not None and not any(
        w.get("code") == WAIT_CODE for w in repository.warnings or []
    ):
        warning = {"code": WAIT_CODE, "message": WAIT_MESSAGE, "at": utcnow().isoformat()}
        repository.warnings = [*(repository.warnings or []), warning]
    db.session.commit()
    current_app.logger.info("jira.wait.parked tenant=%s job=%s", tenant_id, job)


def waiting(tenant_id: int) -> int:
    return len(db.session.execute(
        db.select(JiraWait.id).filter_by(tenant_id=tenant_id)).all())


def resume(tenant_id: int) -> int:
    """Queue the tenant's parked work and clear its warnings; returns how many were queued.

    Each row is deleted only after its job is queued, so a Redis failure midway keeps
    the rest for the next attempt (a job queued twice is harmless: jobs are idempotent).
    """
    rows = db.session.execute(
        db.select(JiraWait).filter_by(tenant_id=tenant_id).order_by(JiraWait.id)
    ).scalars().all()
    queued = 0
    for row in rows:
        job = JOBS.get(row.job)
        if job is None:
            current_app.logger.warning("jira.wait.unknown_job job=%s", row.job)
            continue
        try:
            enqueue(MANUAL, job, *row.args, description=f"resume {row.job}")
        except QueueUnavailable:
            break
        if row.repository_id is not None:
            repository = db.session.get(Repository, row.repository_id)
            if repository is not None:
                repository.warnings = [w for w in repository.warnings or []
                                       if w.get("code") != WAIT_CODE]
        db.session.delete(row)
        queued += 1
    db.session.commit()
    return queued
