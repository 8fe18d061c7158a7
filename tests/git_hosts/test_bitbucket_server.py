"""Bitbucket Server / Data Center contract: REST 1.0 payloads as its reference shows them."""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from typing import Any

import pytest
import responses

from app.git_hosts import errors, provider_for
from app.git_hosts.base import HostRepository
from app.git_hosts.bitbucket_server import BitbucketServerProvider
from tests.git_hosts.support import body, header, path, q1

ROOT = "https://bitbucket.example.com"
API = f"{ROOT}/rest/api/1.0"
TOKEN = "BBDC-NzQ0NjU4ODk0MzU2OtVS9n7dZ"


def server(**kwargs: Any) -> BitbucketServerProvider:
    options: dict[str, Any] = {
        "base_url": ROOT,
        "credentials": {"token": TOKEN},
        "auth_type": "pat",
    }
    options.update(kwargs)
    return BitbucketServerProvider(**options)


def bbs_errors(message: str, exception: str) -> dict[str, Any]:
    return {"errors": [{"context": None, "message": message, "exceptionName": exception}]}


def bbs_repo(key: str, slug: str, ident: int) -> dict[str, Any]:
    return {
        "slug": slug,
        "id": ident,
        "name": slug.title(),
        "hierarchyId": "e3c939f9ef4a7fae272e",
        "scmId": "git",
        "state": "AVAILABLE",
        "forkable": True,
        "project": {"key": key, "id": 1, "name": "My Cool Project", "type": "NORMAL"},
        "public": False,
        "links": {
            "clone": [
                {
                    "href": f"ssh://git@bitbucket.example.com:7999/{key.lower()}/{slug}.git",
                    "name": "ssh",
                },
                {
                    "href": f"https://admin@bitbucket.example.com/scm/{key.lower()}/{slug}.git",
                    "name": "http",
                },
            ],
            "self": [{"href": f"{ROOT}/projects/{key}/repos/{slug}/browse"}],
        },
    }


REPO = HostRepository(
    name="PRJ/my-repo",
    clone_https=f"{ROOT}/scm/prj/my-repo.git",
    clone_ssh="ssh://git@bitbucket.example.com:7999/prj/my-repo.git",
    web_url=f"{ROOT}/projects/PRJ/repos/my-repo/browse",
    default_branch=None,
    host_id="1",
)
REPO_API = f"{API}/projects/PRJ/repos/my-repo"


def bbs_pr(ident: int, updated_ms: int, **extra: Any) -> dict[str, Any]:
    ref = {"repository": {"slug": "my-repo", "project": {"key": "PRJ"}}}
    return {
        "id": ident,
        "version": 1,
        "title": f"ABC-{ident} Talking Nerdy",
        "description": "It's a kludge, but put the tuple from the database in the cache.",
        "state": "OPEN",
        "open": True,
        "closed": False,
        "draft": False,
        "createdDate": 1359075920000,
        "updatedDate": updated_ms,
        "fromRef": {
            "id": f"refs/heads/feature-ABC-{ident}",
            "displayId": f"feature-ABC-{ident}",
            **ref,
        },
        "toRef": {"id": "refs/heads/master", "displayId": "master", **ref},
        "locked": False,
        "author": {
            "user": {
                "name": "tom",
                "emailAddress": "tom@example.com",
                "id": 115026,
                "displayName": "Tom",
                "slug": "tom",
            },
            "role": "AUTHOR",
            "approved": False,
            "status": "UNAPPROVED",
        },
        "reviewers": [],
        "participants": [],
        "links": {"self": [{"href": f"{ROOT}/projects/PRJ/repos/my-repo/pull-requests/{ident}"}]},
        **extra,
    }


def ms(dt: datetime) -> int:
    return int(dt.timestamp() * 1000)


# --- credentials ---------------------------------------------------------------------------


def test_check_credentials_reads_x_ausername(rsps: responses.RequestsMock) -> None:
    rsps.get(
        f"{API}/application-properties",
        json={
            "version": "8.19.1",
            "buildNumber": "8019001",
            "buildDate": "1717000000000",
            "displayName": "Bitbucket",
        },
        headers={"X-AUSERNAME": "jdoe", "X-AUSERID": "42"},
    )
    rsps.get(
        f"{API}/users/jdoe",
        json={
            "name": "jdoe",
            "emailAddress": "jdoe@example.com",
            "id": 42,
            "displayName": "Jane Doe",
            "slug": "jdoe",
            "type": "NORMAL",
        },
    )
    account = server().check_credentials()
    assert (account.login, account.name, account.id, account.scopes) == (
        "jdoe",
        "Jane Doe",
        "42",
        None,
    )
    assert header(rsps.calls[0], "Authorization") == f"Bearer {TOKEN}"
    assert header(rsps.calls[0], "X-Atlassian-Token") == "no-check"


