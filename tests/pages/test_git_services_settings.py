"""User settings (a personal token saved and removed) and general settings (the branch
name template) in a real browser."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from tests.pages.helpers import ADMIN, DEV, api, clean, page, posted
from tests.support.browser import LiveServer
from tests.support.connect import ConnectActions
from tests.support.fake_hosts.scenario import Scenario

pytestmark = pytest.mark.usefixtures("fast_pacing")


# -- user settings, general settings -------------------------------------------------------


def test_user_settings_save_and_remove_a_token(browser: Any, connect: ConnectActions,
                                               site: tuple[str, str], live: LiveServer,
                                               github: Scenario,
                                               connected: dict[str, Any]) -> None:
    api(connect, site, "PATCH", f"/api/v1/integrations/{connected['id']}",
        json={"settings": {"require_user_pat": True}})
    s = page(browser, connect, site, live, "/pages/user-settings", DEV, viewport=(900, 600))
    try:
        p = s.page
        item = p.locator(".gb-token", has_text="Acme GHE")
        expect(item.locator(".gb-token-status")).to_have_text("required")
        field = item.get_by_label("Personal access token for Acme GHE")

        field.fill("ghp_not_a_real_token")
        item.get_by_role("button", name="Save").click()
        expect(item.locator(".gb-token-message")).to_contain_text("does not accept this token")
        expect(field).to_have_value("")

        field.fill(github.user_token)
        sent = posted(s, f"/api/v1/me/tokens/{connected['id']}",
                      lambda: item.get_by_role("button", name="Save").click())
        assert sent == {"token": github.user_token}
        expect(item.locator(".gb-token-status")).to_have_text("token saved")
        expect(item.locator(".gb-token-message")).to_contain_text("as bob")
        expect(item.get_by_label("Personal access token for Acme GHE")).to_have_value("")
        assert github.user_token not in p.content()
        (token,) = api(connect, site, "GET", "/api/v1/me/tokens", sub=DEV)["tokens"]
        assert token["has_token"] is True
        s.screenshot("user-settings")

        item.get_by_role("button", name="Remove").click()
        p.get_by_role("dialog").get_by_role("button", name="Remove").click()
        expect(item.locator(".gb-token-status")).to_have_text("required")
        (token,) = api(connect, site, "GET", "/api/v1/me/tokens", sub=DEV)["tokens"]
        assert token["has_token"] is False
        clean(s)
    finally:
        s.close()


def test_general_settings_branch_template(browser: Any, connect: ConnectActions,
                                          site: tuple[str, str], live: LiveServer) -> None:
    s = page(browser, connect, site, live, "/pages/general-settings", ADMIN, viewport=(900, 700))
    try:
        p = s.page
        template = p.get_by_label("Branch name template")
        expect(template).to_have_value("${issuekey}-${summary}")
        expect(p.locator("#gb-branch-preview")).to_have_text(
            "ABC-123-login-fails-on-safari-fix-the-cookie-check")
        template.fill("${summary}")
        p.get_by_role("button", name="Save").click()
        expect(p.locator("#gb-settings-message")).to_contain_text("must contain ${issuekey}")

        template.fill("feature/${issuekey}-${summary}")
        expect(p.locator("#gb-branch-preview")).to_have_text(
            "feature/ABC-123-login-fails-on-safari-fix-the-cookie-check")
        sent = posted(s, "/api/v1/settings", lambda: p.get_by_role("button", name="Save").click())
        assert sent == {"branch_template": "feature/${issuekey}-${summary}"}
        expect(p.locator("#gb-settings-message")).to_contain_text("Saved")
        assert api(connect, site, "GET", "/api/v1/settings")["branch_template"] == \
            "feature/${issuekey}-${summary}"
        s.screenshot("general-settings")
        clean(s)
    finally:
        s.close()
