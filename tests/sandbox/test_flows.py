"""Longer ways through the sandbox: a branch and a pull request created from an issue
land on the sandbox's host and come back through its webhook; a local repository with
a long history, connected from the sandbox's home page, paged in the Repository
browser; the Development panel's Create branch page."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

from playwright.sync_api import expect

from app.sandbox import host
from tests.sandbox.conftest import Sandbox
from tests.sandbox.test_pages import ADMIN_PAGE
from tests.support.browser import SCREENSHOT_DIR
from tests.support.gitrepo import init_bare


def test_branch_and_pull_request_from_an_issue_come_back_by_webhook(
        examples: Sandbox, browser: Any) -> None:
    with examples.visit(browser, "/dev/browse/ABC-5", viewport=(1280, 1200)) as s:
        panel = s.frame("issue-development")
        panel.get_by_role("button", name="Create branch").click()
        form = panel.locator(".gb-create-form")
        form.get_by_label("Repository").select_option(label="sandbox/alpha-web")
        form.get_by_label("Branch name").fill("ABC-5-rate-limit")
        s.screenshot("create-branch-form")
        form.get_by_role("button", name="Create branch").click()
        expect(panel.locator(".gb-create-success")).to_contain_text("ABC-5-rate-limit")
        git_dir = Path(examples.app.config["SANDBOX_DIR"]) / "repos" / "alpha-web.git"
        refs = subprocess.run(["git", "--git-dir", str(git_dir), "branch", "--list"],
                              capture_output=True, text=True, check=True).stdout
        assert "ABC-5-rate-limit" in refs
        # The host's push delivery went through the webhook pipeline: re-indexed.
        examples.drain()
        hooks = host.load()["hooks"]["alpha-web"]
        assert len(hooks) == 1 and hooks[0]["url"].startswith(f"{examples.url}/webhooks/")
        s.page.reload()
        expect(s.frame("issue-development").locator(".gb-branch", has_text="ABC-5-rate-limit")
               ).to_be_visible()
        # A pull request: the host's refusal first (one is open for that pair already),
        # then one it opens, and which comes back by webhook.
        panel = s.frame("issue-development")
        panel.get_by_role("button", name="Create pull request").click()
        form = panel.locator(".gb-create-form")
        form.get_by_label("Repository").select_option(label="sandbox/alpha-web")
        form.get_by_label("Source branch").select_option("feature/ABC-3-password-reset")
        form.get_by_role("button", name="Create pull request").click()
        expect(form.locator(".aui-message-error")).to_contain_text("already exists")
        s.screenshot("create-pull-request-refused")
        form.get_by_label("Target branch").select_option("ABC-5-rate-limit")
        form.get_by_role("button", name="Create pull request").click()
        expect(panel.locator(".gb-create-success")).to_contain_text("Pull request")
        pulls = host.load()["pulls"]["alpha-web"]
        assert [p["head"] for p in pulls if p["number"] == 3] == ["feature/ABC-3-password-reset"]
        examples.drain()
        s.page.reload()
        expect(s.frame("issue-development").locator(".gb-panel-section", has_text="Pull requests")
               ).to_contain_text("ABC-5")
        s.screenshot("issue-panel-after-create")


def long_history(path: Path, count: int) -> Path:
    bare = init_bare(path)
    stream = []
    for i in range(1, count + 1):
        message = (f"ABC-{1 + i % 5} step {i}" if i % 4 else f"chore {i}").encode()
        stream.append(b"commit refs/heads/main\nmark :%d\n" % i)
        stream.append(b"committer Lee Long <lee@example.com> %d +0000\n" % (1_760_000_000 + i))
        stream.append(b"data %d\n%s\n" % (len(message), message))
        if i > 1:
            stream.append(b"from :%d\n" % (i - 1))
        stream.append(b"M 100644 inline f%d.txt\ndata %d\n%d\n\n" % (i % 7, len(str(i)) + 1, i))
    subprocess.run(["git", "--git-dir", str(bare), "fast-import", "--quiet"],
                   input=b"".join(stream), check=True)
    return bare


def test_local_repository_with_a_long_history(sandbox: Sandbox, browser: Any,
                                              tmp_path: Path) -> None:
    bare = long_history(tmp_path / "long-history.git", 250)
    with sandbox.visit(browser, "/dev/", "admin", viewport=(1280, 1200)) as s:
        s.page.get_by_label("Or a repository on this machine").fill(str(bare))
        s.page.get_by_role("button", name="Connect", exact=True).click()
        expect(s.page.locator(".sb-message")).to_contain_text("Connected long-history")
        sandbox.drain()
        s.goto(ADMIN_PAGE + "repository-browser")
        page = s.frame("repository-browser")
        page.get_by_role("link", name="sandbox/long-history").click()
        commits = page.locator(".gb-browse-commit")
        expect(commits).to_have_count(100)
        expect(commits.first).to_contain_text("ABC-1 step 250")
        page.get_by_role("button", name="Load more").click()
        expect(commits).to_have_count(200)
        page.get_by_role("button", name="Load more").click()
        expect(commits).to_have_count(250)
        expect(page.locator(".gb-load-more")).to_have_count(0)
        page.get_by_label("Show").select_option("unlinked")
        expect(commits).to_have_count(62)
        s.screenshot("repository-browser-long")
        s.goto("/dev/")
        s.page.get_by_label("Or a repository on this machine").fill(str(tmp_path / "nothing"))
        s.page.get_by_role("button", name="Connect", exact=True).click()
        expect(s.page.locator(".sb-message")).to_contain_text("is not an existing directory")


def test_development_panel_create_branch_link(examples: Sandbox, browser: Any) -> None:
    """Jira's panel opens the action's templateUrl in a tab of its own with a context
    token for {jwt}: the app's page takes it, and creates the branch with it."""
    with examples.visit(browser, "/dev/browse/ABC-2", viewport=(1280, 1000)) as s:
        with s.context.expect_page() as opened:
            s.page.locator(".sb-jira-dev").get_by_role("link", name="Create branch").click()
        tab = opened.value
        errors: list[str] = []
        tab.on("pageerror", lambda e: errors.append(str(e)))
        tab.wait_for_load_state()
        assert tab.url.startswith(f"{examples.url}/pages/create-branch?issueKey=ABC-2&")
        assert "jwt=" in tab.url
        form = tab.locator(".gb-create-form")
        expect(form.get_by_label("Branch name")).to_have_value(
            "ABC-2-remember-me-on-this-device")
        form.get_by_label("Repository").select_option(label="sandbox/alpha-web")
        SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
        tab.screenshot(path=str(SCREENSHOT_DIR / "sandbox-development-create-branch.png"))
        form.get_by_role("button", name="Create branch").click()
        expect(tab.locator(".gb-create-success")).to_contain_text(
            "ABC-2-remember-me-on-this-device")
        assert errors == [], errors
