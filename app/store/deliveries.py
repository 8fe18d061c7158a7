"""Storing received webhook deliveries: group commit on kept connections.

A delivery may be acknowledged only once it is committed, and a commit waits for a
disk flush (milliseconds on PostgreSQL, more on a busy machine). Committing each
request through the ORM made that wait, a session, a pool checkout with its ping
and four round trips the price of every delivery. Here the requests of one process
share the price (threads, or greenlets under gunicorn's gevent worker, which patches
the ``threading`` primitives below): each hands its row to
:meth:`DeliveryWriter.store` and waits; a request that finds a committer free
becomes one and writes every row waiting at that moment (its own and the others') as
one multi-row ``INSERT ... ON CONFLICT DO NOTHING RETURNING`` on a connection the
writer keeps in autocommit mode: one round trip, atomic, committed when it returns.
Only then are the waiting requests released, each with its own outcome; rows that
arrived meanwhile go in the next statement. Nothing is acknowledged before its
commit, so a crash loses only deliveries nobody was told were stored.

:data:`COMMITTERS` statements are in flight at once per process. One measured best:
the fewer statements, the bigger each batch, and what a statement costs (psycopg,
PostgreSQL's commit, the queueing that follows it) is mostly per statement, not per
row; the processes' statements still overlap, and PostgreSQL flushes concurrent
commits together.

For the same reason a committer gathers before it writes: a request that may store a
delivery says so when it starts (:meth:`DeliveryWriter.expect`), and a committer
about to write waits, at most :data:`GATHER` seconds, until every such request has
handed its row over or left without one. A quiet process writes at once (nobody is
expected); a busy one writes the rows of all its request threads in one statement
instead of one statement every two or three rows.

This module is the one write path that creates deliveries; processing
(``app.webhook_processing``) updates them.
"""

from __future__ import annotations

import enum
import functools
import os
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import psycopg
import sqlalchemy as sa
from flask import Flask
from psycopg.types.json import Json
from sqlalchemy.dialects import sqlite
from sqlalchemy.engine import Connection, Engine

from app import json_bytes
from app.models import Delivery, Integration
from app.store.processing_calls import ProcessingCalls

DELIVERIES: sa.Table = Delivery.__table__
INTEGRATIONS: sa.Table = Integration.__table__

#: Statements in flight at once per process (each on its own kept connection).
COMMITTERS = 1
#: At most this many rows, or this many body bytes, per statement (the rest wait
#: for the next one): a bound on one statement's size, never reached by small pushes.
MAX_BATCH_ROWS = 256
MAX_BATCH_BYTES = 16 * 1024 * 1024
#: A committer waits at most this long for the rows of requests still on their way.
GATHER = 0.003
#: ``integrations.webhook_seen_at`` is written at most this often per process.
SEEN_RESOLUTION = timedelta(minutes=1)


class Stored(enum.StrEnum):
    ACCEPTED = "accepted"
    #: The same integration already holds a delivery with this key.
    DUPLICATE = "duplicate"


class IntegrationGone(LookupError):
    """The delivery's integration was removed before the delivery could be stored."""


@dataclass
class NewDelivery:
    """A verified delivery, as the receiver hands it over."""

    tenant_id: int
    integration_id: int
    host: str
    event: str
    delivery_key: str
    body: bytes
    headers: dict[str, str]
    repositories: list[str]
    received_at: datetime

    def row(self) -> dict[str, Any]:
        return {
            "tenant_id": self.tenant_id, "integration_id": self.integration_id,
            "host": self.host, "event": self.event, "delivery_key": self.delivery_key,
            "body": self.body, "headers": self.headers, "repositories": self.repositories,
            "received_at": self.received_at, "status": "queued", "attempts": 0,
        }


@dataclass(eq=False)
class _Waiting:
    delivery: NewDelivery
    taken: bool = False
    done: bool = False
    #: Set when the row is written, or when its thread should commit next.
    wake: threading.Event = field(default_factory=threading.Event)
    result: Stored | None = None
    delivery_id: int | None = None
    error: BaseException | None = None
    key: tuple[int, str] = field(init=False)

    def __post_init__(self) -> None:
        self.key = (self.delivery.integration_id, self.delivery.delivery_key)


class Expected:
    """A request that may store a delivery (:meth:`DeliveryWriter.expect`); leaving
    the ``with`` block without storing one withdraws it."""

    def __init__(self, writer: DeliveryWriter) -> None:
        self.writer, self.open = writer, True

    def __enter__(self) -> Expected:
        return self

    def __exit__(self, *_: object) -> None:
        if self.open:
            with self.writer._lock:
                self.writer._arrived(self)


