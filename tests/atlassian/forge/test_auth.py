"""FIT authentication: every forged, expired or foreign token is refused and changes
nothing; a verified one names the installation and the user."""

from __future__ import annotations

from typing import Any

from cryptography.hazmat.primitives.asymmetric import rsa
from flask.testing import FlaskClient

from app.extensions import db
from app.models import Tenant
from tests.support.connect import ConnectActions
from tests.support.forge import APP_ID, FakeForge, Installation, jwk


def install(client: FlaskClient, forge: FakeForge, site: str = "site-f") -> Installation:
    inst = forge.installation(site)
    response = client.post("/forge/events", json=forge.event(inst),
                           headers=forge.headers(forge.background_fit(inst), forge.issue(inst)))
    assert response.status_code == 200, response.get_json()
    return inst


def snapshot() -> list[tuple[Any, ...]]:
    db.session.expire_all()
    return [(t.id, t.client_key, t.platform, t.system_token, t.api_base_url, t.base_url)
            for t in db.session.execute(db.select(Tenant).order_by(Tenant.id)).scalars()]


def test_a_verified_fit_names_installation_and_user(client: FlaskClient, forge: FakeForge,
                                                    fake_atlassian: Any) -> None:
    inst = install(client, forge)
    fake_atlassian.site("site-f").admins.add("admin-1")
    response = client.get("/api/v1/integrations", headers=forge.ui_headers(inst, "admin-1"))
    assert response.status_code == 200, response.get_json()
    # the admin check went to the installation's API base with a token Forge issued
    (check,) = [c for c in fake_atlassian.calls if c["path"] == "/rest/api/3/permissions/check"]
    assert check["forge"] and check["verified"].account_id == "admin-1"
    tenant = db.session.execute(db.select(Tenant)).scalar_one()
    assert (tenant.platform, tenant.cloud_id) == ("forge", inst.cloud_id)
    assert tenant.base_url == "https://site-f.atlassian.net"  # the FIT's context.siteUrl


def forged(forge: FakeForge, inst: Installation) -> dict[str, str]:
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return {
        "wrong key": forge.fit(inst, principal="admin-1", key=other),
        "alg none": forge.fit(inst, principal="admin-1", algorithm="none"),
        "alg HS256": forge.fit(inst, principal="admin-1", algorithm="HS256"),
        "wrong iss": forge.fit(inst, principal="admin-1", iss="forge/other-token"),
        "wrong aud": forge.fit(inst, principal="admin-1",
                               aud="ari:cloud:ecosystem::app/11111111-2222-3333-4444-555555555555"),
        "no aud": forge.fit(inst, principal="admin-1", drop=("aud",)),
        "expired": forge.fit(inst, principal="admin-1", lifetime=-120),
        "nbf in the future": forge.fit(inst, principal="admin-1", nbf=2**31 - 10),
        "no exp": forge.fit(inst, principal="admin-1", drop=("exp",)),
        "unknown kid": forge.fit(inst, principal="admin-1", kid="forge/invocation-token/nope"),
        "no kid": forge.fit(inst, principal="admin-1", kid=None),
        "apiBaseUrl on a foreign host": forge.fit(
            inst, principal="admin-1",
            app__apiBaseUrl=f"https://evil.example.com/ex/jira/{inst.cloud_id}"),
        "apiBaseUrl not a Jira base": forge.fit(
            inst, principal="admin-1", app__apiBaseUrl=forge.fake.url + "/somewhere"),
        "missing installationId": forge.fit(inst, principal="admin-1",
                                            drop=("app__installationId",)),
        "malformed installationId": forge.fit(inst, principal="admin-1",
                                              app__installationId="client-a"),
        "cloudId not the apiBaseUrl's": forge.fit(inst, principal="admin-1",
                                                  context__cloudId="another-cloud"),
        "another app's id": forge.fit(inst, principal="admin-1",
                                      app__id="ari:cloud:ecosystem::app/other"),
        "no app claims": forge.fit(inst, principal="admin-1", drop=("app",)),
        "garbage": "not.a.jwt",
    }


def test_every_forgery_is_refused_and_changes_nothing(
    client: FlaskClient, forge: FakeForge
) -> None:
    inst = install(client, forge)
    before = snapshot()
    for name, token in forged(forge, inst).items():
        headers = forge.headers(token, forge.issue(inst), forge.issue(inst, "admin-1"))
        for method, path in (("GET", "/api/v1/integrations"), ("GET", "/api/v1/hosts")):
            response = client.open(path, method=method, headers=headers)
            assert response.status_code == 401, (name, path, response.get_json())
            assert response.get_json()["error"]["code"], name
        events = client.post("/forge/events", json=forge.event(inst, "uninstalled"),
                             headers=forge.headers(token))
        assert events.status_code == 401, name
    assert snapshot() == before  # not even the fresh system tokens were kept


