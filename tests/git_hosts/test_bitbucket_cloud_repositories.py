"""Bitbucket Cloud contract, repositories: the listing across pages."""

from __future__ import annotations

import responses

from tests.git_hosts.bitbucket_cloud_shapes import (
    API,
    bb_repo,
    bitbucket,
)
from tests.git_hosts.support import path, q1

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
