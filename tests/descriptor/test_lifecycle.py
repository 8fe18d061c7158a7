"""The signed-install matrix: every refused call leaves the stored tenant as it was."""

from __future__ import annotations

import time
from typing import Any

import jwt
import pytest
from flask import Flask

from app.extensions import db
from app.models import Tenant, TenantState
from tests.support.connect import ConnectActions, rsa_key


def snapshot() -> list[tuple[Any, ...]]:
    db.session.expire_all()
    return [
        (t.client_key, t.shared_secret, t.base_url, t.state, t.installed_at)
        for t in db.session.execute(db.select(Tenant).order_by(Tenant.id)).scalars()
    ]


def test_valid_install_creates_tenant_with_encrypted_secret(connect: ConnectActions) -> None:
    response = connect.install("client-a", "s3cret-" + "x" * 40, "site-a")
    assert response.status_code == 204
    tenant = db.session.execute(db.select(Tenant)).scalar_one()
    assert tenant.client_key == "client-a"
    assert tenant.shared_secret == "s3cret-" + "x" * 40
    assert tenant.base_url == connect.fake.site_url("site-a")
    assert tenant.state == TenantState.INSTALLED
    raw = db.session.execute(db.text("SELECT shared_secret FROM tenants")).scalar_one()
    assert "s3cret" not in raw and raw.startswith("gAAAA")  # a Fernet token


def forged(connect: ConnectActions, kind: str) -> str:
    """Tokens an attacker might send for client-a."""
    now = int(time.time())
    good = {"iss": "client-a", "aud": connect.base_url, "iat": now, "exp": now + 180}
    from atlassian_jwt.url_utils import hash_url

    good["qsh"] = hash_url("POST", "/lifecycle/installed")
    if kind == "hs256_guessed_secret":
        return jwt.encode(good, "guessed-secret-guessed-secret-guessed!!", algorithm="HS256")
    if kind == "alg_none":
        return jwt.encode(good, None, algorithm="none")  # type: ignore[arg-type]
    if kind == "wrong_aud":
        return connect.install_token("client-a", aud="https://evil.example.com")
    if kind == "unknown_kid":
        return connect.install_token("client-a", kid="00000000-0000-0000-0000-000000000000")
    if kind == "malformed_kid":
        return connect.install_token("client-a", kid="../../etc/passwd")
    if kind == "missing_kid":
        return connect.install_token("client-a", kid=None)
    if kind == "wrong_iss":
        return connect.install_token("client-b")
    if kind == "expired":
        return connect.install_token("client-a", iat=now - 3600, lifetime=180)
    if kind == "wrong_qsh":
        return connect.install_token("client-a", path="/lifecycle/uninstalled")
    if kind == "context_qsh":
        return connect.install_token("client-a", qsh="context-qsh")
    if kind == "other_key":
        return connect.install_token("client-a", key=rsa_key("attacker"))
    raise AssertionError(kind)


FORGERIES = [
    "hs256_guessed_secret",
    "alg_none",
    "wrong_aud",
    "unknown_kid",
    "malformed_kid",
    "missing_kid",
    "wrong_iss",
    "expired",
    "wrong_qsh",
    "context_qsh",
    "other_key",
]


@pytest.mark.parametrize("kind", FORGERIES)
def test_forged_reinstall_is_refused_and_changes_nothing(
    connect: ConnectActions, kind: str
) -> None:
    connect.installed("client-a", "site-a")
    before = snapshot()
    response = connect.install(
        "client-a", "attacker-secret-" + "y" * 40, "site-evil", token=forged(connect, kind)
    )
    assert response.status_code == 401, kind
    assert response.get_json()["error"]["code"]
    assert snapshot() == before


@pytest.mark.parametrize("kind", FORGERIES)
def test_forged_first_install_creates_nothing(connect: ConnectActions, kind: str) -> None:
    response = connect.install(
        "client-a", "attacker-secret-" + "y" * 40, "site-a", token=forged(connect, kind)
    )
    assert response.status_code == 401
    assert snapshot() == []


def test_unsigned_install_is_refused(connect: ConnectActions, client: Any) -> None:
    body = connect.install_body("client-a", "x" * 40, connect.fake.site_url("site-a"))
    assert client.post("/lifecycle/installed", json=body).status_code == 401
    assert snapshot() == []


def test_malformed_kid_is_never_fetched(connect: ConnectActions) -> None:
    connect.install("client-a", token=forged(connect, "malformed_kid"))
    assert connect.fake.key_fetches == []


def test_install_keys_are_cached(connect: ConnectActions) -> None:
    connect.installed("client-a", "site-a")
    connect.installed("client-b", "site-b")
    assert len(connect.fake.key_fetches) <= 1


def test_replay_with_new_shared_secret_is_refused(connect: ConnectActions, client: Any) -> None:
    token = connect.install_token("client-a")
    site = connect.fake.site_url("site-a")
    first = connect.install_body("client-a", "first-secret-" + "a" * 40, site)
    headers = {"Authorization": f"JWT {token}"}
    assert client.post("/lifecycle/installed", json=first, headers=headers).status_code == 204
    before = snapshot()
    # An identical retry (Jira resending after a lost answer) is harmless...
    assert client.post("/lifecycle/installed", json=first, headers=headers).status_code == 204
    # ...but the same token with another secret is a replay.
    replay = connect.install_body("client-a", "attacker-secret-" + "b" * 40, site)
    response = client.post("/lifecycle/installed", json=replay, headers=headers)
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "token_replayed"
    assert snapshot() == before


