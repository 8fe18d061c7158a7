"""Bitbucket Cloud through the whole app, against a fake Bitbucket Cloud.

The provider's roots are fixed (api.bitbucket.org / bitbucket.org); the tests re-root
them at the fake. The integration uses an app password (basic auth); developers' own
tokens are access tokens.
"""

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
    yield from start_fake("bitbucket_cloud", tmp_path)


@pytest.fixture
def flow(connect: ConnectActions, redis_conn: redis.Redis, host: Scenario,
         monkeypatch: pytest.MonkeyPatch) -> Flow:
    return Flow.start(connect, redis_conn, host, "bitbucket_cloud", monkeypatch)


def test_connect_index_and_sync(flow: Flow) -> None:
    check_connect_index_and_sync(flow)


def test_host_saw_bitbucket_cloud_calls(flow: Flow) -> None:
    """App password as Basic auth for the API and for git (the username, not
    x-token-auth); pull requests of every state asked for, 50 a page at most."""
    created = flow.create(indexing_triggers=False)
    assert created["auth"] == {"type": "basic", "username": "alice"}
    flow.drain()
    fake = flow.fake
    assert {c.login for c in fake.calls()} == {"alice"}
    assert {c.login for c in fake.calls(kind="git") if c.status == 200} == {"alice"}
    listing = [c for c in fake.calls("GET") if c.path.endswith("/pullrequests")]
    assert listing and set(listing[0].query["state"]) == {"OPEN", "MERGED", "DECLINED",
                                                          "SUPERSEDED"}
    assert int(listing[0].query["pagelen"][0]) <= 50
    assert "q" not in listing[0].query
    # the next sync asks only for what changed since the last one (BBQL on updated_on)
    fake.reset_calls()
    app_id = flow.repositories(created)["acme/app"]["id"]
    flow.ok("POST", f"/api/v1/repositories/{app_id}/reindex", status=202)
    flow.drain()
    again = [c for c in fake.calls("GET") if c.path.endswith("/pullrequests")]
    assert again and again[0].query["q"][0].startswith("updated_on >= "), again[0].query


def test_webhooks_delivery_and_disconnect(flow: Flow) -> None:
    check_webhooks_delivery_and_disconnect(flow)
    (delivery,) = flow.fake.deliveries
    assert delivery.headers["X-Event-Key"] == "repo:push"
    assert delivery.headers["X-Hub-Signature"].startswith("sha256=")


def test_a_regenerated_secret_reaches_the_hooks(flow: Flow) -> None:
    check_regenerated_secret_reaches_the_hooks(flow)


def test_chosen_repositories(flow: Flow) -> None:
    check_chosen_repositories(flow)


def test_create_branch_and_pull_request(flow: Flow) -> None:
    check_create_as_the_app(flow)
    (branch,) = [c for c in flow.fake.calls("POST", "/refs/branches")][:1]
    assert branch.body["target"]["hash"] == flow.host.shas["second"]


def test_require_user_pat(flow: Flow) -> None:
    check_require_user_pat(flow)


def test_host_trouble(flow: Flow) -> None:
    check_host_trouble(flow)


def test_user_app_password_as_personal_token(flow: Flow) -> None:
    """Bitbucket users may give ``username:app_password`` as their own token: the branch
    is then made with HTTP Basic as that user."""
    created = flow.create(require_user_pat=True, indexing_triggers=False)
    flow.drain()
    flow.fake.add_token("ATBBbobAppPassword0005", "bob", password=True)
    stored = flow.ok("PUT", f"/api/v1/me/tokens/{created['id']}",
                     {"token": "bob:ATBBbobAppPassword0005"}, "dev-1")
    assert stored["login"] == "bob"
    app_id = flow.repositories(created)["acme/app"]["id"]
    flow.ok("POST", "/api/v1/issues/ABC-9/branches", {
        "repository_id": app_id, "source": "main", "name": "ABC-9-basic"}, "dev-1", 201)
    branch = flow.fake.repos["acme/app"].created_branches[-1]
    assert (branch.name, branch.login) == ("ABC-9-basic", "bob")
    post = flow.fake.calls("POST", "/refs/branches")[-1]
    assert post.headers["Authorization"].startswith("Basic ")


#: A host's whole flow over the fakes; the SQLite pass runs it (see the Makefile).
pytestmark = pytest.mark.host_flow
