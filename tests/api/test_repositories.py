"""``/api/v1/repositories...``: what the Repository Browser lists and shows."""

from __future__ import annotations

from typing import Any

from tests.api.browsing_fixtures import get
from tests.support.connect import ConnectActions


def shas(body: dict[str, Any]) -> list[str]:
    return [c["sha"] for c in body["commits"]]


def test_list_with_last_commit_and_last_issue(connect: ConnectActions, site: Any,
                                              repo: Any) -> None:
    body = get(connect, site, "/api/v1/repositories").get_json()
    assert body["total"] == 1 and body["next"] is None
    (item,) = body["repositories"]
    assert item["id"] == repo["id"] and item["name"] == "app"
    assert item["integration"]["id"] == repo["integration"]["id"]
    last = item["last_commit"]
    assert last["sha"] == repo["fourth"]
    assert last["author"] == {"name": "Bob Builder", "email": "bob@example.com"}
    assert last["issue_keys"] == ["ABC-1", "OPS-1"]
    assert last["date"].startswith("2026-01-05T10:00:00")
    assert item["last_issue"]["key"] in {"ABC-1", "OPS-1"}


def test_who_may_browse(connect: ConnectActions, site: Any, repo: Any) -> None:
    # Browse without View Development Tools: nothing, and the id looks like no id.
    assert get(connect, site, "/api/v1/repositories", "browse-only").get_json()["total"] == 0
    commits = f"/api/v1/repositories/{repo['id']}/commits"
    assert get(connect, site, commits, "browse-only").status_code == 404
    assert get(connect, site, commits, "stranger").status_code == 404
    # Associated with OPS only: a developer of ABC no longer sees it, one of OPS does.
    url = f"/api/v1/integrations/{repo['integration']['id']}"
    connect.api("PATCH", url, *site, sub="admin-1", json={"settings": {"project_keys": ["OPS"]}})
    assert get(connect, site, "/api/v1/repositories", "abc-dev").get_json()["total"] == 0
    assert get(connect, site, "/api/v1/repositories", "dev-1").get_json()["total"] == 1


def test_another_tenants_ids_look_like_none(connect: ConnectActions, site: Any,
                                            repo: Any) -> None:
    other = connect.installed("client-b", "site-b")
    fake = connect.fake.site("site-b")
    fake.projects = [{"id": "1", "key": "ABC", "name": "Alpha"}]
    fake.grants[("dev-1", "BROWSE_PROJECTS")] = {1}
    fake.grants[("dev-1", "VIEW_DEV_TOOLS")] = {1}
    assert get(connect, other, "/api/v1/repositories").get_json()["total"] == 0
    for path in ("commits", "refs", "compare?base=v1.0&head=main",
                 f"commits/{repo['first']}/diff?path=a.txt"):
        response = get(connect, other, f"/api/v1/repositories/{repo['id']}/{path}")
        assert response.status_code == 404, path
        assert response.get_json()["error"]["code"] == "not_found"


def test_search_and_paging(connect: ConnectActions, site: Any, repo: Any) -> None:
    assert get(connect, site, "/api/v1/repositories?q=APP").get_json()["total"] == 1
    assert get(connect, site, "/api/v1/repositories?q=nothing").get_json()["repositories"] == []
    page = get(connect, site, "/api/v1/repositories?start=1&limit=1").get_json()
    assert page["repositories"] == [] and page["total"] == 1
    for bad in ("limit=0", "limit=5000", "start=-1", "limit=ten"):
        response = get(connect, site, f"/api/v1/repositories?{bad}")
        assert response.status_code == 400, bad
        assert response.get_json()["error"]["code"] == "invalid_request"


def test_refs(connect: ConnectActions, site: Any, repo: Any) -> None:
    body = get(connect, site, f"/api/v1/repositories/{repo['id']}/refs").get_json()
    assert [b["name"] for b in body["branches"]] == ["main", "feature/login"]
    assert [t["name"] for t in body["tags"]] == ["v1.0", "v2.0"]
    assert body["repository"]["id"] == repo["id"]


