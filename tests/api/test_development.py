"""The issue's development data: exactly the commits that mention it, for those allowed."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import redis

from app.creating import NO_HOST_ACCOUNT
from tests.support.connect import ConnectActions
from tests.support.git_http import GitHttpServer
from tests.support.gitrepo import WorkRepo, init_bare
from tests.support.indexing import drain

ISSUES = {"ABC-1": 10001, "ABC-2": 10002, "ABC-3": 10003, "ABC-7": 10007, "OTH-1": 20001}


@pytest.fixture
def site(connect: ConnectActions) -> tuple[str, str]:
    key, secret = connect.installed()
    fake = connect.fake.site("site-a")
    fake.admins.add("admin-1")
    for issue, ident in ISSUES.items():
        project = issue.split("-")[0]
        fake.issues[issue] = {
            "id": str(ident),
            "key": issue,
            "fields": {"project": {"id": "1", "key": project}},
        }
        for permission in ("BROWSE_PROJECTS", "VIEW_DEV_TOOLS"):
            fake.grants.setdefault(("dev-1", permission), set()).add(ident)
    fake.grants[("browse-only", "BROWSE_PROJECTS")] = set(ISSUES.values())
    return key, secret


@pytest.fixture
def repo(
    tmp_path: Path, connect: ConnectActions, site: tuple[str, str], redis_conn: redis.Redis
) -> Iterator[dict[str, Any]]:
    root = tmp_path / "served"
    root.mkdir()
    work = WorkRepo(tmp_path / "work")
    first = work.commit("ABC-1 first", {"a.txt": "one\n"}, date="2026-01-01T10:00:00Z")
    second = work.commit(
        "ABC-2 second, also ABC-1\n\nUnicode: Grüße 🚀",
        {"a.txt": "one\ntwo\nthree\n", "b.txt": "b\n"},
        date="2026-01-02T10:00:00Z",
    )
    work.commit("XABC-1x is not a key, nor is abc-1", {"c.txt": "c\n"}, date="2026-01-03T10:00:00Z")
    work.tag("v1.0", message="release 1.0")
    work.checkout("feature/abc-3-login", create=True)
    work.commit("work without a key", {"d.txt": "d\n"}, date="2026-01-04T10:00:00Z")
    work.checkout("main")
    bare = init_bare(root / "app.git")
    work.publish(bare)
    with GitHttpServer(root) as server:
        created = connect.api(
            "POST",
            "/api/v1/integrations",
            *site,
            sub="admin-1",
            json={"kind": "git", "url": server.url("app.git")},
        )
        assert created.status_code == 201, created.get_json()
        drain(redis_conn)
        yield {
            "integration": created.get_json(),
            "first": first,
            "second": second,
            "work": work,
            "bare": bare,
            "server": server,
        }


def dev(
    connect: ConnectActions,
    site: tuple[str, str],
    key: str,
    sub: str = "dev-1",
    cursor: str | None = None,
) -> Any:
    path = f"/api/v1/issues/{key}/development" + (f"?cursor={cursor}" if cursor else "")
    return connect.api("GET", path, *site, sub=sub)


def test_exactly_the_commits_that_mention_the_issue(
    connect: ConnectActions, site: tuple[str, str], repo: Any
) -> None:
    body = dev(connect, site, "ABC-1").get_json()
    assert [c["sha"] for c in body["commits"]] == [repo["second"], repo["first"]]
    assert body["next"] is None
    newest = body["commits"][0]
    assert newest["repository"]["name"] == "app"
    assert newest["author"] == {"name": "Alice Example", "email": "alice@example.com"}
    assert newest["message"].endswith("Grüße 🚀")
    assert newest["date"].startswith("2026-01-02T10:00:00")
    files = {f["path"]: f for f in newest["files"]}
    assert files["a.txt"]["change_type"] == "modified"
    assert (files["a.txt"]["added"], files["a.txt"]["removed"]) == (2, 0)
    assert files["b.txt"]["change_type"] == "added"
    assert [c["sha"] for c in dev(connect, site, "ABC-2").get_json()["commits"]] == [repo["second"]]
    assert [t["name"] for t in body["tags"]] == ["v1.0"]
    assert body["pull_requests"] == []
    # a clone-URL repository: the panel offers neither create button, and says why
    assert body["create"] == {"branch": {"available": False, "reason": NO_HOST_ACCOUNT},
                              "pull_request": {"available": False, "reason": NO_HOST_ACCOUNT}}


def test_key_in_branch_name_only(connect: ConnectActions, site: tuple[str, str], repo: Any) -> None:
    body = dev(connect, site, "ABC-3").get_json()
    assert body["commits"] == []
    (branch,) = body["branches"]
    assert branch["name"] == "feature/abc-3-login"
    assert (branch["ahead"], branch["behind"]) == (1, 0)
    assert branch["last_commit"]["message"] == "work without a key"


def test_diff_on_demand(connect: ConnectActions, site: tuple[str, str], repo: Any) -> None:
    repository_id = dev(connect, site, "ABC-1").get_json()["commits"][0]["repository"]["id"]
    url = f"/api/v1/issues/ABC-1/commits/{repository_id}/{repo['second']}/diff?path=a.txt"
    body = connect.api("GET", url, *site, sub="dev-1").get_json()
    assert "+two" in body["diff"] and "+three" in body["diff"] and not body["truncated"]
    root = f"/api/v1/issues/ABC-1/commits/{repository_id}/{repo['first']}/diff?path=a.txt"
    assert "+one" in connect.api("GET", root, *site, sub="dev-1").get_json()["diff"]
    # A commit that does not mention ABC-2 cannot be read through ABC-2.
    other = f"/api/v1/issues/ABC-2/commits/{repository_id}/{repo['first']}/diff?path=a.txt"
    assert connect.api("GET", other, *site, sub="dev-1").status_code == 404
    assert connect.api("GET", url, *site, sub="browse-only").status_code == 403


def test_permissions_are_checked_with_jira(
    connect: ConnectActions, site: tuple[str, str], repo: Any
) -> None:
    assert dev(connect, site, "ABC-1", sub="browse-only").status_code == 403
    assert dev(connect, site, "ABC-1", sub="stranger").status_code == 403
    assert dev(connect, site, "ABC-404").status_code == 404
    assert dev(connect, site, "not-a-key").status_code == 400


def test_project_association(connect: ConnectActions, site: tuple[str, str], repo: Any) -> None:
    url = f"/api/v1/integrations/{repo['integration']['id']}"
    connect.api("PATCH", url, *site, sub="admin-1", json={"settings": {"project_keys": ["OTH"]}})
    assert dev(connect, site, "ABC-1").get_json()["commits"] == []
    connect.api("PATCH", url, *site, sub="admin-1", json={"settings": {"project_keys": None}})
    assert len(dev(connect, site, "ABC-1").get_json()["commits"]) == 2
    connect.api("PATCH", url, *site, sub="admin-1", json={"settings": {"enabled": False}})
    assert dev(connect, site, "ABC-1").get_json()["commits"] == []


def test_tenant_isolation(connect: ConnectActions, site: tuple[str, str], repo: Any) -> None:
    other = connect.installed("client-b", "site-b")
    fake = connect.fake.site("site-b")
    fake.issues["ABC-1"] = {
        "id": "10001",
        "key": "ABC-1",
        "fields": {"project": {"id": "1", "key": "ABC"}},
    }
    fake.grants[("dev-1", "BROWSE_PROJECTS")] = {10001}
    fake.grants[("dev-1", "VIEW_DEV_TOOLS")] = {10001}
    body = dev(connect, other, "ABC-1").get_json()
    assert body["commits"] == [] and body["branches"] == [] and body["tags"] == []


def fast_import_keyed(bare: Path, count: int, key: str) -> None:
    """``count`` commits on main, all mentioning ``key``, written by git fast-import."""
    lines = []
    for i in range(1, count + 1):
        message = f"{key} change {i}".encode()
        lines.append(b"commit refs/heads/main\nmark :%d\n" % i)
        lines.append(b"committer Bob <bob@example.com> %d +0000\n" % (1_700_000_000 + i))
        lines.append(b"data %d\n%s\n" % (len(message), message))
        if i > 1:
            lines.append(b"from :%d\n" % (i - 1))
        lines.append(b"M 100644 inline f.txt\ndata %d\n%d\n\n" % (len(str(i)) + 1, i))
    subprocess.run(
        ["git", "--git-dir", str(bare), "fast-import", "--quiet"], input=b"".join(lines), check=True
    )


def test_pagination(
    tmp_path: Path, connect: ConnectActions, site: tuple[str, str], redis_conn: redis.Redis
) -> None:
    root = tmp_path / "many"
    root.mkdir()
    bare = init_bare(root / "many.git")
    fast_import_keyed(bare, 1200, "ABC-7")
    with GitHttpServer(root) as server:
        connect.api(
            "POST",
            "/api/v1/integrations",
            *site,
            sub="admin-1",
            json={"kind": "git", "url": server.url("many.git")},
        )
        drain(redis_conn)
    first = dev(connect, site, "ABC-7").get_json()
    assert len(first["commits"]) == 1000 and first["next"]
    assert first["commits"][0]["message"] == "ABC-7 change 1200"
    second = dev(connect, site, "ABC-7", cursor=first["next"]).get_json()
    assert len(second["commits"]) == 200 and second["next"] is None
    assert second["commits"][-1]["message"] == "ABC-7 change 1"
    seen = {c["sha"] for c in first["commits"]} | {c["sha"] for c in second["commits"]}
    assert len(seen) == 1200
    assert dev(connect, site, "ABC-7", cursor="garbage!").status_code == 400
