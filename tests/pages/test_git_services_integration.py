"""An integration's card in a real browser: edit, disable, its webhook and deliveries
(replayed), against the in-test fake GitHub (Enterprise)."""

from __future__ import annotations

import hashlib
import hmac
from pathlib import Path
from typing import Any

import pytest
import redis
from playwright.sync_api import expect

from tests.pages.helpers import ADMIN, api, clean, page, posted, tick
from tests.support.browser import LiveServer
from tests.support.connect import ConnectActions
from tests.support.fake_hosts.scenario import Scenario
from tests.support.indexing import drain

pytestmark = pytest.mark.usefixtures("fast_pacing")

PUSH = (Path(__file__).parent.parent / "fixtures/webhooks/github/payloads/"
        "push.with-new-branch.json").read_bytes()


# -- an integration: edit, disable, webhook, deliveries -----------------------------------


def test_integration_webhook_deliveries_and_replay(browser: Any, connect: ConnectActions,
                                                   site: tuple[str, str], live: LiveServer,
                                                   redis_conn: redis.Redis) -> None:
    created = api(connect, site, "POST", "/api/v1/integrations",
                  json={"kind": "github", "mode": "webhook", "display_name": "Hooks"})
    secret = created["webhook"]["secret"]
    signature = "sha256=" + hmac.new(secret.encode(), PUSH, hashlib.sha256).hexdigest()
    received = connect.client.post(f"/webhooks/{created['id']}", data=PUSH, headers={
        "X-GitHub-Event": "push", "X-GitHub-Delivery": "d-1", "Content-Type": "application/json",
        "X-Hub-Signature-256": signature})
    assert received.status_code == 202, received.get_data(as_text=True)
    drain(redis_conn)
    (delivery,) = api(connect, site, "GET",
                      f"/api/v1/integrations/{created['id']}/deliveries")["deliveries"]

    s = page(browser, connect, site, live, "/pages/manage-repositories", ADMIN)
    try:
        p = s.page
        card = p.locator(".gb-integration", has_text="Hooks")
        card.locator("summary", has_text="Recent deliveries").click()
        row = card.locator(f'tr[data-delivery-id="{delivery["id"]}"]')
        expect(row).to_contain_text("push")
        expect(row.locator(".gb-delivery-status")).to_have_text(delivery["status"])
        if delivery["outcome"]:
            expect(row.locator(".gb-delivery-outcome")).to_have_text(delivery["outcome"])
        with p.expect_request(lambda r: r.method == "POST" and r.url.endswith(
                f"/api/v1/deliveries/{delivery['id']}/replay")):
            row.get_by_role("button", name="Replay").click()
        row = card.locator(f'tr[data-delivery-id="{delivery["id"]}"]')
        expect(row.locator(".gb-delivery-status")).to_have_text("queued")
        expect(p.locator("#gb-list-message")).to_contain_text("queued to be processed again")
        s.screenshot("manage-deliveries")

        # Webhook: values, the host's steps, Regenerate (the old secret works 24 h more).
        card.locator("summary", has_text="Webhook").click()
        expect(card.get_by_label("Secret", exact=True)).to_have_value(secret)
        card.locator("summary", has_text="Set-up steps").click()
        expect(card.locator(".gb-webhook-steps")).to_contain_text("Content type")
        card.get_by_role("button", name="Regenerate secret").click()
        dialog = p.get_by_role("dialog")
        expect(dialog).to_contain_text("keeps working for 24 hours")
        dialog.get_by_role("button", name="Regenerate").click()
        expect(card.get_by_label("Secret", exact=True)).not_to_have_value(secret)
        expect(card.locator(".gb-regenerate")).to_contain_text("previous secret keeps working")
        fresh = api(connect, site, "GET", f"/api/v1/integrations/{created['id']}")["webhook"]
        expect(card.get_by_label("Secret", exact=True)).to_have_value(fresh["secret"])
        s.screenshot("manage-webhook")

        # Edit and Disable: PATCH with display_name and settings.
        card.get_by_role("button", name="Edit").click()
        form = card.locator(".gb-edit-form")
        form.get_by_label("Display name").fill("Hooks renamed")
        tick(form, "Only these projects:")
        form.get_by_label("Jira project keys").fill("ABC")
        sent = posted(s, f"/api/v1/integrations/{created['id']}",
                      lambda: form.get_by_role("button", name="Save").click())
        assert sent == {"display_name": "Hooks renamed",
                        "settings": {"project_keys": ["ABC"], "smart_commits": True,
                                     "devinfo": True}}
        card = p.locator(".gb-integration", has_text="Hooks renamed")
        expect(card.locator(".gb-facts")).to_contain_text("ABC")
        sent = posted(s, f"/api/v1/integrations/{created['id']}",
                      lambda: card.get_by_role("button", name="Disable").click())
        assert sent == {"settings": {"enabled": False}}
        expect(card.get_by_role("button", name="Enable")).to_be_visible()
        expect(card.locator(".gb-title-text")).to_contain_text("disabled")
        clean(s)
    finally:
        s.close()


def test_regenerating_the_secret_renews_the_hooks_gitbridge_created(
        browser: Any, connect: ConnectActions, site: tuple[str, str], live: LiveServer,
        github: Scenario, redis_conn: redis.Redis) -> None:
    """GitHub signs with the secret: the page says Gitbridge gives its hooks the new one,
    and after the job every hook on the host has it."""
    created = api(connect, site, "POST", "/api/v1/integrations", json={
        "kind": "github_enterprise", "display_name": "Acme GHE",
        "base_url": github.fake.web_root, "auth": github.admin_auth})
    drain(redis_conn)
    s = page(browser, connect, site, live, "/pages/manage-repositories", ADMIN)
    try:
        p = s.page
        card = p.locator(".gb-integration", has_text="Acme GHE")
        card.locator("summary", has_text="Webhook").click()
        expect(card.locator(".gb-regenerate")).to_contain_text(
            "Gitbridge gives the webhooks it created the new secret")
        card.get_by_role("button", name="Regenerate secret").click()
        dialog = p.get_by_role("dialog")
        expect(dialog).to_contain_text("Gitbridge gives the webhooks it created on the host "
                                       "the new secret itself")
        s.screenshot("manage-webhook-regenerate-github")
        dialog.get_by_role("button", name="Regenerate").click()
        expect(p.locator("#gb-list-message")).to_contain_text(
            "Gitbridge is giving the webhooks it created the new secret")
        drain(redis_conn)
        p.reload()
        card = p.locator(".gb-integration", has_text="Acme GHE")
        expect(card.locator(".gb-repo-webhook").first).to_contain_text("Webhook installed")
        s.screenshot("manage-webhook-regenerated-github")
        clean(s)
    finally:
        s.close()
    secret = api(connect, site, "GET", f"/api/v1/integrations/{created['id']}")["webhook"]
    assert {h.secret for _, h in github.fake.all_hooks()} == {secret["secret"]}
