"""Every page of the descriptor in Chromium, framed by the sandbox as Jira frames it, as
each kind of user: what they may see, empty states, errors, the diff viewer. The
repositories are the sandbox's examples, connected through the app's API and indexed by
a real worker; pull requests come from the sandbox's GitHub-shaped host."""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import expect

from tests.sandbox.conftest import Sandbox

ADMIN_PAGE = "/dev/plugins/servlet/ac/gitbridge-for-jira/"


def test_newcomer_connects_and_watches_it_index(sandbox: Sandbox, browser: Any) -> None:
    with sandbox.visit(browser, "/dev/", "admin", viewport=(1280, 1400)) as s:
        p = s.page
        expect(p.locator("h1")).to_have_text("Gitbridge sandbox")
        s.screenshot("home")
        p.get_by_role("button", name="Connect the example repositories").click()
        expect(p.locator(".sb-message")).to_contain_text("Connected the sandbox's GitHub")
        manage = s.frame("manage-repositories")
        expect(manage.locator(".gb-integration", has_text="Sandbox GitHub")).to_be_visible()
        s.screenshot("manage-repositories-queued")
        sandbox.drain()  # the page polls while anything is queued or indexing
        rows = manage.locator(".gb-repo")
        expect(rows).to_have_count(2, timeout=20_000)
        for name in ("sandbox/alpha-web", "sandbox/ops-scripts"):
            expect(manage.locator(".gb-repo", has_text=name).locator(".gb-status")).to_have_text(
                "indexed", timeout=20_000)
        expect(manage.locator(".gb-repo", has_text="alpha-web").locator(".gb-counts")
               ).to_contain_text("2 pull requests")
        s.screenshot("manage-repositories-indexed")
        s.goto(ADMIN_PAGE + "general-settings")
        expect(s.frame("general-settings").locator("h1")).to_have_text("Gitbridge settings")
        s.screenshot("general-settings")


def test_developer_on_an_issue(examples: Sandbox, browser: Any) -> None:
    with examples.visit(browser, "/dev/browse/ABC-3", viewport=(1280, 1200)) as s:
        p = s.page
        panel = s.frame("issue-development")
        expect(panel.locator(".gb-summary")).to_have_text("2 commits")
        expect(panel.locator(".gb-branch", has_text="feature/ABC-3-password-reset")
               ).to_contain_text("2 ahead")
        pr = panel.locator(".gb-panel-section", has_text="Pull requests")
        expect(pr).to_contain_text("ABC-3 Password reset by email")
        expect(pr).to_contain_text("open")
        s.screenshot("issue-panel")
        # The issue's Git commits, with a file's diff.
        p.get_by_role("button", name="Git commits").click()
        commits = s.frame("issue-commits")
        expect(commits.locator(".gb-commit")).to_have_count(2)
        file = commits.locator(".gb-file", has_text="src/reset.js").first
        file.get_by_role("button", name="Show diff").click()
        expect(file.locator(".gb-diff-add").first).to_contain_text("ttl: 3600")
        s.screenshot("issue-commits-diff")
        # Roll Up: first and last commit, lines by developer, files rolled up.
        p.get_by_role("button", name="Git roll up").click()
        rollup = s.frame("issue-rollup")
        expect(rollup.locator(".gb-summary-line")).to_contain_text("2 commits")
        expect(rollup.locator(".gb-author-row")).to_have_count(1)
        expect(rollup.locator(".gb-author-row")).to_contain_text("Sam Second")


def test_roll_up_sorts_rolls_up_and_shows_diffs(examples: Sandbox, browser: Any) -> None:
    with examples.visit(browser, "/dev/browse/ABC-1?content=issue-rollup",
                        viewport=(1280, 1600)) as s:
        rollup = s.frame("issue-rollup")
        expect(rollup.locator(".gb-rollup-commit")).to_have_count(2)
        expect(rollup.locator(".gb-rollup-commit").first).to_contain_text(
            "ABC-1 Login page with email and password")
        expect(rollup.locator(".gb-rollup-commit").last).to_contain_text(
            "ABC-2 Remember me on this device")  # its body mentions ABC-1
        paths = rollup.locator(".gb-file-row-rollup .gb-file-path")
        expect(paths.first).to_have_text("deploy.sh")  # by path, across repositories
        rollup.get_by_label("Sort by").last.select_option("changes")
        expect(paths.first).to_have_text("src/login.js")  # two commits touched it
        rollup.get_by_label("Roll up by").select_option("extension")
        groups = rollup.locator(".gb-group-row")
        expect(groups.filter(has_text=".js")).to_contain_text("3")
        row = rollup.locator(".gb-file-row-rollup", has_text="src/login.js")
        row.get_by_role("button", name="Show diff").click()
        diffs = rollup.locator(".gb-rollup-diff")
        expect(diffs).to_have_count(2)
        expect(diffs.first.locator(".gb-diff-add").first).to_be_visible()
        s.screenshot("issue-rollup")


