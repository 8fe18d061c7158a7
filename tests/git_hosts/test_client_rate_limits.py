"""HostClient, rate limits: primary and secondary, waited out or reported; 503s."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest
import responses

from app.git_hosts import errors, provider_for
from app.git_hosts.client import HostClient
from tests.git_hosts.client_shapes import (
    API,
    PRIMARY,
    SECONDARY,
    USER,
    github,
    limit_headers,
)

# --- rate limits ----------------------------------------------------------------------------


def test_primary_limit_with_a_short_wait_is_waited_out(rsps: responses.RequestsMock) -> None:
    rsps.get(f"{API}/user", status=403, json=PRIMARY, headers=limit_headers(0, time.time()))
    rsps.get(f"{API}/user", json=USER, headers=limit_headers(4999, time.time() + 3600))
    assert github().check_credentials().login == "octocat"
    assert len(rsps.calls) == 2


def test_primary_limit_with_a_long_wait_raises_rate_limited(rsps: responses.RequestsMock) -> None:
    reset = int(time.time()) + 3600
    rsps.get(f"{API}/user/repos", status=403, json=PRIMARY, headers=limit_headers(0, reset))
    with pytest.raises(errors.RateLimited) as info:
        list(github().list_repositories())
    assert info.value.reset_at == pytest.approx(
        datetime.fromtimestamp(reset, UTC), abs=timedelta(seconds=2)
    )
    assert 3590 < info.value.retry_after <= 3600
    assert info.value.http_status == 429 and not info.value.permanent
    assert len(rsps.calls) == 1  # no retry spent on a wait that long


def test_primary_limit_as_429(rsps: responses.RequestsMock) -> None:
    rsps.get(f"{API}/user", status=429, json=PRIMARY, headers=limit_headers(0, time.time() + 600))
    with pytest.raises(errors.RateLimited):
        github().check_credentials()


def test_secondary_limit_with_retry_after_is_retried(rsps: responses.RequestsMock) -> None:
    rsps.get(f"{API}/user", status=403, json=SECONDARY, headers={"Retry-After": "0"})
    rsps.get(f"{API}/user", json=USER)
    assert github().check_credentials().login == "octocat"


def test_secondary_limit_without_retry_after_waits_at_least_a_minute(
    rsps: responses.RequestsMock,
) -> None:
    rsps.get(
        f"{API}/user", status=403, json=SECONDARY, headers=limit_headers(4000, time.time() + 3000)
    )
    before = datetime.now(UTC)
    with pytest.raises(errors.RateLimited) as info:
        github().check_credentials()
    assert info.value.reset_at >= before + timedelta(seconds=59)
    assert len(rsps.calls) == 1


def test_gitlab_429_with_ratelimit_headers(rsps: responses.RequestsMock) -> None:
    headers = {
        "RateLimit-Limit": "600",
        "RateLimit-Observed": "600",
        "RateLimit-Remaining": "0",
        "RateLimit-Reset": str(int(time.time()) + 1),
        "Retry-After": "0",
    }
    rsps.get("https://gitlab.com/api/v4/user", status=429, body="Retry later", headers=headers)
    rsps.get("https://gitlab.com/api/v4/user", json={"id": 1, "username": "root"})
    rsps.get("https://gitlab.com/api/v4/personal_access_tokens/self", json={"scopes": ["api"]})
    provider = provider_for("gitlab")(
        base_url=None, credentials={"token": "glpat-x"}, auth_type="pat"
    )
    assert provider.check_credentials().login == "root"


def test_long_retry_after_on_429_raises_rate_limited(rsps: responses.RequestsMock) -> None:
    rsps.get(
        "https://api.bitbucket.org/2.0/user",
        status=429,
        body="Rate limit for this resource has been exceeded",
        headers={"Retry-After": "3600"},
    )
    provider = provider_for("bitbucket_cloud")(
        base_url=None, credentials={"username": "u", "password": "p"}, auth_type="basic"
    )
    with pytest.raises(errors.RateLimited) as info:
        provider.check_credentials()
    assert info.value.retry_after > 3500


def test_plain_403_is_not_a_rate_limit(rsps: responses.RequestsMock) -> None:
    rsps.get(
        f"{API}/user/repos",
        status=403,
        json={"message": "Must have admin rights to Repository."},
        headers=limit_headers(4999, time.time() + 3600),
    )
    with pytest.raises(errors.NoAccess, match="admin rights"):
        list(github().list_repositories())
    assert len(rsps.calls) == 1


def test_503_is_retried_then_reported_unreachable(
    rsps: responses.RequestsMock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(HostClient, "max_retries", 1)
    rsps.get(f"{API}/user", status=503, body="unavailable", headers={"Retry-After": "0"})
    with pytest.raises(errors.HostUnreachable):
        github().check_credentials()
    assert len(rsps.calls) == 2
