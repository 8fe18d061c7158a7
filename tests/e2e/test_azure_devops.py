"""Azure DevOps Services and Azure DevOps Server / TFS through the whole app, against a
fake Azure DevOps over real HTTP that serves real git repositories at ``_git`` URLs."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

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
from tests.support.fake_hosts import FakeAzureDevOps
from tests.support.fake_hosts.scenario import Scenario, seed


@pytest.fixture
def host(tmp_path: Path) -> Iterator[Scenario]:
    fake = FakeAzureDevOps(tmp_path / "azure").start()
    fake.page_size_cap = 1  # one project a page: the listing follows continuation tokens
    try:
        yield seed(fake, tmp_path / "work")
    finally:
        fake.stop()


@pytest.fixture
def flow(connect: ConnectActions, redis_conn: redis.Redis, host: Scenario,
         monkeypatch: pytest.MonkeyPatch) -> Flow:
    return Flow.start(connect, redis_conn, host, "azure_devops", monkeypatch)


def test_connect_index_and_sync(flow: Flow) -> None:
    created = check_connect_index_and_sync(flow)
    fake = flow.fake
    # projects were listed a page at a time, following the continuation token
    listings = fake.calls("GET", "/acme/_apis/projects")
    assert [c.query.get("continuationToken") for c in listings[:2]] == [None, ["1"]]
    # the PAT went as HTTP Basic without a user name, to the API and to git
    assert all(c.headers["Authorization"].startswith("Basic ") for c in fake.calls())
    assert {c.token for c in fake.calls(kind="git") if c.status == 200} == {
        flow.host.admin_token}
    assert all("/_git/" in c.path for c in fake.calls(kind="git"))
    # the TFVC project is noted on the integration, not indexed
    integration = flow.ok("GET", f"/api/v1/integrations/{created['id']}")
    assert "TFVC" in (integration["error"] or "")
    repos = flow.repositories(created)
    assert repos[flow.host.name("app")]["web_url"].endswith("/_git/app")


def test_webhooks_delivery_and_disconnect(flow: Flow) -> None:
    check_webhooks_delivery_and_disconnect(flow)
    (delivery,) = flow.fake.deliveries
    assert delivery.event == "git.push" and delivery.headers["Authorization"].startswith("Basic")


def test_service_hooks_are_one_subscription_per_event(flow: Flow) -> None:
    flow.create()
    flow.drain()
    app = flow.host.repos["app"]
    assert sorted(h.events[0] for h in app.hooks) == [
        "git.pullrequest.created", "git.pullrequest.merged", "git.pullrequest.updated",
        "git.push"]


def test_a_regenerated_secret_reaches_the_hooks(flow: Flow) -> None:
    check_regenerated_secret_reaches_the_hooks(flow)


def test_chosen_repositories(flow: Flow) -> None:
    check_chosen_repositories(flow)


def test_create_branch_and_pull_request(flow: Flow) -> None:
    check_create_as_the_app(flow)
    (update,) = flow.fake.calls("POST", "/refs")[0].body
    assert update["oldObjectId"] == "0" * 40 and update["name"] == "refs/heads/ABC-7-new-thing"


def test_require_user_pat(flow: Flow) -> None:
    check_require_user_pat(flow)


def test_host_trouble(flow: Flow) -> None:
    check_host_trouble(flow)


def test_jmespath_over_the_repository_objects(flow: Flow) -> None:
    created = flow.create(jmespath_filter="[?name != 'docs']", indexing_triggers=False)
    flow.drain()
    assert set(flow.repositories(created)) == flow.names("app", "lib")


# --- Azure DevOps Server / TFS --------------------------------------------------------


def server_flow(connect: ConnectActions, redis_conn: redis.Redis, tmp_path: Path,
                monkeypatch: pytest.MonkeyPatch, max_version: str) -> Iterator[Flow]:
    fake = FakeAzureDevOps(tmp_path / "tfs", server=True, virtual_dir="/tfs",
                           max_version=max_version).start()
    try:
        yield Flow.start(connect, redis_conn, seed(fake, tmp_path / "work"),
                         "azure_devops_server", monkeypatch)
    finally:
        fake.stop()


@pytest.fixture
def tfs(connect: ConnectActions, redis_conn: redis.Redis, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> Iterator[Flow]:
    yield from server_flow(connect, redis_conn, tmp_path, monkeypatch, "7.0")


@pytest.fixture
def tfs2015(connect: ConnectActions, redis_conn: redis.Redis, tmp_path: Path,
            monkeypatch: pytest.MonkeyPatch) -> Iterator[Flow]:
    yield from server_flow(connect, redis_conn, tmp_path, monkeypatch, "2.3")


def test_server_with_a_virtual_directory(tfs: Flow) -> None:
    created = check_connect_index_and_sync(tfs)
    assert created["base_url"].endswith("/tfs")
    assert all(c.path.startswith("/tfs/") for c in tfs.fake.calls())
    # the same account is connected once (409 otherwise): the next check connects it anew
    tfs.ok("DELETE", f"/api/v1/integrations/{created['id']}", status=204)
    check_create_as_the_app(tfs)


def test_server_collection_setting(tfs: Flow) -> None:
    wrong = tfs.create(collection="NoSuchCollection", indexing_triggers=False)
    tfs.drain()
    integration = tfs.ok("GET", f"/api/v1/integrations/{wrong['id']}")
    assert integration["status"] == "error" and "NoSuchCollection" in integration["error"]
    right = tfs.create(collection="acme", indexing_triggers=False)
    tfs.drain()
    assert set(tfs.repositories(right)) == tfs.names("app", "lib", "docs")


def test_tfs_2015_users_sign_in_with_user_and_password(tfs2015: Flow) -> None:
    flow, fake = tfs2015, tfs2015.fake
    fake.add_token("bobs-password", "bob", password=True)
    auth = {"type": "basic", "username": "alice", "password": "alices-password"}
    fake.add_token("alices-password", "alice", password=True)
    pat = flow.api("POST", "/api/v1/integrations", flow.body())
    status, code, message = error_of(pat)
    assert (status, code) == (400, "wrong_token") and "no personal access tokens" in message
    created = flow.ok("POST", "/api/v1/integrations",
                      flow.body(auth=auth, require_user_pat=True, indexing_triggers=False),
                      status=201)
    flow.drain()
    app_id = int(flow.repositories(created)[flow.host.name("app")]["id"])
    token_url = f"/api/v1/me/tokens/{created['id']}"
    refused = flow.api("PUT", token_url, {"token": flow.host.user_token}, "dev-1")
    assert error_of(refused)[:2] == (400, "wrong_token")
    assert "user name" in error_of(refused)[2]
    stored = flow.ok("PUT", token_url, {"username": "bob", "password": "bobs-password"}, "dev-1")
    assert stored["login"] == "bob"
    flow.ok("POST", "/api/v1/issues/ABC-9/branches", {
        "repository_id": app_id, "source": "main", "name": "ABC-9-bobs-branch"}, "dev-1", 201)
    branch = fake.repos[flow.host.name("app")].created_branches[-1]
    assert (branch.name, branch.login) == ("ABC-9-bobs-branch", "bob")


#: A host's whole flow over the fakes; the SQLite pass runs it (see the Makefile).
pytestmark = pytest.mark.host_flow
