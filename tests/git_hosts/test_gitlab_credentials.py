"""GitLab contract, credentials: tokens, scopes, expiry and OAuth."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import responses

from app.git_hosts import errors
from tests.git_hosts.gitlab_shapes import (
    API,
    TOKEN,
    gitlab,
)
from tests.git_hosts.support import form, header

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
