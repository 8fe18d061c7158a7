"""GitHub contract, credentials: tokens, scopes, OAuth refresh, SSO and IP allow lists."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import responses

from app.git_hosts import errors
from tests.git_hosts.github_shapes import (
    API,
    REPO,
    TOKEN,
    error,
    github,
)
from tests.git_hosts.support import form, header, path

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
