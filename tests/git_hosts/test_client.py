"""HostClient behaviour shared by every host: rate limits, pacing, SSRF guard, TLS, errors."""

from __future__ import annotations

import json
import logging
import threading
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import requests
import responses

from app.git_hosts import errors, provider_for
from app.git_hosts.base import HostRepository, Provider, check_branch_name, parse_time
from app.git_hosts.client import BearerAuth, HostBlocked, HostClient, parse_link_header
from app.git_hosts.github import GitHubEnterpriseProvider, GitHubProvider
from app.hosts import BY_KIND
from app.http import ApiForbidden
from tests.git_hosts.support import verify_of

API = "https://api.github.com"
SHA = "aa218f56b14c9653891f9e74264a383fa43fefbd"
TOKEN = "ghp_pacingtoken000000000000000000000000"

REPO = HostRepository(
    name="octocat/Hello-World",
    clone_https="https://github.com/octocat/Hello-World.git",
    clone_ssh=None,
    web_url="https://github.com/octocat/Hello-World",
    default_branch="main",
    host_id="1",
)


def github(token: str = TOKEN, **kwargs: Any) -> GitHubProvider:
    return GitHubProvider(base_url=None, credentials={"token": token}, auth_type="pat", **kwargs)


def limit_headers(remaining: int, reset: float) -> dict[str, str]:
    return {
        "X-RateLimit-Limit": "5000",
        "X-RateLimit-Remaining": str(remaining),
        "X-RateLimit-Used": str(5000 - remaining),
        "X-RateLimit-Reset": str(int(reset)),
        "X-RateLimit-Resource": "core",
    }


USER = {"login": "octocat", "id": 1}
PRIMARY = {
    "message": "API rate limit exceeded for user ID 1.",
    "documentation_url": "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api",
}
SECONDARY = {
    "message": "You have exceeded a secondary rate limit. Please wait a few minutes before you "
    "try again. If you reach out to GitHub Support for help, please include the request ID.",
    "documentation_url": "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api",
}


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


# --- pacing ----------------------------------------------------------------------------------


