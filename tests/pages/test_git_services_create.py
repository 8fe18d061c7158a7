"""The issue panel's create forms and the create-branch page in a real browser: branches
and pull requests created on the in-test fake GitHub (Enterprise), as the user."""

from __future__ import annotations

from typing import Any

import pytest
import redis
from playwright.sync_api import expect

from tests.pages.helpers import DEV, api, clean, page, posted
from tests.support.browser import LiveServer
from tests.support.connect import ConnectActions
from tests.support.fake_hosts.scenario import Scenario
from tests.support.indexing import drain

pytestmark = pytest.mark.usefixtures("fast_pacing")


# -- the issue panel's create forms, the create-branch page ---------------------------------


def test_issue_panel_creates_branches_and_pull_requests(
        browser: Any, connect: ConnectActions, site: tuple[str, str], live: LiveServer,
        github: Scenario, connected: dict[str, Any], redis_conn: redis.Redis) -> None:
    repos = {r["name"]: r for r in api(
        connect, site, "GET", f"/api/v1/integrations/{connected['id']}/repositories"
    )["repositories"]}
    app_id = repos["acme/app"]["id"]
    s = page(browser, connect, site, live,
             "/pages/issue-development?issueKey=ABC-1&projectKey=ABC", DEV, viewport=(360, 900))
    try:
        p = s.page
        p.get_by_role("button", name="Create branch").click()
        form = p.locator(".gb-create-form")
        expect(form.get_by_label("Repository")).to_have_value(str(app_id))
        expect(form.get_by_label("Source branch")).to_have_value("main")
        expect(form.get_by_label("Branch name")).to_have_value("ABC-1-login-page")
        s.screenshot("issue-panel-create-branch")

        # A branch that exists: the body sent, and the host's refusal in the form.
        form.get_by_label("Branch name").fill("feature/ABC-3-login")
        sent = posted(s, "/api/v1/issues/ABC-1/branches",
                      lambda: form.get_by_role("button", name="Create branch").click())
        assert sent == {"repository_id": app_id, "source": "main", "name": "feature/ABC-3-login"}
        expect(form.locator(".aui-message-error")).to_contain_text("already exists")
        s.screenshot("issue-panel-create-branch-error")

        form.get_by_label("Branch name").fill("ABC-1-login-page")
        form.get_by_role("button", name="Create branch").click()
        expect(p.locator(".gb-create-success")).to_contain_text(
            "Branch ABC-1-login-page created in acme/app")
        expect(p.locator(".gb-create-form")).to_have_count(0)
        assert "ABC-1-login-page" in github.repos["app"].branches()
        settings = api(connect, site, "GET", "/api/v1/me/settings", sub=DEV)
        assert settings["default_repositories"] == {"ABC": app_id}

        # A pull request: title from the issue, target the default branch.
        drain(redis_conn)  # the re-index the creation queued
        p.get_by_role("button", name="Create pull request").click()
        form = p.locator(".gb-create-form")
        expect(form.get_by_label("Target branch")).to_have_value("main")
        expect(form.get_by_label("Title")).to_have_value("ABC-1 Login page")
        form.get_by_label("Source branch").select_option("merged-work")
        form.get_by_label("Description").fill("Please review.")
        s.screenshot("issue-panel-create-pr")
        sent = posted(s, "/api/v1/issues/ABC-1/pull-requests",
                      lambda: form.get_by_role("button", name="Create pull request").click())
        assert sent == {"repository_id": app_id, "source": "merged-work", "target": "main",
                        "title": "ABC-1 Login page", "description": "Please review."}
        expect(p.locator(".gb-create-success")).to_contain_text("Pull request")
        expect(p.locator(".gb-create-success")).to_contain_text("ABC-1 Login page")
        assert [pr.title for pr in github.repos["app"].pulls if pr.source == "merged-work"
                and pr.open] == ["ABC-1 Login page"]

        # Require User PAT without a token of one's own: a link to User settings.
        api(connect, site, "PATCH", f"/api/v1/integrations/{connected['id']}",
            json={"settings": {"require_user_pat": True}})
        p.get_by_role("button", name="Create branch").click()
        form = p.locator(".gb-create-form")
        note = form.locator(".gb-user-pat-note")
        expect(note).to_contain_text("Add your personal access token in User settings")
        expect(form.get_by_role("button", name="Create branch")).to_be_disabled()
        note.get_by_role("link", name="User settings").click()
        assert s.ap_navigations() == [{"target": "addonmodule",
                                       "context": {"moduleKey": "user-settings"}}]
        s.screenshot("issue-panel-user-pat")
        clean(s)
    finally:
        s.close()


def test_create_branch_page(browser: Any, connect: ConnectActions, site: tuple[str, str],
                            live: LiveServer, github: Scenario,
                            connected: dict[str, Any]) -> None:
    s = page(browser, connect, site, live,
             "/pages/create-branch?issueKey=ABC-2&issueSummary=Make%20it%20fast", DEV,
             viewport=(900, 700))
    try:
        p = s.page
        expect(p.locator("h1")).to_have_text("Create branch")
        expect(p.locator(".gb-page-header")).to_contain_text("ABC-2: Make it fast")
        form = p.locator(".gb-create-form")
        expect(form.get_by_label("Branch name")).to_have_value("ABC-2-make-it-fast")
        form.get_by_role("button", name="Create branch").click()
        expect(p.locator(".gb-create-success")).to_contain_text("Branch ABC-2-make-it-fast")
        assert "ABC-2-make-it-fast" in github.repos["app"].branches()
        s.screenshot("create-branch-page")
        clean(s)
    finally:
        s.close()
