"""Forge installations through the whole app over real HTTP: Forge's calls (FITs, system
and user tokens) against the live app, the app's Jira calls against the fake Atlassian
API base, a real git server, Redis and a real worker."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from flask import Flask

from app.atlassian import waits
from app.extensions import db
from app.models import Integration, JiraWait, Repository, Tenant
from tests.atlassian.forge.conftest import app, forge  # noqa: F401  (Forge-enabled app)
from tests.support.browser import LiveServer
from tests.support.connect import ConnectActions
from tests.support.fake_atlassian import FakeAtlassian
from tests.support.forge import SCHEDULE, FakeForge, Installation
from tests.support.git_http import GitHttpServer
from tests.support.gitrepo import WorkRepo, init_bare
from tests.support.indexing import drain

ADMIN, DEV, BROWSER = "admin-1", "dev-1", "browse-1"


@pytest.fixture
def live(app: Flask) -> Iterator[LiveServer]:  # noqa: F811
    with LiveServer(app) as server:
        yield server


@pytest.fixture
def served(tmp_path: Path) -> Iterator[str]:
    """A plain git server with one repository whose commits mention ABC issues."""
    root = tmp_path / "served"
    root.mkdir()
    work = WorkRepo(tmp_path / "work")
    work.commit("ABC-1 first", {"a.txt": "one\n"})
    work.commit("ABC-2 second, also ABC-1", {"a.txt": "one\ntwo\n"})
    work.publish(init_bare(root / "app.git"))
    with GitHttpServer(root) as server:
        yield server.url("app.git")


class ForgeClient:
    """Forge's side of the conversation with the live app."""

    def __init__(self, forge: FakeForge, live: LiveServer, inst: Installation) -> None:  # noqa: F811
        self.forge, self.live, self.inst = forge, live, inst

    def event(self, kind: str = "installed", system_lifetime: float = 900) -> requests.Response:
        token = self.forge.issue(self.inst, lifetime=system_lifetime)
        fit = self.forge.background_fit(self.inst)
        return requests.post(f"{self.live.url}/forge/events",
                             json=self.forge.event(self.inst, kind),
                             headers=self.forge.headers(fit, token), timeout=10)

    def scheduled(self) -> requests.Response:
        fit = self.forge.background_fit(self.inst, module=SCHEDULE)
        return requests.post(f"{self.live.url}/forge/scheduled",
                             json={"context": {"cloudId": self.inst.cloud_id,
                                               "moduleKey": SCHEDULE}},
                             headers=self.forge.headers(fit, self.forge.issue(self.inst)),
                             timeout=10)

    def api(self, method: str, path: str, account: str, json: Any = None,
            with_user: bool = True) -> requests.Response:
        headers = self.forge.ui_headers(self.inst, account, with_user=with_user)
        return requests.request(method, f"{self.live.url}/api/v1{path}", json=json,
                                headers=headers, timeout=30)

    def ok(self, method: str, path: str, account: str = ADMIN, json: Any = None,
           status: int = 200, **kw: Any) -> Any:
        response = self.api(method, path, account, json, **kw)
        assert response.status_code == status, (method, path, response.text)
        return response.json() if response.content else None


def seed_site(fake: FakeAtlassian, site_name: str) -> None:
    site = fake.site(site_name)
    site.admins.add(ADMIN)
    for number in (1, 2):
        ident = 10000 + number
        site.issues[f"ABC-{number}"] = {"id": str(ident), "key": f"ABC-{number}", "fields": {
            "summary": f"Issue {number}", "project": {"id": "1", "key": "ABC"}}}
        for permission in ("BROWSE_PROJECTS", "VIEW_DEV_TOOLS"):
            site.grants.setdefault((DEV, permission), set()).add(ident)
        site.grants.setdefault((BROWSER, "BROWSE_PROJECTS"), set()).add(ident)


def installed(forge: FakeForge, live: LiveServer, site_name: str) -> ForgeClient:  # noqa: F811
    seed_site(forge.fake, site_name)
    client = ForgeClient(forge, live, forge.installation(site_name))
    response = client.event()
    assert response.status_code == 200, response.text
    return client


def fresh(model: Any, **where: Any) -> list[Any]:
    db.session.expire_all()
    rows = db.session.execute(db.select(model).filter_by(**where)).scalars().all()
    db.session.commit()  # no read transaction left open for the server's threads
    return list(rows)


