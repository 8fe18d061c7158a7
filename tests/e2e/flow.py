"""The whole app against one fake git host: the steps every per-host module runs.

Each ``check_*`` drives the app only through its public surface (the JSON API with Connect
context tokens, the webhook endpoint, a real RQ worker via ``drain``) and looks at the host
only through the fake's records (what it was asked, by which token) and its real git
repositories; per-host expectations live in the per-host modules, creating branches and
pull requests in ``tests.e2e.flow_creating``."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import urlsplit

import pytest
import redis
from werkzeug.test import TestResponse

from app.git_hosts import provider_for
from tests.support.connect import ConnectActions
from tests.support.fake_hosts import patch_cloud_roots
from tests.support.fake_hosts.scenario import ISSUES, Scenario
from tests.support.indexing import drain

ADMIN, DEV, DEV2 = "admin-1", "dev-1", "dev-2"


def install_site(connect: ConnectActions) -> tuple[str, str]:
    """A tenant with project ABC, its issues, an admin and two developers."""
    key, secret = connect.installed()
    site = connect.fake.site("site-a")
    site.admins.add(ADMIN)
    for number, issue in enumerate(ISSUES, start=1):
        ident = 10000 + number
        site.issues[issue] = {"id": str(ident), "key": issue, "fields": {
            "summary": f"Issue number {number}", "project": {"id": "1", "key": "ABC"}}}
        for account in (DEV, DEV2):
            for permission in ("BROWSE_PROJECTS", "VIEW_DEV_TOOLS"):
                site.grants.setdefault((account, permission), set()).add(ident)
    return key, secret


@dataclass
class Flow:
    connect: ConnectActions
    redis: redis.Redis
    host: Scenario
    kind: str
    site: tuple[str, str]

    @classmethod
    def start(cls, connect: ConnectActions, redis_conn: redis.Redis, host: Scenario,
              kind: str, monkeypatch: pytest.MonkeyPatch) -> Flow:
        if kind == host.fake.kinds[0]:
            patch_cloud_roots(monkeypatch, host.fake)
        return cls(connect, redis_conn, host, kind, install_site(connect))

    # -- plumbing ---------------------------------------------------------------------

    @property
    def fake(self) -> Any:
        return self.host.fake

    @property
    def self_managed(self) -> bool:
        return provider_for(self.kind).self_managed

    def api(self, method: str, path: str, json: Any = None, sub: str = ADMIN) -> TestResponse:
        return self.connect.api(method, path, *self.site, json=json, sub=sub)

    def ok(self, method: str, path: str, json: Any = None, sub: str = ADMIN,
           status: int = 200) -> Any:
        response = self.api(method, path, json, sub)
        assert response.status_code == status, (method, path, response.get_json())
        return response.get_json()

    def drain(self) -> None:
        drain(self.redis)

    def send(self, url: str, headers: dict[str, str], body: bytes) -> int:
        """Deliver a webhook to the app (its public URL is not reachable from tests)."""
        parts = urlsplit(url)
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        return self.connect.client.post(path, data=body, headers=headers).status_code

    def body(self, auth: dict[str, str] | None = None, **settings: Any) -> dict[str, Any]:
        body: dict[str, Any] = {"kind": self.kind, "display_name": f"Fake {self.fake.family}",
                                "auth": auth or self.host.admin_auth}
        if self.self_managed:
            body["base_url"] = self.fake.web_root
        if settings:
            body["settings"] = settings
        return body

    def create(self, **settings: Any) -> dict[str, Any]:
        return self.ok("POST", "/api/v1/integrations", self.body(**settings), status=201)

    def repositories(self, integration: dict[str, Any]) -> dict[str, dict[str, Any]]:
        listed = self.ok("GET", f"/api/v1/integrations/{integration['id']}/repositories")
        return {r["name"]: r for r in listed["repositories"]}

    def dev(self, key: str, sub: str = DEV) -> dict[str, Any]:
        return self.ok("GET", f"/api/v1/issues/{key}/development", sub=sub)

    def names(self, *shorts: str) -> set[str]:
        return {self.host.name(s) for s in shorts}


def error_of(response: TestResponse) -> tuple[int, str, str]:
    body = response.get_json() or {}
    error = body.get("error") or {}
    return response.status_code, error.get("code", ""), error.get("message", "")


# --- the checks ------------------------------------------------------------------------


def check_connect_index_and_sync(flow: Flow) -> dict[str, Any]:
    """Preview, create, scan + index + PR sync by a real worker, development data."""
    host, fake = flow.host, flow.fake
    preview = flow.ok("POST", "/api/v1/integrations/preview", flow.body())
    assert preview["account"]["login"] == fake.account_login("alice")
    assert {r["name"] for r in preview["repositories"]} == flow.names("app", "lib", "docs")
    assert all(r["web_url"].startswith(fake.url) for r in preview["repositories"])
    assert preview["warnings"] == fake.preview_warnings

    response = flow.api("POST", "/api/v1/integrations", flow.body())
    assert response.status_code == 201, response.get_json()
    created = response.get_json()
    assert host.admin_token not in response.get_data(as_text=True)
    assert created["kind"] == flow.kind
    assert created["base_url"] == (fake.web_root if flow.self_managed else None)
    assert created["webhook"]["url"].endswith(f"/webhooks/{created['id']}")

    flow.drain()
    repos = flow.repositories(created)
    assert set(repos) == flow.names("app", "lib", "docs")
    assert {r["status"] for r in repos.values()} == {"indexed"}, repos
    app = repos[host.name("app")]
    assert app["counts"] == {"commits": 6, "branches": 5, "tags": 1, "pull_requests": 4}
    assert repos[host.name("lib")]["counts"]["commits"] == 1
    assert repos[host.name("docs")]["counts"]["pull_requests"] == 0

    one = flow.dev("ABC-1")
    assert [c["sha"] for c in one["commits"]] == [
        host.shas["lib1"], host.shas["second"], host.shas["first"]]
    assert [c["repository"]["name"] for c in one["commits"]] == [
        host.name("lib"), host.name("app"), host.name("app")]
    assert one["commits"][1]["author"] == {"name": "Alice Example", "email": "alice@example.com"}

    three = flow.dev("ABC-3")
    assert [b["name"] for b in three["branches"]] == ["feature/ABC-3-login"]
    (pr,) = three["pull_requests"]
    assert (pr["state"], pr["source"], pr["target"]) == ("open", "feature/ABC-3-login", "main")
    assert pr["url"].startswith(fake.url) and pr["repository"]["name"] == host.name("app")
    assert [r["approved"] for r in pr["reviewers"]] == [True]
    for key, state, where in (("ABC-4", "draft", "title"), ("ABC-5", "merged", "description"),
                              ("ABC-6", "declined", "title")):
        (pr,) = flow.dev(key)["pull_requests"]
        assert pr["state"] == state, (key, where, pr)

    # the clones went through the host's git, with credentials and never in a URL
    fetches = [c for c in fake.calls(kind="git") if c.status == 200]
    assert fetches and all(host.admin_token not in c.path for c in fake.calls(kind="git"))
    # the first scan creates one webhook per repository (indexing_triggers defaults on)
    assert_hooks(flow, created)
    return created


def assert_hooks(flow: Flow, created: dict[str, Any]) -> None:
    """Exactly one webhook per connected repository, at the integration's URL, with its
    secret, made with the integration's credentials."""
    hooks = flow.fake.all_hooks()[::flow.fake.hooks_per_webhook]
    assert sorted(repo.name for repo, _ in hooks) == sorted(flow.names("app", "lib", "docs")), (
        "webhooks on the host after the scan: "
        + repr([(repo.name, hook.url) for repo, hook in hooks]))
    for _, hook in hooks:
        assert (hook.url, hook.secret) == (created["webhook"]["url"],
                                           created["webhook"]["secret"])
        assert hook.created_with == flow.host.admin_token
    installed = {r["name"]: r["webhook"]["installed"] for r in flow.repositories(created).values()}
    assert set(installed.values()) == {True}, installed


