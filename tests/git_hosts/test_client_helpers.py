"""HostClient, settings and helpers: custom API paths, kinds and auth types, the
registry, branch names, timestamps."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
import responses

from app.git_hosts import errors, provider_for
from app.git_hosts.base import check_branch_name, parse_time
from app.hosts import BY_KIND
from tests.git_hosts.client_shapes import (
    API,
    REPO,
    github,
)

# --- settings and helpers ------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        "//evil.example.net/repos",
        "https://evil.example.net/repos",
        "orgs/acme/repos",
        "/orgs/../../x",
        "/a" * 1001,
    ],
)
def test_bad_custom_api_paths_are_refused(value: str) -> None:
    with pytest.raises(errors.InvalidSetting):
        github(custom_api_path=value)


def test_unknown_kind_and_auth_type() -> None:
    with pytest.raises(errors.UnsupportedHost):
        provider_for("git")
    with pytest.raises(errors.UnsupportedHost):
        provider_for("bitbucket_server")(
            base_url="https://bitbucket.example.com", credentials={}, auth_type="oauth"
        )
    with pytest.raises(errors.InvalidSetting, match="token"):
        github(token="")


@pytest.mark.parametrize(
    "kind",
    [
        "github",
        "github_enterprise",
        "gitlab",
        "gitlab_self_managed",
        "bitbucket_cloud",
        "bitbucket_server",
    ],
)
def test_registry_covers_every_kind(kind: str) -> None:
    """Agrees with the host catalogue the API and wizard show."""
    cls = provider_for(kind)
    assert cls.kind == kind
    assert cls.self_managed == BY_KIND[kind].self_managed
    assert set(BY_KIND[kind].auth_types) <= set(cls.auth_types)


@pytest.mark.parametrize("name", ["feature/ABC-1-login", "ABC-1", "user/jdoe/fix_2", "release-1.2"])
def test_valid_branch_names(name: str) -> None:
    check_branch_name(name)


@pytest.mark.parametrize(
    "name",
    [
        "",
        "a b",
        "a..b",
        "-x",
        "x/",
        "x.lock",
        "x/.y",
        "a~1",
        "a^",
        "a:b",
        "a?",
        "a*",
        "a[",
        "a\\b",
        "@",
        "a@{1}",
        "a//b",
        "x.",
    ],
)
def test_invalid_branch_names(name: str) -> None:
    with pytest.raises(errors.InvalidBranchName):
        check_branch_name(name)


@pytest.mark.parametrize(
    "value,expected",
    [
        ("2011-01-26T19:01:12Z", datetime(2011, 1, 26, 19, 1, 12, tzinfo=UTC)),
        ("2012-06-28T10:52:04.123Z", datetime(2012, 6, 28, 10, 52, 4, 123000, tzinfo=UTC)),
        ("2024-05-01T12:00:00.123456789+02:00", datetime(2024, 5, 1, 10, 0, 0, 123456, tzinfo=UTC)),
        (1359075920000, datetime(2013, 1, 25, 1, 5, 20, tzinfo=UTC)),
        ("2030-05-01 12:00:00 UTC", datetime(2030, 5, 1, 12, tzinfo=UTC)),
        ("2030-01-01", datetime(2030, 1, 1, tzinfo=UTC)),
        (None, None),
        ("not a date", None),
    ],
)
def test_parse_time(value: Any, expected: datetime | None) -> None:
    assert parse_time(value) == expected


def test_naive_since_is_taken_as_utc(rsps: responses.RequestsMock) -> None:
    """SQLite hands back naive datetimes; they must compare with the host's aware ones."""
    rsps.get(
        f"{API}/repos/octocat/Hello-World/pulls",
        json=[
            {
                "number": 1,
                "title": "t",
                "state": "open",
                "updated_at": "2024-01-01T00:00:00Z",
                "head": {},
                "base": {},
            }
        ],
    )
    provider = github()
    provider.fetch_reviews = False  # type: ignore[misc]
    assert list(provider.pull_requests(REPO, datetime(2024, 6, 1))) == []
