"""Compare, Roll Up and a project's commits."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import redis

from app.extensions import db
from app.models import Commit
from tests.api.browsing_fixtures import get
from tests.support.connect import ConnectActions
from tests.support.git_http import GitHttpServer
from tests.support.gitrepo import linear_history
from tests.support.indexing import drain


def test_compare_two_tags(connect: ConnectActions, site: Any, repo: Any) -> None:
    url = f"/api/v1/repositories/{repo['id']}/compare?base=v1.0&head=v2.0"
    body = get(connect, site, url).get_json()
    assert [c["sha"] for c in body["commits"]] == [repo["fourth"], repo["third"], repo["second"]]
    assert body["total_commits"] == 3 and body["next"] is None
    assert body["base"]["sha"] == repo["first"] and body["head"]["sha"] == repo["fourth"]
    files = {f["path"]: f for f in body["files"]}
    assert files == {
        "a.txt": {"path": "a.txt", "change": "modified", "added": 2, "removed": 0},
        "b.txt": {"path": "b.txt", "change": "added", "added": 1, "removed": 0},
        "c.txt": {"path": "c.txt", "change": "added", "added": 1, "removed": 0},
        "deploy.sh": {"path": "deploy.sh", "change": "added", "added": 2, "removed": 0},
        "old.txt": {"path": "old.txt", "change": "deleted", "added": 0, "removed": 1},
    }
    assert "login.py" not in files  # only on feature/login
    authors = {a["email"]: a for a in body["authors"]}
    assert authors["bob@example.com"] == {"name": "Bob Builder", "email": "bob@example.com",
                                          "commits": 2, "added": 5, "removed": 0}
    assert authors["alice@example.com"]["commits"] == 1
    assert (authors["alice@example.com"]["added"], authors["alice@example.com"]["removed"]) == (
        1, 1)
    assert body["issues"] == ["ABC-1", "ABC-2", "OPS-1"]
    assert body["stats"] == {"complete": True, "pending": 0, "missing": 0}
    # Swapped: nothing is in v2.0..v1.0.
    swapped = get(connect, site, url.replace("base=v1.0&head=v2.0", "base=v2.0&head=v1.0"))
    assert swapped.get_json()["commits"] == [] and swapped.get_json()["issues"] == []


def test_compare_branches_and_shas(connect: ConnectActions, site: Any, repo: Any) -> None:
    base = f"/api/v1/repositories/{repo['id']}/compare"
    body = get(connect, site, base + "?base=main&head=feature/login").get_json()
    assert [c["sha"] for c in body["commits"]] == [repo["login"]]
    assert body["issues"] == ["ABC-3"]
    by_sha = get(connect, site, base + f"?base={repo['first'][:10]}&head={repo['second']}")
    assert [c["sha"] for c in by_sha.get_json()["commits"]] == [repo["second"]]


def test_compare_refuses_what_it_cannot_name(connect: ConnectActions, site: Any,
                                             repo: Any) -> None:
    base = f"/api/v1/repositories/{repo['id']}/compare"
    assert get(connect, site, base + "?head=main").get_json()["error"]["code"] == \
        "invalid_request"
    for rev in ("nope", "main~1", "main..v1.0", "--output=/tmp/x", "HEAD@{1}"):
        response = get(connect, site, base + f"?base={rev}&head=main")
        assert response.status_code == 404, rev
        assert response.get_json()["error"]["code"] == "unknown_revision"
    assert get(connect, site, base + "?base=v1.0&head=main", "browse-only").status_code == 404


def test_compare_diff_of_one_file(connect: ConnectActions, site: Any, repo: Any) -> None:
    url = f"/api/v1/repositories/{repo['id']}/compare/diff?base=v1.0&head=v2.0&path=a.txt"
    diff = get(connect, site, url).get_json()["diff"]
    assert "+two" in diff and "+three" in diff
    assert get(connect, site, url.replace("&path=a.txt", "")).status_code == 400


def test_compare_says_when_line_counts_are_pending(connect: ConnectActions, site: Any,
                                                   repo: Any) -> None:
    row = db.session.get(Commit, (repo["id"], repo["second"]))
    row.stats_done = False
    row.files = [{**f, "added": None, "removed": None} for f in row.files]
    db.session.commit()
    body = get(connect, site,
               f"/api/v1/repositories/{repo['id']}/compare?base=v1.0&head=v2.0").get_json()
    assert body["stats"] == {"complete": False, "pending": 1, "missing": 0}
    rollup = get(connect, site, "/api/v1/issues/ABC-2/rollup").get_json()
    assert rollup["stats"]["complete"] is False and rollup["stats"]["pending"] == 1


def test_rollup(connect: ConnectActions, site: Any, repo: Any) -> None:
    body = get(connect, site, "/api/v1/issues/ABC-1/rollup").get_json()
    assert body["commits"] == 3
    assert body["first_commit"]["sha"] == repo["first"]
    assert body["last_commit"]["sha"] == repo["fourth"]
    authors = {a["email"]: a for a in body["authors"]}
    assert authors["alice@example.com"] == {"name": "Alice Example", "email": "alice@example.com",
                                            "commits": 1, "added": 2, "removed": 0}
    assert authors["bob@example.com"]["commits"] == 2
    assert (authors["bob@example.com"]["added"], authors["bob@example.com"]["removed"]) == (5, 0)
    files = {f["path"]: f for f in body["files"]}
    assert (files["a.txt"]["changes"], files["a.txt"]["added"], files["a.txt"]["removed"]) == (
        2, 3, 0)
    assert files["a.txt"]["change"] == "added"
    assert files["a.txt"]["commits"] == [repo["second"], repo["first"]]
    assert files["deploy.sh"]["repository"] == {"id": repo["id"], "name": "app"}
    assert body["stats"]["complete"] is True


def test_rollup_permissions_and_empty(connect: ConnectActions, site: Any, repo: Any) -> None:
    assert get(connect, site, "/api/v1/issues/ABC-1/rollup", "browse-only").status_code == 403
    assert get(connect, site, "/api/v1/issues/ABC-404/rollup").status_code == 404
    assert get(connect, site, "/api/v1/issues/nope/rollup").status_code == 400
    empty = get(connect, site, "/api/v1/issues/ABC-7/rollup").get_json()
    assert empty["commits"] == 0 and empty["first_commit"] is None and empty["files"] == []


def test_project_commits(connect: ConnectActions, site: Any, repo: Any) -> None:
    body = get(connect, site, "/api/v1/projects/ABC/commits").get_json()
    # Each commit once, even the one naming ABC-2 and ABC-1; the unlinked one not at all.
    assert [c["sha"] for c in body["commits"]] == [repo["fourth"], repo["login"],
                                                   repo["second"], repo["first"]]
    assert body["commits"][2]["issue_keys"] == ["ABC-1", "ABC-2"]
    assert body["next"] is None
    ops = get(connect, site, "/api/v1/projects/ops/commits").get_json()
    assert [c["sha"] for c in ops["commits"]] == [repo["fourth"]]
    # Browse is enough here; no permission on the project is not.
    assert get(connect, site, "/api/v1/projects/ABC/commits", "browse-only").status_code == 200
    assert get(connect, site, "/api/v1/projects/ABC/commits", "stranger").status_code == 403
    assert get(connect, site, "/api/v1/projects/NOPE/commits").status_code == 404
    assert get(connect, site, "/api/v1/projects/a-b/commits").status_code == 400
    assert get(connect, site, "/api/v1/projects/ABC/commits?cursor=x").status_code == 400


def test_project_commits_pages(tmp_path: Path, connect: ConnectActions, site: Any,
                               redis_conn: redis.Redis) -> None:
    linear_history(tmp_path / "many.git",
                   [f"ABC-{1 + i % 3} change {i} (ABC-9)" for i in range(1, 1004)])
    with GitHttpServer(tmp_path) as server:
        connect.api("POST", "/api/v1/integrations", *site, sub="admin-1",
                    json={"kind": "git", "url": server.url("many.git")})
        drain(redis_conn)
    first = get(connect, site, "/api/v1/projects/ABC/commits").get_json()
    assert len(first["commits"]) == 1000 and first["next"]
    assert first["commits"][0]["message"] == "ABC-2 change 1003 (ABC-9)"
    second = get(connect, site, f"/api/v1/projects/ABC/commits?cursor={first['next']}").get_json()
    assert [c["message"] for c in second["commits"]] == [f"ABC-{1 + i % 3} change {i} (ABC-9)"
                                                          for i in (3, 2, 1)]
    assert second["next"] is None
    # Roll Up reads every commit of an issue, past one chunk of the index.
    rollup = get(connect, site, "/api/v1/issues/ABC-7/rollup").get_json()
    assert rollup["commits"] == 0
    site_fake = connect.fake.site("site-a")
    site_fake.issues["ABC-9"] = {"id": "10009", "key": "ABC-9", "fields": {
        "summary": "many", "project": {"id": "1", "key": "ABC"}}}
    for permission in ("BROWSE_PROJECTS", "VIEW_DEV_TOOLS"):
        site_fake.grants[("dev-1", permission)].add(10009)
    rollup = get(connect, site, "/api/v1/issues/ABC-9/rollup").get_json()
    assert rollup["commits"] == 1003
    assert rollup["first_commit"]["message"].startswith("ABC-2 change 1 ")
    assert rollup["last_commit"]["message"].startswith("ABC-2 change 1003 ")
    assert rollup["authors"] == [{"name": "Bob", "email": "bob@example.com", "commits": 1003,
                                  "added": 1003, "removed": 1002}]


def test_compare_pages_its_commits(tmp_path: Path, connect: ConnectActions, site: Any,
                                   redis_conn: redis.Redis) -> None:
    linear_history(tmp_path / "long.git", [f"ABC-1 step {i}" for i in range(1, 251)],
                   tags={1: "start"})
    with GitHttpServer(tmp_path) as server:
        connect.api("POST", "/api/v1/integrations", *site, sub="admin-1",
                    json={"kind": "git", "url": server.url("long.git")})
        drain(redis_conn)
    (repository,) = get(connect, site, "/api/v1/repositories").get_json()["repositories"]
    url = f"/api/v1/repositories/{repository['id']}/compare?base=start&head=main"
    pages, cursor = [], ""
    while True:
        body = get(connect, site, url + (f"&cursor={cursor}" if cursor else "")).get_json()
        pages.append(body)
        if body["next"] is None:
            break
        cursor = body["next"]
    assert [len(p["commits"]) for p in pages] == [100, 100, 49]
    assert [p["next"] for p in pages] == ["100", "200", None]
    messages = [c["message"] for p in pages for c in p["commits"]]
    assert messages == [f"ABC-1 step {i}" for i in range(250, 1, -1)]  # newest first, once
    for page in pages:  # the summary always covers the whole range
        assert page["total_commits"] == 249 and page["range_truncated"] is False
        assert page["authors"][0]["commits"] == 249 and page["issues"] == ["ABC-1"]
    last = get(connect, site, url + "&cursor=248").get_json()
    assert [c["message"] for c in last["commits"]] == ["ABC-1 step 2"] and last["next"] is None
    assert get(connect, site, url + "&cursor=0").get_json()["commits"] == pages[0]["commits"]
    for cursor, said in (("249", "past the end of the range (249 commits)"),
                         ("-1", "not one this call gave out"), ("1e2", "not one"),
                         ("ten", "not one"), ("9999999", "not one"), ("١٠", "not one")):
        refused = get(connect, site, url + f"&cursor={cursor}")
        assert refused.status_code == 400, cursor
        error = refused.get_json()["error"]
        assert error["code"] == "invalid_cursor" and said in error["message"], error
        assert "pass an answer's next" in error["message"]
    empty = url.replace("base=start&head=main", "base=main&head=start")
    assert get(connect, site, empty).get_json()["next"] is None
    assert get(connect, site, empty + "&cursor=1").get_json()["error"]["code"] == \
        "invalid_cursor"
