"""What deliveries do: re-index what they name (triggers), or build the index from the
payloads (webhook indexing); exactly once in effect."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import redis

from app import scheduler, webhook_processing
from app.extensions import db
from app.jobs import pending_key
from app.models import Commit, Delivery, Integration, PullRequest, Repository, Tenant, utcnow
from app.queue import WEBHOOK, get_queue
from tests.support.connect import ConnectActions
from tests.support.git_http import GitHttpServer
from tests.support.gitrepo import WorkRepo, init_bare
from tests.support.indexing import drain

FIXTURES = Path(__file__).parent / "fixtures/webhooks"


def fixture(path: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((FIXTURES / path).read_text())
    return data


def send_github(client: Any, integration_id: int, secret: str, payload: dict[str, Any],
                event: str, delivery: str) -> Any:
    body = json.dumps(payload).encode()
    signature = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return client.post(f"/webhooks/{integration_id}", data=body, headers={
        "X-GitHub-Event": event, "X-GitHub-Delivery": delivery,
        "X-Hub-Signature-256": signature, "Content-Type": "application/json"})


@pytest.fixture
def site(connect: ConnectActions) -> tuple[str, str]:
    key, secret = connect.installed()
    fake = connect.fake.site("site-a")
    fake.admins.add("admin-1")
    fake.issues["ABC-1"] = {"id": "10001", "key": "ABC-1",
                            "fields": {"project": {"id": "1", "key": "ABC"}}}
    fake.grants[("dev-1", "BROWSE_PROJECTS")] = {10001}
    fake.grants[("dev-1", "VIEW_DEV_TOOLS")] = {10001}
    return key, secret


def development(connect: ConnectActions, site: tuple[str, str]) -> dict[str, Any]:
    body: dict[str, Any] = connect.api("GET", "/api/v1/issues/ABC-1/development", *site,
                                       sub="dev-1").get_json()
    return body


def test_generic_trigger_reindexes_the_named_repository(
        connect: ConnectActions, site: tuple[str, str], tmp_path: Path,
        redis_conn: redis.Redis) -> None:
    root = tmp_path / "served"
    root.mkdir()
    work = WorkRepo(tmp_path / "work")
    work.commit("first", {"a": "1"})
    bare = init_bare(root / "app.git")
    work.publish(bare)
    with GitHttpServer(root) as server:
        created = connect.api("POST", "/api/v1/integrations", *site, sub="admin-1",
                              json={"kind": "git", "url": server.url("app.git")}).get_json()
        drain(redis_conn)
        sha = work.commit("ABC-1 after the first index", {"a": "2"})
        work.publish(bare)
        response = connect.client.post(
            f"/webhooks/{created['id']}", json={"origin": server.url("app.git")},
            headers={"Authorization": f"Bearer {created['webhook']['secret']}"})
        assert response.status_code == 202, response.get_json()
        drain(redis_conn)  # the delivery, then the re-index it queued
    assert [c["sha"] for c in development(connect, site)["commits"]] == [sha]
    deliveries = connect.api("GET", f"/api/v1/integrations/{created['id']}/deliveries", *site,
                             sub="admin-1").get_json()["deliveries"]
    assert [d["status"] for d in deliveries] == ["processed"]
    assert deliveries[0]["outcome"].startswith("re-index queued")
    assert deliveries[0]["processing_ms"] is not None


def plain_integration(clone_url: str) -> tuple[Integration, Repository]:
    tenant = Tenant(client_key="client-x", shared_secret="s" * 40, base_url="https://x")
    db.session.add(tenant)
    db.session.flush()
    integration = Integration(tenant_id=tenant.id, kind="git", display_name="x", settings={},
                              url=clone_url)
    db.session.add(integration)
    db.session.flush()
    repository = Repository(tenant_id=tenant.id, integration_id=integration.id, name="hello",
                            clone_url=clone_url, status="indexed")
    db.session.add(repository)
    db.session.commit()
    return integration, repository


@pytest.mark.parametrize("clone_url", ["https://github.com/Codertocat/Hello-World.git",
                                       "git@github.com:codertocat/hello-world.git",
                                       "ssh://git@github.com/Codertocat/Hello-World"])
def test_trigger_matches_any_url_form_and_bursts_merge(
        app: Any, client: Any, redis_conn: redis.Redis, clone_url: str) -> None:
    integration, repository = plain_integration(clone_url)
    payload = fixture("github/payloads/push.with-new-branch.json")
    for i in range(20):
        assert send_github(client, integration.id, integration.webhook_secret, payload, "push",
                           f"burst-{i}").status_code == 202
    ids = db.session.execute(db.select(Delivery.id).order_by(Delivery.id)).scalars().all()
    for delivery_id in ids:
        assert webhook_processing.process(delivery_id) == "processed"
    # Twenty pushes, one pending re-index (the rest merged into it).
    assert redis_conn.exists(pending_key(repository.id))
    jobs = get_queue(WEBHOOK, redis_conn).get_jobs()
    assert sum(j.func_name.endswith("index_repository") for j in jobs) == 1


def test_trigger_for_an_unconnected_repository_is_ignored(app: Any, client: Any,
                                                         redis_conn: redis.Redis) -> None:
    integration, _ = plain_integration("https://example.com/other.git")
    payload = fixture("github/payloads/push.with-new-branch.json")
    send_github(client, integration.id, integration.webhook_secret, payload, "push", "d")
    delivery_id = db.session.execute(db.select(Delivery.id)).scalar_one()
    assert webhook_processing.process(delivery_id) == "ignored"


@pytest.fixture
def webhook_mode(connect: ConnectActions, site: tuple[str, str]) -> dict[str, Any]:
    created: dict[str, Any] = connect.api(
        "POST", "/api/v1/integrations", *site, sub="admin-1",
        json={"kind": "github", "mode": "webhook"}).get_json()
    assert created["mode"] == "webhook"
    return created


def test_webhook_indexing_builds_commits_branches_and_pull_requests(
        connect: ConnectActions, site: tuple[str, str], webhook_mode: dict[str, Any],
        redis_conn: redis.Redis) -> None:
    secret = webhook_mode["webhook"]["secret"]
    push = fixture("github/payloads/push.with-new-branch.json")
    push["ref"] = "refs/heads/feature/abc-1-readme"
    for commit in push["commits"]:
        commit["message"] = "ABC-1 " + commit["message"]
    opened = fixture("github/payloads/pull_request.opened.json")
    opened["pull_request"]["title"] = "ABC-1 " + opened["pull_request"]["title"]
    closed = fixture("github/payloads/pull_request.closed.json")
    closed["pull_request"]["title"] = opened["pull_request"]["title"]
    closed["pull_request"]["merged"] = True
    closed["pull_request"]["merged_at"] = closed["pull_request"]["closed_at"]
    for delivery, (payload, event) in enumerate(
            [(push, "push"), (opened, "pull_request"), (closed, "pull_request")]):
        response = send_github(connect.client, webhook_mode["id"], secret, payload, event,
                               f"d{delivery}")
        assert response.status_code == 202, response.get_json()
    drain(redis_conn)
    (repository,) = connect.api("GET", f"/api/v1/integrations/{webhook_mode['id']}/repositories",
                                *site, sub="admin-1").get_json()["repositories"]
    assert repository["name"] == "Codertocat/Hello-World"
    assert repository["counts"]["commits"] == len(push["commits"]) == 1
    assert repository["counts"]["pull_requests"] == 1
    body = development(connect, site)
    assert [c["sha"] for c in body["commits"]] == [push["commits"][0]["id"]]
    assert [b["name"] for b in body["branches"]] == ["feature/abc-1-readme"]
    (pr,) = body["pull_requests"]
    assert pr["state"] == "merged" and pr["id"] == "2"
    assert not Path(connect.app.config["DATA_DIR"]).exists()  # nothing was cloned


def test_truncated_push_is_said(connect: ConnectActions, site: tuple[str, str],
                                redis_conn: redis.Redis) -> None:
    created = connect.api("POST", "/api/v1/integrations", *site, sub="admin-1",
                          json={"kind": "gitlab", "mode": "webhook"}).get_json()
    push = fixture("gitlab/payloads/push.json")
    push["total_commits_count"] = 40
    response = connect.client.post(f"/webhooks/{created['id']}", json=push, headers={
        "X-Gitlab-Event": "Push Hook", "X-Gitlab-Token": created["webhook"]["secret"]})
    assert response.status_code == 202, response.get_json()
    drain(redis_conn)
    (repository,) = connect.api("GET", f"/api/v1/integrations/{created['id']}/repositories",
                                *site, sub="admin-1").get_json()["repositories"]
    (warning,) = repository["warnings"]
    assert warning["code"] == "truncated_push"
    assert f"{len(push['commits'])} of 40 commits" in warning["message"]


def test_processed_once_even_when_replayed_or_swept(
        connect: ConnectActions, site: tuple[str, str], webhook_mode: dict[str, Any],
        redis_conn: redis.Redis) -> None:
    push = fixture("github/payloads/push.with-new-branch.json")
    send_github(connect.client, webhook_mode["id"], webhook_mode["webhook"]["secret"], push,
                "push", "once")
    delivery_id = db.session.execute(db.select(Delivery.id)).scalar_one()
    assert webhook_processing.process(delivery_id) == "processed"
    assert webhook_processing.process(delivery_id) == "skipped"  # claimed already
    drain(redis_conn)  # its queued job finds nothing to do
    delivery = db.session.get(Delivery, delivery_id)
    assert delivery.attempts == 1
    # A worker died mid-way: the sweeper re-queues it; processing again adds nothing.
    delivery.status, delivery.started_at = "processing", utcnow() - timedelta(hours=1)
    db.session.commit()
    redis_conn.delete(scheduler.tick_key())
    assert scheduler.tick()["deliveries"] == [delivery_id]
    drain(redis_conn)
    # An admin replays it: the same again.
    replay = connect.api("POST", f"/api/v1/deliveries/{delivery_id}/replay", *site,
                         sub="admin-1")
    assert replay.status_code == 202
    drain(redis_conn)
    db.session.remove()
    assert db.session.get(Delivery, delivery_id).status == "processed"
    assert db.session.execute(db.select(db.func.count()).select_from(Commit)).scalar_one() == 1
    assert db.session.execute(db.select(db.func.count()).select_from(PullRequest)
                              ).scalar_one() == 0


def test_deliveries_are_admin_only_and_tenant_scoped(
        connect: ConnectActions, site: tuple[str, str], webhook_mode: dict[str, Any]) -> None:
    path = f"/api/v1/integrations/{webhook_mode['id']}/deliveries"
    assert connect.api("GET", path, *site, sub="dev-1").status_code == 403
    other = connect.installed("client-b", "site-b")
    connect.fake.site("site-b").admins.add("admin-1")
    assert connect.api("GET", path, *other, sub="admin-1").status_code == 404
