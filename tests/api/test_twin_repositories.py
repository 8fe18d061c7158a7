"""One history seen through two repositories (a mirror, a fork, two integrations that
legitimately see the same repository): every commit, branch and tag shows once on the
issue, in its Roll Up and in the project's commits, under the repository connected
first, and paging never repeats or skips one."""

from __future__ import annotations

from typing import Any

import pytest
import redis

from app.extensions import db
from app.models import Tenant
from app.store import development
from tests.api.browsing_fixtures import get
from tests.support.connect import ConnectActions
from tests.support.gitrepo import publish
from tests.support.indexing import drain


@pytest.fixture
def twin(connect: ConnectActions, site: tuple[str, str], repo: dict[str, Any],
         redis_conn: redis.Redis) -> dict[str, Any]:
    """The same history again at another URL (a mirror), connected as its own integration."""
    publish(repo["bare"], repo["root"] / "mirror" / "app.git")
    created = connect.api("POST", "/api/v1/integrations", *site, sub="admin-1",
                          json={"kind": "git", "url": repo["server"].url("mirror/app.git")})
    assert created.status_code == 201, created.get_json()
    drain(redis_conn)
    (mirror,) = connect.api("GET", f"/api/v1/integrations/{created.get_json()['id']}"
                            "/repositories", *site, sub="admin-1").get_json()["repositories"]
    assert mirror["status"] == "indexed" and mirror["counts"]["commits"] == 5
    return mirror


def test_each_commit_branch_and_tag_shows_once(connect: ConnectActions, site: Any,
                                               repo: dict[str, Any], twin: Any) -> None:
    body = get(connect, site, "/api/v1/issues/ABC-1/development").get_json()
    assert [c["sha"] for c in body["commits"]] == [repo["fourth"], repo["second"], repo["first"]]
    assert {c["repository"]["id"] for c in body["commits"]} == {repo["id"]}
    assert all(c["also_in"] == [{"id": twin["id"], "name": "mirror/app"}]
               for c in body["commits"])
    assert sorted(t["name"] for t in body["tags"]) == ["v1.0", "v2.0"]
    assert {t["repository"]["id"] for t in body["tags"]} == {repo["id"]}

    login = get(connect, site, "/api/v1/issues/ABC-3/development").get_json()
    assert [c["sha"] for c in login["commits"]] == [repo["login"]]
    assert [(b["name"], b["repository"]["id"]) for b in login["branches"]] == [
        ("feature/login", repo["id"])]

    rollup = get(connect, site, "/api/v1/issues/ABC-1/rollup").get_json()
    assert rollup["commits"] == 3
    assert sum(a["commits"] for a in rollup["authors"]) == 3

    project = get(connect, site, "/api/v1/projects/ABC/commits").get_json()
    shas = [c["sha"] for c in project["commits"]]
    assert shas == [repo["fourth"], repo["login"], repo["second"], repo["first"]]
    assert {c["repository"]["id"] for c in project["commits"]} == {repo["id"]}


@pytest.mark.parametrize("limit", [1, 2])
def test_paging_across_twins_neither_repeats_nor_skips(connect: ConnectActions, site: Any,
                                                       repo: dict[str, Any], twin: Any,
                                                       limit: int) -> None:
    tenant = db.session.execute(db.select(Tenant)).scalar_one()
    visible = development.visible_repositories(tenant.id, "ABC", connect.app.config["DATA_DIR"])
    assert len(visible) == 2
    shas, cursor = [], None
    while True:
        page, cursor = development.commits(tenant.id, "ABC-1", visible, cursor, limit=limit)
        assert len(page) <= limit
        shas += [c["sha"] for c in page]
        if cursor is None:
            break
    assert shas == [repo["fourth"], repo["second"], repo["first"]]
    project: list[str] = []
    url = "/api/v1/projects/ABC/commits"
    body = get(connect, site, url).get_json()
    project += [c["sha"] for c in body["commits"]]
    assert len(project) == len(set(project)) == 4


def test_disconnecting_the_first_shows_the_twin(connect: ConnectActions, site: Any,
                                                repo: dict[str, Any], twin: Any) -> None:
    assert connect.api("DELETE", f"/api/v1/repositories/{repo['id']}", *site,
                       sub="admin-1").status_code == 204
    body = get(connect, site, "/api/v1/issues/ABC-1/development").get_json()
    assert [c["sha"] for c in body["commits"]] == [repo["fourth"], repo["second"], repo["first"]]
    assert {c["repository"]["id"] for c in body["commits"]} == {twin["id"]}
    assert all(c["also_in"] == [] for c in body["commits"])