def test_anonymous_answer_means_wrong_credentials(rsps: responses.RequestsMock) -> None:
    rsps.get(
        f"{API}/application-properties", json={"version": "8.19.1", "displayName": "Bitbucket"}
    )
    with pytest.raises(errors.WrongToken, match="anonymous"):
        server().check_credentials()


def test_wrong_password(rsps: responses.RequestsMock) -> None:
    rsps.get(
        f"{API}/application-properties",
        status=401,
        json=bbs_errors(
            "Authentication failed. Please check your credentials and try again.",
            "com.atlassian.bitbucket.auth.IncorrectPasswordAuthenticationException",
        ),
    )
    with pytest.raises(errors.WrongToken, match="Authentication failed"):
        server(
            auth_type="basic", credentials={"username": "jdoe", "password": "nope"}
        ).check_credentials()
    call = rsps.calls[0]
    assert header(call, "Authorization") == "Basic " + base64.b64encode(b"jdoe:nope").decode()


def test_expired_token(rsps: responses.RequestsMock) -> None:
    rsps.get(
        f"{API}/application-properties",
        status=401,
        json=bbs_errors(
            "The access token has expired.",
            "com.atlassian.bitbucket.auth.ExpiredAccessTokenAuthenticationException",
        ),
    )
    with pytest.raises(errors.ExpiredToken):
        server().check_credentials()


def test_git_credentials_for_a_token_use_the_servers_username(rsps: responses.RequestsMock) -> None:
    rsps.get(f"{API}/application-properties", json={}, headers={"X-AUSERNAME": "jdoe"})
    rsps.get(
        f"{API}/users/jdoe",
        status=404,
        json=bbs_errors(
            "User jdoe does not exist", "com.atlassian.bitbucket.user.NoSuchUserException"
        ),
    )
    assert server().git_credentials() == {"username": "jdoe", "password": TOKEN}
    given = server(credentials={"token": TOKEN, "username": "svc-jira"})
    assert given.git_credentials() == {"username": "svc-jira", "password": TOKEN}


# --- repositories --------------------------------------------------------------------------


def test_lists_repositories_across_pages(rsps: responses.RequestsMock) -> None:
    pages = [
        {
            "size": 2,
            "limit": 2,
            "isLastPage": False,
            "start": 0,
            "nextPageStart": 2,
            "values": [bbs_repo("PRJ", "a", 11), bbs_repo("PRJ", "b", 12)],
        },
        {
            "size": 2,
            "limit": 2,
            "isLastPage": False,
            "start": 2,
            "nextPageStart": 4,
            "values": [bbs_repo("OPS", "c", 13), bbs_repo("~JDOE", "d", 14)],
        },
        {
            "size": 1,
            "limit": 2,
            "isLastPage": True,
            "start": 4,
            "values": [bbs_repo("PRJ", "my-repo", 1)],
        },
    ]
    for page in pages:
        rsps.get(f"{API}/repos", json=page)
    repos = list(server().list_repositories())
    assert [r.name for r in repos] == ["PRJ/a", "PRJ/b", "OPS/c", "~JDOE/d", "PRJ/my-repo"]
    assert repos[-1] == REPO
    assert [q1(c) for c in rsps.calls] == [
        {"limit": "100", "start": "0"},
        {"limit": "100", "start": "2"},
        {"limit": "100", "start": "4"},
    ]


def test_custom_path_and_jmespath(rsps: responses.RequestsMock) -> None:
    rsps.get(
        f"{API}/projects/PRJ/repos",
        json={
            "isLastPage": True,
            "values": [bbs_repo("PRJ", "a", 1), bbs_repo("PRJ", "legacy-b", 2)],
        },
    )
    provider = server(
        custom_api_path="/rest/api/1.0/projects/PRJ/repos",
        jmespath_filter="[?!starts_with(slug, 'legacy')]",
    )
    assert [r.name for r in provider.list_repositories()] == ["PRJ/a"]
    assert path(rsps.calls[0]) == "/rest/api/1.0/projects/PRJ/repos"


# --- pull requests -------------------------------------------------------------------------


