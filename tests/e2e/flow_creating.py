"""The whole app against one fake git host, continued: creating branches and pull
requests from an issue, as the app and with a developer's own token (the steps
every per-host module runs; the rest are in ``tests.e2e.flow``)."""

from __future__ import annotations

from typing import Any

from tests.e2e.flow import DEV, DEV2, Flow, error_of


def _app_id(flow: Flow, created: dict[str, Any]) -> int:
    return int(flow.repositories(created)[flow.host.name("app")]["id"])


def check_create_as_the_app(flow: Flow) -> None:
    """Branch and PR from an issue with the integration's credentials, host refusals."""
    host, fake = flow.host, flow.fake
    created = flow.create(indexing_triggers=False)
    flow.drain()
    app_id = _app_id(flow, created)
    options = flow.ok("GET", "/api/v1/issues/ABC-7/create-options", sub=DEV)
    offered = {r["name"]: r for r in options["repositories"]}
    assert offered[host.name("app")]["can_create"] is True
    assert "ABC-7" in options["branch_name"]
    branches = flow.ok("GET", f"/api/v1/repositories/{app_id}/branches?issue=ABC-7", sub=DEV)
    assert branches["branches"][0] == {"name": "main", "is_main": True}

    made = flow.ok("POST", "/api/v1/issues/ABC-7/branches", {
        "repository_id": app_id, "source": "main", "name": "ABC-7-new-thing"}, DEV, 201)
    assert made["name"] == "ABC-7-new-thing"
    assert fake.repos[host.name("app")].sha("ABC-7-new-thing") == host.shas["second"]
    (branch,) = fake.repos[host.name("app")].created_branches
    assert (branch.name, branch.login) == ("ABC-7-new-thing", "alice")

    again = flow.api("POST", "/api/v1/issues/ABC-7/branches", {
        "repository_id": app_id, "source": "main", "name": "ABC-7-new-thing"}, DEV)
    status, code, message = error_of(again)
    assert (status, code) == (409, "branch_exists") and "ABC-7-new-thing" in message
    unknown = flow.api("POST", "/api/v1/issues/ABC-7/branches", {
        "repository_id": app_id, "source": "no-such-branch", "name": "ABC-7-x"}, DEV)
    assert error_of(unknown)[:2] == (422, "source_branch_unknown")

    host.push("app", "implement the new thing", {"new.txt": "new\n"}, branch="ABC-7-new-thing")
    pr = flow.ok("POST", "/api/v1/issues/ABC-7/pull-requests", {
        "repository_id": app_id, "source": "ABC-7-new-thing", "target": "main",
        "title": "New thing", "description": "Does the new thing."}, DEV, 201)
    assert pr["state"] == "open" and "ABC-7" in pr["title"]
    made_pr = fake.repos[host.name("app")].pulls[-1]
    assert made_pr.created_with == host.admin_token and made_pr.author.login == "alice"
    assert "Does the new thing." in (made_pr.description or "")
    duplicate = flow.api("POST", "/api/v1/issues/ABC-7/pull-requests", {
        "repository_id": app_id, "source": "ABC-7-new-thing", "target": "main",
        "title": "Again"}, DEV)
    assert error_of(duplicate)[:2] == (409, "pull_request_exists")
    flow.ok("POST", "/api/v1/issues/ABC-7/branches", {
        "repository_id": app_id, "source": "main", "name": "ABC-7-empty"}, DEV, 201)
    empty = flow.api("POST", "/api/v1/issues/ABC-7/pull-requests", {
        "repository_id": app_id, "source": "ABC-7-empty", "target": "main",
        "title": "Nothing"}, DEV)
    assert error_of(empty)[:2] == (422, "nothing_to_merge")

    # shows on the issue at once, and stays after the re-index
    for _ in range(2):
        seven = flow.dev("ABC-7")
        assert [p["state"] for p in seven["pull_requests"]] == ["open"]
        flow.drain()
    assert {b["name"] for b in seven["branches"]} == {"ABC-7-new-thing", "ABC-7-empty"}
    assert [c["message"] for c in seven["commits"]] == []  # "implement..." has no key


