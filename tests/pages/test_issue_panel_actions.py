"""The issue panel offers *Create branch* and *Create pull request* only where some
repository of the project allows them, and says why at once where none does, from the
development data it loads anyway: no form opens to find nothing to offer."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import redis
from playwright.sync_api import expect

from app.creating import NO_REPOSITORY
from app.hosts import BY_KIND
from tests.pages.helpers import ADMIN, DEV, clean, page
from tests.support.browser import LiveServer
from tests.support.connect import ConnectActions
from tests.support.fake_hosts import FakeGerrit
from tests.support.fake_hosts.scenario import Scenario, seed
from tests.support.indexing import drain

PANEL = "/pages/issue-development?issueKey=ABC-1&projectKey=ABC"


pytestmark = pytest.mark.usefixtures("fast_pacing")


@pytest.fixture
def gerrit(tmp_path: Path) -> Iterator[Scenario]:
    fake = FakeGerrit(tmp_path / "gerrit").start()
    try:
        yield seed(fake, tmp_path / "work-gerrit")
    finally:
        fake.stop()


def create_options_asked(session: Any) -> list[str]:
    return [u for u in session.requested if "/create-options" in u]


def test_no_repository_connected(browser: Any, connect: ConnectActions,
                                 site: tuple[str, str], live: LiveServer) -> None:
    s = page(browser, connect, site, live, PANEL, DEV, viewport=(340, 420))
    try:
        p = s.page
        expect(p.locator(".gb-empty")).to_contain_text("No git activity for ABC-1 yet")
        expect(p.locator(".gb-empty-note")).to_have_text(NO_REPOSITORY)  # said once
        expect(p.locator(".gb-create-why")).to_be_hidden()
        expect(p.get_by_role("button", name="Create branch")).to_be_hidden()
        expect(p.get_by_role("button", name="Create pull request")).to_be_hidden()
        assert create_options_asked(s) == []  # known from the development data alone
        s.screenshot("issue-panel-no-repository")
        clean(s)
    finally:
        s.close()


def test_gerrit_offers_branches_and_says_how_to_review(
        browser: Any, connect: ConnectActions, site: tuple[str, str], live: LiveServer,
        gerrit: Scenario, redis_conn: redis.Redis) -> None:
    created = connect.api("POST", "/api/v1/integrations", *site, sub=ADMIN, json={
        "kind": "gerrit", "display_name": "Acme Gerrit", "auth": gerrit.admin_auth,
        "base_url": gerrit.fake.web_root, "settings": {"indexing_triggers": False}})
    assert created.status_code == 201, created.get_json()
    drain(redis_conn)
    s = page(browser, connect, site, live, PANEL, DEV, viewport=(360, 700))
    try:
        p = s.page
        expect(p.locator(".gb-summary")).to_be_visible()
        expect(p.get_by_role("button", name="Create pull request")).to_be_hidden()
        expect(p.locator(".gb-create-why")).to_have_text(
            BY_KIND["gerrit"].hints.pull_request_howto or "")
        branch = p.get_by_role("button", name="Create branch")
        expect(branch).to_be_visible()
        assert create_options_asked(s) == []
        s.screenshot("issue-panel-gerrit")
        branch.click()
        form = p.locator(".gb-create-form")
        expect(form.get_by_label("Repository")).to_be_visible()
        expect(form.get_by_label("Branch name")).to_have_value("ABC-1-login-page")
        s.screenshot("issue-panel-gerrit-create-branch")
        clean(s)
    finally:
        s.close()
