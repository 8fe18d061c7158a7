"""Fixtures of the browser tests: one Chromium per session, the app over HTTP, a Jira
site with an admin, a developer and a browse-only user, a seeded fake GitHub Enterprise
(connected for project ABC on request)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import redis
from flask import Flask

from app.git_hosts.base import Provider
from tests.pages.helpers import ADMIN, BROWSE_ONLY, DEV, ISSUES
from tests.support.browser import LiveServer
from tests.support.connect import ConnectActions
from tests.support.fake_hosts import FakeGitHub
from tests.support.fake_hosts.scenario import Scenario, seed
from tests.support.indexing import drain


@pytest.fixture
def live(app: Flask) -> Iterator[LiveServer]:
    with LiveServer(app) as server:
        yield server


@pytest.fixture
def site(connect: ConnectActions) -> tuple[str, str]:
    key, secret = connect.installed()
    fake = connect.fake.site("site-a")
    fake.admins.add(ADMIN)
    for issue, (ident, summary) in ISSUES.items():
        fake.issues[issue] = {"id": str(ident), "key": issue,
                              "fields": {"summary": summary,
                                         "project": {"id": "1", "key": "ABC"}}}
        for permission in ("BROWSE_PROJECTS", "VIEW_DEV_TOOLS"):
            fake.grants.setdefault((DEV, permission), set()).add(ident)
    fake.grants[(BROWSE_ONLY, "BROWSE_PROJECTS")] = {i for i, _ in ISSUES.values()}
    return key, secret


@pytest.fixture
def fast_pacing(monkeypatch: pytest.MonkeyPatch) -> None:
    """No 1 s spacing between the provider's mutating calls (``pytestmark =
    pytest.mark.usefixtures("fast_pacing")`` in the modules that create things)."""
    monkeypatch.setattr(Provider, "mutation_interval", 0.0)


@pytest.fixture
def github(tmp_path: Path) -> Iterator[Scenario]:
    """A seeded fake GitHub Enterprise: acme/app, acme/lib, acme/docs; alice (admin
    token), bob (a developer's own token)."""
    fake = FakeGitHub(tmp_path / "host-github")
    fake.start()
    try:
        yield seed(fake, tmp_path / "work")
    finally:
        fake.stop()


@pytest.fixture
def connected(connect: ConnectActions, site: tuple[str, str], github: Scenario,
              redis_conn: redis.Redis) -> dict[str, Any]:
    """The fake host connected for project ABC through the API, scanned and indexed."""
    response = connect.api("POST", "/api/v1/integrations", *site, sub=ADMIN, json={
        "kind": "github_enterprise", "base_url": github.fake.web_root,
        "display_name": "Acme GHE", "auth": github.admin_auth,
        "settings": {"project_keys": ["ABC"], "indexing_triggers": False},
    })
    assert response.status_code == 201, response.get_json()
    drain(redis_conn)
    integration = response.get_json()
    names = [r["name"] for r in connect.api(
        "GET", f"/api/v1/integrations/{integration['id']}/repositories", *site, sub=ADMIN
    ).get_json()["repositories"]]
    assert "acme/app" in names, (names, connect.api(
        "GET", f"/api/v1/integrations/{integration['id']}", *site, sub=ADMIN).get_json())
    return integration