def check_webhooks_delivery_and_disconnect(flow: Flow) -> None:
    """Scans keep one hook per repository; a push the host delivers (signed its way)
    re-indexes; disconnecting deletes the hooks on the host."""
    host, fake = flow.host, flow.fake
    created = flow.create()
    flow.drain()
    flow.ok("POST", f"/api/v1/integrations/{created['id']}/scan", status=202)
    flow.drain()
    assert_hooks(flow, created)  # a second scan adds no second hook
    before, after = host.push("app", "ABC-8 pushed later", {"late.txt": "late\n"})
    deliveries = fake.deliver_push(host.name("app"), "refs/heads/main", before, after,
                                   flow.send)
    assert [d.status for d in deliveries] == [202]
    # the same delivery signed with another secret is refused
    (_, hook), *_ = [(r, h) for r, h in fake.all_hooks() if r.name == host.name("app")]
    forged = {**deliveries[0].headers,
              **fake.sign(replace(hook, secret="not-the-secret"), deliveries[0].event,
                        deliveries[0].body)}
    assert flow.send(hook.url, forged, deliveries[0].body.replace(b"ABC-8", b"ABC-9")) == 401
    flow.drain()
    assert [c["sha"] for c in flow.dev("ABC-8")["commits"]] == [after]
    assert flow.dev("ABC-9")["commits"] == []

    # a repository dropped from the selection loses its hook at the next scan
    url = f"/api/v1/integrations/{created['id']}"
    flow.ok("PATCH", url, {"settings": {"repositories": [host.name("app"), host.name("lib")]}})
    flow.ok("POST", f"{url}/scan", status=202)
    flow.drain()
    per = fake.hooks_per_webhook  # Azure: one subscription per event
    assert (host.repos["docs"].hooks, len(host.repos["docs"].deleted_hooks)) == ([], per)
    assert len(fake.all_hooks()) == 2 * per

    assert flow.api("DELETE", url).status_code == 204
    assert fake.all_hooks() == []
    assert sum(len(r.deleted_hooks) for r in fake.repos.values()) == 3 * per
    assert flow.dev("ABC-1")["commits"] == []


