"""A Jira site with projects ABC (id 1) and OPS (id 2), and a repository whose history
the Repository Browser, Compare, Roll Up and project-commits tests read."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import redis

from tests.support.connect import ConnectActions
from tests.support.git_http import GitHttpServer
from tests.support.gitrepo import WorkRepo, init_bare
from tests.support.indexing import drain

ISSUES = {"ABC-1": 10001, "ABC-2": 10002, "ABC-3": 10003, "ABC-7": 10007, "OPS-1": 20001}
PROJECTS = [{"id": "1", "key": "ABC", "name": "Alpha"}, {"id": "2", "key": "OPS", "name": "Ops"}]
BOB = ("Bob Builder", "bob@example.com")


@pytest.fixture
def site(connect: ConnectActions) -> tuple[str, str]:
    key, secret = connect.installed()
    fake = connect.fake.site("site-a")
    fake.admins.add("admin-1")
    fake.projects = list(PROJECTS)
    for issue, ident in ISSUES.items():
        project = next(p for p in PROJECTS if issue.startswith(p["key"] + "-"))
        fake.issues[issue] = {"id": str(ident), "key": issue,
                              "fields": {"summary": issue, "project": {"id": project["id"],
                                                                        "key": project["key"]}}}
    for permission in ("BROWSE_PROJECTS", "VIEW_DEV_TOOLS"):
        fake.grants[("dev-1", permission)] = {1, 2, *ISSUES.values()}
        fake.grants[("abc-dev", permission)] = {1, *(i for k, i in ISSUES.items() if "ABC" in k)}
    fake.grants[("browse-only", "BROWSE_PROJECTS")] = {1, 2, *ISSUES.values()}
    return key, secret


@pytest.fixture
def repo(tmp_path: Path, connect: ConnectActions, site: tuple[str, str],
         redis_conn: redis.Redis) -> Iterator[dict[str, Any]]:
    """main: ABC-1 first (v1.0), Bob's ABC-2+ABC-1 second, an unlinked third, OPS-1 fourth
    (v2.0); feature/login: ABC-3 off the second commit."""
    root = tmp_path / "served"
    root.mkdir()
    work = WorkRepo(tmp_path / "work")
    first = work.commit("ABC-1 first", {"a.txt": "one\n", "old.txt": "old\n"},
                        date="2026-01-01T10:00:00Z")
    work.tag("v1.0", message="release 1.0")
    second = work.commit("ABC-2 second, also ABC-1", {"a.txt": "one\ntwo\nthree\n", "b.txt": "b\n"},
                         author=BOB, date="2026-01-02T10:00:00Z")
    work.checkout("feature/login", create=True)
    login = work.commit("ABC-3 login form", {"login.py": "form\n"}, date="2026-01-03T10:00:00Z")
    work.checkout("main")
    third = work.commit("unrelated work", {"c.txt": "c\n", "old.txt": None},
                        date="2026-01-04T10:00:00Z")
    fourth = work.commit("OPS-1 deploy script, ABC-1 follow-up", {"deploy.sh": "run\nnow\n"},
                         author=BOB, date="2026-01-05T10:00:00Z")
    work.tag("v2.0")
    bare = init_bare(root / "app.git")
    work.publish(bare)
    with GitHttpServer(root) as server:
        created = connect.api("POST", "/api/v1/integrations", *site, sub="admin-1",
                              json={"kind": "git", "url": server.url("app.git")})
        assert created.status_code == 201, created.get_json()
        drain(redis_conn)
        repository_id = connect.api(
            "GET", f"/api/v1/integrations/{created.get_json()['id']}/repositories", *site,
            sub="admin-1").get_json()["repositories"][0]["id"]
        yield {"integration": created.get_json(), "id": repository_id, "first": first,
               "second": second, "login": login, "third": third, "fourth": fourth,
               "work": work, "bare": bare, "server": server, "root": root}


def get(connect: ConnectActions, site: tuple[str, str], path: str, sub: str = "dev-1") -> Any:
    return connect.api("GET", path, *site, sub=sub)
