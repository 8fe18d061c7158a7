"""The wizard's "Connect with <host>" in a real browser: the host's sign-in opens in a
popup, the host sends the browser back to our callback, and the grant it leaves comes
back to the wizard, which lists the host's repositories. The host is the in-test fake
GitHub over real HTTP."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from playwright.sync_api import expect

from tests.pages.helpers import ADMIN, clean, page
from tests.support.browser import LiveServer
from tests.support.connect import ConnectActions
from tests.support.fake_hosts import FakeGitHub, patch_cloud_roots

CLIENT = ("client-id-123", "client-secret-456")


def test_wizard_connects_with_oauth(browser: Any, connect: ConnectActions,
                                    site: tuple[str, str], live: LiveServer, app: Flask,
                                    tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    app.config["BASE_URL"] = live.url  # where the host sends the admin's browser back
    app.config["OAUTH_CLIENTS"] = {"github": CLIENT}
    host = FakeGitHub(tmp_path / "host")
    host.start()
    try:
        patch_cloud_roots(monkeypatch, host)
        host.add_oauth_app(*CLIENT, callback=None)
        host.add_user("alice")
        host.oauth_approver = "alice"
        host.create_repo(host.repo_name(host.default_owner, "oauth-app"))
        s = page(browser, connect, site, live, "/pages/manage-repositories", ADMIN)
        p = s.page
        expect(p.locator("#gb-add-section")).to_be_visible()
        p.click('.gb-tile[data-kind="github"]')
        flow = p.locator("#gb-wizard-flow")
        flow.get_by_role("button", name="Next").click()
        with p.expect_popup() as popup_info:
            flow.get_by_role("button", name="Connect with GitHub.com").click()
        popup = popup_info.value
        popup.wait_for_event("close", timeout=15_000)  # the callback page closes itself
        expect(flow).to_contain_text("oauth-app", timeout=15_000)  # the picker, via the grant
        s.screenshot("wizard-oauth-picker")
        clean(s)
    finally:
        host.stop()
