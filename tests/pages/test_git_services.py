"""The git-service pages in a real browser: the Add integration wizard, webhook
indexing, an integration's webhook and deliveries, the issue panel's create forms, the
create-branch page, user settings and general settings.

The app runs for real over HTTP; the git host is the in-test fake GitHub (Enterprise),
which speaks GitHub's REST API and git over HTTP for real repositories. Nothing of our
own API is faked: the tests watch what the pages send and what the host received.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import redis
from playwright.sync_api import expect

from app.git_hosts.base import Provider
from tests.pages.helpers import ADMIN, DEV, clean, page
from tests.support.browser import LiveServer, PageSession
from tests.support.connect import ConnectActions
from tests.support.fake_hosts import FakeGitHub
from tests.support.fake_hosts.scenario import Scenario, seed
from tests.support.indexing import drain

PUSH = (Path(__file__).parent.parent / "fixtures/webhooks/github/payloads/"
        "push.with-new-branch.json").read_bytes()


@pytest.fixture(autouse=True)
def fast_pacing(monkeypatch: pytest.MonkeyPatch) -> None:
    """No 1 s spacing between the provider's mutating calls."""
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


def api(connect: ConnectActions, site: tuple[str, str], method: str, path: str,
        sub: str = ADMIN, **kw: Any) -> Any:
    return connect.api(method, path, *site, sub=sub, **kw).get_json()


def open_wizard(session: PageSession) -> None:
    """With nothing connected yet the page opens the wizard by itself."""
    p = session.page
    expect(p.locator("#gb-integrations .gb-empty")).to_be_visible()
    expect(p.locator("#gb-add-section")).to_be_visible()
    expect(p.locator("#gb-add-toggle")).to_have_attribute("aria-expanded", "true")


def tick(scope: Any, label: str, checked: bool = True) -> None:
    """Set a checkbox or radio the way a user does: by clicking its label (AUI hides the
    input itself and draws its own glyph)."""
    box = scope.get_by_label(label)
    if box.is_checked() != checked:
        scope.locator("label", has_text=label).click()
    expect(box).to_be_checked(checked=checked)


def posted(session: PageSession, path: str, action: Any) -> Any:
    """Run ``action`` and return the JSON body the page sent to ``path`` (our API)."""
    with session.page.expect_request(
            lambda r: r.method in ("POST", "PUT", "PATCH") and r.url.split("?")[0]
            .endswith(path)) as request:
        action()
    return request.value.post_data_json


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