def test_pull_requests_newest_first_until_older(rsps: responses.RequestsMock) -> None:
    since = datetime(2024, 5, 1, 12, tzinfo=UTC)
    approved = {
        "user": {"name": "ann", "displayName": "Ann"},
        "role": "REVIEWER",
        "approved": True,
        "status": "APPROVED",
    }
    waiting = {
        "user": {"name": "ben", "displayName": "Ben"},
        "role": "REVIEWER",
        "approved": False,
        "status": "UNAPPROVED",
    }
    rsps.get(
        f"{REPO_API}/pull-requests",
        json={
            "isLastPage": False,
            "nextPageStart": 2,
            "values": [
                bbs_pr(4, ms(datetime(2024, 5, 1, 15, tzinfo=UTC)), reviewers=[approved, waiting]),
                bbs_pr(3, ms(datetime(2024, 5, 1, 14, tzinfo=UTC)), draft=True),
            ],
        },
    )
    rsps.get(
        f"{REPO_API}/pull-requests",
        json={
            "isLastPage": False,
            "nextPageStart": 4,
            "values": [
                bbs_pr(
                    2,
                    ms(datetime(2024, 5, 1, 13, tzinfo=UTC)),
                    state="MERGED",
                    open=False,
                    closed=True,
                ),
                bbs_pr(
                    1,
                    ms(datetime(2024, 5, 1, 12, 30, tzinfo=UTC)),
                    state="DECLINED",
                    open=False,
                    closed=True,
                ),
                bbs_pr(0, ms(datetime(2024, 4, 1, tzinfo=UTC)), state="MERGED"),
            ],
        },
    )
    prs = list(server().pull_requests(REPO, since))
    assert [(p.number, p.state) for p in prs] == [
        ("4", "open"),
        ("3", "draft"),
        ("2", "merged"),
        ("1", "declined"),
    ]
    assert prs[0].reviewers_json() == [
        {"name": "Ann", "approved": True},
        {"name": "Ben", "approved": False},
    ]
    assert (prs[0].source_branch, prs[0].target_branch, prs[0].author) == (
        "feature-ABC-4",
        "master",
        "Tom",
    )
    assert prs[0].url == f"{ROOT}/projects/PRJ/repos/my-repo/pull-requests/4"
    assert prs[0].updated_at == datetime(2024, 5, 1, 15, tzinfo=UTC)
    assert q1(rsps.calls[0]) == {"state": "ALL", "order": "NEWEST", "limit": "50", "start": "0"}
    assert len(rsps.calls) == 2


# --- branches and pull requests ------------------------------------------------------


def test_create_branch(rsps: responses.RequestsMock) -> None:
    rsps.post(
        f"{REPO_API}/branches",
        json={
            "id": "refs/heads/ABC-1-login",
            "displayId": "ABC-1-login",
            "type": "BRANCH",
            "latestCommit": "8d51122def5632836d1cb1026e879069e10a1e13",
            "isDefault": False,
        },
    )
    branch = server().create_branch(REPO, "ABC-1-login", "master")
    assert branch.sha == "8d51122def5632836d1cb1026e879069e10a1e13"
    assert branch.url == f"{ROOT}/projects/PRJ/repos/my-repo/browse?at=refs%2Fheads%2FABC-1-login"
    assert body(rsps.calls[0]) == {"name": "ABC-1-login", "startPoint": "refs/heads/master"}


@pytest.mark.parametrize(
    "status,payload,expected",
    [
        (
            409,
            bbs_errors(
                "Branch 'ABC-1' already exists in repository 'my-repo'.",
                "com.atlassian.bitbucket.repository.DuplicateRefException",
            ),
            errors.BranchExists,
        ),
        (
            400,
            bbs_errors(
                "'ABC-1' is an invalid branch name.",
                "com.atlassian.bitbucket.repository.InvalidRefNameException",
            ),
            errors.InvalidBranchName,
        ),
        (
            400,
            bbs_errors(
                "Commit 'nope' does not exist in repository 'my-repo'.",
                "com.atlassian.bitbucket.commit.NoSuchCommitException",
            ),
            errors.SourceBranchUnknown,
        ),
        (
            401,
            bbs_errors(
                "You are not permitted to access this resource",
                "com.atlassian.bitbucket.AuthorisationException",
            ),
            errors.NoWriteAccess,
        ),
    ],
)
def test_create_branch_refused(
    rsps: responses.RequestsMock, status: int, payload: dict[str, Any], expected: type[Exception]
) -> None:
    rsps.post(f"{REPO_API}/branches", status=status, json=payload)
    with pytest.raises(expected):
        server().create_branch(REPO, "ABC-1", "nope")


