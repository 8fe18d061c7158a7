"""What creating an integration checks, and how it answers a new admin's mistakes: a
blank or too-long name, an oversized body, a mistyped host name, a host that takes the
connection and never answers. Every refusal saves nothing."""

from __future__ import annotations

import io
import json
import time
from typing import Any

import pytest

from app.extensions import db
from app.models import Integration
from tests.support.connect import ConnectActions
from tests.support.silent_server import SilentServer

PAT = {"type": "pat", "token": "not-a-real-token"}


@pytest.fixture
def admin(connect: ConnectActions) -> tuple[str, str]:
    key, secret = connect.installed()
    connect.fake.site("site-a").admins.add("user-1")
    return key, secret


def create(connect: ConnectActions, admin: tuple[str, str], body: dict[str, Any]) -> Any:
    return connect.api("POST", "/api/v1/integrations", *admin, json=body)


def nothing_saved() -> bool:
    return db.session.execute(db.select(Integration)).first() is None


@pytest.mark.parametrize("name", ["", "   ", 7])
@pytest.mark.parametrize("body", [
    {"kind": "github", "mode": "webhook"},
    {"kind": "git", "url": "https://git.example.com/team/app.git"},
    {"kind": "github", "auth": PAT},
])
def test_a_blank_display_name_is_refused_on_create_as_on_patch(
        connect: ConnectActions, admin: tuple[str, str], body: dict[str, Any],
        name: Any) -> None:
    response = create(connect, admin, {**body, "display_name": name})
    assert response.status_code == 400, response.get_json()
    error = response.get_json()["error"]
    assert error["code"] == "invalid_display_name"
    assert "blank" in error["message"] and "leave display_name out" in error["message"]
    assert nothing_saved()


def test_a_too_long_display_name_is_refused_with_the_limit(
        connect: ConnectActions, admin: tuple[str, str]) -> None:
    response = create(connect, admin, {"kind": "github", "mode": "webhook",
                                       "display_name": "x" * 300})
    assert response.status_code == 400
    assert response.get_json()["error"]["message"] == (
        "display_name is 300 characters long; the limit is 255")
    assert nothing_saved()
    created = create(connect, admin, {"kind": "github", "mode": "webhook",
                                      "display_name": "  Team hooks  "})
    assert created.status_code == 201 and created.get_json()["display_name"] == "Team hooks"
    url = f"/api/v1/integrations/{created.get_json()['id']}"
    patched = connect.api("PATCH", url, *admin, json={"display_name": "y" * 256})
    assert patched.status_code == 400
    assert "the limit is 255" in patched.get_json()["error"]["message"]
    assert connect.api("PATCH", url, *admin, json={"display_name": " "}).status_code == 400
    assert connect.api("GET", url, *admin).get_json()["display_name"] == "Team hooks"


def test_no_display_name_uses_the_default(connect: ConnectActions,
                                          admin: tuple[str, str]) -> None:
    for body in ({"kind": "gitlab", "mode": "webhook"},
                 {"kind": "gitlab", "mode": "webhook", "display_name": None}):
        response = create(connect, admin, body)
        assert response.status_code == 201
        assert response.get_json()["display_name"] == "GitLab.com (webhooks)"


def test_the_api_refuses_an_oversized_body_with_the_limit(
        connect: ConnectActions, admin: tuple[str, str]) -> None:
    limit = connect.app.config["API_MAX_BYTES"]
    assert limit == 1024 * 1024
    body = {"kind": "github", "mode": "webhook", "settings": {"padding": "x" * limit}}
    response = create(connect, admin, body)
    assert response.status_code == 413
    error = response.get_json()["error"]
    assert error["code"] == "body_too_large"
    assert "at most 1,048,576 bytes (1 MiB)" in error["message"]
    assert nothing_saved()


