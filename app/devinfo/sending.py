"""Sending one repository's entities to Jira and recording what Jira said.

``Sender`` keeps one bulk request in flight while the caller prepares the next (reading
the index and building entities overlaps Jira's answer), and records each answer
before the next request goes out: a crash loses at most the one request in flight,
whose entities are simply sent again. Every request gets a fresh, higher sequence number
(``state.allocate``), allocated in sending order.
"""

from __future__ import annotations

from collections.abc import Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from types import TracebackType
from typing import Any

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.dialects import postgresql, sqlite

from app.devinfo import jira_api, limits, payloads
from app.devinfo import state as states
from app.devinfo.payloads import Item, RepositoryInfo
from app.devinfo.source import Scope
from app.extensions import db
from app.http import ApiError, HttpClient
from app.models import DevinfoEntity, DevinfoState, Repository, utcnow

ENTITIES = DevinfoEntity.__table__


@dataclass
class Run:
    """What one push run works with."""

    repository: Repository
    state: DevinfoState
    client: HttpClient
    info: RepositoryInfo
    scope: Scope
    properties: dict[str, str]
    deadline: float
    truncated: int = 0

    @property
    def backfill(self) -> bool:
        return self.state.backfilled_at is None

    def keys(self, keys: Iterable[str]) -> list[str]:
        allowed, cut = limits.issue_keys(k for k in keys if self.scope.allows(k))
        self.truncated += int(cut)
        return allowed


def _store(app: Any, client: HttpClient, body: dict[str, Any]) -> Any:
    """The request, off the main thread (in an app context of its own: a client may
    read its credentials from the database)."""
    with app.app_context():
        try:
            return jira_api.store(client, body)
        finally:
            db.session.remove()


class Sender:
    def __init__(self, job: Run) -> None:
        self.job = job
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="devinfo")
        self._flight: tuple[list[Item], Future[Any]] | None = None

    def __enter__(self) -> Sender:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        try:
            if kind is None:
                self.settle()
        finally:
            self._pool.shutdown(wait=True)

    def send(self, items: Iterable[Item]) -> None:
        for batch in payloads.batches(items):
            body = self._body(batch)
            self.settle()
            app = current_app._get_current_object()  # type: ignore[attr-defined]
            self._flight = (batch, self._pool.submit(_store, app, self.job.client, body))

    def settle(self) -> None:
        """Wait for the request in flight and record Jira's answer."""
        if self._flight is None:
            return
        batch, future = self._flight
        self._flight = None
        try:
            answer = future.result()
        except jira_api.TooLarge:
            if len(batch) == 1:
                _record(self.job, batch, jira_api.Outcome(
                    failed={(batch[0][0], batch[0][1]["id"]): "too large for Jira"}))
                return
            for half in (batch[: len(batch) // 2], batch[len(batch) // 2:]):
                self._flight = (half, _done(jira_api.store, self.job.client,
                                            self._body(half)))
                self.settle()
            return
        except ApiError as exc:
            if exc.status != 400:
                raise
            # Jira says the request is malformed: sending the same data again cannot help.
            reason = jira_api.error_text(exc.payload) or exc.message
            _record(self.job, batch, jira_api.Outcome(repository_errors=[reason]))
            return
        _record(self.job, batch, jira_api.outcome(answer, self.job.info.id))

    def _body(self, batch: list[Item]) -> dict[str, Any]:
        job = self.job
        seq = states.allocate(job.state)
        if db.session.execute(sa.select(Repository.id).where(
                Repository.id == job.repository.id)).first() is None:
            raise jira_api.Disconnected()
        return payloads.bulk_body(job.info.header(seq), batch, seq, backfill=job.backfill,
                                  properties=job.properties)


def _done(func: Any, *args: Any) -> Future[Any]:
    """``func(*args)`` run here, as a settled future (for the 413 halves)."""
    future: Future[Any] = Future()
    try:
        future.set_result(func(*args))
    except BaseException as exc:  # re-raised by settle()
        future.set_exception(exc)
    return future


def upsert(conn: Any) -> Any:
    """``INSERT ... ON CONFLICT DO UPDATE`` of entity rows, run as one executemany (a
    statement compiled once; a multi-row VALUES of 400 rows costs more to compile than
    to run)."""
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    statement = dialect.insert(ENTITIES)
    return statement.on_conflict_do_update(
        index_elements=["repository_id", "kind", "entity_id"],
        set_={c: statement.excluded[c] for c in ("fingerprint", "status", "error")})


def _record(job: Run, batch: list[Item], result: jira_api.Outcome) -> None:
    everything = "; ".join(result.repository_errors) or None
    rows = []
    for kind, entity, fp in batch:
        error = result.failed.get((kind, entity["id"])) or everything
        rows.append({"repository_id": job.repository.id, "kind": kind,
                     "entity_id": entity["id"], "fingerprint": fp,
                     "status": "failed" if error else "sent", "error": error})
    db.session.execute(upsert(db.session.connection()), rows)
    state = job.state
    if result.unknown_issue_keys:
        state.unknown_issue_keys = list(dict.fromkeys(
            [*result.unknown_issue_keys, *(state.unknown_issue_keys or [])]))[:50]
    state.last_push_at = utcnow()
    db.session.commit()


def delete(job: Run, gone: list[tuple[str, str]]) -> None:
    """Delete entities Jira holds that left our index, one call each."""
    for kind, entity_id in gone:
        jira_api.delete_entity(job.client, job.info.id, kind, entity_id,
                               states.allocate(job.state))
        db.session.execute(ENTITIES.delete().where(
            ENTITIES.c.repository_id == job.repository.id, ENTITIES.c.kind == kind,
            ENTITIES.c.entity_id == entity_id))
        db.session.commit()
