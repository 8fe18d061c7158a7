"""Bitbucket Server / Data Center through the whole app, against a fake server."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from tests.e2e.conftest import start_fake
from tests.e2e.flow import (
    Flow,
    check_chosen_repositories,
    check_connect_index_and_sync,
    check_host_trouble,
    check_regenerated_secret_reaches_the_hooks,
    check_webhooks_delivery_and_disconnect,
)
from tests.e2e.flow_creating import check_create_as_the_app, check_require_user_pat
from tests.support.connect import ConnectActions
from tests.support.fake_hosts.scenario import Scenario


@pytest.fixture
def host(tmp_path: Path) -> Iterator[Scenario]:
    yield from start_fake("bitbucket_server", tmp_path)


@pytest.fixture
def flow(connect: ConnectActions, redis_conn: redis.Redis, host: Scenario,
         monkeypatch: pytest.MonkeyPatch) -> Flow:
    return Flow.start(connect, redis_conn, host, "bitbucket_server", monkeypatch)


def test_connect_index_and_sync(flow: Flow) -> None:
    check_connect_index_and_sync(flow)


def test_host_saw_bitbucket_server_calls(flow: Flow) -> None:
    """A bearer token for the API; for git the token owner's username (from
    X-AUSERNAME) and the token; /scm/ clone URLs; every PR state asked for."""
    created = flow.create(indexing_triggers=False)
    flow.drain()
    fake = flow.fake
    assert {c.headers.get("Authorization") for c in fake.calls()} == {
        f"Bearer {flow.host.admin_token}"}
    assert {c.login for c in fake.calls(kind="git") if c.status == 200} == {"alice"}
    assert all(c.path.startswith("/scm/acme/") for c in fake.calls(kind="git"))
    repos = flow.repositories(created)
    assert repos["ACME/app"]["default_branch"] == "main"  # from the clone's HEAD
    listing = [c for c in fake.calls("GET") if c.path.endswith("/pull-requests")]
    assert listing and listing[0].query["state"] == ["ALL"]


def test_webhooks_delivery_and_disconnect(flow: Flow) -> None:
    check_webhooks_delivery_and_disconnect(flow)
    (delivery,) = flow.fake.deliveries
    assert delivery.headers["X-Event-Key"] == "repo:refs_changed"


def test_a_regenerated_secret_reaches_the_hooks(flow: Flow) -> None:
    check_regenerated_secret_reaches_the_hooks(flow)


def test_chosen_repositories(flow: Flow) -> None:
    check_chosen_repositories(flow)


def test_create_branch_and_pull_request(flow: Flow) -> None:
    check_create_as_the_app(flow)
    branch = flow.fake.calls("POST", "/branches")[0]
    assert branch.body == {"name": "ABC-7-new-thing", "startPoint": "refs/heads/main"}


def test_require_user_pat(flow: Flow) -> None:
    check_require_user_pat(flow)


def test_host_trouble(flow: Flow) -> None:
    check_host_trouble(flow)


#: A host's whole flow over the fakes; the SQLite pass runs it (see the Makefile).
pytestmark = pytest.mark.host_flow
