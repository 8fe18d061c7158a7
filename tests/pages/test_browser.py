"""The pages in a real browser (Chromium), on the app served over HTTP, against real git
repositories indexed by a real worker. Only Atlassian's CDN script is faked (with real
tokens), since Jira is not there to serve it.

Screenshots of every page go to ``tests.support.browser.SCREENSHOT_DIR``.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import redis
from playwright.sync_api import expect

from app.creating import NO_HOST_ACCOUNT
from app.extensions import db
from app.models import Repository
from tests.pages.helpers import ADMIN, BROWSE_ONLY, DEV, clean, page
from tests.support.browser import LiveServer
from tests.support.connect import ConnectActions
from tests.support.git_http import GitHttpServer
from tests.support.gitrepo import WorkRepo, init_bare, linear_history
from tests.support.indexing import drain

XSS = "<script>alert(1)</script><img src=x onerror=alert(2)>"
XSS_BRANCH = "feature/ABC-5-<img-src=x-onerror=alert(3)>"
XSS_PATH = "<img src=x onerror=alert(4)>.html"


@pytest.fixture
def git(tmp_path: Path) -> Iterator[dict[str, Any]]:
    """``app.git`` (the main history) and ``other.git``, served over smart HTTP."""
    root = tmp_path / "served"
    root.mkdir()
    work = WorkRepo(tmp_path / "work")
    first = work.commit("ABC-1 first", {"a.txt": "one\n"}, date="2026-01-01T10:00:00Z")
    second = work.commit("ABC-2 second, also ABC-1\n\nUnicode: Grüße 🚀\n    indented line",
                         {"a.txt": "one\ntwo\nthree\n", "b.txt": "b\n"},
                         date="2026-01-02T10:00:00Z")
    work.tag("v1.0", message="release 1.0")
    work.checkout("feature/ABC-1-login", create=True)
    login = work.commit("ABC-1 login form", {"login.txt": "form\n"}, date="2026-01-03T10:00:00Z")
    work.checkout("main")
    work.commit("unrelated work on main", {"c.txt": "c\n"}, date="2026-01-04T10:00:00Z")
    xss = work.commit(f"ABC-5 {XSS}\n\nbody {XSS}",
                      {XSS_PATH: "<script>alert(5)</script>\n"}, date="2026-01-05T10:00:00Z")
    work.checkout(XSS_BRANCH, create=True)
    work.commit("more", {"d.txt": "d\n"}, date="2026-01-06T10:00:00Z")
    work.checkout("main")
    work.publish(init_bare(root / "app.git"))
    other = WorkRepo(tmp_path / "other")
    other.commit("ABC-2 elsewhere", {"o.txt": "o\n"})
    other.publish(init_bare(root / "other.git"))
    with GitHttpServer(root) as server:
        yield {"server": server, "root": root, "first": first, "second": second,
               "login": login, "xss": xss}


@pytest.fixture
def indexed(connect: ConnectActions, site: tuple[str, str], git: dict[str, Any],
            redis_conn: redis.Redis) -> dict[str, Any]:
    created = connect.api("POST", "/api/v1/integrations", *site, sub=ADMIN,
                          json={"kind": "git", "url": git["server"].url("app.git")})
    assert created.status_code == 201, created.get_json()
    drain(redis_conn)
    return {**git, "integration": created.get_json()}


def repositories(connect: ConnectActions, site: tuple[str, str], integration_id: int) -> Any:
    return connect.api("GET", f"/api/v1/integrations/{integration_id}/repositories", *site,
                       sub=ADMIN).get_json()["repositories"]


def created_repo_id(connect: ConnectActions, site: tuple[str, str],
                    integration: dict[str, Any]) -> int:
    (repository,) = repositories(connect, site, integration["id"])
    return int(repository["id"])


def test_manage_repositories(browser: Any, connect: ConnectActions, site: tuple[str, str],
                             live: LiveServer, git: dict[str, Any],
                             redis_conn: redis.Redis) -> None:
    server = git["server"]
    created = connect.api("POST", "/api/v1/integrations", *site, sub=ADMIN,
                          json={"kind": "git", "url": server.url("app.git")}).get_json()
    s = page(browser, connect, site, live, "/pages/manage-repositories", ADMIN)
    try:
        p = s.page
        row = p.locator(".gb-repo", has_text="app")
        expect(row.locator(".gb-status")).to_have_text("queued")
        expect(p.locator("#gb-hosts tbody tr")).to_have_count(11)

        # Mid-index, as a worker records it: a progress bar, and warnings as text.
        repository = db.session.get(Repository, created_repo_id(connect, site, created))
        repository.status, repository.progress_done, repository.progress_total = "indexing", 3, 10
        repository.warnings = [{"code": "slow", "message": "<b>slow</b> host", "at": None}]
        db.session.commit()
        expect(row.locator(".gb-status")).to_have_text("indexing")
        expect(row.locator(".aui-progress-indicator")).to_have_attribute("data-value", "0.300")
        expect(row.locator(".gb-progress")).to_contain_text("3 of 10 (30%)")
        expect(row.locator(".gb-repo-warnings")).to_contain_text("<b>slow</b> host")
        s.screenshot("manage-repositories-indexing")
        repository.status = "queued"
        db.session.commit()

        drain(redis_conn)  # the page polls every 2 s while anything is queued
        expect(row.locator(".gb-status")).to_have_text("indexed", timeout=20_000)
        (repo,) = repositories(connect, site, created["id"])
        counts = row.locator(".gb-counts")
        expect(counts).to_contain_text(f"{repo['counts']['commits']} commits")
        expect(counts).to_contain_text(f"{repo['counts']['branches']} branches")
        expect(counts).to_contain_text("1 tag")
        expect(counts).to_contain_text("0 pull requests")
        expect(row).to_contain_text("Last indexed just now")
        row.locator("summary", has_text="Indexing log").click()
        expect(row.locator(".gb-log")).to_contain_text("indexed")
        card = p.locator(".gb-integration", has_text="app")
        card.locator("summary", has_text="Webhook").click()
        expect(card.get_by_label("Webhook URL")).to_have_value(created["webhook"]["url"])
        s.screenshot("manage-repositories")

        # A wrong URL: the API's own message shows next to the form, nothing is added.
        p.click("#gb-add-toggle")
        wrong = {"kind": "git", "url": server.url("nope.git"), "auth": {"type": "none"},
                 "settings": {"project_keys": None}}
        refusal = connect.api("POST", "/api/v1/integrations", *site, sub=ADMIN, json=wrong)
        assert refusal.status_code == 422
        p.fill("#gb-url", wrong["url"])
        p.click("#gb-add-submit")
        expect(p.locator("#gb-add-message")).to_contain_text(
            refusal.get_json()["error"]["message"])
        s.screenshot("manage-repositories-add-error")

        # The right URL, limited to two projects: added to the list, queued.
        p.fill("#gb-url", server.url("other.git"))
        p.fill("#gb-project-keys", "abc, ops")
        p.click("#gb-add-submit")
        other = p.locator(".gb-integration", has_text="other")
        expect(other.locator(".gb-status")).to_have_text("queued")
        expect(other.locator(".gb-facts")).to_contain_text("ABC, OPS")
        expect(p.locator("#gb-add-section")).to_be_hidden()

        # Its repository vanishes before it is indexed: the error shows, Retry queues it.
        shutil.rmtree(git["root"] / "other.git")
        drain(redis_conn)
        expect(other.locator(".gb-status")).to_have_text("error", timeout=8_000)
        expect(other.locator(".gb-repo-error")).to_contain_text("Indexing failed")
        s.screenshot("manage-repositories-error")
        other.get_by_role("button", name="Retry").click()
        expect(other.locator(".gb-status")).to_have_text("queued")

        # Remove asks first; Cancel keeps it, Remove removes it.
        other.locator(".gb-repo").get_by_role("button", name="Remove").click()
        dialog = p.get_by_role("dialog")
        expect(dialog).to_contain_text("other")
        s.screenshot("manage-repositories-confirm")
        dialog.get_by_role("button", name="Cancel").click()
        expect(dialog).to_have_count(0)
        expect(other.locator(".gb-repo")).to_have_count(1)
        other.locator(".gb-repo").get_by_role("button", name="Remove").click()
        p.get_by_role("dialog").get_by_role("button", name="Remove").click()
        expect(other.locator(".gb-repo")).to_have_count(0)
        expect(p.locator("#gb-list-message")).to_contain_text("Removed other")
        other_id = int(other.get_attribute("data-integration-id") or 0)
        assert repositories(connect, site, other_id) == []

        # Disconnect, confirmed: the whole integration goes.
        other.get_by_role("button", name="Disconnect").click()
        p.get_by_role("dialog").get_by_role("button", name="Disconnect").click()
        expect(p.locator(".gb-integration")).to_have_count(1)
        integrations = connect.api("GET", "/api/v1/integrations", *site,
                                   sub=ADMIN).get_json()["integrations"]
        assert [i["id"] for i in integrations] == [created["id"]]
        clean(s)
    finally:
        s.close()


def test_issue_panel(browser: Any, connect: ConnectActions, site: tuple[str, str],
                     live: LiveServer, indexed: dict[str, Any]) -> None:
    s = page(browser, connect, site, live,
             "/pages/issue-development?issueKey=ABC-1&projectKey=ABC", DEV, viewport=(340, 640))
    try:
        p = s.page
        expect(p.locator(".gb-summary")).to_have_text("3 commits")
        branch = p.locator(".gb-branch", has_text="feature/ABC-1-login")
        expect(branch).to_contain_text("↑1 ahead")
        expect(branch).to_contain_text("↓2 behind")
        expect(branch).to_contain_text("app")
        expect(p.locator(".gb-tags")).to_contain_text("v1.0")
        expect(p.locator(".gb-panel-section", has_text="Pull requests")).to_contain_text(
            "No pull requests")
        lines = p.locator(".gb-commit-line")
        expect(lines).to_have_count(3)
        expect(lines.nth(0)).to_contain_text(indexed["login"][:7])
        expect(lines.nth(0)).to_contain_text("ABC-1 login form")
        expect(lines.nth(1)).to_contain_text("ABC-2 second, also ABC-1")
        expect(lines.nth(1)).not_to_contain_text("Unicode")  # first line only
        expect(lines.nth(2)).to_contain_text("Alice Example")
        assert "resize" in s.ap_calls()
        s.screenshot("issue-panel")

        # A plain git repository cannot have branches created from Jira: no buttons, and
        # why, with the data the panel loads anyway (no form, no "Loading repositories…").
        expect(p.get_by_role("button", name="Create branch")).to_be_hidden()
        expect(p.get_by_role("button", name="Create pull request")).to_be_hidden()
        expect(p.locator(".gb-create-why")).to_have_text(NO_HOST_ACCOUNT)
        expect(p.locator(".gb-create-loading")).to_have_count(0)
        s.screenshot("issue-panel-no-create")
        clean(s)
    finally:
        s.close()

    s = page(browser, connect, site, live, "/pages/issue-development?issueKey=ABC-9", DEV,
             viewport=(340, 400))
    try:
        expect(s.page.locator(".gb-empty")).to_contain_text("No git activity for ABC-9 yet")
        s.screenshot("issue-panel-empty")
        clean(s)
    finally:
        s.close()

    s = page(browser, connect, site, live, "/pages/issue-development?issueKey=ABC-1",
             BROWSE_ONLY, viewport=(340, 400))
    try:
        expect(s.page.locator(".aui-message")).to_contain_text(
            "You need Browse Projects and View Development Tools")
        expect(s.page.locator(".gb-commit-line")).to_have_count(0)
        s.screenshot("issue-panel-forbidden")
        clean(s)
    finally:
        s.close()


def test_issue_commits_with_files_and_diff(browser: Any, connect: ConnectActions,
                                           site: tuple[str, str], live: LiveServer,
                                           indexed: dict[str, Any]) -> None:
    s = page(browser, connect, site, live, "/pages/issue-commits?issueKey=ABC-1", DEV,
             viewport=(900, 900))
    try:
        p = s.page
        group = p.locator(".gb-repo-group", has_text="app")
        expect(group.locator(".gb-repo-group-title")).to_contain_text("3")
        cards = group.locator(".gb-commit")
        expect(cards).to_have_count(3)
        second = p.locator(f'.gb-commit[data-sha="{indexed["second"]}"]')
        expect(second.locator(".gb-sha")).to_have_text(indexed["second"][:7])
        body = second.locator(".gb-commit-body")
        expect(body).to_have_text(
            "ABC-2 second, also ABC-1\n\nUnicode: Grüße 🚀\n    indented line")
        assert body.evaluate("e => getComputedStyle(e).whiteSpace") == "pre-wrap"
        a_txt = second.locator(".gb-file", has_text="a.txt")
        expect(a_txt.locator(".gb-change")).to_have_text("modified")
        expect(a_txt.locator(".gb-added")).to_have_text("+2")
        expect(a_txt.locator(".gb-removed")).to_have_text("\u22120")
        expect(second.locator(".gb-file", has_text="b.txt").locator(".gb-change")).to_have_text(
            "added")
        a_txt.get_by_role("button", name="Show diff").click()
        added = a_txt.locator(".gb-diff-add")
        expect(added).to_have_text(["+two\n", "+three\n"])
        expect(a_txt.locator(".gb-diff-hunk")).to_have_count(1)
        assert added.first.evaluate("e => getComputedStyle(e).backgroundColor") != \
            "rgba(0, 0, 0, 0)"
        expect(a_txt.get_by_role("button", name="Hide diff")).to_be_visible()
        expect(p.locator(".gb-load-more")).to_have_count(0)
        s.screenshot("issue-commits")
        clean(s)
    finally:
        s.close()


def test_untrusted_text_is_shown_as_text(browser: Any, connect: ConnectActions,
                                         site: tuple[str, str], live: LiveServer,
                                         indexed: dict[str, Any]) -> None:
    s = page(browser, connect, site, live, "/pages/issue-development?issueKey=ABC-5", DEV,
             viewport=(340, 640))
    try:
        p = s.page
        expect(p.locator(".gb-commit-message")).to_have_text(f"ABC-5 {XSS}")
        expect(p.locator(".gb-branch-name")).to_have_text(XSS_BRANCH)
        assert p.locator("img").count() == 0
        s.screenshot("issue-panel-untrusted")
        clean(s)
    finally:
        s.close()
    s = page(browser, connect, site, live, "/pages/issue-commits?issueKey=ABC-5", DEV)
    try:
        p = s.page
        expect(p.locator(".gb-commit-body")).to_have_text(f"ABC-5 {XSS}\n\nbody {XSS}")
        file = p.locator(".gb-file")
        expect(file.locator(".gb-file-path")).to_have_text(XSS_PATH)
        file.get_by_role("button", name="Show diff").click()
        expect(file.locator(".gb-diff-add")).to_have_text("+<script>alert(5)</script>\n")
        assert p.locator("img").count() == 0
        scripts = p.eval_on_selector_all("script", "els => els.map(e => e.textContent)")
        assert not any(re.search(r"alert\(\d\)", text) for text in scripts)
        s.screenshot("issue-commits-untrusted")
        clean(s)
    finally:
        s.close()


def test_load_more_commits(browser: Any, connect: ConnectActions, site: tuple[str, str],
                           live: LiveServer, tmp_path: Path, redis_conn: redis.Redis) -> None:
    """An issue with more commits than one API page: "Load more" follows ``next``."""
    linear_history(tmp_path / "many.git", [f"ABC-7 change {i}" for i in range(1, 1003)])
    with GitHttpServer(tmp_path) as server:
        connect.api("POST", "/api/v1/integrations", *site, sub=ADMIN,
                    json={"kind": "git", "url": server.url("many.git")})
        drain(redis_conn)
    s = page(browser, connect, site, live, "/pages/issue-commits?issueKey=ABC-7", DEV)
    try:
        p = s.page
        expect(p.locator(".gb-summary-line")).to_contain_text("1000+ commits")
        expect(p.locator(".gb-commit")).to_have_count(1000)
        expect(p.locator(".gb-commit-body").first).to_have_text("ABC-7 change 1002")
        p.get_by_role("button", name="Load more").click()
        expect(p.locator(".gb-commit")).to_have_count(1002)
        expect(p.locator(".gb-commit-body").last).to_have_text("ABC-7 change 1")
        expect(p.locator(".gb-summary-line")).to_contain_text("1002 commits in 1 repository")
        expect(p.locator(".gb-load-more")).to_have_count(0)
        expect(p.locator(".gb-repo-group")).to_have_count(1)
        clean(s)
    finally:
        s.close()