def test_empty_states_and_what_others_may_not_see(examples: Sandbox, browser: Any) -> None:
    with examples.visit(browser, "/dev/browse/ABC-6?content=issue-rollup",
                        viewport=(1280, 900)) as s:
        expect(s.frame("issue-development").locator(".gb-empty")).to_contain_text(
            "No git activity for ABC-6 yet")
        expect(s.frame("issue-rollup").locator(".gb-empty")).to_contain_text(
            "Nothing to roll up for ABC-6 yet")
        s.screenshot("issue-empty")
        # HR is not the developer's: Jira itself says so, no frame at all.
        s.goto("/dev/browse/HR-1")
        expect(s.page.locator(".sb-missing")).to_contain_text("does not exist")
        # Admin pages framed for a developer: the app refuses them itself.
        s.goto(ADMIN_PAGE + "manage-repositories")
        expect(s.frame("manage-repositories").locator(".aui-message")).to_contain_text(
            "Only Jira administrators")
        s.screenshot("manage-repositories-developer")
    with examples.visit(browser, "/dev/browse/ABC-1?content=issue-commits", "viewer") as s:
        for module in ("issue-development", "issue-commits"):
            expect(s.frame(module).locator(".aui-message")).to_contain_text(
                "You need Browse Projects and View Development Tools")
        expect(s.frame("issue-commits").locator(".gb-commit")).to_have_count(0)
        s.screenshot("issue-viewer")
        s.goto(ADMIN_PAGE + "repository-browser")
        expect(s.frame("repository-browser").locator(".gb-empty")).to_contain_text(
            "No repositories to browse")
        s.screenshot("repository-browser-viewer")
        # Browse is what a project's commits need; the code behind them is not shown.
        s.goto("/dev/projects/ABC/apps/project-commits")
        page = s.frame("project-commits")
        expect(page.locator(".gb-commit").first).to_be_visible()
        file = page.locator(".gb-file").first
        file.get_by_role("button", name="Show diff").click()
        expect(file.locator(".aui-message")).to_contain_text("Could not load the diff")
        s.screenshot("project-commits-viewer")


def test_project_commits(examples: Sandbox, browser: Any) -> None:
    with examples.visit(browser, "/dev/projects/ABC", viewport=(1280, 1800)) as s:
        s.page.get_by_role("link", name="Git commits").click()
        page = s.frame("project-commits")
        cards = page.locator(".gb-commit")
        expect(cards.first).to_be_visible()
        # Newest first, each with its keys; the HR and OPS-only commits are not ABC's.
        expect(cards.first.locator(".gb-keys")).to_have_text("ABC-5")
        expect(page.locator(".gb-commit", has_text="HR-1")).to_have_count(0)
        expect(page.locator(".gb-commit", has_text="OPS-2 Nightly")).to_have_count(0)
        expect(page.locator(".gb-summary-line")).to_contain_text("in 2 repositories")
        s.screenshot("project-commits")


def test_repository_browser(examples: Sandbox, browser: Any) -> None:
    with examples.visit(browser, ADMIN_PAGE + "repository-browser", viewport=(1280, 1800)) as s:
        page = s.frame("repository-browser")
        rows = page.locator(".gb-browse-row")
        expect(rows).to_have_count(2)
        expect(rows.first).to_contain_text("sandbox/alpha-web")
        expect(rows.first).to_contain_text("ABC-5")  # last issue
        s.screenshot("repository-browser")
        page.locator("#gb-repo-search").fill("ops")
        expect(rows).to_have_count(1)
        page.locator("#gb-repo-search").fill("")
        expect(rows).to_have_count(2)
        page.get_by_role("link", name="sandbox/alpha-web").click()
        commits = page.locator(".gb-browse-commit")
        expect(commits).to_have_count(8)  # main's history
        page.get_by_label("Show").select_option("unlinked")
        expect(commits).to_have_count(2)
        expect(commits.first).to_contain_text("Tidy the README")
        page.get_by_label("Branch").select_option("feature/ABC-3-password-reset")
        page.get_by_label("Show").select_option("linked")
        expect(commits.first).to_contain_text("ABC-3 Expire reset links")
        commits.first.get_by_role("button", name="Files").click()
        commits.first.get_by_role("button", name="Show diff").click()
        expect(commits.first.locator(".gb-diff-add").first).to_be_visible()
        s.screenshot("repository-browser-commits")
        # Compare two tags: commits, developers, files, issues with a JQL link.
        page.get_by_role("link", name="Compare").click()
        page.get_by_label("Base").select_option("v1.0")
        page.get_by_label("Compare").select_option("v1.1")
        page.get_by_role("button", name="Compare", exact=True).click()
        result = page.locator(".gb-compare-result")
        expect(result.locator(".gb-stat").first).to_contain_text("5")
        expect(result.locator(".gb-compare-issues .gb-key")).to_have_text(
            ["ABC-1", "ABC-2", "ABC-4", "ABC-5"])
        link = result.locator(".gb-jql-link")
        expect(link).to_have_attribute("href", re.compile(r"/dev/issues/\?jql=key%20in%20"))
        removed = result.locator(".gb-compare-files .gb-file", has_text="src/old-limits.txt")
        expect(removed).to_have_count(0)  # added and removed within the range: no net change
        file = result.locator(".gb-compare-files .gb-file", has_text="src/limits.js")
        file.get_by_role("button", name="Show diff").click()
        expect(file.locator(".gb-diff-add")).to_have_text(["+export const MAX_FAILURES = 5;\n"])
        s.screenshot("repository-browser-compare")
        # The user's tokens, here as in User settings.
        page.get_by_role("tab", name="Your tokens").click()
        expect(page.locator(".gb-token", has_text="Sandbox GitHub")).to_be_visible()
        s.screenshot("repository-browser-tokens")
        # A repository the user cannot browse (or that does not exist) says so.
        framed = s.framed("/pages/repository-browser")
        framed.evaluate("location.hash = 'repo/999999'")
        # A refusal reaches AP's caller as the sandbox's message itself, not an Error.
        refused = framed.evaluate("""AP.request({url: "https://elsewhere.example/x"})
            .catch(e => typeof e + ": " + e)""")
        assert refused == "string: AP.request takes a Jira REST path"
        expect(page.locator(".aui-message")).to_contain_text(
            "does not exist or you cannot browse it")
        s.goto(ADMIN_PAGE + "user-settings")
        expect(s.frame("user-settings").locator(".gb-token")).to_have_count(1)
        s.screenshot("user-settings")
