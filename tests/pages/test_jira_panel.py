"""The manage page's Jira section and the issue pages' smart-commit badges, in Chromium:
what was sent to Jira's Development panel (counts, last push, refusals, unknown keys),
the smart commits run, and Resend."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import redis
from playwright.sync_api import expect

from tests.pages.helpers import ADMIN, DEV, clean, page
from tests.support.browser import LiveServer
from tests.support.connect import ConnectActions
from tests.support.git_http import GitHttpServer
from tests.support.gitrepo import WorkRepo, init_bare
from tests.support.indexing import drain


def recent(hours: int) -> str:
    return (datetime.now(UTC) - timedelta(hours=hours)).strftime("%Y-%m-%dT%H:%M:%S+00:00")


def test_manage_page_shows_what_went_to_jira(browser: Any, connect: ConnectActions,
                                             site: tuple[str, str], live: LiveServer,
                                             tmp_path: Path, redis_conn: redis.Redis) -> None:
    jira = connect.fake.site("site-a")
    root = tmp_path / "served"
    root.mkdir()
    work = WorkRepo(tmp_path / "work")
    work.commit("ABC-1 first", {"a.txt": "a\n"}, date=recent(30))
    work.commit("ABC-2 #comment reviewed and fine", {"b.txt": "b\n"}, date=recent(20))
    failing = work.commit("ABC-3 #deploy-now", {"c.txt": "c\n"}, date=recent(10))
    work.commit("NOPE-1 a key of no issue", {"d.txt": "d\n"}, date=recent(5))
    refused = work.commit("ABC-5 Jira refuses this one", {"e.txt": "e\n"}, date=recent(2))
    work.publish(init_bare(root / "app.git"))
    jira.devinfo.refuse[refused] = "The commit URL is not allowed"
    with GitHttpServer(root) as server:
        created = connect.api("POST", "/api/v1/integrations", *site, sub=ADMIN,
                              json={"kind": "git", "url": server.url("app.git")}).get_json()
        drain(redis_conn)
        s = page(browser, connect, site, live, "/pages/manage-repositories", ADMIN,
                 viewport=(1100, 900))
        try:
            p = s.page
            section = p.locator(".gb-repo", has_text="app").locator(".gb-jira")
            expect(section.locator(".gb-lozenge")).to_have_text("up to date")
            counts = section.locator(".gb-jira-counts")
            expect(counts).to_contain_text("4 of 5 commits")
            expect(counts).to_contain_text("0 branches")
            expect(section).to_contain_text("Last push just now")
            problems = section.locator(".gb-jira-problems")
            expect(problems).to_contain_text("Jira refused 1 entity")
            expect(problems).to_contain_text(f"commit {refused}: The commit URL is not allowed")
            expect(problems).to_contain_text("Issue keys Jira does not know: NOPE-1")
            expect(section.locator(".gb-smart-summary")).to_contain_text(
                "1 commit acted on · 1 with failed commands")
            warnings = p.locator(".gb-repo-warnings")
            expect(warnings).to_contain_text("no transition matches #deploy-now")
            expect(warnings).to_contain_text("Jira refused 1 of the entities")
            s.screenshot("manage-repositories-jira")

            before = len(jira.devinfo.bodies)
            section.get_by_role("button", name="Resend to Jira").click()
            expect(p.locator("#gb-list-message")).to_contain_text("being sent to Jira")
            drain(redis_conn)
            expect(section.locator(".gb-lozenge")).to_have_text("up to date", timeout=20_000)
            assert len(jira.devinfo.bodies) > before
            clean(s)
        finally:
            s.close()

        s = page(browser, connect, site, live, "/pages/issue-commits?issueKey=ABC-3", DEV,
                 viewport=(900, 500))
        try:
            p = s.page
            card = p.locator(f".gb-commit[data-sha='{failing}']")
            badge = card.locator(".gb-smart-commit")
            expect(badge).to_have_text("smart commit error")
            assert "no transition matches #deploy-now" in (badge.get_attribute("title") or "")
            expect(card.locator(".gb-smart-failures")).to_contain_text("#deploy-now")
            s.screenshot("issue-commits-smart-commit-error")
            clean(s)
        finally:
            s.close()
    assert created["settings"]["devinfo"] is True
