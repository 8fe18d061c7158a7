"""The sandbox installs the app the way Jira Cloud does, over HTTP to the app's own
lifecycle URLs: ``installed`` signed with RS256 by the sandbox's key (its ``kid`` in the
header; the app fetches the public key from ``/dev/install-keys/<kid>``, the one key
source only development trusts, before Atlassian's CDN), then ``enabled`` signed with the
new shared secret. Nothing about the app's checks is skipped; a refusal is shown as the
app gave it.
"""

from __future__ import annotations

import secrets
import time
from typing import Any
from urllib.parse import urlsplit

import jwt
import requests
from flask import current_app

from app import tenants
from app.connect.qsh import qsh
from app.sandbox import site
from app.sandbox.state import SandboxState


class InstallFailed(RuntimeError):
    """The app refused the sandbox's install; the message is the app's answer."""


def state() -> SandboxState:
    return SandboxState(current_app.config["SANDBOX_DIR"])


def site_url() -> str:
    """The sandbox Jira's base URL: ``<app base URL>/dev``."""
    return current_app.config["BASE_URL"] + "/dev"


def _lifecycle(event: str, token: str, body: dict[str, Any]) -> None:
    url = f"{current_app.config['BASE_URL']}/lifecycle/{event}"
    try:
        response = requests.post(url, json=body, headers={"Authorization": f"JWT {token}"},
                                 timeout=30)
    except requests.RequestException as exc:
        raise InstallFailed(f"could not reach {url}: {exc}") from exc
    if response.status_code != 204:
        raise InstallFailed(f"{event}: HTTP {response.status_code} {response.text[:300]}")


def _body(event: str, secret: str | None = None) -> dict[str, Any]:
    body = {"key": current_app.config["APP_KEY"], "clientKey": site.CLIENT_KEY,
            "baseUrl": site_url(), "productType": "jira",
            "description": "Gitbridge sandbox Jira (development only)",
            "serviceEntitlementNumber": "SEN-SANDBOX", "eventType": event}
    if secret:
        body["sharedSecret"] = secret
    return body


def install() -> None:
    """Install (or re-install, rotating the secret) and enable the app."""
    sandbox = state()
    base_path = urlsplit(current_app.config["BASE_URL"]).path
    secret = secrets.token_urlsafe(48)
    now = int(time.time())
    token = jwt.encode(
        {"iss": site.CLIENT_KEY, "aud": current_app.config["BASE_URL"], "iat": now,
         "exp": now + 180, "qsh": qsh("POST", base_path + "/lifecycle/installed", "", base_path)},
        sandbox.private_key(), algorithm="RS256", headers={"kid": sandbox.kid()})
    _lifecycle("installed", token, _body("installed", secret))
    sandbox.save_shared_secret(secret)
    enabled = jwt.encode(
        {"iss": site.CLIENT_KEY, "iat": now, "exp": now + 180,
         "qsh": qsh("POST", base_path + "/lifecycle/enabled", "", base_path)},
        secret, algorithm="HS256")
    _lifecycle("enabled", enabled, _body("enabled"))


def ensure_installed() -> str:
    """The shared secret of the sandbox's installation, installing first if the app has
    no tenant for it (a fresh database) or the sandbox lost its secret."""
    secret = state().shared_secret()
    if secret is None or tenants.find(site.CLIENT_KEY) is None:
        install()
        secret = state().shared_secret()
    assert secret is not None
    return secret