def check_require_user_pat(flow: Flow) -> None:
    """With Require User PAT: refused without a token, then done with (and as) it."""
    host, fake = flow.host, flow.fake
    created = flow.create(require_user_pat=True, indexing_triggers=False)
    flow.drain()
    app_id = _app_id(flow, created)
    offered = {r["name"]: r for r in flow.ok(
        "GET", "/api/v1/issues/ABC-9/create-options", sub=DEV)["repositories"]}
    app = offered[host.name("app")]
    assert (app["can_create"], app["require_user_pat"], app["has_user_token"]) == (
        False, True, False)
    body = {"repository_id": app_id, "source": "main", "name": "ABC-9-bobs-branch"}
    refused = flow.api("POST", "/api/v1/issues/ABC-9/branches", body, DEV)
    assert error_of(refused)[:2] == (403, "user_pat_required")
    assert fake.repos[host.name("app")].created_branches == []

    token_url = f"/api/v1/me/tokens/{created['id']}"
    wrong = flow.api("PUT", token_url, {"token": "not-a-real-token"}, DEV)
    assert error_of(wrong)[:2] == (400, "wrong_token")
    fake.add_token("expired-user-token-1", "bob", expired=True)
    expired = flow.api("PUT", token_url, {"token": "expired-user-token-1"}, DEV)
    # GitHub and Azure DevOps answer an expired token exactly like a wrong one
    assert error_of(expired)[:2] == (400, "wrong_token" if fake.family in (
        "github", "azure_devops") else "expired_token")
    mine = flow.ok("GET", "/api/v1/me/tokens", sub=DEV)["tokens"]
    assert [(t["integration_id"], t["has_token"]) for t in mine] == [(created["id"], False)]
    stored = flow.ok("PUT", token_url, {"token": host.user_token}, DEV)
    assert stored["login"] == fake.account_login("bob")
    assert host.user_token not in flow.api("GET", "/api/v1/me/tokens", sub=DEV).get_data(
        as_text=True)

    fake.reset_calls()
    flow.ok("POST", "/api/v1/issues/ABC-9/branches", body, DEV, 201)
    branch = fake.repos[host.name("app")].created_branches[-1]
    assert (branch.name, branch.login, branch.created_with) == (
        "ABC-9-bobs-branch", "bob", host.user_token)
    writes = fake.calls("POST")
    assert writes and {c.token for c in writes} == {host.user_token}
    host.push("app", "bob's work", {"bob.txt": "bob\n"}, branch="ABC-9-bobs-branch")
    flow.ok("POST", "/api/v1/issues/ABC-9/pull-requests", {
        "repository_id": app_id, "source": "ABC-9-bobs-branch", "target": "main",
        "title": "Bob's change"}, DEV, 201)
    pull = fake.repos[host.name("app")].pulls[-1]
    assert (pull.author.login, pull.created_with) == ("bob", host.user_token)
    flow.drain()
    nine = flow.dev("ABC-9")
    assert [b["name"] for b in nine["branches"]] == ["ABC-9-bobs-branch"]
    assert [(p["state"], p["source"]) for p in nine["pull_requests"]] == [
        ("open", "ABC-9-bobs-branch")]

    # another developer whose own token may only read gets the host's refusal, clearly
    flow.ok("PUT", token_url, {"token": host.readonly_token}, DEV2)
    denied = flow.api("POST", "/api/v1/issues/ABC-9/branches",
                      {**body, "name": "ABC-9-carols-branch"}, DEV2)
    status, code, message = error_of(denied)
    assert (status, code) == (403, "no_write_access") and message
    assert "ABC-9-carols-branch" not in fake.repos[host.name("app")].branches()

    assert flow.api("DELETE", token_url, sub=DEV).status_code == 204
    again = flow.api("POST", "/api/v1/issues/ABC-9/branches",
                     {**body, "name": "ABC-9-second"}, DEV)
    assert error_of(again)[:2] == (403, "user_pat_required")
