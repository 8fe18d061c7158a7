"""The wizard and User settings for Azure DevOps (+ Server / TFS), AWS CodeCommit and
Gerrit in a real browser: each host's own sign-in fields (from the host registry), a
connection made through the wizard against the fake servers, and each host's form of a
user's own credential."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import redis
from playwright.sync_api import expect

from tests.pages.helpers import ADMIN, DEV, api, clean, open_wizard, page, posted, tick
from tests.support.browser import LiveServer
from tests.support.connect import ConnectActions
from tests.support.fake_hosts import FakeAzureDevOps, FakeCodeCommit, FakeGerrit
from tests.support.fake_hosts.scenario import Scenario, seed
from tests.support.indexing import drain

pytestmark = pytest.mark.usefixtures("fast_pacing")


@pytest.fixture
def tfs(tmp_path: Path) -> Iterator[Scenario]:
    fake = FakeAzureDevOps(tmp_path / "tfs", server=True, virtual_dir="/tfs").start()
    try:
        yield seed(fake, tmp_path / "work-tfs")
    finally:
        fake.stop()


@pytest.fixture
def gerrit(tmp_path: Path) -> Iterator[Scenario]:
    fake = FakeGerrit(tmp_path / "gerrit").start()
    try:
        yield seed(fake, tmp_path / "work-gerrit")
    finally:
        fake.stop()


@pytest.fixture
def codecommit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Scenario]:
    fake = FakeCodeCommit(tmp_path / "codecommit").start()
    for name in ("AWS_ENDPOINT_URL_CODECOMMIT", "AWS_ENDPOINT_URL_SNS"):
        monkeypatch.setenv(name, fake.url)
    monkeypatch.setenv("AWS_CONFIG_FILE", "/dev/null")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
    try:
        yield seed(fake, tmp_path / "work-cc")
    finally:
        fake.stop()


def test_wizard_asks_each_new_hosts_own_fields(browser: Any, connect: ConnectActions,
                                               site: tuple[str, str], live: LiveServer,
                                               tfs: Scenario, codecommit: Scenario) -> None:
    s = page(browser, connect, site, live, "/pages/manage-repositories", ADMIN)
    try:
        p = s.page
        open_wizard(s)
        for kind in ("azure_devops", "azure_devops_server", "aws_codecommit", "gerrit"):
            expect(p.locator(f'.gb-tile[data-kind="{kind}"]')).to_be_enabled()
            expect(p.locator(f'.gb-tile[data-kind="{kind}"] .gb-tile-ways')).to_have_text(
                "Host account · Webhook indexing")
        flow = p.locator("#gb-wizard-flow")

        # Azure DevOps: a PAT for all organizations, JMESPath but no custom API path
        p.click('.gb-tile[data-kind="azure_devops"]')
        flow.get_by_role("button", name="Next").click()
        expect(flow.get_by_label("Access token")).to_be_visible()
        expect(flow.locator(".gb-credentials")).to_contain_text("All accessible organizations")
        flow.locator("summary", has_text="Advanced").click()
        expect(flow.get_by_label("JMESPath filter")).to_be_visible()
        expect(flow.get_by_label("Custom API path")).to_have_count(0)
        s.screenshot("wizard-azure-devops")
        flow.get_by_role("button", name="← All hosts").click()

        # Gerrit: user name and HTTP password
        p.click('.gb-tile[data-kind="gerrit"]')
        flow.get_by_role("button", name="Next").click()
        expect(flow.get_by_label("Username")).to_be_visible()
        expect(flow.get_by_label("HTTP password")).to_be_visible()
        expect(flow.locator(".gb-credentials")).to_contain_text("Settings → HTTP Credentials")
        s.screenshot("wizard-gerrit")
        flow.get_by_role("button", name="← All hosts").click()

        # CodeCommit: the key pair and its region; webhook indexing says what it lacks
        p.click('.gb-tile[data-kind="aws_codecommit"]')
        expect(flow.locator(".gb-mode-form")).to_contain_text("branches and tags only")
        flow.get_by_role("button", name="Next").click()
        cc = codecommit.fake
        flow.get_by_label("Access key ID").fill(codecommit.admin_token)
        flow.get_by_label("Secret access key").fill("not-the-secret")
        flow.get_by_label("Region").select_option("us-east-1")
        sent = posted(s, "/api/v1/integrations/preview", lambda: flow.get_by_role(
            "button", name="Connect and select repositories").click())
        assert sent["auth"] == {"type": "aws", "access_key_id": codecommit.admin_token,
                                "secret_access_key": "not-the-secret", "region": "us-east-1"}
        expect(flow.locator(".gb-form-message")).to_contain_text("does not accept this access key")
        flow.get_by_label("Secret access key").fill(cc.secret_of(codecommit.admin_token))
        flow.get_by_role("button", name="Connect and select repositories").click()
        expect(flow.locator(".gb-picker-item")).to_have_count(3)
        s.screenshot("wizard-codecommit-repositories")
        flow.get_by_role("button", name="← All hosts").click()

        # Azure DevOps Server / TFS: server root with its virtual directory, a collection
        p.click('.gb-tile[data-kind="azure_devops_server"]')
        flow.get_by_role("button", name="Next").click()
        expect(flow.get_by_label("Host URL")).to_have_attribute(
            "placeholder", "https://tfs.example.com/tfs")
        flow.get_by_label("Host URL").fill(tfs.fake.web_root)
        tick(flow, "Username and password")
        flow.get_by_role("textbox", name="Username").fill("alice")
        tfs.fake.add_token(tfs.admin_token + "-pw", "alice", password=True)
        flow.locator("input[name=password]").fill(tfs.admin_token + "-pw")
        flow.get_by_label("Collection").fill("acme")
        s.screenshot("wizard-tfs")
        sent = posted(s, "/api/v1/integrations/preview", lambda: flow.get_by_role(
            "button", name="Connect and select repositories").click())
        assert sent["base_url"] == tfs.fake.web_root and sent["settings"]["collection"] == "acme"
        assert sent["auth"]["type"] == "basic"
        expect(flow.locator(".gb-picker-item")).to_have_count(3)
        expect(flow.locator(".gb-preview-warnings")).to_contain_text("TFVC")
        clean(s)
    finally:
        s.close()


def test_user_settings_ask_each_hosts_credential(browser: Any, connect: ConnectActions,
                                                 site: tuple[str, str], live: LiveServer,
                                                 gerrit: Scenario, codecommit: Scenario,
                                                 redis_conn: redis.Redis) -> None:
    for name, kind, scenario, extra in (
            ("Acme Gerrit", "gerrit", gerrit, {"base_url": gerrit.fake.web_root}),
            ("Acme CodeCommit", "aws_codecommit", codecommit, {})):
        created = connect.api("POST", "/api/v1/integrations", *site, sub=ADMIN, json={
            "kind": kind, "display_name": name, "auth": scenario.admin_auth, **extra,
            "settings": {"require_user_pat": True, "indexing_triggers": False}})
        assert created.status_code == 201, created.get_json()
    drain(redis_conn)
    s = page(browser, connect, site, live, "/pages/user-settings", DEV, viewport=(900, 700))
    try:
        p = s.page
        g = p.locator(".gb-token", has_text="Acme Gerrit")
        expect(g.get_by_label("Username for Acme Gerrit")).to_be_visible()
        expect(g.get_by_label("HTTP password for Acme Gerrit")).to_be_visible()
        expect(g.locator(".gb-token-hint")).to_contain_text("HTTP Credentials")
        c = p.locator(".gb-token", has_text="Acme CodeCommit")
        expect(c.get_by_label("Access key ID for Acme CodeCommit")).to_be_visible()
        expect(c.get_by_label("Secret access key for Acme CodeCommit")).to_be_visible()
        s.screenshot("user-settings-new-hosts")

        g.get_by_label("Username for Acme Gerrit").fill("bob")
        g.get_by_label("HTTP password for Acme Gerrit").fill("wrong")
        g.get_by_role("button", name="Save").click()
        expect(g.locator(".gb-token-message")).to_contain_text("HTTP password")
        g.get_by_label("Username for Acme Gerrit").fill("bob")
        g.get_by_label("HTTP password for Acme Gerrit").fill(gerrit.user_token)
        gerrit_id = [t for t in api(connect, site, "GET", "/api/v1/me/tokens", sub=DEV)["tokens"]
                     if t["kind"] == "gerrit"][0]["integration_id"]
        sent = posted(s, f"/api/v1/me/tokens/{gerrit_id}",
                      lambda: g.get_by_role("button", name="Save").click())
        assert sent == {"username": "bob", "token": gerrit.user_token}  # the contract's form
        expect(g.locator(".gb-token-status")).to_have_text("token saved")

        key = codecommit.user_token
        c.get_by_label("Access key ID for Acme CodeCommit").fill(key)
        c.get_by_label("Secret access key for Acme CodeCommit").fill(
            codecommit.fake.secret_of(key))
        c.get_by_role("button", name="Save").click()
        expect(c.locator(".gb-token-status")).to_have_text("token saved")
        expect(c.locator(".gb-token-message")).to_contain_text(key)
        assert codecommit.fake.secret_of(key) not in p.content()
        s.screenshot("user-settings-new-hosts-saved")
        clean(s)
    finally:
        s.close()


def test_regenerating_the_secret_renews_gerrits_remotes(
        browser: Any, connect: ConnectActions, site: tuple[str, str], live: LiveServer,
        gerrit: Scenario, redis_conn: redis.Redis) -> None:
    """Gerrit's remotes carry the secret: the page says Gitbridge updates them, and a
    repository whose remote it could not update shows what to do."""
    created = api(connect, site, "POST", "/api/v1/integrations", json={
        "kind": "gerrit", "display_name": "Acme Gerrit", "base_url": gerrit.fake.web_root,
        "auth": gerrit.admin_auth, "settings": {"repositories": [gerrit.name("app")]}})
    drain(redis_conn)
    s = page(browser, connect, site, live, "/pages/manage-repositories", ADMIN)
    try:
        p = s.page
        card = p.locator(".gb-integration", has_text="Acme Gerrit")
        expect(card.locator(".gb-repo-webhook")).to_contain_text("Webhook installed")
        card.locator("summary", has_text="Webhook").click()
        card.get_by_role("button", name="Regenerate secret").click()
        dialog = p.get_by_role("dialog")
        expect(dialog).to_contain_text("Gitbridge gives the webhooks it created on the host "
                                       "the new secret itself")
        gerrit.fake.webhooks_plugin = False  # the update will be refused
        dialog.get_by_role("button", name="Regenerate").click()
        expect(p.locator("#gb-list-message")).to_contain_text(
            "Gitbridge is giving the webhooks it created the new secret")
        drain(redis_conn)
        p.reload()
        hook = p.locator(".gb-integration", has_text="Acme Gerrit").locator(".gb-repo-webhook")
        expect(hook).to_contain_text("No webhook on the host")
        expect(hook).to_contain_text("could not give this repository's webhook the new secret")
        s.screenshot("manage-webhook-secret-not-renewed")
        clean(s)
    finally:
        s.close()
    secret = api(connect, site, "GET", f"/api/v1/integrations/{created['id']}")["webhook"]
    assert [h.secret for _, h in gerrit.fake.all_hooks()] != [secret["secret"]]
