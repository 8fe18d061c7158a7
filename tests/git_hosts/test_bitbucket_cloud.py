"""Bitbucket Cloud contract: payloads shaped like developer.atlassian.com's 2.0 examples."""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from typing import Any

import pytest
import responses

from app.git_hosts import errors
from app.git_hosts.base import HostRepository
from app.git_hosts.bitbucket_cloud import BitbucketCloudProvider
from tests.git_hosts.support import body, form, header, path, q1, query

API = "https://api.bitbucket.org/2.0"
BASIC = "Basic " + base64.b64encode(b"tutorials:ATBBapppassword").decode()


def bitbucket(**kwargs: Any) -> BitbucketCloudProvider:
    options: dict[str, Any] = {
        "base_url": None,
        "credentials": {"username": "tutorials", "password": "ATBBapppassword"},
        "auth_type": "basic",
    }
    options.update(kwargs)
    return BitbucketCloudProvider(**options)


def bb_error(message: str, **extra: Any) -> dict[str, Any]:
    return {"type": "error", "error": {"message": message, **extra}}


def bb_repo(full_name: str, **extra: Any) -> dict[str, Any]:
    """A repository as ``GET /repositories`` lists it (trimmed, same field names)."""
    workspace, slug = full_name.split("/")
    return {
        "type": "repository",
        "full_name": full_name,
        "name": slug,
        "slug": slug,
        "uuid": "{" + f"{sum(map(ord, full_name)):08d}-0000-4000-8000-000000000000" + "}",
        "is_private": True,
        "scm": "git",
        "workspace": {"type": "workspace", "slug": workspace, "name": workspace.title()},
        "mainbranch": {"type": "branch", "name": "main"},
        "links": {
            "self": {"href": f"{API}/repositories/{full_name}"},
            "html": {"href": f"https://bitbucket.org/{full_name}"},
            "clone": [
                {"name": "https", "href": f"https://tutorials@bitbucket.org/{full_name}.git"},
                {"name": "ssh", "href": f"git@bitbucket.org:{full_name}.git"},
            ],
        },
        **extra,
    }


REPO = HostRepository(
    name="atlassian/bbql",
    clone_https="https://bitbucket.org/atlassian/bbql.git",
    clone_ssh="git@bitbucket.org:atlassian/bbql.git",
    web_url="https://bitbucket.org/atlassian/bbql",
    default_branch="main",
    host_id="{9970a9b6-2d86-413f-8555-da8e1ac0e542}",
)
REPO_API = f"{API}/repositories/atlassian/bbql"


def user(name: str, approved: bool | None = None, role: str | None = None) -> dict[str, Any]:
    account = {
        "display_name": name,
        "type": "user",
        "uuid": "{" + name + "}",
        "nickname": name.lower(),
    }
    if approved is None:
        return account
    return {
        "type": "participant",
        "user": account,
        "role": role or "PARTICIPANT",
        "approved": approved,
        "state": "approved" if approved else None,
    }


def bb_pr(ident: int, updated: str, **extra: Any) -> dict[str, Any]:
    return {
        "type": "pullrequest",
        "id": ident,
        "title": f"ABC-{ident} Fix things",
        "description": "Fixes ABC-7",
        "state": "OPEN",
        "draft": False,
        "author": user("Tutorials"),
        "source": {
            "branch": {"name": f"feature/ABC-{ident}"},
            "commit": {"hash": "e1a1b2"},
            "repository": {"full_name": "atlassian/bbql"},
        },
        "destination": {
            "branch": {"name": "main"},
            "commit": {"hash": "f2c3d4"},
            "repository": {"full_name": "atlassian/bbql"},
        },
        "created_on": "2024-04-01T08:00:00.000000+00:00",
        "updated_on": updated,
        "links": {"html": {"href": f"https://bitbucket.org/atlassian/bbql/pull-requests/{ident}"}},
        "reviewers": [],
        "participants": [],
        **extra,
    }


# --- credentials ---------------------------------------------------------------------------


def test_check_credentials_with_app_password(rsps: responses.RequestsMock) -> None:
    rsps.get(
        f"{API}/user",
        json={
            "type": "user",
            "username": "tutorials",
            "display_name": "tutorials account",
            "uuid": "{c788b2da-b7a2-404c-9e26-d3f077557007}",
            "account_id": "557058:c0b72ad0-1cb5-4018-9cdc-0cde8492c443",
            "nickname": "tutorials",
        },
        headers={"X-OAuth-Scopes": "account, repository:write, pullrequest:write, webhook"},
    )
    account = bitbucket().check_credentials()
    assert (account.login, account.name) == ("tutorials", "tutorials account")
    assert account.id == "{c788b2da-b7a2-404c-9e26-d3f077557007}"
    assert account.scopes == ("account", "repository:write", "pullrequest:write", "webhook")
    assert header(rsps.calls[0], "Authorization") == BASIC


