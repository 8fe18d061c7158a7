"""Webhook indexing for the hosts GIJ lists as "coming soon" (Bitbucket Cloud, Bitbucket
Server, AWS CodeCommit): a webhook-mode integration needs no credentials; the hosts'
own deliveries (signed their way by the fakes) build the repository."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from tests.e2e.conftest import start_fake
from tests.e2e.flow import Flow
from tests.support.connect import ConnectActions
from tests.support.fake_hosts import FakeCodeCommit, Hook
from tests.support.fake_hosts.codecommit_sns import Subscription
from tests.support.fake_hosts.scenario import Scenario, seed
from webhooks import sns


def webhook_integration(flow: Flow) -> dict[str, object]:
    hosts = {h["kind"]: h for h in flow.ok("GET", "/api/v1/hosts")["hosts"]}
    assert hosts[flow.kind]["webhook_mode"] is True
    created = flow.ok("POST", "/api/v1/integrations", {"kind": flow.kind, "mode": "webhook"},
                      status=201)
    assert created["mode"] == "webhook"
    return created


@pytest.mark.parametrize("family", ["bitbucket_cloud", "bitbucket_server"])
def test_bitbucket_pushes_build_the_repository(family: str, connect: ConnectActions,
                                               redis_conn: redis.Redis, tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    for host in start_fake(family, tmp_path):
        kind = host.fake.kinds[0] or host.fake.kinds[1]
        flow = Flow.start(connect, redis_conn, host, kind, monkeypatch)
        created = webhook_integration(flow)
        webhook = created["webhook"]
        assert isinstance(webhook, dict)
        repo = host.repos["app"]
        host.fake.new_hook(repo, host.fake.tokens[host.admin_token], webhook["url"],
                           webhook["secret"], ["repo:push", "repo:refs_changed"])
        before, after = host.push("app", "ABC-8 from the webhook", {"w.txt": "w\n"})
        (delivery,) = host.fake.deliver_push(repo.name, "refs/heads/main", before, after,
                                             flow.send)
        assert delivery.status == 202
        flow.drain()
        (indexed,) = flow.repositories(created).values()
        assert indexed["counts"]["commits"] == 1
        assert [c["sha"] for c in flow.dev("ABC-8")["commits"]] == [after]


@pytest.fixture
def codecommit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Scenario]:
    fake = FakeCodeCommit(tmp_path / "codecommit").start()
    monkeypatch.setitem(sns._CERTIFICATES, fake.certificate_url, fake.certificate_pem)
    try:
        yield seed(fake, tmp_path / "work")
    finally:
        fake.stop()


def test_codecommit_triggers_show_branches_and_say_commits_are_missing(
        connect: ConnectActions, redis_conn: redis.Redis, codecommit: Scenario,
        monkeypatch: pytest.MonkeyPatch) -> None:
    flow = Flow.start(connect, redis_conn, codecommit, "aws_codecommit", monkeypatch)
    created = webhook_integration(flow)
    webhook = created["webhook"]
    assert isinstance(webhook, dict)
    fake = codecommit.fake
    topic = f"arn:aws:sns:{fake.region}:123456789012:set-up-by-hand"
    fake.topics[topic] = "set-up-by-hand"  # the admin's own topic, trigger, subscription
    fake.subscriptions.append(Subscription(f"{topic}:1", topic, webhook["url_with_secret"],
                                           "t", confirmed=True))
    fake.repos["app"].hooks.append(Hook("gitbridge", topic, None, ["all"], None))
    before, after = codecommit.push("app", "ABC-8 unseen", {"u.txt": "u\n"},
                                    branch="feature/ABC-8-x")
    (delivery,) = fake.deliver_push("app", "refs/heads/feature/ABC-8-x", before, after,
                                    flow.send)
    assert delivery.status == 202
    flow.drain()
    (repo,) = flow.repositories(created).values()
    assert repo["name"] == "app" and repo["counts"]["branches"] == 1
    assert [w["code"] for w in repo["warnings"]] == ["truncated_push"]
    assert [b["name"] for b in flow.dev("ABC-8")["branches"]] == ["feature/ABC-8-x"]
