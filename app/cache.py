"""A small in-process TTL cache for short-lived answers (Jira permission checks).

Per process on purpose: entries live for a minute, so sharing them through Redis would
cost more round trips than it saves, and a page load must not depend on Redis.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

V = TypeVar("V")


class TTLCache(Generic[V]):
    def __init__(self, ttl: float, max_entries: int = 10_000) -> None:
        self.ttl = ttl
        self.max_entries = max_entries
        self._data: dict[Hashable, tuple[float, V]] = {}
        self._lock = threading.Lock()

    def get_or_set(self, key: Hashable, compute: Callable[[], V]) -> V:
        now = time.monotonic()
        with self._lock:
            hit = self._data.get(key)
        if hit and hit[0] > now:
            return hit[1]
        value = compute()
        with self._lock:
            if len(self._data) >= self.max_entries:
                self._data = {k: v for k, v in self._data.items() if v[0] > now}
                if len(self._data) >= self.max_entries:
                    self._data.clear()
            self._data[key] = (now + self.ttl, value)
        return value

    def clear(self) -> None:
        with self._lock:
            self._data.clear()