def test_wrong_app_password(rsps: responses.RequestsMock) -> None:
    rsps.get(f"{API}/user", status=401, body="")
    with pytest.raises(errors.WrongToken, match="app password"):
        bitbucket().check_credentials()


def test_expired_oauth_token(rsps: responses.RequestsMock) -> None:
    rsps.get(
        f"{API}/user",
        status=401,
        json=bb_error("Access token expired. Use your refresh token to obtain a new access token."),
    )
    with pytest.raises(errors.ExpiredToken):
        bitbucket(auth_type="oauth", credentials={"access_token": "x"}).check_credentials()


def test_missing_scope(rsps: responses.RequestsMock) -> None:
    rsps.get(
        f"{API}/repositories",
        status=403,
        json=bb_error(
            "Your credentials lack one or more required privilege scopes.",
            detail={"granted": ["account"], "required": ["repository"]},
        ),
    )
    with pytest.raises(errors.MissingScope) as info:
        list(bitbucket().list_repositories())
    assert info.value.scope == "repository"


def test_scopes_without_repository(rsps: responses.RequestsMock) -> None:
    rsps.get(f"{API}/user", json={"username": "tutorials"}, headers={"X-OAuth-Scopes": "account"})
    with pytest.raises(errors.MissingScope):
        bitbucket().check_credentials()


def test_git_credentials() -> None:
    assert bitbucket().git_credentials() == {"username": "tutorials", "password": "ATBBapppassword"}
    oauth = bitbucket(auth_type="oauth", credentials={"access_token": "at"})
    assert oauth.git_credentials() == {"username": "x-token-auth", "password": "at"}


def test_refresh_uses_consumer_basic_auth(rsps: responses.RequestsMock) -> None:
    rsps.post(
        "https://bitbucket.org/site/oauth2/access_token",
        json={
            "access_token": "new",
            "scopes": "repository",
            "expires_in": 7200,
            "refresh_token": "r2",
            "token_type": "bearer",
        },
    )
    provider = bitbucket(
        auth_type="oauth", credentials={"access_token": "old", "refresh_token": "r1"}
    )
    provider.refresh("key", "secret")
    assert form(rsps.calls[0]) == {"grant_type": "refresh_token", "refresh_token": "r1"}
    assert (
        header(rsps.calls[0], "Authorization")
        == "Basic " + base64.b64encode(b"key:secret").decode()
    )
    assert provider.git_credentials()["password"] == "new"


# --- repositories --------------------------------------------------------------------------


def test_lists_repositories_across_pages(rsps: responses.RequestsMock) -> None:
    rsps.get(
        f"{API}/repositories",
        json={
            "pagelen": 2,
            "size": 5,
            "page": 1,
            "values": [bb_repo("acme/a"), bb_repo("acme/b")],
            "next": f"{API}/repositories?role=member&pagelen=2&page=2",
        },
    )
    rsps.get(
        f"{API}/repositories",
        json={
            "pagelen": 2,
            "size": 5,
            "page": 2,
            "values": [bb_repo("acme/c"), bb_repo("acme/d")],
            "next": f"{API}/repositories?role=member&pagelen=2&page=3",
            "previous": f"{API}/repositories?page=1",
        },
    )
    rsps.get(
        f"{API}/repositories",
        json={"pagelen": 2, "size": 5, "page": 3, "values": [bb_repo("atlassian/bbql")]},
    )
    repos = list(bitbucket().list_repositories())
    assert [r.name for r in repos] == ["acme/a", "acme/b", "acme/c", "acme/d", "atlassian/bbql"]
    last = repos[-1]
    assert last.clone_https == "https://bitbucket.org/atlassian/bbql.git"  # no "tutorials@"
    assert last.clone_ssh == "git@bitbucket.org:atlassian/bbql.git"
    assert (last.web_url, last.default_branch) == ("https://bitbucket.org/atlassian/bbql", "main")
    assert q1(rsps.calls[0]) == {"role": "member", "pagelen": "100"}
    assert [q1(c).get("page") for c in rsps.calls] == [None, "2", "3"]


def test_custom_path_and_jmespath(rsps: responses.RequestsMock) -> None:
    rsps.get(
        f"{API}/repositories/acme",
        json={
            "pagelen": 100,
            "values": [bb_repo("acme/a"), bb_repo("acme/b", is_private=False), bb_repo("acme/c")],
        },
    )
    provider = bitbucket(
        custom_api_path="/!api/2.0/repositories/acme",
        jmespath_filter="[?is_private && slug != 'c']",
    )
    assert [r.name for r in provider.list_repositories()] == ["acme/a"]
    assert path(rsps.calls[0]) == "/2.0/repositories/acme"


