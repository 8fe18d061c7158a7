"""Where the rest of the app tells the Jira side that something changed.

* ``after_index``: the one hook after an index run or webhook processing wrote new
  data; a Development-panel push and a smart-commit run become due.
* ``settings_changed``: an integration's settings changed (devinfo switched off or on,
  enabled, project keys): its repositories are pushed again (or cleared from Jira).
* ``forget_repository`` / ``forget_integration``: called inside the transaction that
  disconnects, before its commit, so the deletion Jira is owed is stored with it;
  ``queue_deletions`` after the commit sends them.
* ``resend``: everything of a repository goes to Jira again (the manage page's button).

Requests are written to the database first; queueing the job is best effort (without
Redis the scheduler's sweep queues it).
"""

from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa
from flask import current_app

from app.devinfo import deletions, source
from app.devinfo import state as states
from app.extensions import db
from app.jobs import jira_sync as jobs
from app.models import DevinfoDeletion, DevinfoEntity, Integration, Repository
from app.queue import QueueUnavailable


def _try(queue: object, ident: int) -> None:
    try:
        queue(ident)  # type: ignore[operator]
    except QueueUnavailable:
        current_app.logger.warning("jira_sync.queue_unavailable id=%s", ident)


def after_index(repositories: Iterable[Repository]) -> None:
    for repository_id in states.request(list(repositories), smart=True):
        _try(jobs.request_push, repository_id)
        _try(jobs.request_smart_commits, repository_id)


def settings_changed(integration: Integration) -> None:
    for repository_id in states.request(list(integration.repositories)):
        _try(jobs.request_push, repository_id)


def resend(repository: Repository) -> None:
    """Send everything again as a backfill (Jira keeps the newest by sequence number)."""
    db.session.execute(sa.update(DevinfoEntity).where(
        DevinfoEntity.repository_id == repository.id).values(fingerprint=source.STALE),
        execution_options={"synchronize_session": False})
    state = states.get(repository)
    state.backfilled_at, state.unknown_issue_keys = None, []
    state.next_attempt_at, state.attempts = None, 0
    states.request([repository])
    _try(jobs.request_push, repository.id)


def forget_repository(repository: Repository) -> DevinfoDeletion | None:
    return deletions.record_repository(repository)


def forget_integration(integration: Integration) -> DevinfoDeletion | None:
    return deletions.record_integration(integration)


def queue_deletions(owed: Iterable[DevinfoDeletion | None]) -> None:
    for deletion in owed:
        if deletion is not None:
            _try(jobs.request_deletion, deletion.id)
