"""GitHub contract: payloads shaped like docs.github.com's examples (REST 2022-11-28)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import responses

from app.git_hosts import errors, provider_for
from app.git_hosts.base import HostRepository
from app.git_hosts.github import GitHubEnterpriseProvider, GitHubProvider
from tests.git_hosts.support import body, form, header, path, q1

API = "https://api.github.com"
TOKEN = "ghp_16C7e42F292c6912E7710c838347Ae178B4a"
DOCS = "https://docs.github.com/rest"
PULLS_QUERY = "state=all&sort=updated&direction=desc&per_page=100"


def github(**kwargs: Any) -> GitHubProvider:
    options: dict[str, Any] = {
        "base_url": None,
        "credentials": {"token": TOKEN},
        "auth_type": "pat",
    }
    options.update(kwargs)
    return GitHubProvider(**options)


def gh_repo(owner: str, name: str, ident: int, **extra: Any) -> dict[str, Any]:
    """A repository as ``GET /user/repos`` lists it (trimmed, same field names)."""
    full = f"{owner}/{name}"
    return {
        "id": ident,
        "node_id": "MDEwOlJlcG9zaXRvcnkxMjk2MjY5",
        "name": name,
        "full_name": full,
        "private": False,
        "owner": {"login": owner, "id": 1, "type": "Organization"},
        "html_url": f"https://github.com/{full}",
        "description": "This your first repo!",
        "fork": False,
        "url": f"{API}/repos/{full}",
        "clone_url": f"https://github.com/{full}.git",
        "ssh_url": f"git@github.com:{full}.git",
        "default_branch": "main",
        "archived": False,
        "visibility": "public",
        "pushed_at": "2011-01-26T19:06:43Z",
        "permissions": {"admin": False, "push": True, "pull": True},
        **extra,
    }


REPO = HostRepository(
    name="octocat/Hello-World",
    clone_https="https://github.com/octocat/Hello-World.git",
    clone_ssh="git@github.com:octocat/Hello-World.git",
    web_url="https://github.com/octocat/Hello-World",
    default_branch="main",
    host_id="1296269",
)


def gh_pull(number: int, updated: str, **extra: Any) -> dict[str, Any]:
    """A pull request as ``GET /repos/{o}/{r}/pulls`` lists it (trimmed)."""
    return {
        "url": f"{API}/repos/octocat/Hello-World/pulls/{number}",
        "id": 1000 + number,
        "html_url": f"https://github.com/octocat/Hello-World/pull/{number}",
        "number": number,
        "state": "open",
        "locked": False,
        "title": f"ABC-{number} Amazing new feature",
        "user": {"login": "octocat", "id": 1},
        "body": "Please pull these awesome changes in!",
        "created_at": "2011-01-26T19:01:12Z",
        "updated_at": updated,
        "closed_at": None,
        "merged_at": None,
        "requested_reviewers": [],
        "requested_teams": [],
        "head": {"label": "octocat:new-topic", "ref": f"feature/ABC-{number}", "sha": "6dcb09b"},
        "base": {"label": "octocat:main", "ref": "main", "sha": "6dcb09b"},
        "draft": False,
        **extra,
    }


def error(message: str, **extra: Any) -> dict[str, Any]:
    return {"message": message, "documentation_url": DOCS, **extra}


# --- credentials ---------------------------------------------------------------------------


def test_check_credentials_reads_login_scopes_and_expiry(rsps: responses.RequestsMock) -> None:
    rsps.get(
        f"{API}/user",
        json={"login": "octocat", "id": 1, "name": "monalisa octocat", "type": "User"},
        headers={
            "X-OAuth-Scopes": "repo, read:org, admin:repo_hook",
            "X-Accepted-OAuth-Scopes": "",
            "GitHub-Authentication-Token-Expiration": "2030-05-01 12:00:00 UTC",
        },
    )
    account = github().check_credentials()
    assert account.login == "octocat" and account.name == "monalisa octocat"
    assert account.id == "1"
    assert account.scopes == ("repo", "read:org", "admin:repo_hook")
    assert account.expires_at == datetime(2030, 5, 1, 12, tzinfo=UTC)
    call = rsps.calls[0]
    assert call.request.method == "GET" and path(call) == "/user"
    assert header(call, "Authorization") == f"Bearer {TOKEN}"
    assert header(call, "Accept") == "application/vnd.github+json"
    assert header(call, "X-GitHub-Api-Version") == "2022-11-28"


def test_fine_grained_token_reports_no_scopes(rsps: responses.RequestsMock) -> None:
    rsps.get(f"{API}/user", json={"login": "octocat", "id": 1, "name": None})
    assert github().check_credentials().scopes is None


def test_wrong_token(rsps: responses.RequestsMock) -> None:
    rsps.get(f"{API}/user", status=401, json=error("Bad credentials"))
    with pytest.raises(errors.WrongToken) as info:
        github().check_credentials()
    assert "Bad credentials" in info.value.message
    assert TOKEN not in info.value.message
    assert info.value.code == "wrong_token" and info.value.permanent


def test_missing_repo_scope(rsps: responses.RequestsMock) -> None:
    rsps.get(f"{API}/user", json={"login": "octocat", "id": 1}, headers={"X-OAuth-Scopes": "gist"})
    with pytest.raises(errors.MissingScope) as info:
        github().check_credentials()
    assert info.value.scope == "repo"
    assert "'repo'" in info.value.message


def test_expired_oauth_token_is_named_before_calling(rsps: responses.RequestsMock) -> None:
    past = (datetime.now(UTC) - timedelta(hours=1)).isoformat()
    provider = github(auth_type="oauth", credentials={"access_token": "gho_x", "expires_at": past})
    with pytest.raises(errors.ExpiredToken):
        provider.check_credentials()
    assert len(rsps.calls) == 0


def test_oauth_token_is_refreshed_before_expiry(rsps: responses.RequestsMock) -> None:
    soon = (datetime.now(UTC) + timedelta(seconds=30)).isoformat()
    saved: list[dict[str, Any]] = []
    rsps.post(
        "https://github.com/login/oauth/access_token",
        json={
            "access_token": "ghu_new",
            "expires_in": 28800,
            "refresh_token": "ghr_new",
            "refresh_token_expires_in": 15811200,
            "scope": "",
            "token_type": "bearer",
        },
    )
    rsps.get(f"{API}/user", json={"login": "octocat", "id": 1})
    provider = github(
        auth_type="oauth",
        credentials={"access_token": "ghu_old", "refresh_token": "ghr_old", "expires_at": soon},
        oauth_client=("Iv1.client", "client-secret"),
        on_refresh=saved.append,
    )
    assert provider.check_credentials().login == "octocat"
    refresh, user = rsps.calls
    assert form(refresh) == {
        "grant_type": "refresh_token",
        "refresh_token": "ghr_old",
        "client_id": "Iv1.client",
        "client_secret": "client-secret",
    }
    assert header(refresh, "Accept") == "application/json"
    assert header(user, "Authorization") == "Bearer ghu_new"
    assert saved[0]["access_token"] == "ghu_new" and saved[0]["refresh_token"] == "ghr_new"
    assert saved[0]["type"] == "oauth" and saved[0]["expires_at"]


def test_refresh_refused(rsps: responses.RequestsMock) -> None:
    # GitHub answers refresh errors with 200 and an error field.
    rsps.post(
        "https://github.com/login/oauth/access_token",
        json={"error": "bad_refresh_token", "error_description": "The refresh token is invalid."},
    )
    provider = github(auth_type="oauth", credentials={"access_token": "a", "refresh_token": "r"})
    with pytest.raises(errors.TokenRefreshFailed) as info:
        provider.refresh("id", "secret")
    assert "refresh token is invalid" in info.value.message


def test_sso_required(rsps: responses.RequestsMock) -> None:
    sso_url = "https://github.com/orgs/acme/sso?authorization_request=A5GMNQ"
    rsps.get(
        f"{API}/repos/octocat/Hello-World/pulls",
        status=403,
        json=error(
            "Resource protected by organization SAML enforcement. You must grant your "
            "Personal Access token access to this organization."
        ),
        headers={"X-GitHub-SSO": f"required; url={sso_url}"},
    )
    with pytest.raises(errors.SsoRequired) as info:
        list(github().pull_requests(REPO, None))
    assert info.value.url == sso_url
    assert sso_url in info.value.message and "single sign-on" in info.value.message


def test_ip_allow_list(rsps: responses.RequestsMock) -> None:
    rsps.get(
        f"{API}/user/repos",
        status=403,
        json=error(
            "Although you appear to have the correct authorization credentials, the `acme` "
            "organization has an IP allow list enabled, and your IP address is not permitted "
            "to access this resource."
        ),
    )
    with pytest.raises(errors.IpAllowListRefused):
        list(github().list_repositories())


def test_check_user_token_uses_that_token(rsps: responses.RequestsMock) -> None:
    rsps.get(f"{API}/user", json={"login": "alice", "id": 7}, headers={"X-OAuth-Scopes": "repo"})
    assert github().check_user_token("ghp_alice").login == "alice"
    assert header(rsps.calls[0], "Authorization") == "Bearer ghp_alice"


def test_git_credentials() -> None:
    assert github().git_credentials() == {"username": "x-access-token", "password": TOKEN}
    oauth = github(auth_type="oauth", credentials={"access_token": "gho_1"})
    assert oauth.git_credentials() == {"username": "x-access-token", "password": "gho_1"}


# --- repositories --------------------------------------------------------------------------


def _link(page: int, last: int = 3) -> str:
    base = f"{API}/user/repos?per_page=100&sort=full_name"
    return f'<{base}&page={page}>; rel="next", <{base}&page={last}>; rel="last"'


def test_lists_repositories_across_pages(rsps: responses.RequestsMock) -> None:
    rsps.get(
        f"{API}/user/repos",
        json=[gh_repo("acme", "api", 1), gh_repo("acme", "web", 2)],
        headers={"Link": _link(2)},
    )
    rsps.get(f"{API}/user/repos", json=[gh_repo("acme", "api-docs", 3)], headers={"Link": _link(3)})
    rsps.get(f"{API}/user/repos", json=[gh_repo("octocat", "Hello-World", 1296269)])
    repos = list(github().list_repositories())
    assert [r.name for r in repos] == [
        "acme/api",
        "acme/web",
        "acme/api-docs",
        "octocat/Hello-World",
    ]
    assert repos[3] == HostRepository(
        name="octocat/Hello-World",
        clone_https="https://github.com/octocat/Hello-World.git",
        clone_ssh="git@github.com:octocat/Hello-World.git",
        web_url="https://github.com/octocat/Hello-World",
        default_branch="main",
        host_id="1296269",
    )
    assert [q1(c).get("page") for c in rsps.calls] == [None, "2", "3"]
    assert q1(rsps.calls[0]) == {"per_page": "100", "sort": "full_name"}


def test_custom_api_path_replaces_the_listing(rsps: responses.RequestsMock) -> None:
    rsps.get(f"{API}/orgs/acme/repos", json=[gh_repo("acme", "api", 1)])
    provider = github(custom_api_path="/orgs/acme/repos?type=sources")
    assert [r.name for r in provider.list_repositories()] == ["acme/api"]
    assert path(rsps.calls[0]) == "/orgs/acme/repos"
    assert q1(rsps.calls[0]) == {"type": "sources", "per_page": "100"}


def test_jmespath_filter_applies_to_each_page(rsps: responses.RequestsMock) -> None:
    rsps.get(
        f"{API}/user/repos",
        json=[
            gh_repo("acme", "api", 1),
            gh_repo("acme", "web", 2),
            gh_repo("acme", "api-old", 4, archived=True),
        ],
        headers={"Link": _link(2, 2)},
    )
    rsps.get(f"{API}/user/repos", json=[gh_repo("acme", "api-docs", 3), gh_repo("acme", "www", 5)])
    provider = github(jmespath_filter="[?contains(name, 'api') && !archived]")
    assert [r.name for r in provider.list_repositories()] == ["acme/api", "acme/api-docs"]


def test_jmespath_projection_is_refused(rsps: responses.RequestsMock) -> None:
    rsps.get(f"{API}/user/repos", json=[gh_repo("acme", "api", 1)])
    with pytest.raises(errors.InvalidSetting, match="repository objects"):
        list(github(jmespath_filter="[].name").list_repositories())


def test_invalid_jmespath_is_refused_at_once() -> None:
    with pytest.raises(errors.InvalidSetting, match="JMESPath"):
        github(jmespath_filter="[?name == ")


def test_sso_partial_results_become_a_warning(rsps: responses.RequestsMock) -> None:
    rsps.get(
        f"{API}/user/repos",
        json=[gh_repo("acme", "api", 1)],
        headers={"X-GitHub-SSO": "partial-results; organizations=21955855,20582480"},
    )
    provider = github()
    assert len(list(provider.list_repositories())) == 1
    assert any("single sign-on" in w for w in provider.warnings)


# --- pull requests -------------------------------------------------------------------------


def test_pull_requests_incremental_with_all_states(rsps: responses.RequestsMock) -> None:
    since = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
    pulls = f"{API}/repos/octocat/Hello-World/pulls"
    rsps.get(
        pulls,
        json=[
            gh_pull(
                4,
                "2024-05-01T15:00:00Z",
                requested_reviewers=[{"login": "dave", "id": 4}],
            ),
            gh_pull(3, "2024-05-01T14:00:00Z", draft=True),
            gh_pull(2, "2024-05-01T13:00:00Z", state="closed", merged_at="2024-05-01T13:00:00Z"),
        ],
        headers={"Link": f'<{pulls}?{PULLS_QUERY}&page=2>; rel="next"'},
    )
    rsps.get(
        pulls,
        json=[
            gh_pull(1, "2024-05-01T12:30:00Z", state="closed", closed_at="2024-05-01T12:30:00Z"),
            gh_pull(0, "2024-04-30T09:00:00Z", state="closed"),  # older: listing stops here
        ],
        headers={"Link": f'<{pulls}?{PULLS_QUERY}&page=3>; rel="next"'},
    )
    reviews = {
        4: [
            {"id": 80, "user": {"login": "bob"}, "state": "CHANGES_REQUESTED"},
            {"id": 81, "user": {"login": "bob"}, "state": "APPROVED"},
            {"id": 82, "user": {"login": "carol"}, "state": "COMMENTED"},
            {"id": 83, "user": {"login": "octocat"}, "state": "COMMENTED"},
        ],
    }

    def review_list(request: Any) -> tuple[int, dict[str, str], str]:
        import json

        number = int(re.search(r"/pulls/(\d+)/reviews", request.url).group(1))  # type: ignore[union-attr]
        return 200, {}, json.dumps(reviews.get(number, []))

    rsps.add_callback(
        responses.GET,
        re.compile(rf"{API}/repos/octocat/Hello-World/pulls/\d+/reviews"),
        review_list,
    )

    prs = list(github().pull_requests(REPO, since))
    assert [(p.number, p.state) for p in prs] == [
        ("4", "open"),
        ("3", "draft"),
        ("2", "merged"),
        ("1", "declined"),
    ]
    first = prs[0]
    assert first.title == "ABC-4 Amazing new feature"
    assert first.description == "Please pull these awesome changes in!"
    assert (first.source_branch, first.target_branch) == ("feature/ABC-4", "main")
    assert first.author == "octocat"
    assert first.url == "https://github.com/octocat/Hello-World/pull/4"
    assert first.updated_at == datetime(2024, 5, 1, 15, tzinfo=UTC)
    assert first.reviewers_json() == [
        {"name": "bob", "approved": True},
        {"name": "carol", "approved": False},
        {"name": "dave", "approved": False},
    ]
    listing = [c for c in rsps.calls if path(c).endswith("/pulls")]
    assert len(listing) == 2  # page 3 is never fetched
    assert q1(listing[0]) == {
        "state": "all",
        "sort": "updated",
        "direction": "desc",
        "per_page": "100",
    }
    assert len([c for c in rsps.calls if path(c).endswith("/reviews")]) == 4


# --- branches ------------------------------------------------------------------------------

REF = f"{API}/repos/octocat/Hello-World/git/ref/heads/main"
REFS = f"{API}/repos/octocat/Hello-World/git/refs"
SHA = "aa218f56b14c9653891f9e74264a383fa43fefbd"


def test_create_branch(rsps: responses.RequestsMock) -> None:
    rsps.get(REF, json={"ref": "refs/heads/main", "object": {"type": "commit", "sha": SHA}})
    rsps.post(
        REFS,
        status=201,
        json={"ref": "refs/heads/ABC-1-login", "object": {"type": "commit", "sha": SHA}},
    )
    branch = github().create_branch(REPO, "ABC-1-login", "main")
    assert branch.name == "ABC-1-login" and branch.sha == SHA
    assert branch.url == "https://github.com/octocat/Hello-World/tree/ABC-1-login"
    post = rsps.calls[1]
    assert post.request.method == "POST" and path(post) == "/repos/octocat/Hello-World/git/refs"
    assert body(post) == {"ref": "refs/heads/ABC-1-login", "sha": SHA}


def test_create_branch_with_a_users_token(rsps: responses.RequestsMock) -> None:
    rsps.get(REF, json={"ref": "refs/heads/main", "object": {"sha": SHA}})
    rsps.post(REFS, status=201, json={"ref": "refs/heads/x", "object": {"sha": SHA}})
    github().create_branch(REPO, "x", "main", token="ghp_user")
    assert all(header(c, "Authorization") == "Bearer ghp_user" for c in rsps.calls)


def test_create_branch_exists(rsps: responses.RequestsMock) -> None:
    rsps.get(REF, json={"ref": "refs/heads/main", "object": {"sha": SHA}})
    rsps.post(REFS, status=422, json=error("Reference already exists"))
    with pytest.raises(errors.BranchExists):
        github().create_branch(REPO, "ABC-1", "main")


def test_create_branch_unknown_source(rsps: responses.RequestsMock) -> None:
    rsps.get(
        f"{API}/repos/octocat/Hello-World/git/ref/heads/nope", status=404, json=error("Not Found")
    )
    with pytest.raises(errors.SourceBranchUnknown, match="'nope'"):
        github().create_branch(REPO, "ABC-1", "nope")


def test_create_branch_invalid_name(rsps: responses.RequestsMock) -> None:
    with pytest.raises(errors.InvalidBranchName):
        github().create_branch(REPO, "ABC-1 my branch", "main")
    with pytest.raises(errors.InvalidBranchName):
        github().create_branch(REPO, "feature..x", "main")
    assert len(rsps.calls) == 0  # refused before asking GitHub
    rsps.get(REF, json={"ref": "refs/heads/main", "object": {"sha": SHA}})
    rsps.post(REFS, status=422, json=error("refs/heads/HEAD is not a valid ref name."))
    with pytest.raises(errors.InvalidBranchName):
        github().create_branch(REPO, "HEAD", "main")
    assert body(rsps.calls[-1]) == {"ref": "refs/heads/HEAD", "sha": SHA}


@pytest.mark.parametrize(
    "status,payload,headers",
    [
        (
            403,
            error("Resource not accessible by personal access token"),
            {"X-Accepted-GitHub-Permissions": "contents=write"},
        ),
        (404, error("Not Found"), {}),
    ],
)
def test_create_branch_without_write_access(
    rsps: responses.RequestsMock, status: int, payload: dict[str, Any], headers: dict[str, str]
) -> None:
    rsps.get(REF, json={"ref": "refs/heads/main", "object": {"sha": SHA}})
    rsps.post(REFS, status=status, json=payload, headers=headers)
    with pytest.raises(errors.NoWriteAccess) as info:
        github().create_branch(REPO, "ABC-1", "main")
    if headers:
        assert "contents=write" in info.value.message


# --- pull request creation ------------------------------------------------------------------

PULLS = f"{API}/repos/octocat/Hello-World/pulls"


def test_create_pull_request(rsps: responses.RequestsMock) -> None:
    rsps.post(PULLS, status=201, json=gh_pull(1347, "2024-05-02T10:00:00Z"))
    pr = github().create_pull_request(
        REPO,
        source="feature/ABC-1347",
        target="main",
        title="ABC-1347 Login",
        description="See ABC-1347",
    )
    assert pr.number == "1347" and pr.state == "open"
    assert pr.url == "https://github.com/octocat/Hello-World/pull/1347"
    assert body(rsps.calls[0]) == {
        "title": "ABC-1347 Login",
        "body": "See ABC-1347",
        "head": "feature/ABC-1347",
        "base": "main",
    }
    assert len(rsps.calls) == 1  # a new pull request has no reviews to fetch


@pytest.mark.parametrize(
    "payload,expected",
    [
        (
            error(
                "Validation Failed",
                errors=[
                    {
                        "resource": "PullRequest",
                        "code": "custom",
                        "message": "A pull request already exists for octocat:feature.",
                    }
                ],
            ),
            errors.PullRequestExists,
        ),
        (
            error(
                "Validation Failed",
                errors=[
                    {
                        "resource": "PullRequest",
                        "code": "custom",
                        "message": "No commits between main and feature",
                    }
                ],
            ),
            errors.NothingToMerge,
        ),
        (
            error(
                "Validation Failed",
                errors=[{"resource": "PullRequest", "field": "head", "code": "invalid"}],
            ),
            errors.SourceBranchUnknown,
        ),
        (
            error(
                "Validation Failed",
                errors=[{"resource": "PullRequest", "field": "base", "code": "invalid"}],
            ),
            errors.TargetBranchUnknown,
        ),
    ],
)
def test_create_pull_request_refused(
    rsps: responses.RequestsMock, payload: dict[str, Any], expected: type[Exception]
) -> None:
    rsps.post(PULLS, status=422, json=payload)
    with pytest.raises(expected):
        github().create_pull_request(
            REPO, source="feature", target="main", title="t", description=""
        )


def test_create_pull_request_without_write_access(rsps: responses.RequestsMock) -> None:
    rsps.post(PULLS, status=403, json=error("Resource not accessible by personal access token"))
    with pytest.raises(errors.NoWriteAccess):
        github().create_pull_request(
            REPO, source="feature", target="main", title="t", description=""
        )


def test_same_source_and_target_is_nothing_to_merge(rsps: responses.RequestsMock) -> None:
    with pytest.raises(errors.NothingToMerge):
        github().create_pull_request(REPO, source="main", target="main", title="t", description="")


# --- webhooks --------------------------------------------------------------------------------

HOOKS = f"{API}/repos/octocat/Hello-World/hooks"
OUR_HOOK = "https://gitbridge.example.com/webhooks/int-7"


def test_create_webhook_replaces_our_old_one(rsps: responses.RequestsMock) -> None:
    rsps.get(
        HOOKS,
        json=[
            {
                "type": "Repository",
                "id": 11,
                "name": "web",
                "active": True,
                "events": ["push"],
                "config": {
                    "url": "https://ci.example.com/hook",
                    "content_type": "json",
                    "insecure_ssl": "0",
                },
            },
            {
                "type": "Repository",
                "id": 12,
                "name": "web",
                "active": True,
                "events": ["push"],
                "config": {"url": OUR_HOOK, "content_type": "json", "secret": "********"},
            },
        ],
    )
    rsps.delete(f"{HOOKS}/12", status=204)
    rsps.post(
        HOOKS, status=201, json={"type": "Repository", "id": 13, "name": "web", "active": True}
    )
    assert github().create_webhook(REPO, OUR_HOOK, "s3cret") == "13"
    post = rsps.calls[2]
    assert body(post) == {
        "name": "web",
        "active": True,
        "events": ["push", "pull_request"],
        "config": {
            "url": OUR_HOOK,
            "content_type": "json",
            "secret": "s3cret",
            "insecure_ssl": "0",
        },
    }


def test_create_webhook_needs_admin(rsps: responses.RequestsMock) -> None:
    rsps.get(HOOKS, status=404, json=error("Not Found"))
    with pytest.raises(errors.NoWriteAccess, match="admin"):
        github().create_webhook(REPO, OUR_HOOK, "s3cret")


def test_delete_webhook_and_already_gone(rsps: responses.RequestsMock) -> None:
    rsps.delete(f"{HOOKS}/13", status=204)
    rsps.delete(f"{HOOKS}/14", status=404, json=error("Not Found"))
    github().delete_webhook(REPO, "13")
    github().delete_webhook(REPO, "14")
    assert [c.request.method for c in rsps.calls] == ["DELETE", "DELETE"]


# --- enterprise ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "base_url",
    ["https://ghe.example.com", "https://ghe.example.com/", "https://GHE.example.com/api/v3"],
)
def test_enterprise_derives_api_v3(rsps: responses.RequestsMock, base_url: str) -> None:
    rsps.get("https://ghe.example.com/api/v3/user", json={"login": "octocat", "id": 1})
    provider = provider_for("github_enterprise")(
        base_url=base_url, credentials={"token": TOKEN}, auth_type="pat"
    )
    assert isinstance(provider, GitHubEnterpriseProvider)
    assert provider.api_root == "https://ghe.example.com/api/v3"
    assert provider.web_root == "https://ghe.example.com"
    assert provider.check_credentials().login == "octocat"


def test_enterprise_custom_path_with_api_prefix(rsps: responses.RequestsMock) -> None:
    rsps.get("https://ghe.example.com/api/v3/orgs/acme/repos", json=[])
    provider = GitHubEnterpriseProvider(
        base_url="https://ghe.example.com",
        credentials={"token": TOKEN},
        auth_type="pat",
        custom_api_path="/api/v3/orgs/acme/repos",
    )
    assert list(provider.list_repositories()) == []


def test_enterprise_needs_a_base_url() -> None:
    with pytest.raises(errors.InvalidSetting, match="base_url"):
        GitHubEnterpriseProvider(base_url=None, credentials={"token": TOKEN}, auth_type="pat")
    with pytest.raises(errors.InvalidSetting):
        GitHubEnterpriseProvider(
            base_url="ghe.example.com", credentials={"token": TOKEN}, auth_type="pat"
        )