def test_create_pull_request(rsps: responses.RequestsMock) -> None:
    rsps.post(f"{REPO_API}/pull-requests", status=201, json=bbs_pr(101, 1714560000000))
    pr = server().create_pull_request(
        REPO, source="feature-ABC-101", target="master", title="ABC-101 x", description="d"
    )
    assert pr.number == "101"
    where = {"slug": "my-repo", "project": {"key": "PRJ"}}
    assert body(rsps.calls[0]) == {
        "title": "ABC-101 x",
        "description": "d",
        "fromRef": {"id": "refs/heads/feature-ABC-101", "repository": where},
        "toRef": {"id": "refs/heads/master", "repository": where},
    }


@pytest.mark.parametrize(
    "status,payload,expected",
    [
        (
            409,
            bbs_errors(
                "Only one pull request may be open for a given source and target branch",
                "com.atlassian.bitbucket.pull.DuplicatePullRequestException",
            ),
            errors.PullRequestExists,
        ),
        (
            409,
            bbs_errors(
                "Pull request is not created because 'refs/heads/feature' is already "
                "up-to-date with 'refs/heads/master'.",
                "com.atlassian.bitbucket.pull.EmptyPullRequestException",
            ),
            errors.NothingToMerge,
        ),
        (
            404,
            bbs_errors(
                'Repository "my-repo" of project with key "PRJ" has no branch "refs/heads/gone".',
                "com.atlassian.bitbucket.repository.NoSuchRefException",
            ),
            errors.TargetBranchUnknown,
        ),
        (
            404,
            bbs_errors(
                "Ref 'refs/heads/feature' does not exist.",
                "com.atlassian.bitbucket.repository.NoSuchRefException",
            ),
            errors.SourceBranchUnknown,
        ),
        (
            401,
            bbs_errors(
                "You are not permitted to access this resource",
                "com.atlassian.bitbucket.AuthorisationException",
            ),
            errors.NoWriteAccess,
        ),
    ],
)
def test_create_pull_request_refused(
    rsps: responses.RequestsMock, status: int, payload: dict[str, Any], expected: type[Exception]
) -> None:
    rsps.post(f"{REPO_API}/pull-requests", status=status, json=payload)
    with pytest.raises(expected):
        server().create_pull_request(
            REPO, source="feature", target="gone", title="t", description=""
        )


# --- webhooks --------------------------------------------------------------------------------


def test_create_and_delete_webhook(rsps: responses.RequestsMock) -> None:
    url = "https://gitbridge.example.com/webhooks/int-5"
    rsps.get(f"{REPO_API}/webhooks", json={"isLastPage": True, "values": []})
    rsps.post(
        f"{REPO_API}/webhooks",
        status=201,
        json={"id": 10, "name": "Gitbridge for Jira", "url": url, "active": True},
    )
    rsps.delete(f"{REPO_API}/webhooks/10", status=204)
    rsps.delete(
        f"{REPO_API}/webhooks/11",
        status=404,
        json=bbs_errors(
            "No webhook with id 11 exists.",
            "com.atlassian.bitbucket.webhook.NoSuchWebhookException",
        ),
    )
    provider = server()
    assert provider.create_webhook(REPO, url, "s3cret") == "10"
    assert body(rsps.calls[1]) == {
        "name": "Gitbridge for Jira",
        "url": url,
        "active": True,
        "events": [
            "repo:refs_changed",
            "pr:opened",
            "pr:modified",
            "pr:from_ref_updated",
            "pr:merged",
            "pr:declined",
            "pr:deleted",
        ],
        "configuration": {"secret": "s3cret"},
    }
    provider.delete_webhook(REPO, "10")
    provider.delete_webhook(REPO, "11")


# --- roots ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "base_url,api",
    [
        ("https://bitbucket.example.com", "https://bitbucket.example.com/rest/api/1.0"),
        ("https://bitbucket.example.com/", "https://bitbucket.example.com/rest/api/1.0"),
        ("https://git.example.com/bitbucket", "https://git.example.com/bitbucket/rest/api/1.0"),
        (
            "https://git.example.com/bitbucket/rest/api/1.0",
            "https://git.example.com/bitbucket/rest/api/1.0",
        ),
    ],
)
def test_api_root_derivation(base_url: str, api: str) -> None:
    provider = provider_for("bitbucket_server")(
        base_url=base_url, credentials={"token": TOKEN}, auth_type="pat"
    )
    assert provider.api_root == api