def test_a_chunked_oversized_body_is_refused_as_it_is_read(
        connect: ConnectActions, admin: tuple[str, str]) -> None:
    connect.app.config["API_MAX_BYTES"] = 2000
    raw = json.dumps({"kind": "github", "mode": "webhook", "display_name": "x" * 5000})
    token = connect.context_token(*admin)
    response = connect.client.post(
        "/api/v1/integrations", input_stream=io.BytesIO(raw.encode()),
        headers={"Authorization": f"JWT {token}", "Content-Type": "application/json",
                 "Transfer-Encoding": "chunked"},
        environ_overrides={"wsgi.input_terminated": True})
    assert response.status_code == 413, response.get_data(as_text=True)
    assert "at most 2,000 bytes" in response.get_json()["error"]["message"]
    assert nothing_saved()


@pytest.mark.parametrize("allow_private", [True, False])
def test_a_mistyped_host_name_is_the_admins_to_fix(
        connect: ConnectActions, admin: tuple[str, str], allow_private: bool) -> None:
    connect.app.config["ALLOW_PRIVATE_HOSTS"] = allow_private
    for body in (
        {"kind": "git", "url": "https://gitt.no-such-host.invalid/team/app.git"},
        {"kind": "gitlab_self_managed", "base_url": "https://gitt.no-such-host.invalid",
         "auth": PAT},
    ):
        response = create(connect, admin, body)
        assert response.status_code == 422, response.get_json()
        error = response.get_json()["error"]
        assert error["code"] == "host_not_found"
        assert error["message"] == ("The host gitt.no-such-host.invalid could not be resolved "
                                    "(DNS has no such name): check the URL for a typo.")
    assert nothing_saved()


def test_nothing_saved_is_never_said_to_be_retried(
        connect: ConnectActions, admin: tuple[str, str]) -> None:
    refused = create(connect, admin, {"kind": "git", "url": "http://127.0.0.1:9/x.git"})
    assert refused.status_code == 502
    assert refused.get_json()["error"]["code"] == "host_unreachable"
    assert "retried" not in refused.get_json()["error"]["message"]
    assert nothing_saved()


def test_the_host_check_timeout_defaults_to_15_seconds(connect: ConnectActions) -> None:
    assert connect.app.config["HOST_CHECK_TIMEOUT"] == 15.0


@pytest.mark.parametrize("body", [
    lambda url: {"kind": "git", "url": f"{url}/team/app.git"},
    lambda url: {"kind": "github_enterprise", "base_url": url, "auth": PAT},
    lambda url: {"kind": "bitbucket_server", "base_url": url,
                 "auth": {"type": "basic", "username": "u", "password": "p"}},
], ids=["git ls-remote", "GitHub Enterprise API", "Bitbucket Server API"])
def test_a_host_that_never_answers_fails_in_time_with_advice(
        connect: ConnectActions, admin: tuple[str, str], body: Any) -> None:
    connect.app.config["HOST_CHECK_TIMEOUT"] = 1.5
    with SilentServer() as server:
        started = time.monotonic()
        response = create(connect, admin, body(server.url))
        took = time.monotonic() - started
        assert server.accepted >= 1
    assert response.status_code == 504, response.get_json()
    assert 1.4 < took < 6, took
    error = response.get_json()["error"]
    assert error["code"] == "host_timeout"
    message = error["message"]
    assert "did not answer within 1.5 seconds" in message
    assert "firewall" in message and "IP addresses" in message
    assert "webhook indexing" in message
    assert "fatal" not in message and "took longer" not in message  # not git's wording
    assert nothing_saved()


def test_the_wizards_preview_fails_in_time_too(connect: ConnectActions,
                                               admin: tuple[str, str]) -> None:
    connect.app.config["HOST_CHECK_TIMEOUT"] = 1.0
    with SilentServer() as server:
        started = time.monotonic()
        response = connect.api("POST", "/api/v1/integrations/preview", *admin, json={
            "kind": "gitlab_self_managed", "base_url": server.url, "auth": PAT})
        took = time.monotonic() - started
    assert response.status_code == 504 and took < 5, (response.get_json(), took)
    assert "webhook indexing" in response.get_json()["error"]["message"]
