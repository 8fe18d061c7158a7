"""One repository, connected once: a second integration of the same host account, a
list naming a connected repository, or its clone URL added again is refused with 409
naming what has it; a scan skips repositories another integration has, and says so."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from app.extensions import db
from app.models import Integration, Repository
from tests.e2e.conftest import start_fake
from tests.e2e.flow import Flow, error_of
from tests.support.connect import ConnectActions
from tests.support.fake_hosts.scenario import Scenario


@pytest.fixture
def host(tmp_path: Path) -> Iterator[Scenario]:
    yield from start_fake("github", tmp_path)


@pytest.fixture
def flow(connect: ConnectActions, redis_conn: redis.Redis, host: Scenario,
         monkeypatch: pytest.MonkeyPatch) -> Flow:
    return Flow.start(connect, redis_conn, host, "github_enterprise", monkeypatch)


def counts() -> tuple[int, int]:
    return (len(db.session.execute(db.select(Integration)).all()),
            len(db.session.execute(db.select(Repository)).all()))


def test_the_same_account_twice_is_refused_with_the_existing_integration(flow: Flow) -> None:
    first = flow.create()
    flow.drain()
    before = counts()
    again = flow.api("POST", "/api/v1/integrations", flow.body())
    status, code, message = error_of(again)
    assert (status, code) == (409, "already_connected")
    error = again.get_json()["error"]
    assert error["integration_id"] == first["id"]
    assert error["integration_name"] == first["display_name"]
    assert "/manage-repositories" in error["link"] or "manage-repositories" in error["link"]
    assert f"(id {first['id']})" in message and "Change that integration's settings" in message
    assert counts() == before

    app = flow.repositories(first)[flow.host.name("app")]
    listed = flow.api("POST", "/api/v1/integrations",
                      flow.body(repositories=[flow.host.name("app")]))
    assert error_of(listed)[:2] == (409, "already_connected")
    assert listed.get_json()["error"]["repository_id"] == app["id"]
    assert "Leave it out" in error_of(listed)[2]

    clone = flow.api("POST", "/api/v1/integrations", {
        "kind": "git", "url": app["clone_url"].removesuffix(".git") + "/",
        "auth": flow.host.admin_auth})
    status, code, message = error_of(clone)
    assert (status, code) == (409, "already_connected")
    assert clone.get_json()["error"]["repository_id"] == app["id"]
    assert "disconnect it under Manage repositories" in message
    assert counts() == before

    # Other repositories of the same account may be connected separately, and another
    # selection (a filter) is not the same integration; what it selects that the first
    # has is skipped by its scan, and said.
    other = flow.api("POST", "/api/v1/integrations",
                     flow.body(repositories=["nobody/not-connected-yet"]))
    assert other.status_code == 201, other.get_json()
    docs = flow.host.name("docs")
    filtered = flow.ok("POST", "/api/v1/integrations",
                       flow.body(jmespath_filter=f"[?name == '{docs.split('/')[-1]}']"),
                       status=201)
    flow.drain()
    assert flow.repositories(filtered) == {}
    assert docs in flow.ok("GET", f"/api/v1/integrations/{filtered['id']}")["error"]


def test_a_scan_skips_what_another_integration_has(flow: Flow) -> None:
    host = flow.host
    single = flow.ok("POST", "/api/v1/integrations", {
        "kind": "git", "url": f"{host.fake.url}/{host.name('app')}.git",
        "auth": {"type": "basic", "username": "x-access-token",
                 "password": host.admin_token}}, status=201)
    flow.drain()
    account = flow.create()
    flow.drain()
    assert set(flow.repositories(account)) == flow.names("lib", "docs")
    shown = flow.ok("GET", f"/api/v1/integrations/{account['id']}")
    assert "another integration already has them" in shown["error"]
    assert f"{host.name('app')} (in \"{single['display_name']}\")" in shown["error"]
    # each commit of ABC-1 once: app's from the single repository
    one = flow.dev("ABC-1")
    shas = [c["sha"] for c in one["commits"]]
    assert len(shas) == len(set(shas)) == 3
