"""The stand-in Jira takes what the app writes, as Jira does: devinfo pushes (Connect
JWT at /dev/rest, Forge Bearer at /ex/jira/<cloudId>/rest) and smart commits' issue
actions; the sandbox's issue view shows Jira's own Development panel from what was
pushed (counts equal to the app's panel, links back to the host's pages and ours) and
what smart commits did."""

from __future__ import annotations

from typing import Any

import requests
from playwright.sync_api import expect

from app.sandbox import jira_write
from tests.sandbox.conftest import Sandbox


def test_devinfo_and_smart_commits_from_the_connect_install(examples: Sandbox,
                                                            browser: Any) -> None:
    dev = jira_write.development("connect", "ABC-3")
    assert len(dev["commits"]) == 2 and len(dev["pullRequests"]) == 1
    assert [b["name"] for b in dev["branches"]] == ["feature/ABC-3-password-reset"]
    assert jira_write.development("forge", "ABC-3")["commits"] == []
    done = jira_write.activity("ABC-5")
    assert done["status"] == "In Progress"
    assert done["transitions"] == ["Start Progress"]
    assert [w["timeSpent"] for w in done["worklogs"]] == ["30m"]
    assert any("Nothing else read them" in c["text"] and "Dev Eloper" in c["text"]
               for c in done["comments"])
    with examples.visit(browser, "/dev/browse/ABC-3", viewport=(1280, 1200)) as s:
        jira_panel = s.page.locator(".sb-jira-dev")
        expect(jira_panel.locator(".sb-dev-commits summary")).to_have_text("2 commits")
        expect(jira_panel.locator(".sb-dev-branches summary")).to_have_text("1 branch")
        expect(jira_panel.locator(".sb-dev-pullRequests summary")).to_have_text(
            "1 pull request")
        expect(s.frame("issue-development").locator(".gb-summary")).to_have_text("2 commits")
        jira_panel.locator(".sb-dev-commits summary").click()
        link = jira_panel.locator(".sb-dev-commits .sb-dev-link").first
        assert link.get_attribute("href").startswith(f"{examples.url}/dev/github/")
        s.screenshot("jira-development-panel")
        s.goto("/dev/browse/ABC-5")
        expect(s.page.locator(".sb-issue-status")).to_have_text("In Progress")
        expect(s.page.locator(".sb-worklog")).to_contain_text("logged 30m")
        expect(s.page.locator(".sb-transition")).to_contain_text("Start Progress")
        s.screenshot("smart-commit-activity")


def test_devinfo_from_the_forge_install(forge_examples: Sandbox, browser: Any) -> None:
    dev = jira_write.development("forge", "ABC-1")
    assert len(dev["commits"]) == 4
    assert jira_write.development("connect", "ABC-1")["commits"] == []
    with forge_examples.visit(browser, "/dev/browse/ABC-1", viewport=(1280, 1200),
                              platform="forge") as s:
        expect(s.page.locator(".sb-jira-dev .sb-dev-commits summary")).to_have_text("4 commits")
        expect(s.frame("issue-development").locator(".gb-summary")).to_have_text("4 commits")


def test_only_apps_write_to_jira(sandbox: Sandbox) -> None:
    http = sandbox.session()
    body = {"repositories": [{"id": "1", "name": "r", "url": "http://x", "updateSequenceId": 1,
                              "commits": []}]}
    for method, path in (("POST", "/rest/devinfo/0.10/bulk"),
                         ("POST", "/rest/api/3/issue/ABC-1/comment"),
                         ("DELETE", "/rest/devinfo/0.10/repository/1")):
        answer = http.request(method, f"{sandbox.url}/dev{path}", json=body, timeout=10)
        assert answer.status_code == 403, path
    assert requests.post(f"{sandbox.url}/dev/rest/devinfo/0.10/bulk", json=body,
                         timeout=10).status_code == 401
    assert jira_write.activity("ABC-1")["comments"] == []


def _connect_plain(sandbox: Sandbox, platform: str) -> dict[str, Any]:
    """ops-scripts as plain git (no host pages to link to), pushed to Jira; its header
    as Jira holds it."""
    sandbox.connect({"example": "ops-scripts"}, platform)
    commits = jira_write.development(platform, "OPS-1")["commits"]
    assert len(commits) == 2
    assert {c["url"] for c in commits} == {commits[0]["repository"]["url"]}
    return commits[0]["repository"]


def test_devinfo_links_open_our_page_inside_jira_connect(sandbox: Sandbox, browser: Any) -> None:
    repository = _connect_plain(sandbox, "connect")
    url = repository["url"]
    assert url == (f"{sandbox.url}/dev/plugins/servlet/ac/gitbridge-for-jira/repository-browser"
                   f"?ac.repository={repository['id']}")
    with sandbox.visit(browser, "/dev/browse/OPS-1", "developer", (1280, 1200)) as s:
        s.page.locator(".sb-dev-commits summary").click()
        s.page.locator(".sb-dev-commits .sb-dev-repo").first.click()
        expect(s.page).to_have_url(url)
        commits = s.frame("repository-browser").locator(".gb-browse-commit")
        expect(commits).to_have_count(4)  # that repository's history, not the list
        s.screenshot("devinfo-link-repository-browser")


def test_devinfo_links_open_our_page_inside_jira_forge(sandbox: Sandbox, browser: Any) -> None:
    repository = _connect_plain(sandbox, "forge")
    with sandbox.app.test_request_context():
        from app.sandbox import forge_tokens

        page = (f"{sandbox.url}/dev/jira/apps/{forge_tokens.app_uuid()}/"
                f"{forge_tokens.ENVIRONMENT_UUID}/repositories")
    assert repository["url"] == page
    with sandbox.visit(browser, "/dev/browse/OPS-1", "developer", (1280, 1200), "forge") as s:
        s.page.locator(".sb-dev-commits summary").click()
        s.page.locator(".sb-dev-commits .sb-dev-repo").first.click()
        expect(s.frame("repository-browser").locator(".gb-browse-row")).to_have_count(1)
