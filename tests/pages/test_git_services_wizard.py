"""The Add integration wizard in a real browser: a host account connected, and webhook
indexing with its URL, secret and set-up steps.

The app runs for real over HTTP; the git host is the in-test fake GitHub (Enterprise),
which speaks GitHub's REST API and git over HTTP for real repositories. Nothing of our
own API is faked: the tests watch what the pages send and what the host received.
"""

from __future__ import annotations

from typing import Any

import pytest
import redis
from playwright.sync_api import expect

from tests.pages.helpers import ADMIN, api, clean, open_wizard, page, posted, tick
from tests.support.browser import LiveServer
from tests.support.connect import ConnectActions
from tests.support.fake_hosts.scenario import Scenario

pytestmark = pytest.mark.usefixtures("fast_pacing")


# -- the wizard ------------------------------------------------------------------------


def test_wizard_connects_a_host_account(browser: Any, connect: ConnectActions,
                                        site: tuple[str, str], live: LiveServer,
                                        github: Scenario, redis_conn: redis.Redis) -> None:
    s = page(browser, connect, site, live, "/pages/manage-repositories", ADMIN)
    try:
        p = s.page
        open_wizard(s)
        tiles = p.locator(".gb-tile")
        expect(tiles).to_have_count(11)
        expect(p.locator('.gb-tile[data-kind="aws_codecommit"]')).to_be_enabled()
        s.screenshot("wizard-hosts")
        p.click('.gb-tile[data-kind="github_enterprise"]')
        flow = p.locator("#gb-wizard-flow")
        expect(flow.get_by_label("Host account")).to_be_checked()
        flow.get_by_role("button", name="Next").click()

        # (1) credentials: a wrong token is refused by the host, said next to the form.
        flow.get_by_label("Host URL").fill(github.fake.web_root + "/")
        flow.get_by_label("Access token").fill("ghp_wrong")
        flow.locator("summary", has_text="Advanced").click()
        expect(flow.get_by_label("Verify SSL certificates")).to_be_checked()
        sent = posted(s, "/api/v1/integrations/preview", lambda: flow.get_by_role(
            "button", name="Connect and select repositories").click())
        assert sent == {"kind": "github_enterprise", "base_url": github.fake.web_root,
                        "auth": {"type": "pat", "token": "ghp_wrong"},
                        "settings": {"custom_api_path": None, "jmespath_filter": None,
                                     "ssl_verify": True}}
        error = p.locator(".gb-credentials .aui-message-error")
        expect(error).to_contain_text("Could not connect to GitHub Enterprise Server")
        expect(error).to_contain_text("does not accept this token")
        s.screenshot("wizard-credentials-error")

        # the right token: (2) the repositories it sees, picked by hand.
        flow.get_by_label("Access token").fill(github.admin_token)
        flow.get_by_role("button", name="Connect and select repositories").click()
        picker = p.locator(".gb-repo-picker")
        expect(picker.locator(".gb-connected-as")).to_contain_text("as alice (Alice Admin)")
        items = picker.locator(".gb-picker-item")
        expect(items).to_have_count(3)
        expect(picker.get_by_label("Connect all current and future repositories")).to_be_checked()
        tick(picker, "Connect all current and future repositories", False)
        picker.get_by_label("Filter repositories").fill("app")
        expect(items.filter(visible=True)).to_have_count(1)  # acme/app
        tick(picker, "Select all shown")
        picker.get_by_label("Filter repositories").fill("")
        tick(picker, "acme/lib")
        expect(picker.locator(".gb-selected-count")).to_have_text("2 of 3 selected")
        s.screenshot("wizard-repositories")
        flow.get_by_role("button", name="Next").click()

        # (3) settings, then Finish: the integration is in the live list.
        settings = p.locator(".gb-wizard-settings")
        expect(settings.get_by_label("Display name")).to_have_value(
            "GitHub Enterprise Server (alice)")
        settings.get_by_label("Display name").fill("Acme")
        settings.get_by_label("Jira project keys").fill("abc, ops")
        tick(settings, "Require user PAT")
        s.screenshot("wizard-settings")
        sent = posted(s, "/api/v1/integrations", lambda: settings.get_by_role(
            "button", name="Connect 2 repositories").click())
        assert sent["auth"] == {"type": "pat", "token": github.admin_token}
        assert sent["settings"] == {
            "custom_api_path": None, "jmespath_filter": None, "ssl_verify": True,
            "project_keys": ["ABC", "OPS"], "indexing_triggers": True,
            "require_user_pat": True, "smart_commits": True, "devinfo": True,
            "repositories": ["acme/app", "acme/lib"]}
        expect(p.locator("#gb-add-section")).to_be_hidden()
        card = p.locator(".gb-integration", has_text="Acme")
        expect(card.locator(".gb-account")).to_have_text("alice")
        expect(card.locator(".gb-facts")).to_contain_text("2 chosen repositories")
        expect(card.locator(".gb-facts")).to_contain_text("ABC, OPS")
        expect(card.get_by_role("button", name="Scan now")).to_be_visible()
        (integration,) = api(connect, site, "GET", "/api/v1/integrations")["integrations"]
        assert integration["settings"]["repositories"] == ["acme/app", "acme/lib"]
        assert integration["settings"]["require_user_pat"] is True
        assert "token" not in str(integration["auth"])
        clean(s)
    finally:
        s.close()


def test_webhook_indexing_shows_url_secret_and_steps(browser: Any, connect: ConnectActions,
                                                     site: tuple[str, str],
                                                     live: LiveServer) -> None:
    s = page(browser, connect, site, live, "/pages/manage-repositories", ADMIN)
    try:
        p = s.page
        open_wizard(s)
        p.click('.gb-tile[data-kind="gitlab_self_managed"]')
        flow = p.locator("#gb-wizard-flow")
        tick(flow, "Webhook indexing")
        flow.get_by_role("button", name="Next").click()
        flow.get_by_label("Display name").fill("Build server GitLab")
        sent = posted(s, "/api/v1/integrations", lambda: flow.get_by_role(
            "button", name="Add integration").click())
        assert sent == {"kind": "gitlab_self_managed", "mode": "webhook",
                        "display_name": "Build server GitLab"}
        done = p.locator(".gb-webhook-done")
        expect(done).to_contain_text("Integration added")
        (integration,) = api(connect, site, "GET", "/api/v1/integrations")["integrations"]
        webhook = integration["webhook"]
        expect(done.get_by_label("Webhook URL")).to_have_value(webhook["url"])
        expect(done.get_by_label("Secret", exact=True)).to_have_value(webhook["secret"])
        expect(done.get_by_label("URL with secret", exact=True)).to_have_value(
            webhook["url_with_secret"])
        expect(done.get_by_label("Secret", exact=True)).to_have_attribute("type", "password")
        steps = done.locator(".gb-webhook-steps")
        expect(steps).to_contain_text("Settings → Webhooks")
        expect(steps).to_contain_text("Secret token")
        expect(steps).to_contain_text("Tag push events")
        expect(steps).to_contain_text("Merge request events")
        # already in the live list behind the wizard
        expect(p.locator(".gb-integration", has_text="Build server GitLab")).to_have_count(1)
        s.screenshot("wizard-webhook-indexing")
        p.get_by_role("button", name="Finish").click()
        expect(p.locator("#gb-add-section")).to_be_hidden()
        card = p.locator(".gb-integration", has_text="Build server GitLab")
        expect(card).to_contain_text("webhook indexing")
        expect(card.get_by_role("button", name="Scan now")).to_have_count(0)
        clean(s)
    finally:
        s.close()