def test_commits_of_the_repository_and_filters(connect: ConnectActions, site: Any,
                                               repo: Any) -> None:
    base = f"/api/v1/repositories/{repo['id']}/commits"
    every = get(connect, site, base).get_json()
    assert shas(every) == [repo["fourth"], repo["third"], repo["login"], repo["second"],
                           repo["first"]]
    assert every["commits"][0]["issue_keys"] == ["ABC-1", "OPS-1"]
    assert every["commits"][1]["issue_keys"] == []
    linked = get(connect, site, base + "?filter=linked").get_json()
    assert repo["third"] not in shas(linked) and len(shas(linked)) == 4
    assert shas(get(connect, site, base + "?filter=unlinked").get_json()) == [repo["third"]]
    # Keyset pages: two at a time, nothing twice, nothing lost.
    seen: list[str] = []
    cursor = ""
    while True:
        page = get(connect, site, base + f"?limit=2&cursor={cursor}").get_json()
        seen += shas(page)
        if not page["next"]:
            break
        cursor = page["next"]
    assert seen == shas(every)


def test_commits_of_a_branch(connect: ConnectActions, site: Any, repo: Any) -> None:
    base = f"/api/v1/repositories/{repo['id']}/commits"
    main = get(connect, site, base + "?branch=main").get_json()
    assert shas(main) == [repo["fourth"], repo["third"], repo["second"], repo["first"]]
    feature = get(connect, site, base + "?branch=feature/login&filter=linked").get_json()
    assert shas(feature) == [repo["login"], repo["second"], repo["first"]]
    assert feature["commits"][0]["issue_keys"] == ["ABC-3"]
    unlinked = get(connect, site, base + "?branch=main&filter=unlinked").get_json()
    assert shas(unlinked) == [repo["third"]]
    seen: list[str] = []
    cursor = ""
    while True:
        page = get(connect, site, base + f"?branch=main&filter=linked&limit=1&cursor={cursor}"
                   ).get_json()
        seen += shas(page)
        if not page["next"]:
            break
        cursor = page["next"]
    assert seen == [repo["fourth"], repo["second"], repo["first"]]
    # The cursor pins the branch tip: new commits on main do not shift later pages.
    first_page = get(connect, site, base + "?branch=main&limit=2").get_json()
    repo["work"].commit("ABC-2 newer", {"n.txt": "n\n"}, date="2026-01-06T10:00:00Z")
    repo["work"].publish(repo["bare"])
    later = get(connect, site, base + f"?branch=main&limit=2&cursor={first_page['next']}")
    assert shas(later.get_json()) == [repo["second"], repo["first"]]


def test_bad_commit_queries(connect: ConnectActions, site: Any, repo: Any) -> None:
    base = f"/api/v1/repositories/{repo['id']}/commits"
    assert get(connect, site, base + "?filter=some").get_json()["error"]["code"] == \
        "invalid_filter"
    assert get(connect, site, base + "?cursor=garbage").status_code == 400
    assert get(connect, site, base + "?branch=main&cursor=garbage").status_code == 400
    missing = get(connect, site, base + "?branch=nope")
    assert missing.status_code == 404 and "nope" in missing.get_json()["error"]["message"]
    assert get(connect, site, base + "?branch=--all").status_code == 404
    assert get(connect, site, "/api/v1/repositories/999999/commits").status_code == 404


def test_commit_diff(connect: ConnectActions, site: Any, repo: Any) -> None:
    url = f"/api/v1/repositories/{repo['id']}/commits/{repo['third']}/diff?path=c.txt"
    assert "+c" in get(connect, site, url).get_json()["diff"]
    assert get(connect, site, url, "browse-only").status_code == 404
    bad = f"/api/v1/repositories/{repo['id']}/commits/{repo['third'][:7]}/diff?path=c.txt"
    assert get(connect, site, bad).status_code == 400