def test_install_integrate_index_develop_uninstall(
    forge: FakeForge, live: LiveServer, served: str, redis_conn: Any  # noqa: F811
) -> None:
    site = installed(forge, live, "site-f")
    assert site.event().status_code == 200  # Forge retries: a second install is a no-op
    drain(redis_conn)
    (tenant,) = fresh(Tenant)
    assert (tenant.platform, tenant.cloud_id) == ("forge", site.inst.cloud_id)
    assert tenant.base_url == "https://site-f.atlassian.net"  # learned from Jira by a job
    assert tenant.system_token and tenant.shared_secret is None

    created = site.ok("POST", "/integrations", json={"kind": "git", "url": served}, status=201)
    drain(redis_conn)
    (repository,) = site.ok("GET", f"/integrations/{created['id']}/repositories")["repositories"]
    assert (repository["status"], repository["counts"]["commits"]) == ("indexed", 2)

    one = site.ok("GET", "/issues/ABC-1/development", DEV)
    assert sorted(c["message"].split("\n")[0] for c in one["commits"]) == [
        "ABC-1 first", "ABC-2 second, also ABC-1"]
    calls = [c for c in forge.fake.calls if c["path"] == "/rest/api/3/permissions/check"]
    assert calls and all(c["forge"] for c in calls)
    # the developer's own check went with the developer's own token
    assert calls[-1]["verified"].account_id == DEV

    # links to the app's own pages point at the Forge page URLs on the site
    options = site.ok("GET", "/issues/ABC-1/create-options", DEV)
    assert options["user_settings_url"] == (
        "https://site-f.atlassian.net/jira/apps/406d303d-0393-4ec4-ad7c-1435be94583a/"
        "e62535ae-72f9-49da-a8d3-c0b82cab4ca1/settings")

    refused = site.api("GET", "/issues/ABC-2/development", BROWSER)
    assert refused.status_code == 403, refused.text
    # without a user token the app asks as itself, naming the user: same answer
    assert site.api("GET", "/issues/ABC-1/development", BROWSER,
                    with_user=False).status_code == 403
    assert site.api("POST", "/integrations", DEV,
                    json={"kind": "git", "url": served}).status_code == 403

    assert site.event("uninstalled").status_code == 200
    assert site.event("uninstalled").status_code == 200  # retried: still fine
    assert fresh(Tenant) == [] and fresh(Integration) == [] and fresh(Repository) == []
    gone = site.api("GET", "/integrations", ADMIN)
    assert (gone.status_code, gone.json()["error"]["code"]) == (401, "unknown_installation")


def test_token_expiry_during_background_work(
    app: Flask, forge: FakeForge, live: LiveServer, redis_conn: Any  # noqa: F811
) -> None:
    """The system token runs out before the worker gets to the job: the job waits
    (durably, nothing lost) and completes once the scheduled trigger brings a new one."""
    seed_site(forge.fake, "site-t")
    site = ForgeClient(forge, live, forge.installation("site-t"))
    margin = app.config["FORGE_TOKEN_MARGIN"]
    assert site.event(system_lifetime=margin + 1.5).status_code == 200
    time.sleep(2)
    drain(redis_conn)
    (tenant,) = fresh(Tenant)
    assert tenant.base_url == ""  # the site lookup could not run...
    (wait,) = fresh(JiraWait)
    assert wait.job == "forge.learn_site"  # ...so it waits, in the database
    assert not [c for c in forge.fake.calls if c.get("forge")]  # no expired token was sent

    response = site.scheduled()
    assert response.status_code == 200 and response.json()["resumed"] == 1
    drain(redis_conn)
    (tenant,) = fresh(Tenant)
    assert tenant.base_url == "https://site-t.atlassian.net"
    assert fresh(JiraWait) == []
    assert waits.waiting(tenant.id) == 0


def test_connect_tenant_and_two_forge_installations_are_isolated(
    forge: FakeForge, live: LiveServer, served: str, connect: ConnectActions,  # noqa: F811
    redis_conn: Any,
) -> None:
    one, two = installed(forge, live, "site-1"), installed(forge, live, "site-2")
    key, secret = connect.installed("client-c", "site-c")
    forge.fake.site("site-c").admins.add(ADMIN)
    made = {name: site.ok("POST", "/integrations", json={"kind": "git", "url": served},
                          status=201)["id"] for name, site in (("one", one), ("two", two))}
    response = connect.api("POST", "/api/v1/integrations", key, secret,
                           json={"kind": "git", "url": served}, sub=ADMIN)
    assert response.status_code == 201, response.get_json()
    made["connect"] = response.get_json()["id"]
    drain(redis_conn)
    assert [i["id"] for i in one.ok("GET", "/integrations")["integrations"]] == [made["one"]]
    assert [i["id"] for i in two.ok("GET", "/integrations")["integrations"]] == [made["two"]]
    listed = connect.api("GET", "/api/v1/integrations", key, secret, sub=ADMIN).get_json()
    assert [i["id"] for i in listed["integrations"]] == [made["connect"]]
    for other in (made["two"], made["connect"]):
        assert one.api("GET", f"/integrations/{other}", ADMIN).status_code == 404
        assert one.api("DELETE", f"/integrations/{other}", ADMIN).status_code == 404
    # each site's developers see their own site's index only (same repository, 3 tenants)
    for site in (one, two):
        commits = site.ok("GET", "/issues/ABC-1/development", DEV)["commits"]
        assert {c["repository"]["id"] for c in commits} == {
            r["id"] for r in site.ok("GET", f"/integrations/{made['one' if site is one else 'two']}"
                                     "/repositories")["repositories"]}
    # uninstalling one Forge installation leaves the others untouched
    assert one.event("uninstalled").status_code == 200
    assert len(fresh(Tenant)) == 2
    assert two.ok("GET", "/integrations")["integrations"][0]["id"] == made["two"]
    assert connect.api("GET", f"/api/v1/integrations/{made['connect']}", key, secret,
                       sub=ADMIN).status_code == 200