def test_reinstall_rotates_secret_and_follows_rename(connect: ConnectActions) -> None:
    connect.installed("client-a", "site-a")
    # A later install carries a new token (a different iat than the first one's).
    token = connect.install_token("client-a", iat=int(time.time()) - 5)
    response = connect.install(
        "client-a",
        "rotated-secret-" + "z" * 40,
        "site-renamed",
        token=token,
        displayUrl="https://jira.example-custom.atlassian.net",
    )
    assert response.status_code == 204
    (tenant,) = db.session.execute(db.select(Tenant)).scalars()
    db.session.refresh(tenant)
    assert tenant.shared_secret == "rotated-secret-" + "z" * 40
    assert tenant.base_url.endswith("/jira/site-renamed")
    assert tenant.display_url == "https://jira.example-custom.atlassian.net"


def test_site_outside_allowed_hosts_is_refused(connect: ConnectActions, client: Any) -> None:
    body = connect.install_body("client-a", "x" * 40, "https://evil.example.com")
    token = connect.install_token("client-a")
    response = client.post(
        "/lifecycle/installed", json=body, headers={"Authorization": f"JWT {token}"}
    )
    assert response.status_code == 403
    assert snapshot() == []


@pytest.mark.parametrize(
    "url",
    [
        "https://atlassian.net.evil.com",
        "https://evilatlassian.net",
        "ftp://x.atlassian.net",
        "https://u:p@x.atlassian.net",
    ],
)
def test_lookalike_sites_are_refused(connect: ConnectActions, client: Any, url: str) -> None:
    body = connect.install_body("client-a", "x" * 40, url)
    token = connect.install_token("client-a")
    response = client.post(
        "/lifecycle/installed", json=body, headers={"Authorization": f"JWT {token}"}
    )
    assert response.status_code == 403


@pytest.mark.parametrize(
    "body",
    [
        None,
        [],
        {"clientKey": "client-a"},
        {"sharedSecret": "x"},
        {"clientKey": "client-a", "sharedSecret": "x", "baseUrl": 7},
    ],
)
def test_malformed_body_is_refused(connect: ConnectActions, client: Any, body: Any) -> None:
    token = connect.install_token("client-a")
    response = client.post(
        "/lifecycle/installed", json=body, headers={"Authorization": f"JWT {token}"}
    )
    assert response.status_code == 400
    assert snapshot() == []


def test_install_for_another_app_key_is_refused(connect: ConnectActions) -> None:
    assert connect.install("client-a", key="someone-elses-app").status_code == 400
    assert snapshot() == []


def uninstall(
    connect: ConnectActions, client: Any, client_key: str, token: str | None = None
) -> Any:
    token = token or connect.install_token(client_key, "/lifecycle/uninstalled")
    body = {"clientKey": client_key, "eventType": "uninstalled", "key": "gitbridge-for-jira"}
    return client.post(
        "/lifecycle/uninstalled", json=body, headers={"Authorization": f"JWT {token}"}
    )


def test_uninstall_removes_tenant_and_secret(connect: ConnectActions, client: Any) -> None:
    connect.installed("client-a", "site-a")
    connect.installed("client-b", "site-b")
    assert uninstall(connect, client, "client-a").status_code == 204
    assert [t[0] for t in snapshot()] == ["client-b"]
    secrets = db.session.execute(db.text("SELECT shared_secret FROM tenants")).scalars().all()
    assert len(secrets) == 1


def test_uninstall_with_forged_tokens_changes_nothing(connect: ConnectActions, client: Any) -> None:
    connect.installed("client-a", "site-a")
    before = snapshot()
    for token in (
        connect.install_token("client-a"),  # qsh of /installed, not /uninstalled
        connect.install_token("client-a", "/lifecycle/uninstalled", key=rsa_key("x")),
        connect.install_token("client-b", "/lifecycle/uninstalled"),
    ):
        assert uninstall(connect, client, "client-a", token).status_code == 401
    assert uninstall(connect, client, "client-a", "not-a-jwt").status_code == 401
    assert snapshot() == before


def state_call(
    connect: ConnectActions, client: Any, event: str, client_key: str, secret: str
) -> Any:
    path = f"/lifecycle/{event}"
    token = connect.page_token(client_key, secret, path, method="POST", sub=None)
    return client.post(
        path,
        json={"clientKey": client_key, "eventType": event},
        headers={"Authorization": f"JWT {token}"},
    )


def test_enabled_and_disabled_are_verified_and_recorded(
    connect: ConnectActions, client: Any, app: Flask
) -> None:
    key, secret = connect.installed("client-a", "site-a")
    assert state_call(connect, client, "enabled", key, secret).status_code == 204
    assert snapshot()[0][3] == TenantState.ENABLED
    assert state_call(connect, client, "disabled", key, "wrong-secret-" * 4).status_code == 401
    assert snapshot()[0][3] == TenantState.ENABLED
    assert state_call(connect, client, "disabled", key, secret).status_code == 204
    assert snapshot()[0][3] == TenantState.DISABLED
    # Pages refuse a disabled site.
    response = connect.page("/pages/issue-development?issueKey=A-1", key, secret)
    assert response.status_code == 403


def test_enabled_for_another_tenant_body_is_refused(connect: ConnectActions, client: Any) -> None:
    key_a, secret_a = connect.installed("client-a", "site-a")
    connect.installed("client-b", "site-b")
    token = connect.page_token(key_a, secret_a, "/lifecycle/disabled", method="POST")
    response = client.post(
        "/lifecycle/disabled",
        json={"clientKey": "client-b"},
        headers={"Authorization": f"JWT {token}"},
    )
    assert response.status_code == 401
    assert all(t[3] == TenantState.INSTALLED for t in snapshot())
