"""gunicorn's gevent worker, which ends idle keep-alive connections when it stops.

A stopping worker (``kill -HUP`` of the master, a deploy, ``max_requests``) stops
accepting and waits for its connections to end. gunicorn's own gevent worker also
waits for connections that sit idle between requests, which a TLS proxy keeps open
for reuse: every reload then took the whole ``graceful_timeout`` (30 s) and ended by
killing those connections' greenlets, an error with a traceback for each. gthread
closes such connections at once. Here a wait for a connection's next request ends
as if its keep-alive timeout had passed: gunicorn closes the connection quietly, and
requests in progress still finish (their answers close their connections).

It also refuses to serve when psycopg waits for PostgreSQL without giving way (it
chooses how when first imported: before gevent's patching, as with ``--preload``, it
blocks the whole worker on every query).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import gevent
from gunicorn.workers.ggevent import GeventWorker


class Worker(GeventWorker):
    """``worker_class`` in ``gunicorn.conf.py``."""

    def init_process(self) -> None:
        #: The connections waiting for their next request: greenlet -> its wait.
        self._idle: dict[gevent.Greenlet, gevent.Timeout] = {}
        super().init_process()

    def load_wsgi(self) -> None:
        super().load_wsgi()
        from psycopg import waiting

        if waiting.wait is getattr(waiting, "wait_c", None):
            raise RuntimeError(
                "psycopg was imported before gevent patched this worker, so every query "
                "would stop all of the worker's requests: do not preload the app "
                "(--preload) or import it in gunicorn.conf.py")

    @contextmanager
    def timeout_ctx(self) -> Iterator[None]:
        """gunicorn's keep-alive wait for a connection's next request."""
        wait = gevent.Timeout(self.cfg.keepalive, False)  # False: ends quietly
        current = gevent.getcurrent()
        self._idle[current] = wait
        try:
            with wait:
                yield
        finally:
            self._idle.pop(current, None)

    def handle_exit(self, sig: int, frame: Any) -> None:
        super().handle_exit(sig, frame)
        gevent.spawn(self._end_idle_waits)  # not from the signal handler itself

    def _end_idle_waits(self) -> None:
        for greenlet, wait in list(self._idle.items()):
            greenlet.kill(wait, block=False)
