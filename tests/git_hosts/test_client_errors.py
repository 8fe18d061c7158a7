"""HostClient, pagination and errors in app.http: Link headers, pagination loops, API
errors."""

from __future__ import annotations

import pytest
import responses

from app.git_hosts.client import HostClient, parse_link_header
from app.http import ApiForbidden
from tests.git_hosts.client_shapes import (
    API,
    github,
)

# --- pagination and errors in app.http -----------------------------------------------------


def test_link_header_parsing() -> None:
    value = (
        '<https://api.github.com/user/repos?page=2>; rel="next", '
        '<https://api.github.com/user/repos?page=5>; rel="last"'
    )
    assert parse_link_header(value) == {
        "next": "https://api.github.com/user/repos?page=2",
        "last": "https://api.github.com/user/repos?page=5",
    }
    assert parse_link_header(None) == {}


def test_pagination_loop_is_cut(rsps: responses.RequestsMock) -> None:
    """A host that keeps pointing at the same page does not trap us."""
    loop = f'<{API}/user/repos?page=2>; rel="next"'
    rsps.get(f"{API}/user/repos", json=[], headers={"Link": loop})
    rsps.get(f"{API}/user/repos", json=[], headers={"Link": loop})
    assert list(github().list_repositories()) == []
    assert len(rsps.calls) == 2


def test_api_errors_keep_headers_and_json(rsps: responses.RequestsMock) -> None:
    rsps.get(
        f"{API}/x",
        status=403,
        json={"message": "m" * 900},
        headers={"X-GitHub-SSO": "required; url=u", "Set-Cookie": "a=b"},
    )
    with pytest.raises(ApiForbidden) as info:
        HostClient(API).request("GET", "/x")
    assert info.value.headers["x-github-sso"] == "required; url=u"
    assert "Set-Cookie" not in info.value.headers
    assert info.value.payload == {"message": "m" * 900}
    assert len(info.value.body) == 500
