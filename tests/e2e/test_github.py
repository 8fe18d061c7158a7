"""GitHub Enterprise Server (and github.com) through the whole app, against a fake GitHub."""

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
    error_of,
)
from tests.e2e.flow_creating import check_create_as_the_app, check_require_user_pat
from tests.support.connect import ConnectActions
from tests.support.fake_hosts.scenario import Scenario


@pytest.fixture
def host(tmp_path: Path) -> Iterator[Scenario]:
    yield from start_fake("github", tmp_path)


@pytest.fixture
def flow(connect: ConnectActions, redis_conn: redis.Redis, host: Scenario,
         monkeypatch: pytest.MonkeyPatch) -> Flow:
    return Flow.start(connect, redis_conn, host, "github_enterprise", monkeypatch)


def test_connect_index_and_sync(flow: Flow) -> None:
    check_connect_index_and_sync(flow)


def test_host_saw_github_calls(flow: Flow) -> None:
    flow.create(indexing_triggers=False)
    flow.drain()
    fake = flow.fake
    # the API under /api/v3 with the app's version header; git as x-access-token
    assert all(c.path.startswith("/api/v3/") for c in fake.calls())
    assert {c.headers.get("X-Github-Api-Version") for c in fake.calls()} == {"2022-11-28"}
    assert {c.login for c in fake.calls(kind="git") if c.status == 200} == {"x-access-token"}
    listed = [c for c in fake.calls("GET", "/pulls") if c.path.endswith("/pulls")]
    assert {c.query["state"][0] for c in listed} == {"all"}


def test_webhooks_delivery_and_disconnect(flow: Flow) -> None:
    check_webhooks_delivery_and_disconnect(flow)
    deliveries = flow.fake.deliveries
    assert deliveries[0].headers["X-GitHub-Event"] == "push"
    assert deliveries[0].headers["X-Hub-Signature-256"].startswith("sha256=")


def test_a_regenerated_secret_reaches_the_hooks(flow: Flow) -> None:
    check_regenerated_secret_reaches_the_hooks(flow)


def test_chosen_repositories(flow: Flow) -> None:
    check_chosen_repositories(flow)


def test_create_branch_and_pull_request(flow: Flow) -> None:
    check_create_as_the_app(flow)
    refs = flow.fake.calls("POST", "/git/refs")
    assert refs[0].body == {"ref": "refs/heads/ABC-7-new-thing",
                            "sha": flow.host.shas["second"]}


def test_require_user_pat(flow: Flow) -> None:
    check_require_user_pat(flow)


def test_github_com_kind(connect: ConnectActions, redis_conn: redis.Redis, host: Scenario,
                         monkeypatch: pytest.MonkeyPatch) -> None:
    """kind "github" has fixed roots (api.github.com); re-rooted at the fake it connects
    and indexes the same way."""
    flow = Flow.start(connect, redis_conn, host, "github", monkeypatch)
    created = flow.create(repositories=[host.name("app")])
    assert created["base_url"] is None
    flow.drain()
    (repo,) = flow.repositories(created).values()
    assert repo["status"] == "indexed" and repo["counts"]["pull_requests"] == 4


def test_host_trouble(flow: Flow) -> None:
    check_host_trouble(flow)


def test_a_changed_selection_takes_effect_at_once(flow: Flow) -> None:
    """PATCHing the JMESPath filter or the repository list rescans now (no Scan now, no
    daily scan): what it drops is disconnected; a bad filter is refused at once."""
    created = flow.create(indexing_triggers=False)
    flow.drain()
    url = f"/api/v1/integrations/{created['id']}"
    flow.ok("PATCH", url, {"settings": {"jmespath_filter": "[?name != 'docs']"}})
    flow.drain()
    assert set(flow.repositories(created)) == flow.names("app", "lib")
    bad = flow.api("PATCH", url, {"settings": {"jmespath_filter": "[?name =="}})
    assert error_of(bad)[:2] == (400, "invalid_settings")
    flow.ok("PATCH", url, {"settings": {"jmespath_filter": None,
                                        "repositories": [flow.host.name("app")]}})
    flow.drain()
    assert set(flow.repositories(created)) == flow.names("app")
    flow.ok("PATCH", url, {"settings": {"repositories": "all"}})
    flow.drain()
    assert set(flow.repositories(created)) == flow.names("app", "lib", "docs")
    # a reindex lists the host again too: a repository that appeared since is connected
    new = flow.host.fake.create_repo(flow.host.fake.repo_name("acme", "new")).name
    flow.ok("PATCH", url, {"display_name": "renamed"})  # not a selection: no scan
    flow.drain()
    assert new not in flow.repositories(created)
    assert flow.ok("POST", f"{url}/reindex", status=202)["scan_queued"] is True
    flow.drain()
    assert new in flow.repositories(created)


#: A host's whole flow over the fakes; the SQLite pass runs it (see the Makefile).
pytestmark = pytest.mark.host_flow
