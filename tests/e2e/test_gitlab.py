"""GitLab self-managed (and gitlab.com) through the whole app, against a fake GitLab."""

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
    yield from start_fake("gitlab", tmp_path)


@pytest.fixture
def flow(connect: ConnectActions, redis_conn: redis.Redis, host: Scenario,
         monkeypatch: pytest.MonkeyPatch) -> Flow:
    return Flow.start(connect, redis_conn, host, "gitlab_self_managed", monkeypatch)


def test_connect_index_and_sync(flow: Flow) -> None:
    check_connect_index_and_sync(flow)


def test_host_saw_gitlab_calls(flow: Flow) -> None:
    """PRIVATE-TOKEN on every API call, projects by numeric id, incremental merge request
    listing (``updated_after``) from the second sync on, ``oauth2`` for git."""
    created = flow.create(indexing_triggers=False)
    flow.drain()
    fake = flow.fake
    assert {c.headers.get("Private-Token") for c in fake.calls()} == {flow.host.admin_token}
    app = fake.repos[flow.host.name("app")]
    mrs = fake.calls("GET", f"/projects/{app.id}/merge_requests")
    first = [c for c in mrs if c.path.endswith("/merge_requests")]
    assert first and "updated_after" not in first[0].query
    assert {c.login for c in fake.calls(kind="git") if c.status == 200} == {"oauth2"}
    fake.reset_calls()
    app_id = flow.repositories(created)[app.name]["id"]
    flow.ok("POST", f"/api/v1/repositories/{app_id}/reindex", status=202)
    flow.drain()
    again = [c for c in fake.calls("GET", "/merge_requests") if c.path.endswith("/merge_requests")]
    assert again and "updated_after" in again[0].query, [c.query for c in again]


def test_webhooks_delivery_and_disconnect(flow: Flow) -> None:
    check_webhooks_delivery_and_disconnect(flow)
    (delivery,) = flow.fake.deliveries
    assert delivery.headers["X-Gitlab-Event"] == "Push Hook"
    assert delivery.headers["X-Gitlab-Token"]  # GitLab sends the secret itself


def test_a_regenerated_secret_reaches_the_hooks(flow: Flow) -> None:
    check_regenerated_secret_reaches_the_hooks(flow)


def test_chosen_repositories(flow: Flow) -> None:
    check_chosen_repositories(flow)


def test_create_branch_and_merge_request(flow: Flow) -> None:
    check_create_as_the_app(flow)
    created = flow.fake.calls("POST", "/repository/branches")
    assert created[0].query == {"branch": ["ABC-7-new-thing"], "ref": ["main"]}
    # GitLab opens empty merge requests, so the app asked for the commits first
    assert flow.fake.calls("GET", "/repository/commits")


def test_require_user_pat(flow: Flow) -> None:
    check_require_user_pat(flow)


def test_gitlab_com_kind(connect: ConnectActions, redis_conn: redis.Redis, host: Scenario,
                         monkeypatch: pytest.MonkeyPatch) -> None:
    flow = Flow.start(connect, redis_conn, host, "gitlab", monkeypatch)
    created = flow.create(repositories=[host.name("app")], indexing_triggers=False)
    assert created["base_url"] is None
    flow.drain()
    (repo,) = flow.repositories(created).values()
    assert repo["status"] == "indexed" and repo["counts"]["pull_requests"] == 4


def test_host_trouble(flow: Flow) -> None:
    check_host_trouble(flow)


#: A host's whole flow over the fakes; the SQLite pass runs it (see the Makefile).
pytestmark = pytest.mark.host_flow
