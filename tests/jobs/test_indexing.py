"""Jobs on real Redis: de-duplication, priorities, locks, retries, and a worker killed
mid-index whose job finishes on another worker with no duplicates."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import redis
from flask import Flask
from rq.job import Job

from app import credentials, scheduler
from app.extensions import db
from app.jobs import lock_key, request_index
from app.jobs.locks import HeartbeatLock, LockTimeout
from app.models import Commit, CommitKey, Integration, Repository, Tenant
from app.queue import MANUAL, SCHEDULED, WEBHOOK, get_queue
from tests.conftest import TEST_REDIS_URL
from tests.support.git_http import GitHttpServer
from tests.support.gitrepo import WorkRepo, fast_import_history, git, init_bare
from tests.support.indexing import drain


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[GitHttpServer, Path]]:
    root = tmp_path / "served"
    root.mkdir()
    work = WorkRepo(tmp_path / "work")
    work.commit("ABC-1 one", {"a": "1\n"})
    bare = init_bare(root / "app.git")
    work.publish(bare)
    with GitHttpServer(root) as server:
        yield server, bare


def make_repository(url: str, **integration: Any) -> int:
    tenant = Tenant(client_key="client-a", shared_secret="s" * 40, base_url="https://a")
    db.session.add(tenant)
    db.session.flush()
    row = Integration(
        tenant_id=tenant.id, kind="git", display_name="app", url=url, settings={}, **integration
    )
    db.session.add(row)
    db.session.flush()
    repository = Repository(
        tenant_id=tenant.id, integration_id=row.id, name="app", clone_url=url, status="queued"
    )
    db.session.add(repository)
    db.session.commit()
    return repository.id


def reload(repository_id: int) -> Repository:
    """Jobs run in this process end their session; read the row afresh."""
    db.session.remove()
    return db.session.get(Repository, repository_id)


def kill_tree(pid: int) -> None:
    """SIGKILL a process and its descendants (RQ's work horse runs in its own session)."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    todo, victims = [pid], []
    while todo:
        current = todo.pop()
        victims.append(current)
        todo.extend(children.get(current, []))
    for victim in victims:
        try:
            os.kill(victim, signal.SIGKILL)
        except ProcessLookupError:
            pass


def test_second_request_merges_into_the_pending_one(
    app: Any, redis_conn: redis.Redis, served: Any
) -> None:
    rid = make_repository(served[0].url("app.git"))
    first = request_index(rid, WEBHOOK)
    assert request_index(rid, WEBHOOK) == first
    assert request_index(rid, SCHEDULED) == first  # lower priority: merged
    assert get_queue(WEBHOOK, redis_conn).count == 1
    assert get_queue(SCHEDULED, redis_conn).count == 0


def test_higher_priority_supersedes_and_runs_once(
    app: Any, redis_conn: redis.Redis, served: Any
) -> None:
    rid = make_repository(served[0].url("app.git"))
    low = request_index(rid, SCHEDULED)
    high = request_index(rid, MANUAL)
    assert low != high
    assert get_queue(SCHEDULED, redis_conn).count == 0  # the low one was cancelled
    drain(redis_conn)
    assert Job.fetch(high, connection=redis_conn).return_value() == "indexed"
    assert Job.fetch(low, connection=redis_conn).get_status() == "canceled"
    repository = reload(rid)
    assert repository.status == "indexed" and repository.counts["commits"] == 1


def test_lock_excludes_and_expires_when_its_holder_dies(
    app: Flask, redis_conn: redis.Redis
) -> None:
    key = lock_key(999)
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            (
                "import redis, time\n"
                "from app.jobs.locks import HeartbeatLock\n"
                f"conn = redis.Redis.from_url({TEST_REDIS_URL!r})\n"
                f"lock = HeartbeatLock(conn, {key!r}, ttl=1.5)\n"
                "lock.acquire(wait=5)\nprint('held', flush=True)\ntime.sleep(60)\n"
            ),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        time.sleep(2.0)  # longer than ttl: the heartbeat keeps it alive
        with pytest.raises(LockTimeout):
            HeartbeatLock(redis_conn, key, ttl=1.5).acquire(wait=0.5)
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait()
    started = time.monotonic()
    lock = HeartbeatLock(redis_conn, key, ttl=1.5)
    lock.acquire(wait=5)  # the dead holder's lock lapses
    lock.release()
    assert time.monotonic() - started < 3


def test_permanent_failure_is_not_retried(
    app: Any, redis_conn: redis.Redis, tmp_path: Path
) -> None:
    root = tmp_path / "auth"
    root.mkdir()
    bare = init_bare(root / "app.git")
    work = WorkRepo(tmp_path / "w")
    work.commit("x", {"a": "1"})
    work.publish(bare)
    with GitHttpServer(root, username="u", password="right-password") as server:
        rid = make_repository(
            server.url("app.git"),
            auth_type="basic",
            credentials=credentials.dump({"username": "u", "password": "wrong-password"}),
        )
        request_index(rid)
        drain(redis_conn)
    repository = reload(rid)
    assert repository.status == "error"
    assert "rejected the credentials" in (repository.error or "")
    assert "wrong-password" not in (repository.error or "")
    assert get_queue(MANUAL, redis_conn).scheduled_job_registry.count == 0


def test_transient_failure_is_retried_with_backoff(app: Any, redis_conn: redis.Redis) -> None:
    rid = make_repository("http://127.0.0.1:9/app.git")
    request_index(rid)
    drain(redis_conn)
    repository = reload(rid)
    assert repository.status == "queued"
    assert (repository.error or "").startswith("will retry:")
    assert get_queue(MANUAL, redis_conn).scheduled_job_registry.count == 1


def test_worker_killed_mid_index_finishes_elsewhere_without_duplicates(
    app: Any, migrated: dict[str, str], redis_conn: redis.Redis, tmp_path: Path
) -> None:
    root = tmp_path / "big"
    root.mkdir()
    bare = fast_import_history(root / "big.git", 15_000, 5)
    expected = int(git("--git-dir", str(bare), "rev-list", "--all", "--count").strip())
    with GitHttpServer(root) as server:
        rid = make_repository(server.url("big.git"))
        request_index(rid)
        env = {**os.environ, **migrated, "GITBRIDGE_INDEX_LOCK_TTL": "2",
               "GITBRIDGE_DATA_DIR": app.config["DATA_DIR"]}
        worker = subprocess.Popen(
            [sys.executable, "-m", "app.cli", "worker"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline:
                done = db.session.execute(
                    db.select(Repository.progress_done).where(Repository.id == rid)
                ).scalar_one()
                db.session.rollback()
                if done >= 2000:
                    break
                time.sleep(0.05)
            else:
                pytest.fail("the worker never made progress")
        finally:
            kill_tree(worker.pid)
            worker.wait()
        partial = db.session.execute(db.select(db.func.count()).select_from(Commit)).scalar_one()
        assert 0 < partial < expected
        repository = reload(rid)
        assert repository.status == "indexing"
        # Lost: no live lock once the ttl passes; the scheduler's recovery re-queues it.
        time.sleep(2.5)
        redis_conn.delete(scheduler.tick_key())
        assert scheduler.tick()["recovered"] == [rid]
        drain(redis_conn)
    repository = reload(rid)
    assert repository.status == "indexed", repository.error
    shas = db.session.execute(db.select(Commit.sha)).scalars().all()
    assert len(shas) == len(set(shas)) == expected
    keys = db.session.execute(db.select(CommitKey.sha, CommitKey.issue_key)).all()
    assert len(keys) == len(set(keys))
