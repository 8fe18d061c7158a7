"""PKCE, one-time states, refresh on expiry and a refused refresh, through Authlib,
against the fake hosts over HTTP (the flow helpers and fixtures are ``test_oauth``'s).

The fakes check PKCE themselves (``tests.support.fake_hosts.oauth``: hashlib, not the
library the app uses); the app's side is never mocked.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from flask import Flask
from sqlalchemy import text

from app import providers
from app.extensions import db
from app.git_hosts import errors
from app.jobs.scan import scan_integration
from app.models import Integration, OAuthStart
from tests.support.connect import ConnectActions
from tests.support.fake_hosts import FakeHost
from tests.support.fake_hosts.oauth import s256
from tests.test_oauth import (  # noqa: F401  (kind, fake, site: the flow's fixtures)
    CLIENT,
    api,
    browse,
    connect_body,
    fake,
    grant_id,
    grants,
    kind,
    site,
    start,
)

PKCE_KINDS = {"github", "gitlab", "gitlab_self_managed"}


def query_of(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


def starts() -> list[OAuthStart]:
    db.session.expire_all()
    return list(db.session.execute(db.select(OAuthStart)).scalars())


def connected(connect: ConnectActions, site: tuple[str, str], kind: str,  # noqa: F811
              fake: FakeHost) -> Integration:  # noqa: F811
    grant = grant_id(browse(connect, start(connect, site, kind, fake)))
    created = api(connect, site, "POST", "/api/v1/integrations", connect_body(kind, fake, grant))
    assert created.status_code == 201, created.get_json()
    integration = db.session.get(Integration, created.get_json()["id"])
    assert integration is not None
    return integration


def expire(integration: Integration) -> dict[str, str]:
    """Make the stored access token one that expired a minute ago; returns the fields."""
    fields: dict[str, str] = {
        **json.loads(integration.credentials or "{}"),
        "expires_at": (datetime.now(UTC) - timedelta(minutes=1)).isoformat()}
    integration.credentials = json.dumps(fields)
    db.session.commit()
    return fields


# --- PKCE --------------------------------------------------------------------------------


def test_pkce_where_the_host_takes_it(connect: ConnectActions, site: tuple[str, str],  # noqa: F811
                                      kind: str, fake: FakeHost) -> None:  # noqa: F811
    url = start(connect, site, kind, fake)
    query = query_of(url)
    [pending] = starts()
    verifier = pending.code_verifier
    assert 43 <= len(verifier) <= 128
    assert verifier not in url  # only its hash travels through the browser
    raw = db.session.execute(text("SELECT code_verifier FROM oauth_starts")).scalar_one()
    assert verifier not in raw  # encrypted at rest
    if kind in PKCE_KINDS:
        assert query["code_challenge_method"] == "S256"
        assert query["code_challenge"] == s256(verifier)
    else:  # Bitbucket Cloud has no PKCE
        assert "code_challenge" not in query and "code_challenge_method" not in query

    grant_id(browse(connect, url))

    [exchange] = fake.calls("POST", kind="oauth")
    assert exchange.body.get("code_verifier") == (verifier if kind in PKCE_KINDS else None)
    assert starts() == []  # used up by the callback


@pytest.mark.parametrize("kind", ["github", "gitlab"])
def test_the_fake_refuses_a_verifier_that_does_not_hash_to_the_challenge(
        kind: str, fake: FakeHost) -> None:  # noqa: F811
    paths = {endpoint: path for path, endpoint in fake.oauth_paths.items()}
    authorize, token = paths["authorize"], paths["token"]
    good = "v" * 43

    def code() -> str:
        answer = requests.get(fake.url + authorize, allow_redirects=False, timeout=10, params={
            "client_id": CLIENT[0], "redirect_uri": "https://app.example/cb", "state": "s",
            "code_challenge": s256(good), "code_challenge_method": "S256"})
        assert answer.status_code == 302, answer.text
        return query_of(answer.headers["Location"])["code"]

    def exchange(**extra: str) -> dict[str, Any]:
        form = {"grant_type": "authorization_code", "code": code(), "client_id": CLIENT[0],
                "client_secret": CLIENT[1], "redirect_uri": "https://app.example/cb", **extra}
        answer = requests.post(fake.url + token, data=form, timeout=10,
                               headers={"Accept": "application/json"})
        result: dict[str, Any] = answer.json()
        return result

    assert exchange(code_verifier="w" * 43)["error"] == "invalid_grant"
    assert "code_verifier" in exchange(code_verifier="w" * 43)["error_description"]
    assert exchange()["error"] == "invalid_grant"  # a challenged code needs its verifier
    assert exchange(code_verifier=good)["access_token"].startswith("oauth-")
    plain = requests.get(fake.url + authorize, allow_redirects=False, timeout=10, params={
        "client_id": CLIENT[0], "redirect_uri": "https://app.example/cb",
        "code_challenge": good, "code_challenge_method": "plain"})
    assert plain.status_code == 400


@pytest.mark.parametrize("kind", ["gitlab"])
def test_a_wrong_verifier_fails_the_callback_and_keeps_nothing(
        connect: ConnectActions, site: tuple[str, str], kind: str,  # noqa: F811
        fake: FakeHost) -> None:  # noqa: F811
    url = start(connect, site, kind, fake)
    [pending] = starts()
    pending.code_verifier = "x" * 64  # not the verifier the challenge was made from
    db.session.commit()

    page = browse(connect, url)

    assert page.status_code == 400
    said = page.get_data(as_text=True)
    assert "The host refused the authorization" in said
    assert "code_verifier does not match" in said
    assert grants() == [] and starts() == []
    assert not any(t.startswith("oauth-") for t in fake.tokens)  # no token was issued


@pytest.mark.parametrize("kind", ["github"])
def test_a_state_completes_once(connect: ConnectActions, site: tuple[str, str],  # noqa: F811
                                kind: str, fake: FakeHost) -> None:  # noqa: F811
    answer = requests.get(start(connect, site, kind, fake), allow_redirects=False, timeout=10)
    callback = urlsplit(answer.headers["Location"])
    assert grant_id(connect.client.get(f"{callback.path}?{callback.query}"))

    again = connect.client.get(f"{callback.path}?{callback.query}")

    assert again.status_code == 400
    assert "already used" in again.get_data(as_text=True)
    assert len(fake.calls("POST", kind="oauth")) == 1  # the replay never reached the host
    assert len(grants()) == 1


# --- refresh -----------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["bitbucket_cloud", "gitlab_self_managed"])
def test_refresh_on_expiry_is_stored_encrypted(
        connect: ConnectActions, site: tuple[str, str], kind: str,  # noqa: F811
        fake: FakeHost) -> None:  # noqa: F811
    integration = connected(connect, site, kind, fake)
    old = expire(integration)
    fake.reset_calls()

    assert providers.for_integration(integration).check_credentials().login == "alice"

    [refresh] = fake.calls("POST", kind="oauth")
    assert refresh.body["grant_type"] == "refresh_token"
    assert refresh.body["refresh_token"] == old["refresh_token"]
    if kind == "bitbucket_cloud":  # the consumer authenticates with HTTP Basic
        assert refresh.headers["Authorization"].startswith("Basic ")
        assert "client_secret" not in refresh.body
    db.session.expire_all()
    row = db.session.get(Integration, integration.id)
    assert row is not None
    new = json.loads(row.credentials or "{}")
    assert new["access_token"] != old["access_token"]
    assert datetime.fromisoformat(new["expires_at"]) > datetime.now(UTC) + timedelta(hours=1)
    raw = db.session.execute(text("SELECT credentials FROM integrations WHERE id = :id"),
                             {"id": integration.id}).scalar_one()
    assert new["access_token"] not in raw and new["refresh_token"] not in raw
    assert {c.token for c in fake.calls("GET")} == {new["access_token"]}


@pytest.mark.parametrize("kind", ["github"])
def test_a_refused_refresh_says_reconnect_on_the_integration(
        connect: ConnectActions, site: tuple[str, str], kind: str,  # noqa: F811
        fake: FakeHost, app: Flask) -> None:  # noqa: F811
    integration = connected(connect, site, kind, fake)
    integration_id = integration.id
    old = expire(integration)
    fake.revoke_oauth()  # the user revoked the app on the host
    fake.reset_calls()

    assert scan_integration(integration_id) == "failed: token_refresh_failed"

    assert [c.body["grant_type"] for c in fake.calls("POST", kind="oauth")] == ["refresh_token"]
    assert fake.calls("GET") == []  # nothing was tried with the expired token
    shown = api(connect, site, "GET", f"/api/v1/integrations/{integration_id}").get_json()
    assert shown["status"] == "error"
    assert "Reconnect the integration" in shown["error"]
    assert "invalid or was used" in shown["error"]  # the host's own words
    db.session.expire_all()
    row = db.session.get(Integration, integration_id)
    assert row is not None and json.loads(row.credentials or "{}") == old  # nothing changed


@pytest.mark.parametrize("kind", ["gitlab"])
def test_an_expired_token_without_a_way_to_renew_it_says_reconnect(
        connect: ConnectActions, site: tuple[str, str], kind: str,  # noqa: F811
        fake: FakeHost, app: Flask) -> None:  # noqa: F811
    integration = connected(connect, site, kind, fake)
    expire(integration)
    app.config["OAUTH_CLIENTS"] = {}  # the operator removed the OAuth app
    fake.reset_calls()

    with pytest.raises(errors.ExpiredToken, match="reconnect the integration"):
        providers.for_integration(integration).check_credentials()
    assert fake.calls() == [] and fake.calls(kind="oauth") == []
