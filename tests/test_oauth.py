"""The OAuth 2.0 authorization-code flow, end to end against the fake hosts over HTTP.

The test plays the admin's browser: it asks the app to start, follows the authorize URL
on the fake (which "approves" as ``oauth_approver``), and brings the fake's redirect back
to the app's callback through the Flask test client (the app's public URL is not
reachable from tests). Nothing of the app is mocked.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from flask import Flask
from itsdangerous import TimestampSigner, URLSafeTimedSerializer
from werkzeug.test import TestResponse

from app import providers
from app.config import ConfigError, load_config
from app.extensions import db
from app.models import Integration, OAuthGrant
from tests.support.connect import ConnectActions
from tests.support.fake_hosts import (
    FakeBitbucketCloud,
    FakeGitHub,
    FakeGitLab,
    FakeHost,
    patch_cloud_roots,
)

ADMIN = "admin-1"
CLIENT = ("client-id-123", "client-secret-456")
FAKES: dict[str, type[FakeHost]] = {
    "github": FakeGitHub, "gitlab": FakeGitLab, "gitlab_self_managed": FakeGitLab,
    "bitbucket_cloud": FakeBitbucketCloud,
}
GRANT_IN_PAGE = re.compile(r'gitbridgeOAuthGrant: "([^"]+)"')


@pytest.fixture(params=list(FAKES))
def kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def fake(kind: str, tmp_path: Path, app: Flask, monkeypatch: pytest.MonkeyPatch
         ) -> Iterator[FakeHost]:
    host = FAKES[kind](tmp_path / "host")
    host.start()
    try:
        if kind != "gitlab_self_managed":
            patch_cloud_roots(monkeypatch, host)
        callback = f"{app.config['BASE_URL']}/oauth/{kind}/callback"
        # Bitbucket consumers have one callback URL, registered with the consumer.
        host.add_oauth_app(*CLIENT, callback=callback if kind == "bitbucket_cloud" else None)
        host.add_user("alice")
        host.oauth_approver = "alice"
        for slug in ("app", "lib"):
            host.create_repo(host.repo_name(host.default_owner, slug))
        app.config["OAUTH_CLIENTS"] = {k: CLIENT for k in FAKES}
        yield host
    finally:
        host.stop()


@pytest.fixture
def site(connect: ConnectActions) -> tuple[str, str]:
    key, secret = connect.installed()
    connect.fake.site("site-a").admins.add(ADMIN)
    return key, secret


def api(connect: ConnectActions, site: tuple[str, str], method: str, path: str,
        body: Any = None) -> TestResponse:
    return connect.api(method, path, *site, json=body, sub=ADMIN)


def base(kind: str, fake: FakeHost) -> dict[str, str]:
    return {"base_url": fake.url} if kind == "gitlab_self_managed" else {}


def start(connect: ConnectActions, site: tuple[str, str], kind: str, fake: FakeHost) -> str:
    response = api(connect, site, "POST", f"/api/v1/oauth/{kind}/start", base(kind, fake))
    assert response.status_code == 200, response.get_json()
    return str(response.get_json()["authorize_url"])


def browse(connect: ConnectActions, authorize_url: str) -> TestResponse:
    """The admin's browser: the host's authorize page, then its redirect to our callback."""
    answer = requests.get(authorize_url, allow_redirects=False, timeout=10)
    assert answer.status_code == 302, answer.text
    location = urlsplit(answer.headers["Location"])
    return connect.client.get(f"{location.path}?{location.query}")


def grant_id(page: TestResponse) -> str:
    assert page.status_code == 200, page.get_data(as_text=True)
    match = GRANT_IN_PAGE.search(page.get_data(as_text=True))
    assert match, page.get_data(as_text=True)
    return match.group(1)


def connect_body(kind: str, fake: FakeHost, grant: str) -> dict[str, Any]:
    return {"kind": kind, "auth": {"type": "oauth", "grant": grant},
            "settings": {"indexing_triggers": False}, **base(kind, fake)}


def grants() -> list[OAuthGrant]:
    db.session.expire_all()
    return list(db.session.execute(db.select(OAuthGrant)).scalars())


# --- the whole flow, per host ---------------------------------------------------------------


def test_connect_with_oauth(connect: ConnectActions, site: tuple[str, str], kind: str,
                            fake: FakeHost, app: Flask) -> None:
    url = start(connect, site, kind, fake)
    parts = urlsplit(url)
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    assert url.startswith(fake.url + {
        "github": "/login/oauth/authorize", "bitbucket_cloud": "/site/oauth2/authorize",
    }.get(kind, "/oauth/authorize") + "?")
    assert query["client_id"] == CLIENT[0]
    callback = f"{app.config['BASE_URL']}/oauth/{kind}/callback"
    if kind == "bitbucket_cloud":
        assert "redirect_uri" not in query and "scope" not in query
    else:
        assert query["redirect_uri"] == callback
        assert query["scope"] == ("repo admin:repo_hook read:org" if kind == "github" else "api")
    assert (query.get("response_type") == "code") == (kind != "github")
    assert query["state"]

    page = browse(connect, url)
    grant = grant_id(page)
    html = page.get_data(as_text=True)
    issued = [t for t in fake.tokens if t.startswith("oauth-")]
    assert len(issued) == 1
    assert issued[0] not in html and "refresh-" not in html
    assert "You can close this window" in html and "window.opener.postMessage" in html
    assert page.headers["Referrer-Policy"] == "no-referrer"
    exchanged = fake.calls("POST", kind="oauth")
    assert [c.body["grant_type"] for c in exchanged] == ["authorization_code"]
    if kind == "bitbucket_cloud":  # the consumer authenticates with HTTP Basic
        assert exchanged[0].headers["Authorization"].startswith("Basic ")
        assert "client_secret" not in exchanged[0].body
    else:
        assert exchanged[0].body["redirect_uri"] == callback

    preview = api(connect, site, "POST", "/api/v1/integrations/preview",
                  connect_body(kind, fake, grant))
    assert preview.status_code == 200, preview.get_json()
    assert preview.get_json()["account"]["login"] == "alice"
    assert {r["name"] for r in preview.get_json()["repositories"]} == set(fake.repos)
    assert [g.id for g in grants()] == [grant]  # a preview does not use it up

    created = api(connect, site, "POST", "/api/v1/integrations", connect_body(kind, fake, grant))
    assert created.status_code == 201, created.get_json()
    assert created.get_json()["auth"] == {"type": "oauth"}
    assert issued[0] not in created.get_data(as_text=True)
    integration = db.session.get(Integration, created.get_json()["id"])
    assert integration is not None
    stored = json.loads(integration.credentials or "{}")
    assert stored["access_token"] == issued[0]
    assert stored["refresh_token"].startswith("refresh-")
    assert datetime.fromisoformat(stored["expires_at"]) > datetime.now(UTC)
    assert grants() == []

    again = api(connect, site, "POST", "/api/v1/integrations", connect_body(kind, fake, grant))
    assert again.status_code == 400
    assert again.get_json()["error"]["code"] == "invalid_grant"


# --- refusals ---------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["github"])
def test_forged_expired_or_foreign_state_is_refused(
        connect: ConnectActions, site: tuple[str, str], kind: str, fake: FakeHost,
        app: Flask) -> None:
    url = start(connect, site, kind, fake)
    state = parse_qs(urlsplit(url).query)["state"][0]
    answer = requests.get(url, allow_redirects=False, timeout=10)
    code = parse_qs(urlsplit(answer.headers["Location"]).query)["code"][0]

    class Past(TimestampSigner):
        def get_timestamp(self) -> int:
            return int(time.time()) - 601

    claims = URLSafeTimedSerializer(app.config["SECRET_KEY"], salt="oauth").loads(state)
    expired = URLSafeTimedSerializer(app.config["SECRET_KEY"], salt="oauth",
                                     signer=Past).dumps(claims)
    forged = URLSafeTimedSerializer("not-our-key", salt="oauth").dumps(claims)
    for bad in (state[:-2] + "xx", forged, expired, ""):
        page = connect.client.get(f"/oauth/github/callback?code={code}&state={bad}")
        assert page.status_code == 400
        assert "gitbridgeOAuthGrant" not in page.get_data(as_text=True)
    # a state made for another host kind does not complete this one
    page = connect.client.get(f"/oauth/gitlab/callback?code={code}&state={state}")
    assert page.status_code == 400
    assert grants() == []
    assert fake.calls("POST", kind="oauth") == []  # no code was ever exchanged

    # the real state still works once
    assert grant_id(connect.client.get(f"/oauth/github/callback?code={code}&state={state}"))
    replay = connect.client.get(f"/oauth/github/callback?code={code}&state={state}")
    assert replay.status_code == 400  # the host refuses a used code
    assert len(grants()) == 1


@pytest.mark.parametrize("kind", ["gitlab"])
def test_declined_authorization(connect: ConnectActions, site: tuple[str, str], kind: str,
                                fake: FakeHost) -> None:
    fake.oauth_approver = None
    page = browse(connect, start(connect, site, kind, fake))
    assert page.status_code == 400
    assert "access_denied" in page.get_data(as_text=True)
    assert grants() == []


@pytest.mark.parametrize("kind", ["github"])
def test_grant_of_another_tenant_or_expired_is_refused(
        connect: ConnectActions, site: tuple[str, str], kind: str, fake: FakeHost) -> None:
    grant = grant_id(browse(connect, start(connect, site, kind, fake)))
    other = connect.installed("client-b", "site-b")
    connect.fake.site("site-b").admins.add(ADMIN)
    for path in ("/api/v1/integrations/preview", "/api/v1/integrations"):
        refused = api(connect, other, "POST", path, connect_body(kind, fake, grant))
        assert refused.status_code == 400
        assert refused.get_json()["error"]["code"] == "invalid_grant"
    wrong_kind = api(connect, site, "POST", "/api/v1/integrations/preview",
                     {**connect_body(kind, fake, grant), "kind": "gitlab"})
    assert wrong_kind.status_code == 400
    assert len(grants()) == 1

    row = grants()[0]
    row.expires_at = datetime.now(UTC) - timedelta(seconds=1)
    db.session.commit()
    expired = api(connect, site, "POST", "/api/v1/integrations", connect_body(kind, fake, grant))
    assert expired.status_code == 400
    assert expired.get_json()["error"]["code"] == "invalid_grant"


@pytest.mark.parametrize("kind", ["github", "gitlab"])
def test_token_is_refreshed_before_expiry_and_stored(
        connect: ConnectActions, site: tuple[str, str], kind: str, fake: FakeHost) -> None:
    grant = grant_id(browse(connect, start(connect, site, kind, fake)))
    created = api(connect, site, "POST", "/api/v1/integrations", connect_body(kind, fake, grant))
    assert created.status_code == 201, created.get_json()
    integration = db.session.get(Integration, created.get_json()["id"])
    assert integration is not None
    old = json.loads(integration.credentials or "{}")
    integration.credentials = json.dumps(
        {**old, "expires_at": (datetime.now(UTC) - timedelta(minutes=1)).isoformat()})
    db.session.commit()
    fake.reset_calls()

    account = providers.for_integration(integration).check_credentials()

    assert account.login == "alice"
    refreshes = fake.calls("POST", kind="oauth")
    assert [c.body["grant_type"] for c in refreshes] == ["refresh_token"]
    assert refreshes[0].body["refresh_token"] == old["refresh_token"]
    assert refreshes[0].body["client_id"] == CLIENT[0]
    db.session.expire_all()
    new = json.loads(db.session.get(Integration, integration.id).credentials)  # type: ignore[union-attr]
    assert new["access_token"] != old["access_token"]
    assert new["access_token"] in fake.tokens and not fake.tokens[new["access_token"]].expired
    assert fake.tokens[old["access_token"]].expired  # the host rotated it out
    assert new["refresh_token"] != old["refresh_token"]
    assert datetime.fromisoformat(new["expires_at"]) > datetime.now(UTC)
    assert {c.token for c in fake.calls("GET", "/user")} == {new["access_token"]}


# --- configuration and the start endpoint -------------------------------------------------


def test_oauth_clients_from_the_environment(tmp_path: Path) -> None:
    env = {"GITBRIDGE_SECRET_KEY": "k", "GITBRIDGE_GITLAB_CLIENT_ID": "gl",
           "GITBRIDGE_GITLAB_CLIENT_SECRET": "gls", "GITBRIDGE_BITBUCKET_CLIENT_ID": "bb",
           "GITBRIDGE_BITBUCKET_CLIENT_SECRET": "bbs"}
    config = load_config(env, str(tmp_path))
    assert config["OAUTH_CLIENTS"] == {"gitlab": ("gl", "gls"),
                                       "gitlab_self_managed": ("gl", "gls"),
                                       "bitbucket_cloud": ("bb", "bbs")}
    assert load_config({"GITBRIDGE_SECRET_KEY": "k"}, str(tmp_path))["OAUTH_CLIENTS"] == {}
    with pytest.raises(ConfigError, match="GITBRIDGE_GITHUB_CLIENT_SECRET"):
        load_config({"GITBRIDGE_GITHUB_CLIENT_ID": "gh"}, str(tmp_path))


def test_hosts_say_where_oauth_is_offered(connect: ConnectActions, site: tuple[str, str],
                                          app: Flask) -> None:
    app.config["OAUTH_CLIENTS"] = {"github": CLIENT}
    hosts = api(connect, site, "GET", "/api/v1/hosts").get_json()["hosts"]
    assert {h["kind"] for h in hosts if h["oauth"]} == {"github"}
    refused = api(connect, site, "POST", "/api/v1/oauth/gitlab/start")
    assert refused.status_code == 404
    assert refused.get_json()["error"]["code"] == "oauth_not_offered"
    not_admin = connect.api("POST", "/api/v1/oauth/github/start", *site, sub="dev-1")
    assert not_admin.status_code == 403
    assert api(connect, site, "POST", "/api/v1/oauth/github/start").status_code == 200


def test_self_managed_needs_a_base_url(connect: ConnectActions, site: tuple[str, str],
                                       app: Flask) -> None:
    app.config["OAUTH_CLIENTS"] = {"gitlab_self_managed": CLIENT}
    missing = api(connect, site, "POST", "/api/v1/oauth/gitlab_self_managed/start", {})
    assert missing.status_code == 400
    bad = api(connect, site, "POST", "/api/v1/oauth/gitlab_self_managed/start",
              {"base_url": "ftp://x"})
    assert bad.status_code == 400
    ok = api(connect, site, "POST", "/api/v1/oauth/gitlab_self_managed/start",
             {"base_url": "https://Git.Example.com/api/v4"})
    assert ok.get_json()["authorize_url"].startswith("https://git.example.com/oauth/authorize?")


def test_azure_devops_signs_in_through_entra_id(connect: ConnectActions, site: tuple[str, str],
                                                app: Flask, tmp_path: Path) -> None:
    env = {"GITBRIDGE_SECRET_KEY": "k", "GITBRIDGE_AZURE_CLIENT_ID": "az",
           "GITBRIDGE_AZURE_CLIENT_SECRET": "azs"}
    assert load_config(env, str(tmp_path))["OAUTH_CLIENTS"] == {"azure_devops": ("az", "azs")}
    app.config["OAUTH_CLIENTS"] = {"azure_devops": CLIENT}
    url = api(connect, site, "POST", "/api/v1/oauth/azure_devops/start").get_json()[
        "authorize_url"]
    assert url.startswith(
        "https://login.microsoftonline.com/organizations/oauth2/v2.0/authorize?")
    query = parse_qs(urlsplit(url).query)
    assert query["scope"] == ["499b84ac-1321-427f-aa17-267ca6975798/.default offline_access"]
    assert query["response_type"] == ["code"]
    assert query["redirect_uri"][0].endswith("/oauth/azure_devops/callback")
