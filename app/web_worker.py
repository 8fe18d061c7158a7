"""gunicorn's gevent worker, fair between connections, which ends idle keep-alive
connections when it stops.

A stopping worker (``kill -HUP`` of the master, a deploy, ``max_requests``) stops
accepting and waits for its connections to end. gunicorn's own gevent worker also
waits for connections that sit idle between requests, which a TLS proxy keeps open
for reuse: every reload then took the whole ``graceful_timeout`` (30 s) and ended by
killing those connections' greenlets, an error with a traceback for each. gthread
closes such connections at once. Here a wait for a connection's next request ends
as if its keep-alive timeout had passed: gunicorn closes the connection quietly, and
requests in progress still finish (their answers close their connections).

Between two requests of one connection the worker lets every other ready connection
go first (:meth:`Worker.timeout_ctx`). gunicorn's gevent worker reads a keep-alive
connection's next request at once, and when it is already there (a proxy's connection
in a burst, a pipelining client) it serves that connection to the end while every
other one waits: under wrk a bare endpoint's p99 was 350-390 ms, 10-11 ms with the
yield (``docs/benchmarks.md``, "Eighth pass"). The yield costs such an endpoint a
quarter of its peak rate (a switch per request, and no longer one hot connection at a
time); the receiver, whose requests wait for their commit anyway, gained a tenth.

A response's head goes out with the first bytes of its body (:class:`Response`). It
also refuses to serve when psycopg waits for PostgreSQL without giving way (it
chooses how when first imported: before gevent's patching, as with ``--preload``, it
blocks the whole worker on every query).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import gevent
from gunicorn.http import wsgi
from gunicorn.workers.ggevent import GeventWorker

#: Bodies up to this size are copied after the head to be sent with it in one call.
JOIN_UP_TO = 64 * 1024


class _Head:
    """Stands in for the socket while gunicorn writes a response's head."""

    def __init__(self) -> None:
        self.data = b""

    def sendall(self, data: bytes) -> None:
        self.data += data


class _HeadFirst:
    """The connection's socket, with a response's head held back until the first
    bytes that follow it (or the response's end): sent together, in one call."""

    def __init__(self, sock: Any, head: bytes) -> None:
        self._sock, self._head = sock, head

    def flush(self) -> None:
        head, self._head = self._head, b""
        if head:
            self._sock.sendall(head)

    def sendall(self, data: bytes) -> None:
        if self._head and len(data) <= JOIN_UP_TO:
            data, self._head = self._head + data, b""
        self.flush()
        self._sock.sendall(data)

    def __getattr__(self, name: str) -> Any:  # sendfile, and anything else gunicorn uses
        self.flush()
        return getattr(self._sock, name)


class Response(wsgi.Response):
    """gunicorn's response, whose head and body leave in one send, not two.

    gunicorn sends a response's head as soon as the app's first body bytes arrive,
    then the bytes: for a small answer (every webhook delivery's 202 with its JSON)
    two sends (each with gevent's buffer-size probe, four system calls), two TCP
    segments and two wake-ups of the client where one would do. Measured on the
    receiver: 8.6 system calls a delivery before, 6.8 after (``docs/benchmarks.md``,
    "Seventh pass").
    """

    #: The connection's socket; from the head on, wrapped in :class:`_HeadFirst`.
    sock: Any

    def send_headers(self) -> None:
        if self.headers_sent:
            return
        sock, head = self.sock, _Head()
        self.sock = head
        try:
            super().send_headers()
        except BaseException:
            self.sock = sock  # nothing was sent
            raise
        self.sock = _HeadFirst(sock, head.data)

    def close(self) -> None:
        super().close()
        self.sock.flush()  # a response without body bytes: its head alone


class Worker(GeventWorker):
    """``worker_class`` in ``gunicorn.conf.py``."""

    def init_process(self) -> None:
        #: The connections waiting for their next request: greenlet -> its wait.
        self._idle: dict[gevent.Greenlet, gevent.Timeout] = {}
        # gunicorn's request handling builds each response with ``wsgi.create``,
        # which takes this module attribute when it is given no class of its own.
        wsgi.Response = Response
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
        """gunicorn's keep-alive wait for a connection's next request, entered once
        the previous one is answered: the other ready connections go first."""
        gevent.sleep(0)
        # A worker that began to stop meanwhile has ended the idle waits already: this
        # one ends at once too (a request already there is still read, and answered
        # with ``Connection: close``).
        wait = gevent.Timeout(self.cfg.keepalive if self.alive else 0, False)  # False: quietly
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
