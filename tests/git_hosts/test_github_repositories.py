"""GitHub contract, repositories: the listing across pages, custom API paths and JMESPath
filters, and GitHub Enterprise's roots."""

from __future__ import annotations

import pytest
import responses

from app.git_hosts import errors, provider_for
from app.git_hosts.base import HostRepository
from app.git_hosts.github import GitHubEnterpriseProvider
from tests.git_hosts.github_shapes import (
    API,
    TOKEN,
    gh_repo,
    github,
)
from tests.git_hosts.support import path, q1

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
