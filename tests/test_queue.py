"""Two deployments on one Redis: their prefixes keep jobs, locks and markers apart."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from flask import Flask

from app import create_app, scheduler
from app.config import ConfigError, default_queue_prefix, load_config
from app.jobs import lock_key, request_index
from app.jobs.locks import HeartbeatLock, LockTimeout
from app.queue import MANUAL, QUEUE_NAMES, get_queue, key, resolve


@pytest.fixture
def two_apps(migrated: dict[str, str], redis_conn: redis.Redis) -> Iterator[tuple[Flask, Flask]]:
    yield (create_app({**migrated, "GITBRIDGE_QUEUE_PREFIX": "blue"}),
           create_app({**migrated, "GITBRIDGE_QUEUE_PREFIX": "green"}))


def test_default_prefix_comes_from_the_app_key(tmp_path: Path) -> None:
    env = {"GITBRIDGE_SECRET_KEY": "x"}
    one = load_config({**env, "GITBRIDGE_APP_KEY": "gitbridge-a"}, str(tmp_path))
    two = load_config({**env, "GITBRIDGE_APP_KEY": "gitbridge-b"}, str(tmp_path))
    assert one["QUEUE_PREFIX"] == default_queue_prefix("gitbridge-a")
    assert one["QUEUE_PREFIX"] != two["QUEUE_PREFIX"]
    assert one["QUEUE_PREFIX"].startswith("gb-")
    with pytest.raises(ConfigError, match="GITBRIDGE_QUEUE_PREFIX"):
        load_config({**env, "GITBRIDGE_QUEUE_PREFIX": "has space"}, str(tmp_path))


def test_every_name_carries_the_prefix(two_apps: tuple[Flask, Flask]) -> None:
    blue, _ = two_apps
    with blue.app_context():
        assert key("lock", "index", 5) == "blue:lock:index:5"
        assert lock_key(5) == "blue:lock:index:5"
        assert scheduler.tick_key() == "blue:scheduler:tick"
        assert [get_queue(n).name for n in QUEUE_NAMES] == [
            "blue-manual", "blue-webhook", "blue-scheduled"]
        # The worker's --queues takes the logical name, the prefixed one or the old one.
        assert resolve("manual") == resolve("blue-manual") == resolve("gitbridge-manual")
        with pytest.raises(ValueError, match="manual, webhook, scheduled"):
            resolve("green-manual")


def test_locks_and_pending_markers_do_not_cross(two_apps: tuple[Flask, Flask],
                                                redis_conn: redis.Redis) -> None:
    blue, green = two_apps
    with blue.app_context():
        held = HeartbeatLock(redis_conn, lock_key(7), ttl=5)
        held.acquire(wait=0)
        first_blue = request_index(7)
    try:
        with green.app_context():
            mine = HeartbeatLock(redis_conn, lock_key(7), ttl=5)
            mine.acquire(wait=0)  # not blocked by blue's lock on the same repository id
            mine.release()
            assert request_index(7) != first_blue  # not merged into blue's pending job
        with blue.app_context(), pytest.raises(LockTimeout):
            HeartbeatLock(redis_conn, lock_key(7), ttl=5).acquire(wait=0)
        with blue.app_context():
            assert request_index(7) == first_blue  # blue's own marker still merges
    finally:
        held.release()
    # Each scheduler takes its own tick.
    for app in two_apps:
        with app.app_context():
            assert redis_conn.set(scheduler.tick_key(), "1", nx=True, ex=5)


def _worker(prefix: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "app.cli", "worker", "--burst"],
        env={**env, "GITBRIDGE_QUEUE_PREFIX": prefix}, capture_output=True, text=True,
        timeout=120)


def test_a_worker_never_takes_the_other_deployments_jobs(
        two_apps: tuple[Flask, Flask], migrated: dict[str, str], redis_conn: redis.Redis
) -> None:
    blue, green = two_apps
    with blue.app_context():
        job_id = request_index(424242)  # no such repository: the job just says "skipped"
        queue = get_queue(MANUAL)
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("GITBRIDGE_")},
           **migrated}
    result = _worker("green", env)
    assert result.returncode == 0, result.stderr
    assert queue.job_ids == [job_id]  # green's worker left blue's job alone
    result = _worker("blue", env)
    assert result.returncode == 0, result.stderr
    assert queue.job_ids == []
    assert queue.fetch_job(job_id).return_value() == "skipped"
