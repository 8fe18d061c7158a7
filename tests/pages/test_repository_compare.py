"""Compare in the Repository browser, in Chromium: a range longer than one API page of
commits, loaded a page at a time."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import redis
from playwright.sync_api import expect

from tests.pages.helpers import DEV, api, clean, page
from tests.support.browser import LiveServer
from tests.support.connect import ConnectActions
from tests.support.git_http import GitHttpServer
from tests.support.gitrepo import git, linear_history
from tests.support.indexing import drain


def test_load_more_commits_of_a_long_range(browser: Any, connect: ConnectActions,
                                           site: tuple[str, str], live: LiveServer,
                                           tmp_path: Path, redis_conn: redis.Redis) -> None:
    bare = linear_history(tmp_path / "long.git", [f"ABC-7 step {i}" for i in range(1, 251)],
                          tags={1: "start", 247: "late"})
    head = git("--git-dir", str(bare), "rev-parse", "main").strip()
    jira = connect.fake.site("site-a")
    jira.projects = [{"id": "1", "key": "ABC", "name": "Alpha"}]
    for permission in ("BROWSE_PROJECTS", "VIEW_DEV_TOOLS"):
        jira.grants[(DEV, permission)].add(1)
    with GitHttpServer(tmp_path) as server:
        api(connect, site, "POST", "/api/v1/integrations",
            json={"kind": "git", "url": server.url("long.git")})
        drain(redis_conn)
    (repository,) = api(connect, site, "GET", "/api/v1/repositories", DEV)["repositories"]
    s = page(browser, connect, site, live,
             f"/pages/repository-browser?repository={repository['id']}", DEV)
    try:
        p = s.page
        p.get_by_role("link", name="Compare").click()
        p.select_option("#gb-base", "start")
        p.select_option("#gb-head", "main")
        p.get_by_role("button", name="Compare", exact=True).click()
        result = p.locator(".gb-compare-result")
        commits = result.locator(".gb-commit")
        count = result.locator(".gb-compare-count")
        expect(result.locator(".gb-stat").first).to_contain_text("249")
        expect(commits).to_have_count(100)
        expect(commits.first.locator(".gb-commit-body")).to_have_text("ABC-7 step 250")
        expect(count).to_have_text("Showing the newest 100 of 249 commits.")
        # The next pages are asked of the first answer's shas, so they cannot shift.
        with p.expect_request(lambda r: "cursor=100" in r.url) as asked:
            result.get_by_role("button", name="Load more").click()
        assert f"head={head}" in asked.value.url
        expect(commits).to_have_count(200)
        expect(count).to_have_text("Showing the newest 200 of 249 commits.")
        s.screenshot("repository-browser-compare-load-more")
        result.get_by_role("button", name="Load more").click()
        expect(commits).to_have_count(249)
        expect(commits.last.locator(".gb-commit-body")).to_have_text("ABC-7 step 2")
        expect(count).to_have_text("Showing all 249 commits.")
        expect(result.locator(".gb-load-more")).to_have_count(0)
        shas = commits.evaluate_all("els => els.map(e => e.dataset.sha)")
        assert len(set(shas)) == 249 and shas[0] == head
        clean(s)
    finally:
        s.close()

    # A range of one page says nothing more than its stats.
    s = page(browser, connect, site, live,
             f"/pages/repository-browser?repository={repository['id']}", DEV)
    try:
        p = s.page
        p.evaluate(f"location.hash = 'repo/{repository['id']}/compare?base=late&head=main'")
        expect(p.locator(".gb-compare-result .gb-commit")).to_have_count(3)
        expect(p.locator(".gb-compare-count")).to_have_text("")
        expect(p.locator(".gb-load-more")).to_have_count(0)
        s.screenshot("repository-browser-compare-short-range")
        clean(s)
    finally:
        s.close()

