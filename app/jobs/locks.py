"""A per-repository lock that expires if its worker dies.

The holder renews it from a heartbeat thread every third of its lifetime; a killed
worker stops renewing, so the lock lapses within ``ttl`` seconds and another worker
(or the scheduler's recovery sweep) can take the repository over.

:func:`run_holding` is the end every job that stops after a batch shares: release the
lock, then queue the next batch if there is more to do.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from types import TracebackType

import redis
from redis.lock import Lock

from app.extensions import db


class LockTimeout(RuntimeError):
    pass


class HeartbeatLock:
    def __init__(self, conn: redis.Redis, key: str, ttl: float = 30.0) -> None:
        self._lock = Lock(conn, key, timeout=ttl, thread_local=False)
        self._ttl = ttl
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def acquire(self, wait: float) -> None:
        """Take the lock, waiting up to ``wait`` seconds for the current holder."""
        deadline = time.monotonic() + wait
        while not self._lock.acquire(blocking=False):
            if time.monotonic() > deadline:
                raise LockTimeout(f"{self._lock.name!r} is held by another worker")
            time.sleep(0.25)
        self._thread = threading.Thread(target=self._beat, daemon=True)
        self._thread.start()

    def _beat(self) -> None:
        while not self._stop.wait(self._ttl / 3):
            try:
                self._lock.reacquire()
            except redis.RedisError:
                return

    def release(self) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join()
        try:
            self._lock.release()
        except redis.RedisError:
            pass  # it lapsed; nobody else can have relied on it while we ran

    def __enter__(self) -> HeartbeatLock:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.release()


def run_holding(lock: HeartbeatLock, work: Callable[[int], str], ident: int, *,
                again: Callable[[int], object]) -> str:
    """``work(ident)`` under ``lock`` (already acquired); returns its outcome.

    Whatever happens the session is removed and the lock released. Only then, when the
    run stopped with more to do (``"continue"``), is ``again(ident)`` asked to queue the
    next run: that run takes the same lock, so it must not find it still held, and a
    queue that is down must not leave the lock held (the sweep finds what is due)."""
    try:
        outcome = work(ident)
    finally:
        db.session.remove()
        lock.release()
    if outcome == "continue":
        again(ident)
    return outcome
