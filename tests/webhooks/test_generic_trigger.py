"""The generic CI trigger end to end: a CI job sends the same body every time, so
identical triggers are separate requests (coalesced while one is pending, never
dropped as duplicates); only an id the sender gives makes a retry a duplicate."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import redis

from app import webhook_processing
from app.extensions import db
from app.models import Commit, Delivery
from app.queue import WEBHOOK, get_queue
from tests.support.connect import ConnectActions
from tests.support.git_http import GitHttpServer
from tests.support.gitrepo import WorkRepo, init_bare
from tests.support.indexing import drain


def trigger(connect: ConnectActions, created: dict[str, Any], origin: str,
            **headers: str) -> dict[str, Any]:
    response = connect.client.post(
        f"/webhooks/{created['id']}", json={"origin": origin},
        headers={"Authorization": f"Bearer {created['webhook']['secret']}", **headers})
    assert response.status_code == 202, response.get_json()
    answer: dict[str, Any] = response.get_json()
    return answer


def indexed(repository_id: int) -> set[str]:
    db.session.expire_all()
    return set(db.session.execute(
        db.select(Commit.sha).where(Commit.repository_id == repository_id)).scalars())


def index_jobs(conn: redis.Redis) -> int:
    jobs = get_queue(WEBHOOK, conn).get_jobs()
    return sum(job.func_name.endswith("index_repository") for job in jobs)


def test_the_same_trigger_body_triggers_every_time(connect: ConnectActions, tmp_path: Path,
                                                   redis_conn: redis.Redis) -> None:
    site = connect.installed()
    connect.fake.site("site-a").admins.add("admin-1")
    root = tmp_path / "served"
    root.mkdir()
    work = WorkRepo(tmp_path / "work")
    work.commit("first", {"a": "1"})
    bare = init_bare(root / "app.git")
    work.publish(bare)
    with GitHttpServer(root) as server:
        origin = server.url("app.git")
        created = connect.api("POST", "/api/v1/integrations", *site, sub="admin-1",
                              json={"kind": "git", "url": origin}).get_json()
        drain(redis_conn)  # the first index
        repository_id = connect.api(
            "GET", f"/api/v1/integrations/{created['id']}/repositories", *site,
            sub="admin-1").get_json()["repositories"][0]["id"]

        # Two identical triggers while the first is still pending: both stored,
        # coalesced into one index run.
        second = work.commit("second", {"a": "2"})
        work.publish(bare)
        assert trigger(connect, created, origin)["status"] == "accepted"
        assert trigger(connect, created, origin)["status"] == "accepted"
        ids = db.session.execute(
            db.select(Delivery.id).where(Delivery.event == "trigger")).scalars().all()
        assert len(ids) == 2
        for delivery_id in ids:
            assert webhook_processing.process(delivery_id) == "processed"
        assert index_jobs(redis_conn) == 1
        assert second not in indexed(repository_id)
        drain(redis_conn)
        assert second in indexed(repository_id)

        # The same body again after that run: a new request, not a duplicate.
        third = work.commit("third", {"a": "3"})
        work.publish(bare)
        assert trigger(connect, created, origin)["status"] == "accepted"
        drain(redis_conn)  # the delivery, then the index it queued
        assert third in indexed(repository_id)

        # An id the sender gives is what makes a retry a duplicate.
        assert trigger(connect, created, origin, **{"Idempotency-Key": "build-7"})[
            "status"] == "accepted"
        assert trigger(connect, created, origin, **{"Idempotency-Key": "build-7"})[
            "status"] == "duplicate"
    statuses = db.session.execute(
        db.select(Delivery.status).where(Delivery.event == "trigger")).scalars().all()
    assert sorted(statuses) == ["processed"] * 3 + ["queued"]  # build-7: not drained
