"""GitLab contract: payloads shaped like docs.gitlab.com's REST v4 examples."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from typing import Any

import pytest
import responses

from app.git_hosts import errors, provider_for
from app.git_hosts.base import HostRepository
from app.git_hosts.gitlab import GitLabProvider, GitLabSelfManagedProvider
from tests.git_hosts.support import body, form, header, path, q1, verify_of

API = "https://gitlab.com/api/v4"
TOKEN = "glpat-xxxxxxxxxxxxxxxxxxxx"


def gitlab(**kwargs: Any) -> GitLabProvider:
    options: dict[str, Any] = {
        "base_url": None,
        "credentials": {"token": TOKEN},
        "auth_type": "pat",
    }
    options.update(kwargs)
    return GitLabProvider(**options)


def gl_project(ident: int, path_with_namespace: str, **extra: Any) -> dict[str, Any]:
    """A project as ``GET /projects`` lists it (trimmed, same field names)."""
    name = path_with_namespace.rsplit("/", 1)[-1]
    return {
        "id": ident,
        "description": None,
        "name": name,
        "name_with_namespace": path_with_namespace.replace("/", " / "),
        "path": name,
        "path_with_namespace": path_with_namespace,
        "created_at": "2013-09-30T13:46:02Z",
        "default_branch": "main",
        "ssh_url_to_repo": f"git@gitlab.com:{path_with_namespace}.git",
        "http_url_to_repo": f"https://gitlab.com/{path_with_namespace}.git",
        "web_url": f"https://gitlab.com/{path_with_namespace}",
        "visibility": "private",
        "archived": False,
        "namespace": {"id": 3, "name": "Diaspora", "path": "diaspora", "kind": "group"},
        "last_activity_at": "2013-09-30T13:46:02Z",
        **extra,
    }


REPO = HostRepository(
    name="diaspora/diaspora-client",
    clone_https="https://gitlab.com/diaspora/diaspora-client.git",
    clone_ssh="git@gitlab.com:diaspora/diaspora-client.git",
    web_url="https://gitlab.com/diaspora/diaspora-client",
    default_branch="main",
    host_id="4",
)
PROJECT = f"{API}/projects/4"


def gl_mr(iid: int, updated: str, **extra: Any) -> dict[str, Any]:
    return {
        "id": 1000 + iid,
        "iid": iid,
        "project_id": 4,
        "title": f"ABC-{iid} Add login",
        "description": "Closes ABC-1",
        "state": "opened",
        "created_at": "2024-04-01T08:00:00.000Z",
        "updated_at": updated,
        "target_branch": "main",
        "source_branch": f"feature/ABC-{iid}",
        "author": {"id": 1, "username": "admin", "name": "Administrator"},
        "reviewers": [],
        "draft": False,
        "work_in_progress": False,
        "merge_status": "can_be_merged",
        "web_url": f"https://gitlab.com/diaspora/diaspora-client/-/merge_requests/{iid}",
        **extra,
    }


# --- credentials ---------------------------------------------------------------------------


def test_check_credentials_with_token_scopes(rsps: responses.RequestsMock) -> None:
    rsps.get(
        f"{API}/user",
        json={"id": 1, "username": "john_smith", "name": "John Smith", "state": "active"},
    )
    rsps.get(
        f"{API}/personal_access_tokens/self",
        json={
            "id": 4,
            "name": "gitbridge",
            "revoked": False,
            "created_at": "2024-01-01T00:00:00.000Z",
            "scopes": ["api", "read_repository"],
            "user_id": 1,
            "active": True,
            "expires_at": "2030-01-01",
        },
    )
    account = gitlab().check_credentials()
    assert (account.login, account.name, account.id) == ("john_smith", "John Smith", "1")
    assert account.scopes == ("api", "read_repository")
    assert account.expires_at == datetime(2030, 1, 1, tzinfo=UTC)
    for call in rsps.calls:
        assert header(call, "PRIVATE-TOKEN") == TOKEN
        assert header(call, "Authorization") is None


def test_old_gitlab_without_token_endpoint(rsps: responses.RequestsMock) -> None:
    rsps.get(f"{API}/user", json={"id": 1, "username": "john_smith", "name": "John Smith"})
    rsps.get(f"{API}/personal_access_tokens/self", status=404, json={"error": "404 Not Found"})
    assert gitlab().check_credentials().scopes is None


def test_missing_scope_from_token_info(rsps: responses.RequestsMock) -> None:
    rsps.get(f"{API}/user", json={"id": 1, "username": "john_smith"})
    rsps.get(f"{API}/personal_access_tokens/self", json={"scopes": ["read_user"], "active": True})
    with pytest.raises(errors.MissingScope) as info:
        gitlab().check_credentials()
    assert info.value.scope == "read_api"


def test_insufficient_scope_answer(rsps: responses.RequestsMock) -> None:
    rsps.get(
        f"{API}/projects",
        status=403,
        json={
            "error": "insufficient_scope",
            "error_description": "The request requires higher privileges than provided by "
            "the access token.",
            "scope": "api read_api",
        },
        headers={
            "WWW-Authenticate": 'Bearer realm="Protected by OAuth 2", error="insufficient_scope"'
        },
    )
    with pytest.raises(errors.MissingScope) as info:
        list(gitlab().list_repositories())
    assert info.value.scope == "read_api"


def test_wrong_token(rsps: responses.RequestsMock) -> None:
    rsps.get(f"{API}/user", status=401, json={"message": "401 Unauthorized"})
    with pytest.raises(errors.WrongToken, match="401 Unauthorized"):
        gitlab().check_credentials()


def test_expired_token(rsps: responses.RequestsMock) -> None:
    rsps.get(
        f"{API}/user",
        status=401,
        json={
            "error": "invalid_token",
            "error_description": "Token is expired. You can either do re-authorization or "
            "token refresh.",
        },
    )
    with pytest.raises(errors.ExpiredToken):
        gitlab().check_credentials()


def test_revoked_token(rsps: responses.RequestsMock) -> None:
    rsps.get(
        f"{API}/user",
        status=401,
        json={
            "error": "invalid_token",
            "error_description": "Token was revoked. You have to re-authorize from the user.",
        },
    )
    with pytest.raises(errors.WrongToken, match="revoked"):
        gitlab().check_credentials()


def test_oauth_uses_bearer_and_token_info(rsps: responses.RequestsMock) -> None:
    rsps.get(f"{API}/user", json={"id": 1, "username": "john_smith"})
    rsps.get(
        "https://gitlab.com/oauth/token/info",
        json={
            "resource_owner_id": 1,
            "scope": ["api"],
            "expires_in": 7200,
            "application": {"uid": "x"},
            "created_at": 1,
        },
    )
    provider = gitlab(auth_type="oauth", credentials={"access_token": "oauth-token"})
    assert provider.check_credentials().scopes == ("api",)
    assert all(header(c, "Authorization") == "Bearer oauth-token" for c in rsps.calls)
    assert all(header(c, "PRIVATE-TOKEN") is None for c in rsps.calls)


def test_refresh(rsps: responses.RequestsMock) -> None:
    rsps.post(
        "https://gitlab.com/oauth/token",
        json={
            "access_token": "new",
            "token_type": "Bearer",
            "expires_in": 7200,
            "refresh_token": "r2",
            "created_at": 1607635748,
        },
    )
    provider = gitlab(auth_type="oauth", credentials={"access_token": "old", "refresh_token": "r1"})
    new = provider.refresh(
        "app-id", "app-secret", redirect_uri="https://gitbridge.example.com/oauth/gitlab"
    )
    assert new["access_token"] == "new" and new["refresh_token"] == "r2"
    assert form(rsps.calls[0]) == {
        "grant_type": "refresh_token",
        "refresh_token": "r1",
        "client_id": "app-id",
        "client_secret": "app-secret",
        "redirect_uri": "https://gitbridge.example.com/oauth/gitlab",
    }
    assert provider.git_credentials() == {"username": "oauth2", "password": "new"}


def test_git_credentials() -> None:
    assert gitlab().git_credentials() == {"username": "oauth2", "password": TOKEN}


# --- projects ------------------------------------------------------------------------------


def test_lists_projects_across_pages_with_x_next_page(rsps: responses.RequestsMock) -> None:
    for page, (projects, next_page) in enumerate(
        [
            ([gl_project(1, "diaspora/a"), gl_project(2, "diaspora/b")], "2"),
            ([gl_project(3, "diaspora/c")], "3"),
            ([gl_project(4, "diaspora/diaspora-client")], ""),
        ],
        start=1,
    ):
        rsps.get(
            f"{API}/projects",
            json=projects,
            headers={
                "X-Page": str(page),
                "X-Next-Page": next_page,
                "X-Per-Page": "100",
                "X-Total-Pages": "3",
            },
        )
    repos = list(gitlab().list_repositories())
    assert [r.name for r in repos] == [
        "diaspora/a",
        "diaspora/b",
        "diaspora/c",
        "diaspora/diaspora-client",
    ]
    assert repos[3] == REPO
    assert q1(rsps.calls[0]) == {
        "membership": "true",
        "per_page": "100",
        "order_by": "id",
        "sort": "asc",
    }
    assert [q1(c).get("page") for c in rsps.calls] == [None, "2", "3"]


def test_link_header_on_a_wrong_external_url_stays_on_our_host(
    rsps: responses.RequestsMock,
) -> None:
    """A proxy-fronted GitLab may build links from an internal name; we keep our origin.

    With ``X-Next-Page`` the page number goes on our own URL (context path kept);
    without it the foreign link's path and query are re-anchored on our origin.
    """
    projects = "https://git.example.com/gitlab/api/v4/projects"
    internal = "http://gitlab.internal:8080/api/v4/projects"
    rsps.get(
        projects,
        json=[gl_project(1, "g/a")],
        headers={"Link": f'<{internal}?page=2&per_page=100>; rel="next"', "X-Next-Page": "2"},
    )
    rsps.get(
        projects,
        json=[gl_project(2, "g/b")],
        headers={"Link": f'<{internal}?page=3&per_page=100>; rel="next"'},
    )
    rsps.get("https://git.example.com/api/v4/projects", json=[gl_project(3, "g/c")])
    provider = GitLabSelfManagedProvider(
        base_url="https://git.example.com/gitlab", credentials={"token": TOKEN}, auth_type="pat"
    )
    assert [r.name for r in provider.list_repositories()] == ["g/a", "g/b", "g/c"]
    assert path(rsps.calls[1]) == "/gitlab/api/v4/projects" and q1(rsps.calls[1])["page"] == "2"
    assert (rsps.calls[2].request.url or "").startswith("https://git.example.com/api/v4/")


def test_custom_path_and_jmespath(rsps: responses.RequestsMock) -> None:
    rsps.get(
        f"{API}/groups/42/projects",
        json=[
            gl_project(1, "acme/api"),
            gl_project(2, "acme/web"),
            gl_project(3, "acme/api-legacy", archived=True),
        ],
    )
    provider = gitlab(
        custom_api_path="/api/v4/groups/42/projects?include_subgroups=true",
        jmespath_filter="[?starts_with(path, 'api') && !archived]",
    )
    assert [r.name for r in provider.list_repositories()] == ["acme/api"]
    assert path(rsps.calls[0]) == "/api/v4/groups/42/projects"
    assert q1(rsps.calls[0]) == {"include_subgroups": "true", "per_page": "100"}


# --- merge requests ------------------------------------------------------------------------


def test_merge_requests_incremental_with_all_states(rsps: responses.RequestsMock) -> None:
    since = datetime(2024, 5, 1, 12, tzinfo=UTC)
    rsps.get(
        f"{PROJECT}/merge_requests",
        json=[
            gl_mr(
                5,
                "2024-05-01T16:00:00.000Z",
                reviewers=[
                    {"id": 2, "username": "bob", "name": "Bob"},
                    {"id": 3, "username": "eve", "name": "Eve"},
                ],
            ),
            gl_mr(4, "2024-05-01T15:00:00.000Z", draft=True, title="Draft: ABC-4"),
            gl_mr(3, "2024-05-01T14:00:00.000Z", state="merged"),
            gl_mr(2, "2024-05-01T13:00:00.000Z", state="closed"),
            gl_mr(1, "2024-05-01T12:30:00.000Z", state="locked"),
        ],
        headers={"X-Next-Page": ""},
    )
    approvals = {5: [{"user": {"id": 2, "username": "bob", "name": "Bob"}}]}

    def approvals_for(request: Any) -> tuple[int, dict[str, str], str]:
        iid = int(re.search(r"/merge_requests/(\d+)/approvals", request.url).group(1))  # type: ignore[union-attr]
        return (
            200,
            {},
            json.dumps(
                {
                    "id": 1,
                    "iid": iid,
                    "approved": iid in approvals,
                    "approved_by": approvals.get(iid, []),
                }
            ),
        )

    rsps.add_callback(
        responses.GET, re.compile(rf"{PROJECT}/merge_requests/\d+/approvals"), approvals_for
    )
    mrs = list(gitlab().pull_requests(REPO, since))
    assert [(m.number, m.state) for m in mrs] == [
        ("5", "open"),
        ("4", "draft"),
        ("3", "merged"),
        ("2", "declined"),
        ("1", "open"),
    ]
    assert mrs[0].reviewers_json() == [
        {"name": "Bob", "approved": True},
        {"name": "Eve", "approved": False},
    ]
    assert mrs[0].author == "Administrator"
    assert mrs[0].url == "https://gitlab.com/diaspora/diaspora-client/-/merge_requests/5"
    assert mrs[0].updated_at == datetime(2024, 5, 1, 16, tzinfo=UTC)
    assert q1(rsps.calls[0]) == {
        "state": "all",
        "order_by": "updated_at",
        "sort": "desc",
        "per_page": "100",
        "updated_after": "2024-05-01T12:00:00Z",
    }


# --- branches ------------------------------------------------------------------------------

BRANCHES = f"{PROJECT}/repository/branches"


def test_create_branch(rsps: responses.RequestsMock) -> None:
    rsps.post(
        BRANCHES,
        status=201,
        json={
            "name": "ABC-1-login",
            "commit": {"id": "7b5c3cc8be40ee161ae89a06bba6229da1032a0c", "short_id": "7b5c3cc"},
            "merged": False,
            "protected": False,
            "default": False,
            "can_push": True,
            "web_url": "https://gitlab.com/diaspora/diaspora-client/-/tree/ABC-1-login",
        },
    )
    branch = gitlab().create_branch(REPO, "ABC-1-login", "main")
    assert branch.sha == "7b5c3cc8be40ee161ae89a06bba6229da1032a0c"
    assert branch.url == "https://gitlab.com/diaspora/diaspora-client/-/tree/ABC-1-login"
    assert q1(rsps.calls[0]) == {"branch": "ABC-1-login", "ref": "main"}


@pytest.mark.parametrize(
    "status,payload,expected",
    [
        (400, {"message": "Branch already exists"}, errors.BranchExists),
        (400, {"message": "Invalid reference name: nope"}, errors.SourceBranchUnknown),
        (400, {"message": "Branch name is invalid"}, errors.InvalidBranchName),
        (403, {"message": "403 Forbidden"}, errors.NoWriteAccess),
        (403, {"error": "insufficient_scope", "scope": "api"}, errors.NoWriteAccess),
    ],
)
def test_create_branch_refused(
    rsps: responses.RequestsMock, status: int, payload: dict[str, Any], expected: type[Exception]
) -> None:
    rsps.post(BRANCHES, status=status, json=payload)
    with pytest.raises(expected):
        gitlab().create_branch(REPO, "ABC-1", "nope")


# --- merge request creation ------------------------------------------------------------------


def _branches_exist(rsps: responses.RequestsMock, *names: str) -> None:
    for name in names:
        rsps.get(f"{BRANCHES}/{name}", json={"name": name, "commit": {"id": "abc"}})


def test_create_merge_request(rsps: responses.RequestsMock) -> None:
    rsps.get(f"{BRANCHES}/feature%2FABC-1", json={"name": "feature/ABC-1", "commit": {"id": "abc"}})
    _branches_exist(rsps, "main")
    rsps.get(
        f"{PROJECT}/repository/commits",
        json=[{"id": "ed899a2f4b50b4370feeea94676502b42383c746", "title": "ABC-1 login"}],
    )
    rsps.post(
        f"{PROJECT}/merge_requests",
        status=201,
        json=gl_mr(7, "2024-05-02T10:00:00.000Z", source_branch="feature/ABC-1"),
    )
    mr = gitlab().create_pull_request(
        REPO, source="feature/ABC-1", target="main", title="ABC-1 Login", description="d"
    )
    assert mr.number == "7" and mr.state == "open"
    assert q1(rsps.calls[2]) == {"ref_name": "main..feature/ABC-1", "per_page": "1"}
    assert body(rsps.calls[3]) == {
        "source_branch": "feature/ABC-1",
        "target_branch": "main",
        "title": "ABC-1 Login",
        "description": "d",
    }
    assert len(rsps.calls) == 4  # no approvals call for a new merge request


def test_create_merge_request_nothing_to_merge(rsps: responses.RequestsMock) -> None:
    _branches_exist(rsps, "feature", "main")
    rsps.get(f"{PROJECT}/repository/commits", json=[])
    with pytest.raises(errors.NothingToMerge):
        gitlab().create_pull_request(
            REPO, source="feature", target="main", title="t", description=""
        )


def test_create_merge_request_exists(rsps: responses.RequestsMock) -> None:
    _branches_exist(rsps, "feature", "main")
    rsps.get(f"{PROJECT}/repository/commits", json=[{"id": "abc"}])
    rsps.post(
        f"{PROJECT}/merge_requests",
        status=409,
        json={"message": ["Another open merge request already exists for this source branch: !12"]},
    )
    with pytest.raises(errors.PullRequestExists, match="!12"):
        gitlab().create_pull_request(
            REPO, source="feature", target="main", title="t", description=""
        )


def test_create_merge_request_unknown_branches(rsps: responses.RequestsMock) -> None:
    rsps.get(f"{BRANCHES}/nope", status=404, json={"message": "404 Branch Not Found"})
    with pytest.raises(errors.SourceBranchUnknown):
        gitlab().create_pull_request(REPO, source="nope", target="main", title="t", description="")
    _branches_exist(rsps, "feature")
    rsps.get(f"{BRANCHES}/gone", status=404, json={"message": "404 Branch Not Found"})
    with pytest.raises(errors.TargetBranchUnknown):
        gitlab().create_pull_request(
            REPO, source="feature", target="gone", title="t", description=""
        )


def test_create_merge_request_without_write_access(rsps: responses.RequestsMock) -> None:
    _branches_exist(rsps, "feature", "main")
    rsps.get(f"{PROJECT}/repository/commits", json=[{"id": "abc"}])
    rsps.post(f"{PROJECT}/merge_requests", status=403, json={"message": "403 Forbidden"})
    with pytest.raises(errors.NoWriteAccess):
        gitlab().create_pull_request(
            REPO, source="feature", target="main", title="t", description=""
        )


# --- webhooks --------------------------------------------------------------------------------


def test_create_and_delete_webhook(rsps: responses.RequestsMock) -> None:
    url = "https://gitbridge.example.com/webhooks/int-9"
    rsps.get(
        f"{PROJECT}/hooks", json=[{"id": 1, "url": "https://ci.example.com/x", "push_events": True}]
    )
    rsps.post(
        f"{PROJECT}/hooks",
        status=201,
        json={"id": 2, "url": url, "project_id": 4, "push_events": True},
    )
    rsps.delete(f"{PROJECT}/hooks/2", status=204)
    rsps.delete(f"{PROJECT}/hooks/3", status=404, json={"message": "404 Not found"})
    provider = gitlab()
    assert provider.create_webhook(REPO, url, "tok3n") == "2"
    assert body(rsps.calls[1]) == {
        "url": url,
        "token": "tok3n",
        "push_events": True,
        "merge_requests_events": True,
        "tag_push_events": True,
        "enable_ssl_verification": True,
    }
    provider.delete_webhook(REPO, "2")
    provider.delete_webhook(REPO, "3")


# --- self-managed ----------------------------------------------------------------------------


def test_self_managed_derives_api_v4_and_passes_tls_flag(rsps: responses.RequestsMock) -> None:
    rsps.get("https://git.example.com/gitlab/api/v4/user", json={"id": 1, "username": "root"})
    rsps.get(
        "https://git.example.com/gitlab/api/v4/personal_access_tokens/self",
        json={"scopes": ["api"]},
    )
    provider = provider_for("gitlab_self_managed")(
        base_url="https://git.example.com/gitlab/",
        credentials={"token": TOKEN},
        auth_type="pat",
        ssl_verify=False,
    )
    assert provider.api_root == "https://git.example.com/gitlab/api/v4"
    assert provider.check_credentials().login == "root"
    assert all(verify_of(c) is False for c in rsps.calls)


def test_project_without_id_is_addressed_by_path(rsps: responses.RequestsMock) -> None:
    rsps.get(f"{API}/projects/group%2Fsub%2Fproj/merge_requests", json=[])
    repo = HostRepository(
        "group/sub/proj", "https://gitlab.com/group/sub/proj.git", None, "", None, ""
    )
    assert list(gitlab().pull_requests(repo, None)) == []