def check_regenerated_secret_reaches_the_hooks(flow: Flow) -> None:
    """Regenerating the secret gives the hooks the app created the new one (replaced, not
    added): the host's next delivery, signed with it, is accepted, and keeps being so
    once the old secret has expired."""
    host, fake = flow.host, flow.fake
    created = flow.create()
    flow.drain()
    url = f"/api/v1/integrations/{created['id']}"
    hooks = len(fake.all_hooks())
    new = flow.ok("POST", f"{url}/webhook/regenerate")["webhook"]["secret"]
    flow.drain()
    assert len(fake.all_hooks()) == hooks
    assert {hook.secret for _, hook in fake.all_hooks()} == {new}
    assert all(r["webhook"] == {"installed": True, "manual_steps": None}
               for r in flow.repositories(created).values())
    before, after = host.push("app", "ABC-8 pushed later", {"late.txt": "late\n"})
    deliveries = fake.deliver_push(host.name("app"), "refs/heads/main", before, after,
                                   flow.send)
    assert [d.status for d in deliveries] == [202]
    flow.drain()
    assert [c["sha"] for c in flow.dev("ABC-8")["commits"]] == [after]


def check_chosen_repositories(flow: Flow) -> None:
    """Only the listed repositories; a re-scan follows changed settings; no hooks."""
    host, fake = flow.host, flow.fake
    created = flow.create(repositories=[host.name("app")], indexing_triggers=False)
    flow.drain()
    assert set(flow.repositories(created)) == flow.names("app")
    assert fake.all_hooks() == []
    url = f"/api/v1/integrations/{created['id']}"
    flow.ok("PATCH", url, {"settings": {"repositories": [host.name("app"), host.name("lib")]}})
    flow.ok("POST", f"{url}/scan", status=202)
    flow.drain()
    repos = flow.repositories(created)
    assert set(repos) == flow.names("app", "lib")
    assert repos[host.name("lib")]["status"] == "indexed"
    flow.ok("PATCH", url, {"settings": {"repositories": [host.name("lib")]}})
    flow.ok("POST", f"{url}/scan", status=202)
    flow.drain()
    assert set(flow.repositories(created)) == flow.names("lib")
    assert [c["repository"]["name"] for c in flow.dev("ABC-1")["commits"]] == [host.name("lib")]
    assert fake.all_hooks() == []


def check_host_trouble(flow: Flow) -> None:
    """Refused credentials, a rate limit during the pull request sync, an expired token."""
    host, fake = flow.host, flow.fake
    wrong_auth = {**host.admin_auth}
    wrong_auth["password" if "password" in wrong_auth else "token"] = "not-the-token"
    refused = flow.api("POST", "/api/v1/integrations", flow.body(auth=wrong_auth))
    status, code, message = error_of(refused)
    assert (status, code) == (400, "wrong_token") and "not-the-token" not in message
    assert flow.ok("GET", "/api/v1/integrations")["integrations"] == []
    assert error_of(flow.api("POST", "/api/v1/integrations/preview",
                             flow.body(auth=wrong_auth)))[:2] == (400, "wrong_token")

    # the PR listing is rate limited for an hour: commits are indexed, PRs catch up later
    fake.rate_limit(calls=1000, wait=3600, path_contains=fake.pulls_path)
    created = flow.create(repositories=[host.name("app")], indexing_triggers=False)
    flow.drain()
    (app,) = flow.repositories(created).values()
    assert app["status"] == "indexed" and app["counts"]["commits"] == 6
    assert app["counts"]["pull_requests"] == 0
    assert [w["code"] for w in app["warnings"]] == ["rate_limited"], app["warnings"]
    fake.rate_limit(calls=0)
    flow.ok("POST", f"/api/v1/repositories/{app['id']}/reindex", status=202)
    flow.drain()
    (app,) = flow.repositories(created).values()
    assert app["counts"]["pull_requests"] == 4

    # the admin's token expires on the host: the next scan says so on the integration
    fake.tokens[host.admin_token].expired = True
    flow.ok("POST", f"/api/v1/integrations/{created['id']}/scan", status=202)
    flow.drain()
    integration = flow.ok("GET", f"/api/v1/integrations/{created['id']}")
    assert integration["status"] == "error", integration
    assert integration["error"] and host.admin_token not in integration["error"]
