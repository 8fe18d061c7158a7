"""Bitbucket Server / Data Center contract, credentials: tokens and passwords, and git's
username."""

from __future__ import annotations

import base64

import pytest
import responses

from app.git_hosts import errors
from tests.git_hosts.bitbucket_server_shapes import (
    API,
    TOKEN,
    bbs_errors,
    server,
)
from tests.git_hosts.support import header

# --- credentials ---------------------------------------------------------------------------


def test_check_credentials_reads_x_ausername(rsps: responses.RequestsMock) -> None:
    rsps.get(
        f"{API}/application-properties",
        json={
            "version": "8.19.1",
            "buildNumber": "8019001",
            "buildDate": "1717000000000",
            "displayName": "Bitbucket",
        },
        headers={"X-AUSERNAME": "jdoe", "X-AUSERID": "42"},
    )
    rsps.get(
        f"{API}/users/jdoe",
        json={
            "name": "jdoe",
            "emailAddress": "jdoe@example.com",
            "id": 42,
            "displayName": "Jane Doe",
            "slug": "jdoe",
            "type": "NORMAL",
        },
    )
    account = server().check_credentials()
    assert (account.login, account.name, account.id, account.scopes) == (
        "jdoe",
        "Jane Doe",
        "42",
        None,
    )
    assert header(rsps.calls[0], "Authorization") == f"Bearer {TOKEN}"
    assert header(rsps.calls[0], "X-Atlassian-Token") == "no-check"


def test_anonymous_answer_means_wrong_credentials(rsps: responses.RequestsMock) -> None:
    rsps.get(
        f"{API}/application-properties", json={"version": "8.19.1", "displayName": "Bitbucket"}
    )
    with pytest.raises(errors.WrongToken, match="anonymous"):
        server().check_credentials()


def test_wrong_password(rsps: responses.RequestsMock) -> None:
    rsps.get(
        f"{API}/application-properties",
        status=401,
        json=bbs_errors(
            "Authentication failed. Please check your credentials and try again.",
            "com.atlassian.bitbucket.auth.IncorrectPasswordAuthenticationException",
        ),
    )
    with pytest.raises(errors.WrongToken, match="Authentication failed"):
        server(
            auth_type="basic", credentials={"username": "jdoe", "password": "nope"}
        ).check_credentials()
    call = rsps.calls[0]
    assert header(call, "Authorization") == "Basic " + base64.b64encode(b"jdoe:nope").decode()


def test_expired_token(rsps: responses.RequestsMock) -> None:
    rsps.get(
        f"{API}/application-properties",
        status=401,
        json=bbs_errors(
            "The access token has expired.",
            "com.atlassian.bitbucket.auth.ExpiredAccessTokenAuthenticationException",
        ),
    )
    with pytest.raises(errors.ExpiredToken):
        server().check_credentials()


def test_git_credentials_for_a_token_use_the_servers_username(rsps: responses.RequestsMock) -> None:
    rsps.get(f"{API}/application-properties", json={}, headers={"X-AUSERNAME": "jdoe"})
    rsps.get(
        f"{API}/users/jdoe",
        status=404,
        json=bbs_errors(
            "User jdoe does not exist", "com.atlassian.bitbucket.user.NoSuchUserException"
        ),
    )
    assert server().git_credentials() == {"username": "jdoe", "password": TOKEN}
    given = server(credentials={"token": TOKEN, "username": "svc-jira"})
    assert given.git_credentials() == {"username": "svc-jira", "password": TOKEN}
