"""Jira sync jobs on real Redis with real workers: a worker killed in the middle of a
backfill, and the push resuming on another worker with nothing lost and at most the
one request in flight sent again."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import redis

from app import scheduler
from app.extensions import db
from app.models import CommitKey, DevinfoState
from tests.jobs.test_indexing import kill_tree
from tests.support.connect import ConnectActions
from tests.support.gitrepo import fast_import_history
from tests.support.jira_site import JiraSite, install


@pytest.fixture
def jira(connect: ConnectActions, redis_conn: redis.Redis, tmp_path: Path) -> Iterator[JiraSite]:
    yield from install(connect, redis_conn, tmp_path)


def test_killed_worker_mid_backfill_resumes_without_loss(
    app: Any, migrated: dict[str, str], jira: JiraSite, tmp_path: Path
) -> None:
    fast_import_history(jira.root / "served" / "big.git", 3000, 4)
    store = jira.site.devinfo
    store.delay = 0.4
    integration = jira.connect_repository("big")
    env = {**os.environ, **migrated, "GITBRIDGE_INDEX_LOCK_TTL": "2",
           "GITBRIDGE_DATA_DIR": app.config["DATA_DIR"]}
    worker = subprocess.Popen([sys.executable, "-m", "app.cli", "worker"], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 180
        while len(store.bodies) < 3:
            assert time.monotonic() < deadline, "the worker never pushed"
            time.sleep(0.05)
    finally:
        kill_tree(worker.pid)
        worker.wait()
    (repo,) = jira.repositories(integration)
    keyed = db.session.execute(
        db.select(db.func.count(db.distinct(CommitKey.sha)))).scalar_one()
    db.session.rollback()
    assert 0 < store.count("commits") < keyed
    assert repo["devinfo"]["status"] == "backfilling"
    # The dead worker's lock lapses; the scheduler finds the push still wanted.
    time.sleep(2.5)
    state = db.session.get(DevinfoState, repo["id"])
    assert state is not None and state.wanted_at is not None
    state.wanted_at = state.wanted_at.replace(year=2020)
    db.session.commit()
    jira.redis.delete(scheduler.tick_key())
    assert scheduler.tick()["devinfo"] == [repo["id"]]
    store.delay = 0.0
    jira.drain()
    assert store.count("commits") == keyed
    times = Counter(e["id"] for body in store.bodies for r in body["repositories"]
                    for e in r.get("commits", []))
    assert set(times.values()) <= {1, 2}
    assert sum(1 for n in times.values() if n == 2) <= 400  # the one request in flight
    (repo,) = jira.repositories(integration)
    assert repo["devinfo"]["status"] == "up_to_date"
    assert repo["devinfo"]["sent"]["commits"] == keyed
