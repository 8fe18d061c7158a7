"""The sandbox's Forge installation: installed through Forge's lifecycle trigger with
FITs signed by the sandbox's own JWKS (trusted in development only, for its key ids
only), its stand-in Jira API base taking only the Bearer tokens it issued, and every
Custom UI module of forge/manifest.yml in Chromium, framed where Jira puts it with the
sandbox's stand-in for @forge/bridge."""

from __future__ import annotations

import time

import jwt
import requests
from cryptography.fernet import Fernet

from app import create_app
from app.atlassian import jira_for
from app.atlassian.forge import installations
from app.models import Platform
from app.sandbox import forge_install, forge_tokens, install, site
from tests.sandbox.conftest import Sandbox
from tests.support.connect import rsa_key


def test_forge_install_through_the_lifecycle_trigger(sandbox: Sandbox) -> None:
    assert installations.find(forge_tokens.INSTALLATION_ID) is None
    home = sandbox.session(platform="forge").get(f"{sandbox.url}/dev/", timeout=30)
    assert home.status_code == 200
    assert 'aria-pressed="true" aria-label="As a Forge app"' in home.text
    tenant = installations.find(forge_tokens.INSTALLATION_ID)
    assert tenant is not None and tenant.platform == Platform.FORGE.value
    assert tenant.cloud_id == forge_tokens.CLOUD_ID
    assert tenant.api_base_url == f"{sandbox.url}/ex/jira/{forge_tokens.CLOUD_ID}"
    assert tenant.system_token and installations.system_token(tenant.id)
    # The app calls the stand-in Jira as the Forge app: Bearer, at the API base.
    assert [p["key"] for p in jira_for(tenant).projects()] == ["ABC", "OPS", "HR"]
    assert jira_for(tenant).server_info()["baseUrl"] == f"{sandbox.url}/dev"
    # A second event is a re-install: the same tenant.
    assert forge_install.send_event().status_code == 200
    assert installations.find(forge_tokens.INSTALLATION_ID).id == tenant.id  # type: ignore[union-attr]


def test_a_sandbox_kid_does_not_make_a_forged_fit_good(sandbox: Sandbox) -> None:
    token = forge_tokens.fit(*forge_install.LIFECYCLE)
    claims = jwt.decode(token, options={"verify_signature": False})
    forged = jwt.encode(claims, rsa_key("intruder"), algorithm="RS256",
                        headers={"kid": install.state().kid(forge_tokens.KEY)})
    answer = requests.post(f"{sandbox.url}/forge/events", json=forge_install.event(),
                           headers={"Authorization": f"Bearer {forged}"}, timeout=30)
    assert answer.status_code == 401
    assert installations.find(forge_tokens.INSTALLATION_ID) is None
    jwks = requests.get(f"{sandbox.url}/dev/forge/jwks.json", timeout=10).json()
    assert [k["kid"] for k in jwks["keys"]] == [install.state().kid(forge_tokens.KEY)]
    assert all(k["kid"].startswith("sandbox-") for k in jwks["keys"])


def test_production_never_trusts_the_sandbox_jwks(sandbox: Sandbox, migrated: dict[str, str]
                                                  ) -> None:
    """A FIT the sandbox signed (its kid, its key, its app id) is refused in production:
    there the only key set is Forge's (here unreachable), and nothing is installed."""
    token = forge_tokens.fit(*forge_install.LIFECYCLE)
    production = create_app({
        **migrated, "GITBRIDGE_ENV": "production",
        "GITBRIDGE_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
        "GITBRIDGE_FORGE_APP_ID": forge_install.SANDBOX_APP_ID,
        "GITBRIDGE_FORGE_JWKS_URL": "https://127.0.0.1:9/jwks.json",
        "GITBRIDGE_FORGE_API_HOSTS": "127.0.0.1"})
    with production.app_context():
        answer = production.test_client().post(
            "/forge/events", json=forge_install.event(),
            headers={"Authorization": f"Bearer {token}"})
        assert answer.status_code == 401
        assert answer.get_json()["error"]["code"] == "unknown_key"
        assert installations.find(forge_tokens.INSTALLATION_ID) is None
    assert production.url_map.bind("x").test("/dev/forge/jwks.json") is False
    # The same token is good in development (the sandbox's app).
    good = requests.post(f"{sandbox.url}/forge/events", json=forge_install.event(),
                         headers={"Authorization": f"Bearer {token}"}, timeout=30)
    assert good.status_code == 200, good.text


def test_forge_api_base_takes_only_its_bearer_tokens(sandbox: Sandbox) -> None:
    base = f"{sandbox.url}/ex/jira/{forge_tokens.CLOUD_ID}/rest/api/3"
    system = forge_tokens.oauth_token()
    ok = requests.get(f"{base}/project/search", timeout=10,
                      headers={"Authorization": f"Bearer {system}"})
    assert ok.status_code == 200 and ok.json()["total"] == 3
    viewer = forge_tokens.oauth_token(site.USERS["viewer"].account_id)
    seen = requests.get(f"{base}/issue/HR-1", headers={"Authorization": f"Bearer {viewer}"},
                        timeout=10)
    assert seen.status_code == 404  # as that user: HR is not theirs
    expired = jwt.encode({"sub": "app-system-user", "aud": "api.atlassian.com",
                          "cloud": forge_tokens.CLOUD_ID, "exp": int(time.time()) - 5},
                         install.state().oauth_secret(), algorithm="HS256")
    other_site = f"{sandbox.url}/ex/jira/00000000-0000-4000-8000-000000000000/rest/api/3"
    for url, headers in (
            (f"{base}/myself", {}),
            (f"{base}/project/search", {"Authorization": f"Bearer {expired}"}),
            (f"{base}/project/search", {"Authorization": "Bearer not-a-token"}),
            (f"{base}/project/search", {"Authorization": f"JWT {system}"}),
            (f"{other_site}/project/search", {"Authorization": f"Bearer {system}"})):
        assert requests.get(url, headers=headers, timeout=10).status_code == 401, (url, headers)
    # And the site's own REST path does not take Forge's tokens.
    assert requests.get(f"{sandbox.url}/dev/rest/api/3/project/search", timeout=10,
                        headers={"Authorization": f"Bearer {system}"}).status_code == 401
