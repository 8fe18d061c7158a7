"""Bitbucket Server / Data Center contract, repositories: the listing across pages,
and the roots."""

from __future__ import annotations

import pytest
import responses

from app.git_hosts import provider_for
from tests.git_hosts.bitbucket_server_shapes import (
    API,
    REPO,
    TOKEN,
    bbs_repo,
    server,
)
from tests.git_hosts.support import path, q1

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