def test_unknown_kids_refresh_the_jwks_at_most_once_per_floor(
    client: FlaskClient, forge: FakeForge, fake_atlassian: Any
) -> None:
    # The cache's own clock, so the floor (1 s here) is not used up by a slow install.
    now = [1000.0]
    keys = client.application.extensions["atlassian_platforms"]["forge"].keys
    keys._clock = lambda: now[0]
    inst = install(client, forge)
    assert fake_atlassian.jwks_fetches == 1

    def random_kids() -> None:
        for n in range(5):
            token = forge.fit(inst, principal="u", kid=f"forge/invocation-token/random-{n}")
            assert client.get("/api/v1/hosts", headers=forge.headers(token)).status_code == 401

    random_kids()
    assert fake_atlassian.jwks_fetches == 1  # within the floor: no refetch at all
    # Forge rotates its key: a token with the new kid makes one refetch, then verifies
    new_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    fake_atlassian.jwks["keys"].append(jwk(new_key, "forge/invocation-token/rotated"))
    now[0] += 1.05
    rotated = forge.fit(inst, principal="u", key=new_key, kid="forge/invocation-token/rotated")
    assert client.get("/api/v1/hosts", headers=forge.headers(rotated)).status_code == 200
    assert fake_atlassian.jwks_fetches == 2
    random_kids()
    # cached keys keep verifying without a fetch
    assert client.get("/api/v1/hosts", headers=forge.ui_headers(inst, "u")).status_code == 200
    assert fake_atlassian.jwks_fetches == 2


def test_user_tokens_from_the_browser_cannot_drive_lifecycle(client: FlaskClient,
                                                             forge: FakeForge) -> None:
    """A UI invocation's FIT (it has a principal) or another module's is no event."""
    inst = install(client, forge)
    before = snapshot()
    for token in (forge.fit(inst, principal="admin-1"),
                  forge.background_fit(inst, module="gitbridge-schedule")):
        response = client.post("/forge/events", json=forge.event(inst, "uninstalled"),
                               headers=forge.headers(token))
        assert response.status_code == 401, response.get_json()
    assert snapshot() == before


def test_an_event_for_another_installation_is_refused(client: FlaskClient,
                                                       forge: FakeForge) -> None:
    inst, other = install(client, forge), forge.installation("site-g")
    body = forge.event(other, "uninstalled")
    response = client.post("/forge/events", json=body,
                           headers=forge.headers(forge.background_fit(inst)))
    assert response.status_code == 400
    assert len(snapshot()) == 1


def test_platforms_never_cross(client: FlaskClient, forge: FakeForge,
                               connect: ConnectActions) -> None:
    """A Connect JWT never authenticates a Forge installation, nor a FIT a Connect
    tenant, even one whose clientKey looks like an installation id."""
    inst = install(client, forge)
    # a Connect token whose issuer is the installation id, signed with a guessed secret
    token = connect.context_token(inst.installation_id, "x" * 64, sub="admin-1")
    response = client.get("/api/v1/hosts", headers={"Authorization": f"JWT {token}"})
    assert response.status_code == 401
    # a Connect tenant with that kind of clientKey is not reachable with a FIT
    lookalike = forge.installation("site-c")
    _, secret = connect.installed(lookalike.installation_id, "site-c")
    fit = forge.fit(lookalike, principal="admin-1")
    response = client.get("/api/v1/hosts", headers=forge.headers(fit))
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "unknown_installation"
    ok = connect.api("GET", "/api/v1/hosts", lookalike.installation_id, secret)
    assert ok.status_code == 200


def test_no_forge_surface_without_an_app_id(migrated: dict[str, str]) -> None:
    """Without an app id there is no Forge surface; only development's sandbox brings
    its own Forge app (tests/sandbox/test_forge.py)."""
    from cryptography.fernet import Fernet

    from app import create_app

    app = create_app({**migrated, "GITBRIDGE_ENV": "production",
                      "GITBRIDGE_ENCRYPTION_KEYS": Fernet.generate_key().decode()},
                     {"TESTING": True})
    assert "forge" not in app.extensions["atlassian_platforms"]
    assert app.test_client().post("/forge/events", json={}).status_code == 404
    assert APP_ID  # the fixture's app id is a well-formed one (config accepts it)


def test_forge_configuration_is_checked(tmp_path: Any) -> None:
    import pytest

    from app.config import ConfigError, load_config

    assert load_config({}, str(tmp_path))["FORGE_APP_ID"] is None
    config = load_config({"GITBRIDGE_FORGE_APP_ID": APP_ID}, str(tmp_path))
    assert config["FORGE_API_HOSTS"] == ["api.atlassian.com"]
    assert config["FORGE_JWKS_URL"] == (
        "https://forge.cdn.prod.atlassian-dev.net/.well-known/jwks.json")
    with pytest.raises(ConfigError, match="GITBRIDGE_FORGE_APP_ID"):
        load_config({"GITBRIDGE_FORGE_APP_ID": "406d303d"}, str(tmp_path))
    production = {"GITBRIDGE_ENV": "production", "GITBRIDGE_BASE_URL": "https://gb.example.com",
                  "GITBRIDGE_SECRET_KEY": "k", "GITBRIDGE_FORGE_APP_ID": APP_ID,
                  "GITBRIDGE_ENCRYPTION_KEYS": "n7uAw0b3FjLt0mS4Vb0Y5tW3xhG2Zt6wS8YQn0q4Vxg=",
                  "GITBRIDGE_FORGE_JWKS_URL": "http://keys.example.com/jwks.json"}
    with pytest.raises(ConfigError, match="GITBRIDGE_FORGE_JWKS_URL"):
        load_config(production, str(tmp_path))
