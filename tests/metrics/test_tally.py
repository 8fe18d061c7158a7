"""The receiver's metric updates: summed, then written as the metrics would have been."""

from __future__ import annotations

import threading
import time

import pytest
from prometheus_client import Counter, Gauge, Histogram

from app.metrics import tally
from app.metrics.tally import Tally

BUCKETS = (0.005, 0.01, 0.05, 0.1, 1.0)


def test_sums_are_written_as_direct_updates_would_have_been() -> None:
    counted = Counter("t_counted", "", ["outcome"], registry=None)
    direct = Counter("t_direct", "", ["outcome"], registry=None)
    timed = Histogram("t_timed", "", ["outcome"], buckets=BUCKETS, registry=None)
    timed_direct = Histogram("t_timed_direct", "", ["outcome"], buckets=BUCKETS, registry=None)
    gauge = Gauge("t_gauge", "", ["surface"], registry=None)
    sums = Tally()
    for seconds in (0.001, 0.005, 0.0051, 0.05, 0.7, 3.0, 0.0):
        sums.count(counted.labels("accepted"), timed.labels("accepted"), seconds)
        direct.labels("accepted").inc()
        timed_direct.labels("accepted").observe(seconds)
    sums.inc(gauge.labels("webhooks"))
    sums.inc(gauge.labels("webhooks"))
    sums.inc(gauge.labels("webhooks"), -1)
    assert counted.labels("accepted")._value.get() == 0  # nothing written yet
    sums.flush()
    assert counted.labels("accepted")._value.get() == direct.labels("accepted")._value.get() == 7
    ours, theirs = timed.labels("accepted"), timed_direct.labels("accepted")
    assert [b.get() for b in ours._buckets] == [b.get() for b in theirs._buckets]
    assert ours._sum.get() == theirs._sum.get()
    assert gauge.labels("webhooks")._value.get() == 1


def test_the_flusher_writes_the_sums_without_being_asked(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tally, "FLUSH_EVERY", 0.05)
    counted = Counter("t_flushed", "", registry=None)
    sums = Tally()
    threads = [threading.Thread(target=lambda: [sums.inc(counted) for _ in range(500)])
               for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    deadline = time.monotonic() + 5
    while counted._value.get() < 2000 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert counted._value.get() == 2000
    time.sleep(0.2)  # nothing left to write: the flusher has stopped
    assert sums._flusher is None
    sums.inc(counted)  # and a new one starts for the next update
    deadline = time.monotonic() + 5
    while counted._value.get() < 2001 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert counted._value.get() == 2001
