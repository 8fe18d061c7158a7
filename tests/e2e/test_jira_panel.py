"""Jira's own Development panel holds exactly what the app's panel shows, for every key.

A fake GitHub Enterprise with the standard scenario plus a repository of a thousand
commits (ABC-1 in 400 of them), feature branches and pull requests; the app connects,
indexes and backfills; then live pushes arrive as webhooks and a pull request is
merged. After each step, for every issue key, what the fake Jira holds (commits,
branches, pull requests) equals what ``GET /api/v1/issues/{key}/development`` lists.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from app.devinfo.limits import entity_id
from tests.e2e.conftest import start_fake
from tests.e2e.flow import DEV, Flow
from tests.support.connect import ConnectActions
from tests.support.fake_hosts.scenario import Scenario
from tests.support.fake_hosts.state import now
from tests.support.gitrepo import WorkRepo, git

KEYS = [f"ABC-{n}" for n in range(1, 61)]


@pytest.fixture
def host(tmp_path: Path) -> Iterator[Scenario]:
    yield from start_fake("github", tmp_path)


def big_history(bare: Path) -> None:
    """1,000 commits on main (ABC-1 in 400 of them, ABC-2..ABC-41 in the rest, some with
    no key), then a feature branch of five ABC-43 commits that main does not have."""
    out: list[bytes] = []

    def data(text: str) -> bytes:
        raw = text.encode()
        return b"data %d\n%s\n" % (len(raw), raw)

    def commit(ref: str, mark: int, parent: int, message: str, when: int) -> None:
        ident = b"Alice Example <alice@example.com> %d +0000\n" % when
        out.extend([b"commit %s\nmark :%d\n" % (ref.encode(), mark), b"author " + ident,
                    b"committer " + ident, data(message)])
        if parent:
            out.append(b"from :%d\n" % parent)
        out.append(b"M 100644 inline f%d.txt\n" % (mark % 97) + data(f"{mark}\n"))

    when = 1_760_000_000
    for n in range(1, 1001):
        if n % 5 in (0, 1):
            message = f"ABC-1 part {n}" + (" with ABC-2" if n % 50 == 0 else "")
        elif n % 20 == 7:
            message = f"housekeeping {n}"
        else:
            message = f"ABC-{2 + n % 40} change {n}"
        commit("refs/heads/main", n, n - 1, message + "\n\nMore about it.\n", when + 60 * n)
    for n in range(1001, 1006):
        commit("refs/heads/feature/ABC-42-search", n, 1000 if n == 1001 else n - 1,
               f"ABC-43 search step {n}", when + 60 * n)
    out.append(b"done\n")
    subprocess.run(["git", "--git-dir", str(bare), "fast-import", "--quiet", "--done"],
                   input=b"".join(out), check=True, capture_output=True)


def add_issues(flow: Flow) -> None:
    site = flow.connect.fake.site("site-a")
    for number, key in enumerate(KEYS, start=1):
        ident = 20000 + number
        site.issues.setdefault(key, {"id": str(ident), "key": key, "fields": {
            "summary": key, "project": {"id": "1", "key": "ABC"}}})
        ident = int(site.issues[key]["id"])
        for permission in ("BROWSE_PROJECTS", "VIEW_DEV_TOOLS"):
            site.grants.setdefault((DEV, permission), set()).add(ident)


def ours(flow: Flow, key: str) -> dict[str, set[tuple[str, str]]]:
    page = flow.dev(key)
    commits = list(page["commits"])
    while page.get("next"):
        page = flow.ok("GET", f"/api/v1/issues/{key}/development?cursor={page['next']}", sub=DEV)
        commits.extend(page["commits"])
    return {
        "commits": {(str(c["repository"]["id"]), c["sha"]) for c in commits},
        "branches": {(str(b["repository"]["id"]), entity_id(b["name"]))
                     for b in page["branches"]},
        "pullRequests": {(str(p["repository"]["id"]), entity_id(str(p["id"])))
                         for p in page["pull_requests"]},
    }


def assert_panels_equal(flow: Flow) -> int:
    store = flow.connect.fake.site("site-a").devinfo
    linked = 0
    for key in KEYS:
        jira = {kind: set(found) for kind, found in store.issue(key).items()}
        assert jira == ours(flow, key), key
        linked += len(jira["commits"])
    return linked


def test_jira_holds_what_our_panel_shows(connect: ConnectActions, redis_conn: redis.Redis,
                                        host: Scenario, monkeypatch: pytest.MonkeyPatch,
                                        tmp_path: Path) -> None:
    flow = Flow.start(connect, redis_conn, host, "github_enterprise", monkeypatch)
    add_issues(flow)
    fake = host.fake
    big = fake.create_repo(fake.repo_name(fake.default_owner, "big"))
    big_history(big.bare)
    fake.add_pull(big.name, source="feature/ABC-42-search", title="ABC-42 Search",
                  state="open", author="bob", reviewers=[("dave", True)])
    host.repos["big"] = big
    host.works["big"] = WorkRepo(tmp_path / "big-work")
    git("fetch", "--quiet", str(big.bare), "+refs/heads/*:refs/remotes/origin/*",
        cwd=host.works["big"].path)
    host.works["big"].git("checkout", "--quiet", "-b", "main", "refs/remotes/origin/main")
    created = flow.create()
    flow.drain()
    repos = flow.repositories(created)
    assert {r["status"] for r in repos.values()} == {"indexed"}
    store = connect.fake.site("site-a").devinfo
    assert {b["operationType"] for b in store.bodies} == {"BACKFILL"}
    assert len(ours(flow, "ABC-1")["commits"]) == 400 + 3  # and app's two, lib's one
    linked = assert_panels_equal(flow)
    assert linked == 400 + 550 + 20 + 5 + 3 + 1  # commit-issue links, as built above
    backfill = len(store.bodies)
    assert all(r["devinfo"]["status"] == "up_to_date" for r in repos.values())

    # Live: pushes delivered as webhooks, a pull request merged on the host.
    pushes = [host.push("big", "ABC-1 live on main", {"live.txt": "1\n"}),
              host.push("big", "ABC-43 more search", {"s.txt": "s\n"},
                        branch="feature/ABC-42-search"),
              host.push("app", "ABC-44 a new branch", {"n.txt": "n\n"}, branch="ABC-44-new")]
    pull = big.pulls[0]
    pull.state, pull.updated_at = "merged", now()
    branch_for = {0: "main", 1: "feature/ABC-42-search", 2: "ABC-44-new"}
    for index, (before, after) in enumerate(pushes):
        name = host.name("app") if index == 2 else big.name
        fake.deliver_push(name, f"refs/heads/{branch_for[index]}", before, after, flow.send)
    flow.drain()
    live = store.bodies[backfill:]
    assert live and {b["operationType"] for b in live} == {"NORMAL"}
    sent_commits = [e["message"] for b in live for r in b["repositories"]
                    for e in r.get("commits", [])]
    assert sorted(sent_commits) == ["ABC-1 live on main", "ABC-43 more search",
                                    "ABC-44 a new branch"]
    assert assert_panels_equal(flow) == linked + 3
    merged = next(iter(store.issue("ABC-42")["pullRequests"].values()))
    assert merged["status"] == "MERGED"

    assert flow.api("DELETE", f"/api/v1/integrations/{created['id']}").status_code == 204
    flow.drain()
    assert store.repositories == {}
