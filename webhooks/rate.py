"""Deliveries per integration and minute, counted in Redis a few at a time.

The limit holds across every process: each minute has one counter in Redis. Asking
Redis for every delivery cost a round trip per request (a quarter of what an
ignored delivery cost), so a process reserves a small run of the minute's
deliveries with one ``INCRBY`` and admits that many before asking again. It admits
only reserved deliveries that are within the limit, so together the processes
never admit more than the limit; a run a process leaves unused when the minute
ends is not given to others, so they may admit slightly fewer (at most
:data:`RESERVE_SHARE` of the limit per process).
"""

from __future__ import annotations

import hashlib
import threading
import time

import redis
from flask import Flask

from app.queue import connection
from app.queue import key as redis_key

#: A process reserves at most this share of a minute's limit at once, and at most
#: :data:`MAX_RESERVE` deliveries (a Redis call costs a delivery's worth of CPU
#: between client and server: under a burst one call per 500 deliveries is noise).
RESERVE_SHARE = 50
MAX_RESERVE = 500

#: Reserve ``ARGV[1]`` deliveries of the minute's counter ``KEYS[1]``, which expires
#: after the next minute; the counter's new value.
_RESERVE = ("local n = redis.call('INCRBY', KEYS[1], ARGV[1]) "
            "if n == tonumber(ARGV[1]) then redis.call('EXPIRE', KEYS[1], 120) end return n")
_RESERVE_SHA = hashlib.sha1(_RESERVE.encode()).hexdigest()


class RateLimiter:
    """One per app and process; safe for concurrent request threads. Redis is asked
    in ``app``'s context (its keys carry the app's queue prefix)."""

    def __init__(self, app: Flask) -> None:
        self._app = app
        self._lock = threading.Lock()
        #: (integration, minute) -> deliveries reserved and not yet admitted.
        self._reserved: dict[tuple[int, int], int] = {}
        #: (integration, minute) whose limit is reached.
        self._full: set[tuple[int, int]] = set()

    def wait(self, integration_id: int, limit: int) -> int | None:
        """Seconds until the integration may deliver again, or None to admit this
        delivery (also when Redis cannot tell: a Redis outage must not turn into
        refused deliveries)."""
        now = time.time()
        minute = int(now // 60)
        slot = (integration_id, minute)
        with self._lock:
            reserved = self._reserved.get(slot, 0)
            if reserved:
                self._reserved[slot] = reserved - 1
                return None
            if slot in self._full:
                return 60 - int(now % 60)
        want = max(1, min(MAX_RESERVE, limit // RESERVE_SHARE))
        with self._app.app_context():
            conn, key = connection(), redis_key("rate", "webhook", integration_id, minute)
            try:
                try:
                    total = int(conn.evalsha(_RESERVE_SHA, 1, key, want))
                except redis.exceptions.NoScriptError:
                    total = int(conn.eval(_RESERVE, 1, key, want))
            except redis.RedisError:
                return None
        admitted = max(0, min(want, limit - (total - want)))
        with self._lock:
            for old in [s for s in self._reserved if s[1] < minute]:
                del self._reserved[old]
            self._full = {s for s in self._full if s[1] >= minute}
            if admitted == 0:
                self._full.add(slot)
                return 60 - int(now % 60)
            self._reserved[slot] = self._reserved.get(slot, 0) + admitted - 1
        return None
