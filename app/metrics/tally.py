"""The webhook receiver's metric updates, summed in memory and written to this
process's metric files at most :data:`FLUSH_EVERY` seconds later.

In multiprocess mode every update takes a lock, checks the process id and packs the
new value into the mmap'd file, and a histogram first walks its buckets in Python. A
delivery makes five (its counter, its histogram's sum and bucket, the in-progress
gauge up and down): under a burst they cost 4-6 % of the receiver's throughput
(``docs/benchmarks.md``, "Sixth pass"). Here they are added to one dict under one
lock; a flusher thread per process writes the sums once a second while there are
any, and at exit. A scrape sees a delivery at most a second late (the scraping
process writes its own sums first); a worker killed outright loses at most the last
second of its counts.
"""

from __future__ import annotations

import atexit
import bisect
import os
import threading
import time
from typing import Any

#: Seconds between writes of the sums.
FLUSH_EVERY = 1.0


class Tally:
    """Sums per metric value; safe for any number of threads (or greenlets)."""

    def __init__(self) -> None:
        self.forget()

    def forget(self) -> None:
        """Start empty (in a forked child: the parent writes its own sums)."""
        self._lock = threading.Lock()
        self._sums: dict[Any, float] = {}
        self._flusher: threading.Thread | None = None

    def inc(self, child: Any, amount: float = 1.0) -> None:
        """``child.inc(amount)`` of a counter's or a gauge's child, later."""
        self._add(((child._value, amount),))

    def count(self, counter: Any, histogram: Any, amount: float) -> None:
        """``counter.inc()`` and ``histogram.observe(amount)`` (children), later: the
        histogram's sum and the first bucket whose bound is at least ``amount``."""
        bucket = bisect.bisect_left(histogram._upper_bounds, amount)
        self._add(((counter._value, 1.0), (histogram._sum, amount),
                   (histogram._buckets[bucket], 1.0)))

    def flush(self) -> None:
        """Write the sums now."""
        with self._lock:
            sums, self._sums = self._sums, {}
        for value, amount in sums.items():
            if amount:
                value.inc(amount)

    def _add(self, updates: tuple[tuple[Any, float], ...]) -> None:
        with self._lock:
            sums = self._sums
            for value, amount in updates:
                sums[value] = sums.get(value, 0.0) + amount
            if self._flusher is None:
                self._flusher = threading.Thread(target=self._run, daemon=True,
                                                 name="gitbridge-metrics-tally")
                self._flusher.start()

    def _run(self) -> None:
        """Write the sums every :data:`FLUSH_EVERY` seconds; stop once there are none."""
        while True:
            time.sleep(FLUSH_EVERY)
            with self._lock:
                if not self._sums:
                    self._flusher = None
                    return
            self.flush()


#: The process's one tally.
TALLY = Tally()
atexit.register(TALLY.flush)
os.register_at_fork(after_in_child=TALLY.forget)
