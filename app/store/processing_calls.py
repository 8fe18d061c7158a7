"""Queueing the processing of newly stored deliveries: at once when a process is
quiet, at most once per :data:`WINDOW` per integration when it is busy.

Each statement of the group commit used to end with its own ``SET NX`` in Redis (the
integration's "a job is pending" mark, ``app.jobs.webhooks.schedule_processing``): a
tenth of the receiver's CPU under a burst, for a mark that the first call of the
burst had already set. A queueing call covers every delivery committed before the
call started (the job it finds pending, or queues, has not read the queue yet), so
in a busy process the calls of many statements can be one call made a little later.

Quiet (no other request in flight in this process) the call is made at once, before
the delivery's 202 as before: a lone delivery is queued when it is acknowledged. Busy,
an integration queued less than :data:`WINDOW` ago is queued again by this process's
one dispatcher thread, :data:`WINDOW` later, with everything deferred meanwhile. If
the process dies first, the deliveries are stored and the scheduler's sweeper queues
them (as when Redis is down).
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterable

from flask import Flask, current_app

#: Seconds between queueing calls for one integration while a process is busy: a
#: tenth of a second later than at once is nothing to a delivery's processing, and
#: under a burst each call (client and Redis together) costs as much CPU as
#: receiving a delivery.
WINDOW = 0.1


class ProcessingCalls:
    """One per delivery writer (app and process); safe for any number of threads.
    Calls are made in ``app``'s context, which the caller need not have pushed."""

    def __init__(self, app: Flask, window: float = WINDOW) -> None:
        self._app = app
        self._window = window
        self._lock = threading.Lock()
        #: integration -> when its last queueing call started (monotonic).
        self._called_at: dict[int, float] = {}
        self._deferred: set[int] = set()
        self._dispatcher: threading.Thread | None = None
        self._pid = os.getpid()

    def after_commit(self, integration_ids: Iterable[int], busy: bool) -> None:
        """Queue processing for deliveries just committed, or leave it to the
        dispatcher when the process is ``busy`` and the integration was just queued."""
        now = time.monotonic()
        inline = []
        with self._lock:
            if self._pid != os.getpid():  # forked: the parent's thread is not ours
                self._called_at, self._deferred, self._dispatcher = {}, set(), None
                self._pid = os.getpid()
            for integration_id in integration_ids:
                called = self._called_at.get(integration_id)
                if busy and called is not None and now - called < self._window:
                    self._deferred.add(integration_id)
                else:
                    self._called_at[integration_id] = now
                    inline.append(integration_id)
            if self._deferred and self._dispatcher is None:
                self._dispatcher = threading.Thread(
                    target=self._dispatch, name="gitbridge-processing-calls", daemon=True)
                self._dispatcher.start()
        if inline:
            with self._app.app_context():
                for integration_id in sorted(inline):
                    _call(integration_id)

    def _dispatch(self) -> None:
        """Every window, queue what was deferred meanwhile; stop when nothing was."""
        while True:
            time.sleep(self._window)
            with self._lock:
                due, self._deferred = self._deferred, set()
                if not due:
                    self._dispatcher = None
                    return
                now = time.monotonic()
                self._called_at.update(dict.fromkeys(due, now))
            with self._app.app_context():
                for integration_id in sorted(due):
                    _call(integration_id)


def _call(integration_id: int) -> None:
    from app.jobs.webhooks import schedule_processing
    from app.queue import QueueUnavailable

    try:
        schedule_processing(integration_id)
    except QueueUnavailable:
        # Stored: the scheduler's sweeper queues it when Redis is back.
        current_app.logger.warning("webhooks.queue_unavailable integration=%s", integration_id)