# --- pull requests -------------------------------------------------------------------------


def test_pull_requests_incremental_with_all_states(rsps: responses.RequestsMock) -> None:
    since = datetime(2024, 5, 1, 12, tzinfo=UTC)
    rsps.get(
        f"{REPO_API}/pullrequests",
        json={
            "pagelen": 50,
            "values": [
                bb_pr(
                    6,
                    "2024-05-01T16:00:00.123456+00:00",
                    reviewers=[user("Ann"), user("Ben")],
                    participants=[
                        user("Ann", True, "REVIEWER"),
                        user("Ben", False, "REVIEWER"),
                        user("Cy", False),
                    ],
                ),
                bb_pr(5, "2024-05-01T15:00:00.000000+00:00", draft=True),
                bb_pr(4, "2024-05-01T14:00:00.000000+00:00", state="MERGED"),
            ],
            "next": f"{REPO_API}/pullrequests?page=2",
        },
    )
    rsps.get(
        f"{REPO_API}/pullrequests",
        json={
            "pagelen": 50,
            "values": [
                bb_pr(3, "2024-05-01T13:00:00+00:00", state="DECLINED"),
                bb_pr(2, "2024-05-01T12:30:00+00:00", state="SUPERSEDED"),
                bb_pr(1, "2024-04-01T12:30:00+00:00", state="MERGED"),
            ],
            "next": f"{REPO_API}/pullrequests?page=3",
        },
    )
    prs = list(bitbucket().pull_requests(REPO, since))
    assert [(p.number, p.state) for p in prs] == [
        ("6", "open"),
        ("5", "draft"),
        ("4", "merged"),
        ("3", "declined"),
        ("2", "declined"),
    ]
    assert prs[0].reviewers_json() == [
        {"name": "Ann", "approved": True},
        {"name": "Ben", "approved": False},
    ]
    assert prs[0].author == "Tutorials" and prs[0].source_branch == "feature/ABC-6"
    assert prs[0].url == "https://bitbucket.org/atlassian/bbql/pull-requests/6"
    first = query(rsps.calls[0])
    assert first["state"] == ["OPEN", "MERGED", "DECLINED", "SUPERSEDED"]
    assert first["q"] == ["updated_on >= 2024-05-01T12:00:00+00:00"]
    assert first["sort"] == ["-updated_on"] and first["pagelen"] == ["50"]
    assert "+values.participants" in first["fields"][0]
    assert len(rsps.calls) == 2


# --- branches ------------------------------------------------------------------------------


def test_create_branch(rsps: responses.RequestsMock) -> None:
    rsps.get(
        f"{REPO_API}/refs/branches/main",
        json={
            "type": "branch",
            "name": "main",
            "target": {"type": "commit", "hash": "1a2b3c4d5e6f"},
        },
    )
    rsps.post(
        f"{REPO_API}/refs/branches",
        status=201,
        json={
            "type": "branch",
            "name": "ABC-1",
            "target": {"hash": "1a2b3c4d5e6f"},
            "links": {"html": {"href": "https://bitbucket.org/atlassian/bbql/branch/ABC-1"}},
        },
    )
    branch = bitbucket().create_branch(REPO, "ABC-1", "main")
    assert branch.url == "https://bitbucket.org/atlassian/bbql/branch/ABC-1"
    assert body(rsps.calls[1]) == {"name": "ABC-1", "target": {"hash": "1a2b3c4d5e6f"}}


def test_create_branch_refused(rsps: responses.RequestsMock) -> None:
    rsps.get(f"{REPO_API}/refs/branches/nope", status=404, json=bb_error('Branch "nope" not found'))
    with pytest.raises(errors.SourceBranchUnknown):
        bitbucket().create_branch(REPO, "ABC-1", "nope")
    rsps.get(f"{REPO_API}/refs/branches/main", json={"name": "main", "target": {"hash": "1a2b"}})
    rsps.post(
        f"{REPO_API}/refs/branches",
        status=400,
        json=bb_error("BRANCH_ALREADY_EXISTS", data={"key": "BRANCH_ALREADY_EXISTS"}),
    )
    with pytest.raises(errors.BranchExists):
        bitbucket().create_branch(REPO, "ABC-1", "main")
    rsps.get(f"{REPO_API}/refs/branches/main", json={"name": "main", "target": {"hash": "1a2b"}})
    rsps.post(
        f"{REPO_API}/refs/branches",
        status=403,
        json=bb_error("You do not have write access to this repository."),
    )
    with pytest.raises(errors.NoWriteAccess):
        bitbucket().create_branch(REPO, "ABC-1", "main")