class DeliveryWriter:
    """One per app and process; safe to call from any number of request threads."""

    def __init__(self, app: Flask, engine: Engine, committers: int = COMMITTERS,
                 gather: float = GATHER) -> None:
        self._engine = engine
        self._committers = committers
        self._gather_for = gather
        self._pending: list[_Waiting] = []
        #: Guards everything below.
        self._lock = threading.Lock()
        #: Set when the last expected request arrives (a committer may be gathering).
        #: Not a ``Condition``: it checks that its caller holds a plain lock by trying
        #: to take it, and under gevent a lock that cannot be taken at once yields the
        #: greenlet first, so every notification let the whole process run meanwhile.
        self._arrival = threading.Event()
        self._expected = 0
        self._idle: list[Connection] = []
        self._busy = 0
        self._pid = os.getpid()
        self._seen_written: dict[int, datetime] = {}
        self._processing = ProcessingCalls(app)

    def expect(self) -> Expected:
        """Announce a request that may store a delivery soon (see the module's doc)."""
        with self._lock:
            self._after_fork()
            self._expected += 1
        return Expected(self)

    def store(self, delivery: NewDelivery, expected: Expected | None = None
              ) -> tuple[Stored, int | None]:
        """Commit ``delivery`` (with whatever else is waiting); its outcome and id.
        ``expected`` is the request's announcement, if it made one.

        Raises:
            IntegrationGone: its integration was removed meanwhile.
            sqlalchemy.exc.DBAPIError: the database could not store it.
            In both cases nothing was stored and nothing may be acknowledged.
        """
        waiting = _Waiting(delivery)
        stored_for: set[int] = set()
        with self._lock:
            self._pending.append(waiting)
            if expected is not None:
                self._arrived(expected)
        while True:
            with self._lock:
                if waiting.done:
                    break
                lead = not waiting.taken and self._busy < self._committers
                if lead:
                    self._busy += 1  # before gathering: no second committer meanwhile
                    self._gather()
                    batch, conn = self._take_batch(), self._take_connection()
                else:
                    waiting.wake.clear()
            if not lead:
                waiting.wake.wait()  # our row is in flight, or every committer is busy
                continue
            try:
                conn = self._commit(conn, batch, stored_for)
            finally:
                with self._lock:
                    self._busy -= 1
                    self._give_back(conn)
                    for done in batch:
                        done.wake.set()
                    if self._pending:  # the oldest waiting row's thread commits next
                        self._pending[0].wake.set()
        # Outside the lock: the next statement need not wait for Redis.
        if stored_for:
            with self._lock:
                busy = bool(self._expected or self._pending or self._busy)
            self._processing.after_commit(stored_for, busy)
        if waiting.error is not None:
            raise waiting.error
        assert waiting.result is not None
        return waiting.result, waiting.delivery_id

    def note_seen(self, integration_id: int, at: datetime) -> None:
        """A verified delivery that needs no storing (a ping) still shows the webhook
        is live."""
        if not self._seen_due(integration_id, at):
            return
        with self._lock:
            conn = self._take_connection()
        try:
            conn = self._open(conn)
            self._write_seen(conn, {integration_id: at})
        finally:
            with self._lock:
                self._give_back(conn)

    # -- called with the lock held -------------------------------------------------------

    def _arrived(self, expected: Expected) -> None:
        if expected.open:
            expected.open = False
            self._expected -= 1
            if self._expected == 0:
                self._arrival.set()

    def _gather(self) -> None:
        """Wait (the lock released meanwhile) for the expected requests' rows."""
        deadline = time.monotonic() + self._gather_for
        while self._expected > 0 and len(self._pending) < MAX_BATCH_ROWS:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return
            self._arrival.clear()  # under the lock: an arrival from now on sets it
            self._lock.release()
            try:
                self._arrival.wait(remaining)
            finally:
                self._lock.acquire()

    def _take_batch(self) -> list[_Waiting]:
        batch: list[_Waiting] = []
        size = 0
        while self._pending and len(batch) < MAX_BATCH_ROWS and (
                not batch or size + len(self._pending[0].delivery.body) <= MAX_BATCH_BYTES):
            batch.append(self._pending.pop(0))
            batch[-1].taken = True
            size += len(batch[-1].delivery.body)
        return batch

    def _after_fork(self) -> None:
        """In a forked process the parent's connections and requests are not ours."""
        if self._pid != os.getpid():
            self._idle, self._pid, self._seen_written, self._expected = [], os.getpid(), {}, 0

    def _take_connection(self) -> Connection | None:
        """A kept connection, or None: the committer opens one outside the lock."""
        self._after_fork()
        return self._idle.pop() if self._idle else None

    def _give_back(self, conn: Connection | None) -> None:
        if conn is not None and not conn.closed and not conn.invalidated:
            self._idle.append(conn)

    # -- called without the lock ---------------------------------------------------------

    def _commit(self, conn: Connection | None, batch: list[_Waiting],
                stored_for: set[int]) -> Connection | None:
        """Write ``batch``, adding the integrations that got new deliveries to
        ``stored_for``; the connection to keep."""
        try:
            conn = self._open(conn)
            try:
                self._write(conn, batch)
            except sa.exc.DBAPIError:
                if len(batch) == 1 or conn.invalidated:
                    raise
                # One bad row (its integration just removed) must not fail the others.
                for waiting in batch:
                    try:
                        self._write(conn, [waiting])
                    except sa.exc.DBAPIError as exc:
                        waiting.error = _explain(exc)
        except BaseException as exc:
            for waiting in batch:
                waiting.error = waiting.error or _explain(exc)
            if not isinstance(exc, Exception):
                raise
        finally:
            for waiting in batch:
                waiting.done = True
        stored_for.update(w.delivery.integration_id for w in batch
                          if w.result is Stored.ACCEPTED and w.error is None)
        return conn

    def _open(self, conn: Connection | None) -> Connection:
        if conn is None or conn.closed or conn.invalidated:
            conn = self._engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        return conn

    def _write(self, conn: Connection, batch: list[_Waiting]) -> None:
        rows: dict[tuple[int, str], _Waiting] = {}
        for waiting in batch:
            if waiting.key in rows:  # two copies in one batch: the first one counts
                waiting.result = Stored.DUPLICATE
            else:
                rows[waiting.key] = waiting
        result: Iterable[Any]
        if conn.dialect.name == "postgresql":
            result = _pg_execute(conn, [w.delivery for w in rows.values()])
        else:
            result = conn.execute(_INSERT, [w.delivery.row() for w in rows.values()])
        for delivery_id, integration_id, delivery_key in result:
            inserted = rows[(integration_id, delivery_key)]
            inserted.result, inserted.delivery_id = Stored.ACCEPTED, delivery_id
        for waiting in rows.values():
            if waiting.result is None:
                waiting.result = Stored.DUPLICATE
        self._write_seen(conn, {w.delivery.integration_id: w.delivery.received_at
                                for w in rows.values()})

    def _seen_due(self, integration_id: int, at: datetime) -> bool:
        written = self._seen_written.get(integration_id)
        return written is None or at - written >= SEEN_RESOLUTION

    def _write_seen(self, conn: Connection, latest: dict[int, datetime]) -> None:
        """Refresh ``webhook_seen_at`` at most once a minute per integration and process:
        one row, many concurrent writers."""
        due = {i: at for i, at in latest.items() if self._seen_due(i, at)}
        for integration_id, at in due.items():
            self._seen_written[integration_id] = at
            conn.execute(sa.update(INTEGRATIONS).where(INTEGRATIONS.c.id == integration_id)
                         .values(webhook_seen_at=at))


