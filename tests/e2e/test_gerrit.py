"""Gerrit through the whole app, against a fake Gerrit over real HTTP: REST under /a/
behind the )]}' guard, real git at /a/<project>, the webhooks plugin's remotes."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from tests.e2e.flow import (
    DEV,
    Flow,
    check_chosen_repositories,
    check_connect_index_and_sync,
    check_host_trouble,
    check_webhooks_delivery_and_disconnect,
    error_of,
)
from tests.support.connect import ConnectActions
from tests.support.fake_hosts import FakeGerrit
from tests.support.fake_hosts.scenario import Scenario, seed


def start(tmp_path: Path, **options: bool) -> Iterator[Scenario]:
    fake = FakeGerrit(tmp_path / "gerrit", **options).start()
    fake.page_size_cap = 2  # projects and changes come a page at a time
    try:
        yield seed(fake, tmp_path / "work")
    finally:
        fake.stop()


@pytest.fixture
def host(tmp_path: Path) -> Iterator[Scenario]:
    yield from start(tmp_path)


@pytest.fixture
def flow(connect: ConnectActions, redis_conn: redis.Redis, host: Scenario,
         monkeypatch: pytest.MonkeyPatch) -> Flow:
    return Flow.start(connect, redis_conn, host, "gerrit", monkeypatch)


def test_connect_index_and_sync(flow: Flow) -> None:
    check_connect_index_and_sync(flow)
    fake = flow.fake
    assert all(c.path.startswith("/a/") for c in fake.calls())
    assert {c.login for c in fake.calls(kind="git") if c.status == 200} == {"alice"}
    # the meta projects are listed by Gerrit but never connected
    assert not any("All-Projects" in c.path for c in fake.calls(kind="git"))
    pages = [c.query.get("S") for c in fake.calls("GET", "/a/projects/")]
    assert len(pages) >= 3  # 5 projects, 2 a page


def test_webhooks_plugin_remotes_delivery_and_disconnect(flow: Flow) -> None:
    check_webhooks_delivery_and_disconnect(flow)
    (delivery,) = flow.fake.deliveries
    assert delivery.event == "ref-updated" and "?secret=" in delivery.url


def test_a_regenerated_secret_reaches_the_remotes(flow: Flow) -> None:
    """The remote's URL carries the secret, so regenerating it re-creates the remotes; one
    the host refuses says so on its repository, and Scan now tries again."""
    host, fake = flow.host, flow.fake
    created = flow.create()
    flow.drain()
    url = f"/api/v1/integrations/{created['id']}"
    assert {h.secret for _, h in fake.all_hooks()} == {created["webhook"]["secret"]}
    new = flow.ok("POST", f"{url}/webhook/regenerate")["webhook"]["secret"]
    flow.drain()
    assert [h.secret for _, h in fake.all_hooks()] == [new] * 3  # replaced, not added
    before, after = host.push("app", "ABC-8 pushed later", {"late.txt": "late\n"})
    (delivery,) = fake.deliver_push(host.name("app"), "refs/heads/main", before, after,
                                    flow.send)
    assert f"secret={new}" in delivery.url and delivery.status == 202
    flow.drain()
    assert [c["sha"] for c in flow.dev("ABC-8")["commits"]] == [after]

    fake.webhooks_plugin = False
    newer = flow.ok("POST", f"{url}/webhook/regenerate")["webhook"]
    flow.drain()
    for repository in flow.repositories(created).values():
        hook = repository["webhook"]
        assert hook["installed"] is False
        assert hook["manual_steps"].startswith(
            "Gitbridge could not give this repository's webhook the new secret (the old one "
            f"stops working {newer['previous_secret_expires_at'][:10]}")
        assert "webhooks plugin" in hook["manual_steps"]
    assert {h.secret for _, h in fake.all_hooks()} == {new}  # still the previous secret
    fake.webhooks_plugin = True
    flow.ok("POST", f"{url}/scan", status=202)
    flow.drain()
    assert [h.secret for _, h in fake.all_hooks()] == [newer["secret"]] * 3
    assert all(r["webhook"] == {"installed": True, "manual_steps": None}
               for r in flow.repositories(created).values())


def test_without_the_plugin_the_repository_says_what_to_do(
        connect: ConnectActions, redis_conn: redis.Redis, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    for scenario in start(tmp_path, webhooks_plugin=False):
        flow = Flow.start(connect, redis_conn, scenario, "gerrit", monkeypatch)
        created = flow.create()
        flow.drain()
        app = flow.repositories(created)[flow.host.name("app")]
        assert app["status"] == "indexed" and app["webhook"]["installed"] is False
        assert "webhooks plugin" in app["webhook"]["manual_steps"]


def test_chosen_repositories(flow: Flow) -> None:
    check_chosen_repositories(flow)


def test_create_branch_and_push_for_review(flow: Flow) -> None:
    host, fake = flow.host, flow.fake
    created = flow.create(indexing_triggers=False)
    flow.drain()
    app_id = int(flow.repositories(created)[host.name("app")]["id"])
    options = flow.ok("GET", "/api/v1/issues/ABC-7/create-options", sub=DEV)
    (offered,) = [r for r in options["repositories"] if r["id"] == app_id]
    assert offered["creates_pull_requests"] is False
    assert "refs/for/" in offered["pull_request_howto"]
    body = {"repository_id": app_id, "source": "main", "name": "ABC-7-change"}
    flow.ok("POST", "/api/v1/issues/ABC-7/branches", body, DEV, 201)
    assert fake.repos[host.name("app")].sha("ABC-7-change") == host.shas["second"]
    assert error_of(flow.api("POST", "/api/v1/issues/ABC-7/branches", body, DEV))[:2] == (
        409, "branch_exists")
    refused = flow.api("POST", "/api/v1/issues/ABC-7/pull-requests", {
        "repository_id": app_id, "source": "ABC-7-change", "target": "main", "title": "x"}, DEV)
    status, code, message = error_of(refused)
    assert (status, code) == (400, "unsupported_operation")
    assert "git push origin HEAD:refs/for/main" in message


def test_require_user_pat_is_the_users_http_password(flow: Flow) -> None:
    host, fake = flow.host, flow.fake
    created = flow.create(require_user_pat=True, indexing_triggers=False)
    flow.drain()
    app_id = int(flow.repositories(created)[host.name("app")]["id"])
    body = {"repository_id": app_id, "source": "main", "name": "ABC-9-bobs-branch"}
    assert error_of(flow.api("POST", "/api/v1/issues/ABC-9/branches", body, DEV))[:2] == (
        403, "user_pat_required")
    token_url = f"/api/v1/me/tokens/{created['id']}"
    only_token = flow.api("PUT", token_url, {"token": host.user_token}, DEV)
    assert error_of(only_token)[:2] == (400, "invalid_request")
    assert '{"username", "token"}' in error_of(only_token)[2]
    wrong = flow.api("PUT", token_url, {"username": "bob", "password": "nope"}, DEV)
    assert error_of(wrong)[:2] == (400, "wrong_token")
    mine = flow.ok("GET", "/api/v1/me/tokens", sub=DEV)["tokens"]
    assert mine[0]["credentials"] == [["username", "token"]]
    stored = flow.ok("PUT", token_url, {"username": "bob", "token": host.user_token}, DEV)
    assert stored["login"] == "bob"
    flow.ok("POST", "/api/v1/issues/ABC-9/branches", body, DEV, 201)
    branch = fake.repos[host.name("app")].created_branches[-1]
    assert (branch.name, branch.login, branch.created_with) == (
        "ABC-9-bobs-branch", "bob", host.user_token)


def test_host_trouble(flow: Flow) -> None:
    check_host_trouble(flow)


#: A host's whole flow over the fakes; the SQLite pass runs it (see the Makefile).
pytestmark = pytest.mark.host_flow
