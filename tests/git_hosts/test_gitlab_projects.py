"""GitLab contract, projects: the listing across pages, and self-managed roots."""

from __future__ import annotations

import responses

from app.git_hosts import provider_for
from app.git_hosts.base import HostRepository
from app.git_hosts.gitlab import GitLabSelfManagedProvider
from tests.git_hosts.gitlab_shapes import (
    API,
    REPO,
    TOKEN,
    gitlab,
    gl_project,
)
from tests.git_hosts.support import path, q1, verify_of

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
