"""Every Custom UI module of forge/manifest.yml in Chromium, framed by the sandbox where
Jira puts it (Forge mode of the chrome's toggle), with the sandbox's stand-in for
@forge/bridge: each call a real invokeRemote to the app with a FIT minted for it. The
repositories are the sandbox's examples, connected by the admin through the Forge
installation's API and indexed by a real worker."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import expect

from app.sandbox import forge_tokens
from tests.sandbox.conftest import Sandbox

FORGE = "forge"


def pages(sandbox: Sandbox) -> tuple[str, str]:
    """The Forge admin page's and global page's URLs on the sandbox site."""
    with sandbox.app.test_request_context():
        ids = f"{forge_tokens.app_uuid()}/{forge_tokens.ENVIRONMENT_UUID}"
    return f"/dev/jira/settings/apps/{ids}", f"/dev/jira/apps/{ids}"


def test_admin_page_manage_repositories_and_settings(forge_examples: Sandbox,
                                                     browser: Any) -> None:
    admin, _ = pages(forge_examples)
    with forge_examples.visit(browser, admin + "/repositories", "admin", (1280, 1400), FORGE) as s:
        manage = s.frame("manage-repositories")
        for name in ("sandbox/alpha-web", "sandbox/ops-scripts"):
            expect(manage.locator(".gb-repo", has_text=name).locator(".gb-status")).to_have_text(
                "indexed", timeout=20_000)
        expect(manage.locator(".gb-repo", has_text="alpha-web").locator(".gb-counts")
               ).to_contain_text("2 pull requests")
        s.screenshot("forge-manage-repositories")
        s.page.locator(".sb-admin-sidebar").get_by_role("link", name="Gitbridge settings").click()
        settings = s.frame("manage-repositories")
        expect(settings.locator("h1")).to_have_text("Gitbridge settings", timeout=20_000)
        expect(settings.locator("#gb-branch-template")).not_to_have_value("", timeout=20_000)
        s.screenshot("forge-general-settings")


def test_global_page_repository_browser_and_user_settings(forge_examples: Sandbox,
                                                          browser: Any) -> None:
    _, global_page = pages(forge_examples)
    with forge_examples.visit(browser, "/dev/", "developer", (1280, 1600), FORGE) as s:
        s.page.locator(".sb-menu", has_text="Apps").locator("summary").click()
        s.page.get_by_role("link", name="Repository browser").click()
        expect(s.page).to_have_url(forge_examples.url + global_page + "/repositories")
        browse = s.frame("repository-browser")
        rows = browse.locator(".gb-browse-row")
        expect(rows).to_have_count(2)
        expect(rows.first).to_contain_text("sandbox/alpha-web")
        browse.get_by_role("link", name="sandbox/alpha-web").click()
        commits = browse.locator(".gb-browse-commit")
        expect(commits).to_have_count(8)
        browse.get_by_label("Show").select_option("unlinked")
        expect(commits).to_have_count(2)
        s.screenshot("forge-repository-browser")
        s.page.locator(".sb-admin-sidebar").get_by_role("link", name="User settings").click()
        settings = s.frame("repository-browser")
        # the resource follows its route to the subpage's file, then asks the API
        expect(settings.locator("h1")).to_contain_text("settings", timeout=20_000)
        expect(settings.locator(".gb-token", has_text="Sandbox GitHub")).to_have_count(
            1, timeout=20_000)
        s.screenshot("forge-user-settings")


def test_issue_context_and_activity(forge_examples: Sandbox, browser: Any) -> None:
    with forge_examples.visit(browser, "/dev/browse/ABC-3", "developer", (1280, 1400), FORGE) as s:
        panel = s.frame("issue-development")
        expect(panel.locator(".gb-summary")).to_have_text("2 commits")
        expect(panel.locator(".gb-branch", has_text="feature/ABC-3-password-reset")
               ).to_contain_text("2 ahead")
        expect(panel.locator(".gb-panel-section", has_text="Pull requests")).to_contain_text(
            "ABC-3 Password reset by email")
        # requestRemote (the bridge's fetchRemote) reaches the remote as invokeRemote does.
        framed = s.framed("/forge/resources/issue-development/")
        answer = framed.evaluate("""window.__bridge.callBridge("fetchRemote", {remoteKey:
            "gitbridge", fetchRequestInit: {method: "GET", path: "/api/v1/issues/ABC-3/development",
            headers: [["accept", "application/json"]]}})""")
        assert answer["status"] == 200 and '"ABC-3"' in answer["body"]
        # A refusal reaches the bridge's caller as an Error, as @forge/bridge's do.
        refused = framed.evaluate("""window.__bridge.callBridge("invoke", {path: "no-slash"})
            .catch(e => (e instanceof Error) + ": " + e.message)""")
        assert refused == "true: a remote call takes a method and a path on the remote (/...)"
        s.page.get_by_role("tab", name="Git commits").click()
        commits = s.frame("issue-commits")
        expect(commits.locator(".gb-commit")).to_have_count(2)
        file = commits.locator(".gb-file", has_text="src/reset.js").first
        file.get_by_role("button", name="Show diff").click()
        expect(file.locator(".gb-diff-add").first).to_contain_text("ttl: 3600")
        s.screenshot("forge-issue-commits")
        s.page.get_by_role("tab", name="Git roll up").click()
        rollup = s.frame("issue-rollup")
        expect(rollup.locator(".gb-summary-line")).to_contain_text("2 commits")
        expect(rollup.locator(".gb-author-row")).to_contain_text("Sam Second")
        s.screenshot("forge-issue-rollup")


def test_project_page(forge_examples: Sandbox, browser: Any) -> None:
    with forge_examples.visit(browser, "/dev/projects/ABC", "developer", (1280, 1600), FORGE) as s:
        s.page.locator(".sb-sidebar").get_by_role("link", name="Git commits").click()
        page = s.frame("project-commits")
        expect(page.locator(".gb-commit").first).to_be_visible()
        expect(page.locator(".gb-commit").first.locator(".gb-keys")).to_have_text("ABC-5")
        expect(page.locator(".gb-commit", has_text="HR-1")).to_have_count(0)
        s.screenshot("forge-project-commits")


def test_what_others_may_not_see_under_forge(forge_examples: Sandbox, browser: Any) -> None:
    admin, _ = pages(forge_examples)
    with forge_examples.visit(browser, "/dev/", "developer", (1280, 900), FORGE) as s:
        assert s.page.locator(".sb-nav summary").all_text_contents() == ["Projects", "Apps"]
        s.goto(admin + "/repositories")  # the URL opened directly: the app refuses
        expect(s.frame("manage-repositories").locator(".aui-message")).to_contain_text(
            "administrator")
        s.screenshot("forge-manage-repositories-developer")
    with forge_examples.visit(browser, "/dev/browse/ABC-1", "viewer", (1280, 900), FORGE) as s:
        expect(s.frame("issue-development").locator(".aui-message")).to_contain_text(
            "You need Browse Projects and View Development Tools")
        s.screenshot("forge-issue-viewer")
