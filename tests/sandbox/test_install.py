"""The sandbox installs itself through the app's real signed-install path, serves its
key only for its own key id, answers the app's Jira calls only with valid JWTs, and does
not exist in production."""

from __future__ import annotations

import time
from pathlib import Path

import jwt
import requests
from cryptography.fernet import Fernet

from app import create_app
from app.atlassian import jira_for
from app.connect.qsh import qsh
from app.models import TenantState
from app.sandbox import install, site
from app.tenants import find
from tests.sandbox.conftest import Sandbox
from tests.support.connect import rsa_key


def test_first_visit_installs_through_the_lifecycle(sandbox: Sandbox) -> None:
    assert find(site.CLIENT_KEY) is None
    home = requests.get(f"{sandbox.url}/dev/", timeout=30)
    assert home.status_code == 200
    tenant = find(site.CLIENT_KEY)
    assert tenant is not None and tenant.state == TenantState.ENABLED
    assert tenant.base_url == f"{sandbox.url}/dev"
    assert tenant.shared_secret == install.state().shared_secret()
    # A second visit does not re-install (the secret stays).
    requests.get(f"{sandbox.url}/dev/", timeout=30)
    assert find(site.CLIENT_KEY).shared_secret == tenant.shared_secret  # type: ignore[union-attr]


def test_install_key_endpoint_serves_only_its_own_key(sandbox: Sandbox) -> None:
    kid = install.state().kid()
    pem = requests.get(f"{sandbox.url}/dev/install-keys/{kid}", timeout=10)
    assert pem.status_code == 200 and "BEGIN PUBLIC KEY" in pem.text
    assert requests.get(f"{sandbox.url}/dev/install-keys/sandbox-other", timeout=10
                        ).status_code == 404


def test_an_install_signed_by_another_key_is_refused(sandbox: Sandbox) -> None:
    """The sandbox's kid does not make any token good: the signature must verify with the
    key the app fetched for it."""
    now = int(time.time())
    body = {"key": sandbox.app.config["APP_KEY"], "clientKey": "intruder", "baseUrl":
            f"{sandbox.url}/dev", "sharedSecret": "s" * 40, "productType": "jira"}
    token = jwt.encode({"iss": "intruder", "aud": sandbox.url, "iat": now, "exp": now + 60,
                        "qsh": qsh("POST", "/lifecycle/installed")}, rsa_key("intruder"),
                       algorithm="RS256", headers={"kid": install.state().kid()})
    answer = requests.post(f"{sandbox.url}/lifecycle/installed", json=body, timeout=30,
                           headers={"Authorization": f"JWT {token}"})
    assert answer.status_code == 401
    assert find("intruder") is None


def test_stand_in_rest_verifies_the_apps_jwts(sandbox: Sandbox) -> None:
    requests.get(f"{sandbox.url}/dev/", timeout=30)
    tenant = find(site.CLIENT_KEY)
    projects = list(jira_for(tenant).projects())
    assert [p["key"] for p in projects] == ["ABC", "OPS", "HR"]
    assert jira_for(tenant).issue("ABC-1")["fields"]["summary"].startswith("Log in")
    url = f"{sandbox.url}/dev/rest/api/3/project/search"
    assert requests.get(url, timeout=10).status_code == 401
    wrong = jwt.encode({"iss": sandbox.app.config["APP_KEY"], "iat": int(time.time()),
                        "exp": int(time.time()) + 60, "qsh": qsh("GET", "/rest/api/3/myself")},
                       install.state().shared_secret(), algorithm="HS256")
    refused = requests.get(url, headers={"Authorization": f"JWT {wrong}"}, timeout=10)
    assert refused.status_code == 401 and "qsh" in refused.json()["errorMessages"][0]
    answer = jira_for(tenant).check_permissions({
        "accountId": site.USERS["viewer"].account_id,
        "projectPermissions": [{"permissions": ["BROWSE_PROJECTS", "VIEW_DEV_TOOLS"],
                                "projects": [10000, 10002]}]})
    granted = {p["permission"]: p["projects"] for p in answer["projectPermissions"]}
    assert granted == {"BROWSE_PROJECTS": [10000], "VIEW_DEV_TOOLS": []}


def test_production_has_no_sandbox(migrated: dict[str, str], tmp_path: Path) -> None:
    app = create_app({**migrated, "GITBRIDGE_ENV": "production",
                      "GITBRIDGE_ENCRYPTION_KEYS": Fernet.generate_key().decode()})
    client = app.test_client()
    for path in ("/dev/", "/dev/browse/ABC-1", "/dev/install-keys/sandbox-x",
                 "/dev/rest/api/3/myself", "/dev/static/ap.js", "/dev/github/api/v3/user"):
        assert client.get(path).status_code == 404, path
    assert "sandbox" not in app.blueprints


def test_the_sandbox_answers_only_on_loopback(sandbox: Sandbox) -> None:
    client = sandbox.app.test_client()
    for path in ("/dev/", "/dev/rest/api/3/myself", "/dev/github/api/v3/user",
                 "/dev/git/sandbox/alpha-web.git/info/refs"):
        far = client.get(path, environ_base={"REMOTE_ADDR": "192.0.2.7"})
        assert far.status_code == 403, path
        assert "only on this machine" in far.get_data(as_text=True)