def test_mutating_calls_with_one_token_are_spaced(
    rsps: responses.RequestsMock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(Provider, "mutation_interval", 0.25)
    sent: list[tuple[str, float]] = []

    def record(request: requests.PreparedRequest) -> tuple[int, dict[str, str], str]:
        sent.append((request.method or "", time.monotonic()))
        if request.method == "GET":
            return (
                200,
                {},
                json.dumps({"ref": "refs/heads/main", "object": {"sha": SHA}}),
            )
        return (
            201,
            {},
            json.dumps({"ref": "refs/heads/x", "object": {"sha": SHA}}),
        )

    rsps.add_callback(responses.GET, f"{API}/repos/octocat/Hello-World/git/ref/heads/main", record)
    rsps.add_callback(responses.POST, f"{API}/repos/octocat/Hello-World/git/refs", record)
    token = "ghp_spaced" + str(time.time_ns())
    provider = github(token)
    provider.create_branch(REPO, "ABC-1", "main")
    provider.create_branch(REPO, "ABC-2", "main", token=None)
    posts = [t for method, t in sent if method == "POST"]
    gets = [t for method, t in sent if method == "GET"]
    assert len(posts) == 2
    assert posts[1] - posts[0] >= 0.25
    assert gets[1] - posts[0] < 0.2  # reads are not held back by the write interval


def test_other_tokens_are_not_held_back(
    rsps: responses.RequestsMock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(Provider, "mutation_interval", 5.0)
    rsps.delete(f"{API}/repos/octocat/Hello-World/hooks/1", status=204)
    rsps.delete(f"{API}/repos/octocat/Hello-World/hooks/2", status=204)
    started = time.monotonic()
    github("ghp_first" + str(time.time_ns())).delete_webhook(REPO, "1")
    github("ghp_second" + str(time.time_ns())).delete_webhook(REPO, "2")
    assert time.monotonic() - started < 1.0


def test_calls_for_one_token_are_never_parallel(rsps: responses.RequestsMock) -> None:
    active = 0
    peak = 0
    guard = threading.Lock()

    def slow(request: requests.PreparedRequest) -> tuple[int, dict[str, str], str]:
        nonlocal active, peak
        with guard:
            active += 1
            peak = max(peak, active)
        time.sleep(0.03)
        with guard:
            active -= 1
        return 200, {}, '{"login": "octocat", "id": 1}'

    rsps.add_callback(responses.GET, f"{API}/user", slow)
    token = "ghp_parallel" + str(time.time_ns())
    threads = [threading.Thread(target=github(token).check_credentials) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(rsps.calls) == 4
    assert peak == 1


def test_tokens_are_not_in_logs_or_reprs(
    rsps: responses.RequestsMock, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    rsps.get(f"{API}/user", status=403, json=PRIMARY, headers=limit_headers(0, time.time() + 3600))
    with pytest.raises(errors.RateLimited) as info:
        github().check_credentials()
    assert TOKEN not in caplog.text and TOKEN not in str(info.value)
    assert TOKEN not in repr(BearerAuth(TOKEN))


# --- SSRF guard, origins, TLS ------------------------------------------------------------------


def test_private_host_is_refused_without_allow_private(rsps: responses.RequestsMock) -> None:
    provider = GitHubEnterpriseProvider(
        base_url="https://internal.example.com", credentials={"token": TOKEN}, auth_type="pat"
    )
    with pytest.raises(errors.HostNotAllowed) as info:
        provider.check_credentials()
    assert (
        "10.20.30.40" in info.value.message
        and "GITBRIDGE_ALLOW_PRIVATE_HOSTS" in info.value.message
    )
    assert len(rsps.calls) == 0


def test_loopback_literal_is_refused(rsps: responses.RequestsMock) -> None:
    provider = provider_for("gitlab_self_managed")(
        base_url="https://127.0.0.1:8443", credentials={"token": "t"}, auth_type="pat"
    )
    with pytest.raises(errors.HostNotAllowed):
        provider.check_credentials()
    assert len(rsps.calls) == 0


def test_private_host_is_allowed_when_configured(rsps: responses.RequestsMock) -> None:
    rsps.get("https://internal.example.com/api/v3/user", json=USER)
    provider = GitHubEnterpriseProvider(
        base_url="https://internal.example.com",
        credentials={"token": TOKEN},
        auth_type="pat",
        allow_private=True,
    )
    assert provider.check_credentials().login == "octocat"


def test_unresolvable_host(rsps: responses.RequestsMock) -> None:
    provider = GitHubEnterpriseProvider(
        base_url="https://nxdomain.example.com", credentials={"token": TOKEN}, auth_type="pat"
    )
    with pytest.raises(errors.HostUnreachable, match="could not be resolved"):
        provider.check_credentials()


def test_credentials_are_never_sent_to_another_origin(rsps: responses.RequestsMock) -> None:
    client = HostClient(API, auth=BearerAuth(TOKEN))
    with pytest.raises(HostBlocked):
        client.request("GET", "https://evil.example.net/steal")
    with pytest.raises(HostBlocked):
        client.request("GET", "http://api.github.com/user")  # scheme is part of the origin
    assert len(rsps.calls) == 0


def test_tls_verify_flag_is_passed(rsps: responses.RequestsMock) -> None:
    rsps.get("https://ghe.example.com/api/v3/user", json=USER)
    rsps.get("https://ghe.example.com/api/v3/user", json=USER)
    GitHubEnterpriseProvider(
        base_url="https://ghe.example.com", credentials={"token": TOKEN}, auth_type="pat"
    ).check_credentials()
    GitHubEnterpriseProvider(
        base_url="https://ghe.example.com",
        credentials={"token": TOKEN},
        auth_type="pat",
        ssl_verify=False,
    ).check_credentials()
    assert [verify_of(c) for c in rsps.calls] == [True, False]


def test_self_signed_certificate(rsps: responses.RequestsMock) -> None:
    rsps.get(
        "https://ghe.example.com/api/v3/user",
        body=requests.exceptions.SSLError(
            "HTTPSConnectionPool(host='ghe.example.com', port=443): Max retries exceeded "
            "with url: /api/v3/user (Caused by SSLError(SSLCertVerificationError(1, "
            "'[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: self-signed "
            "certificate (_ssl.c:1006)')))"
        ),
    )
    provider = GitHubEnterpriseProvider(
        base_url="https://ghe.example.com", credentials={"token": TOKEN}, auth_type="pat"
    )
    with pytest.raises(errors.SelfSignedCertificate) as info:
        provider.check_credentials()
    assert "ssl_verify" in info.value.message and "self-signed certificate" in info.value.message


def test_connection_refused(rsps: responses.RequestsMock) -> None:
    rsps.get(
        "https://ghe.example.com/api/v3/user", body=requests.exceptions.ConnectionError("refused")
    )
    provider = GitHubEnterpriseProvider(
        base_url="https://ghe.example.com", credentials={"token": TOKEN}, auth_type="pat"
    )
    with pytest.raises(errors.HostUnreachable) as info:
        provider.check_credentials()
    assert not info.value.permanent


def test_timeout(rsps: responses.RequestsMock) -> None:
    rsps.get(f"{API}/user", body=requests.exceptions.ReadTimeout("read timed out"))
    with pytest.raises(errors.HostTimeout, match="did not answer within 30 seconds"):
        github().check_credentials()


def test_server_error(rsps: responses.RequestsMock) -> None:
    rsps.get(f"{API}/user", status=502, body="<html>Bad gateway</html>")
    with pytest.raises(errors.HostUnreachable, match="502"):
        github().check_credentials()


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