#: SQLite's insert, built once (SQLAlchemy caches its compiled form).
_INSERT = (sqlite.insert(DELIVERIES)
           .on_conflict_do_nothing(index_elements=["integration_id", "delivery_key"])
           .returning(DELIVERIES.c.id, DELIVERIES.c.integration_id, DELIVERIES.c.delivery_key))

#: PostgreSQL's columns, each row's given by parameters then constants.
_PG_COLUMNS = ("tenant_id, integration_id, host, event, delivery_key, body, headers,"
               " repositories, received_at, status, attempts")
_PG_PARAMETERS = 9


@functools.lru_cache(maxsize=MAX_BATCH_ROWS)
def _pg_insert(rows: int) -> str:
    """PostgreSQL's insert of ``rows`` rows, with ``$n`` placeholders for psycopg's
    raw cursor: with SQLAlchemy's multi-row insert (11 parameters a row) psycopg
    parsed the text of every batch of more than four rows again (it caches only
    texts of at most 50 parameters), and that, SQLAlchemy's execution and its
    parameter processing cost twice what this does (measured per statement)."""
    values = ", ".join(
        "(" + ", ".join(f"${row * _PG_PARAMETERS + i + 1}" for i in range(_PG_PARAMETERS))
        + ", 'queued', 0)" for row in range(rows))
    return (f"INSERT INTO {DELIVERIES.name} ({_PG_COLUMNS}) VALUES {values}"
            " ON CONFLICT (integration_id, delivery_key) DO NOTHING"
            " RETURNING id, integration_id, delivery_key")


def _pg_execute(conn: Connection, deliveries: list[NewDelivery]) -> list[tuple[int, int, str]]:
    """Run ``_pg_insert`` on the kept connection's psycopg connection; failures as
    SQLAlchemy's (a broken connection is invalidated, so it is not kept)."""
    params: list[Any] = []
    for d in deliveries:
        params += (d.tenant_id, d.integration_id, d.host, d.event, d.delivery_key, d.body,
                   Json(d.headers, json_bytes.dumps), Json(d.repositories, json_bytes.dumps),
                   d.received_at)
    statement = _pg_insert(len(deliveries))
    raw: psycopg.Connection[Any] = conn.connection.driver_connection  # type: ignore[assignment]
    try:
        with psycopg.RawCursor(raw) as cursor:
            cursor.execute(statement, params)
            return cursor.fetchall()
    except psycopg.Error as exc:
        if raw.broken:
            conn.invalidate(exc)
        raise sa.exc.DBAPIError.instance(statement, None, exc, psycopg.Error) from exc


def _explain(exc: BaseException) -> BaseException:
    """A foreign-key failure means the integration is gone (the only reference a
    delivery has that can vanish); anything else stays what it was."""
    if isinstance(exc, sa.exc.IntegrityError):
        return IntegrationGone(str(exc.orig))
    return exc