def test_user_token_forms(rsps: responses.RequestsMock) -> None:
    rsps.get(f"{API}/user", json={"username": "alice"})
    rsps.get(f"{API}/user", json={"username": "bob"})
    provider = bitbucket()
    assert provider.check_user_token("alice:app-pw").login == "alice"
    assert provider.check_user_token("ATCTT3xFfGN0").login == "bob"
    assert (
        header(rsps.calls[0], "Authorization")
        == "Basic " + base64.b64encode(b"alice:app-pw").decode()
    )
    assert header(rsps.calls[1], "Authorization") == "Bearer ATCTT3xFfGN0"


# --- pull request creation ------------------------------------------------------------------


def test_create_pull_request(rsps: responses.RequestsMock) -> None:
    rsps.get(f"{REPO_API}/pullrequests", json={"pagelen": 1, "values": []})
    rsps.post(f"{REPO_API}/pullrequests", status=201, json=bb_pr(9, "2024-05-02T10:00:00+00:00"))
    pr = bitbucket().create_pull_request(
        REPO, source="feature/ABC-9", target="main", title="ABC-9 x", description="d"
    )
    assert pr.number == "9" and pr.state == "open"
    assert (
        q1(rsps.calls[0])["q"]
        == 'source.branch.name = "feature/ABC-9" AND destination.branch.name = "main"'
        ' AND state = "OPEN"'
    )
    assert body(rsps.calls[1]) == {
        "title": "ABC-9 x",
        "description": "d",
        "source": {"branch": {"name": "feature/ABC-9"}},
        "destination": {"branch": {"name": "main"}},
        "close_source_branch": False,
    }


def test_create_pull_request_exists(rsps: responses.RequestsMock) -> None:
    rsps.get(
        f"{REPO_API}/pullrequests",
        json={"pagelen": 1, "values": [bb_pr(3, "2024-05-01T00:00:00+00:00")]},
    )
    with pytest.raises(errors.PullRequestExists):
        bitbucket().create_pull_request(
            REPO, source="feature/ABC-3", target="main", title="t", description=""
        )


@pytest.mark.parametrize(
    "payload,expected",
    [
        (
            bb_error(
                "There are no changes to be pulled",
                fields={"source": ["There are no changes to be pulled"]},
            ),
            errors.NothingToMerge,
        ),
        (
            bb_error(
                "source: Branch not found: nope", fields={"source": ["Branch not found: nope"]}
            ),
            errors.SourceBranchUnknown,
        ),
        (
            bb_error(
                "destination: Branch not found: gone",
                fields={"destination": ["Branch not found: gone"]},
            ),
            errors.TargetBranchUnknown,
        ),
    ],
)
def test_create_pull_request_refused(
    rsps: responses.RequestsMock, payload: dict[str, Any], expected: type[Exception]
) -> None:
    rsps.get(f"{REPO_API}/pullrequests", json={"pagelen": 1, "values": []})
    rsps.post(f"{REPO_API}/pullrequests", status=400, json=payload)
    with pytest.raises(expected):
        bitbucket().create_pull_request(
            REPO, source="nope", target="gone", title="t", description=""
        )


# --- webhooks --------------------------------------------------------------------------------


def test_create_webhook_with_secret_replacing_ours(rsps: responses.RequestsMock) -> None:
    url = "https://gitbridge.example.com/webhooks/int-3"
    rsps.get(
        f"{REPO_API}/hooks",
        json={
            "pagelen": 10,
            "values": [
                {
                    "type": "webhook_subscription",
                    "uuid": "{11111111-aaaa-4bbb-8ccc-000000000001}",
                    "url": url,
                    "active": True,
                    "events": ["repo:push"],
                }
            ],
        },
    )
    rsps.delete(f"{REPO_API}/hooks/%7B11111111-aaaa-4bbb-8ccc-000000000001%7D", status=204)
    rsps.post(
        f"{REPO_API}/hooks",
        status=201,
        json={
            "type": "webhook_subscription",
            "uuid": "{22222222-aaaa-4bbb-8ccc-000000000002}",
            "url": url,
        },
    )
    assert (
        bitbucket().create_webhook(REPO, url, "s3cret") == "{22222222-aaaa-4bbb-8ccc-000000000002}"
    )
    assert body(rsps.calls[2]) == {
        "description": "Gitbridge for Jira",
        "url": url,
        "active": True,
        "secret": "s3cret",
        "events": [
            "repo:push",
            "pullrequest:created",
            "pullrequest:updated",
            "pullrequest:fulfilled",
            "pullrequest:rejected",
        ],
    }


def test_delete_webhook_already_gone(rsps: responses.RequestsMock) -> None:
    rsps.delete(f"{REPO_API}/hooks/%7Bgone%7D", status=404, json=bb_error("Resource not found"))
    bitbucket().delete_webhook(REPO, "{gone}")
