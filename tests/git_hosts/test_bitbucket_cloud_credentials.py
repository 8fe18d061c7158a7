"""Bitbucket Cloud contract, credentials: app passwords, OAuth tokens and scopes."""

from __future__ import annotations

import base64

import pytest
import responses

from app.git_hosts import errors
from tests.git_hosts.bitbucket_cloud_shapes import (
    API,
    BASIC,
    bb_error,
    bitbucket,
)
from tests.git_hosts.support import form, header

# --- credentials ---------------------------------------------------------------------------


def test_check_credentials_with_app_password(rsps: responses.RequestsMock) -> None:
    rsps.get(
        f"{API}/user",
        json={
            "type": "user",
            "username": "tutorials",
            "display_name": "tutorials account",
            "uuid": "{c788b2da-b7a2-404c-9e26-d3f077557007}",
            "account_id": "557058:c0b72ad0-1cb5-4018-9cdc-0cde8492c443",
            "nickname": "tutorials",
        },
        headers={"X-OAuth-Scopes": "account, repository:write, pullrequest:write, webhook"},
    )
    account = bitbucket().check_credentials()
    assert (account.login, account.name) == ("tutorials", "tutorials account")
    assert account.id == "{c788b2da-b7a2-404c-9e26-d3f077557007}"
    assert account.scopes == ("account", "repository:write", "pullrequest:write", "webhook")
    assert header(rsps.calls[0], "Authorization") == BASIC


def test_wrong_app_password(rsps: responses.RequestsMock) -> None:
    rsps.get(f"{API}/user", status=401, body="")
    with pytest.raises(errors.WrongToken, match="app password"):
        bitbucket().check_credentials()


def test_expired_oauth_token(rsps: responses.RequestsMock) -> None:
    rsps.get(
        f"{API}/user",
        status=401,
        json=bb_error("Access token expired. Use your refresh token to obtain a new access token."),
    )
    with pytest.raises(errors.ExpiredToken):
        bitbucket(auth_type="oauth", credentials={"access_token": "x"}).check_credentials()


def test_missing_scope(rsps: responses.RequestsMock) -> None:
    rsps.get(
        f"{API}/repositories",
        status=403,
        json=bb_error(
            "Your credentials lack one or more required privilege scopes.",
            detail={"granted": ["account"], "required": ["repository"]},
        ),
    )
    with pytest.raises(errors.MissingScope) as info:
        list(bitbucket().list_repositories())
    assert info.value.scope == "repository"


def test_scopes_without_repository(rsps: responses.RequestsMock) -> None:
    rsps.get(f"{API}/user", json={"username": "tutorials"}, headers={"X-OAuth-Scopes": "account"})
    with pytest.raises(errors.MissingScope):
        bitbucket().check_credentials()


def test_git_credentials() -> None:
    assert bitbucket().git_credentials() == {"username": "tutorials", "password": "ATBBapppassword"}
    oauth = bitbucket(auth_type="oauth", credentials={"access_token": "at"})
    assert oauth.git_credentials() == {"username": "x-token-auth", "password": "at"}


def test_refresh_uses_consumer_basic_auth(rsps: responses.RequestsMock) -> None:
    rsps.post(
        "https://bitbucket.org/site/oauth2/access_token",
        json={
            "access_token": "new",
            "scopes": "repository",
            "expires_in": 7200,
            "refresh_token": "r2",
            "token_type": "bearer",
        },
    )
    provider = bitbucket(
        auth_type="oauth", credentials={"access_token": "old", "refresh_token": "r1"}
    )
    provider.refresh("key", "secret")
    assert form(rsps.calls[0]) == {"grant_type": "refresh_token", "refresh_token": "r1"}
    assert (
        header(rsps.calls[0], "Authorization")
        == "Basic " + base64.b64encode(b"key:secret").decode()
    )
    assert provider.git_credentials()["password"] == "new"
