"""Tokens the sandbox mints as Forge does for its Forge installation:

* Forge Invocation Tokens (FIT), RS256 with the sandbox's Forge key, ``kid`` in the
  header and the key published as a JWKS at ``/dev/forge/jwks.json`` (the app trusts
  that set only in development, and only for ``sandbox-`` key ids); claim names and
  nesting as Forge mints them (``app.installationId``, ``app.apiBaseUrl``,
  ``app.environment``, ``app.module``, ``context.cloudId``/``siteUrl``/``extension``
  for UI calls, ``principal``; ``iss`` ``forge/invocation-token``, ``aud`` the app id);
* the app system and user tokens Forge adds as ``x-forge-oauth-system`` /
  ``x-forge-oauth-user``: JWTs with an ``exp``, which the sandbox's stand-in Jira API
  (``/ex/jira/<cloudId>``) accepts as Bearer until they expire, for its site only.
"""

from __future__ import annotations

import re
import time
import uuid
from typing import Any

import jwt
from flask import current_app

from app.sandbox import install
from app.sandbox.state import SandboxState

KEY = "forge-key"
#: The sandbox site's cloud id, its Forge installation and environment (fixed, like
#: the Connect install's clientKey, so links stay good across restarts).
CLOUD_ID = "5a4db000-0000-4000-8000-000000000001"
INSTALLATION_ID = "ari:cloud:ecosystem::installation/0b5e4f1a-5a4d-4b00-9000-000000000001"
ENVIRONMENT_UUID = "e0000000-5a4d-4b00-9000-000000000001"
FIT_LIFETIME = 60
OAUTH_LIFETIME = 900
SYSTEM_USER = "app-system-user"
_APP_UUID = re.compile(r"[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}$")


def state() -> SandboxState:
    return install.state()


def app_id() -> str:
    return str(current_app.config["FORGE_APP_ID"])


def app_uuid() -> str:
    match = _APP_UUID.search(app_id())
    assert match is not None  # config checks the app id's form
    return match.group(0)


def environment_id() -> str:
    return f"ari:cloud:ecosystem::environment/{app_uuid()}/{ENVIRONMENT_UUID}"


def api_base_url() -> str:
    """Where the app's Jira calls go for this installation, as ``api.atlassian.com/ex/
    jira/<cloudId>`` is for a real one: the sandbox's stand-in Jira REST."""
    return f"{current_app.config['BASE_URL']}/ex/jira/{CLOUD_ID}"


def jwks() -> dict[str, Any]:
    key = state().private_key(KEY)
    public = jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key(), as_dict=True)
    return {"keys": [{**public, "kid": state().kid(KEY), "alg": "RS256", "use": "sig"}]}


def fit(module_key: str, module_type: str, *, principal: str | None = None,
        extension: dict[str, Any] | None = None) -> str:
    """A FIT for one invocation of ``module_key``: a UI invocation's (with the user and
    the page's context) when ``principal`` is given, else a background one."""
    now = int(time.time())
    claims: dict[str, Any] = {
        "app": {"id": app_id(), "version": "1", "installationId": INSTALLATION_ID,
                "apiBaseUrl": api_base_url(),
                "environment": {"type": "DEVELOPMENT", "id": environment_id()},
                "module": {"type": module_type, "key": module_key}},
        "aud": app_id(), "iss": "forge/invocation-token", "iat": now, "nbf": now,
        "exp": now + FIT_LIFETIME, "jti": uuid.uuid4().hex,
    }
    if principal is not None:
        claims["principal"] = principal
        claims["context"] = {"cloudId": CLOUD_ID, "moduleKey": module_key,
                             "siteUrl": install.site_url(), "environmentType": "DEVELOPMENT",
                             "extension": extension or {}, "accountId": principal}
    return jwt.encode(claims, state().private_key(KEY), algorithm="RS256",
                      headers={"kid": state().kid(KEY)})


def oauth_token(account_id: str | None = None) -> str:
    """An app system token (or, with ``account_id``, that user's token)."""
    now = int(time.time())
    return jwt.encode({"sub": account_id or SYSTEM_USER, "aud": "api.atlassian.com",
                       "cloud": CLOUD_ID, "iat": now, "exp": now + OAUTH_LIFETIME,
                       "jti": uuid.uuid4().hex}, state().oauth_secret(), algorithm="HS256")


def verify_oauth(token: str, cloud_id: str) -> tuple[str | None, str | None]:
    """``(account id or None for the app, None)`` for a good token, else ``(None, why)``."""
    try:
        claims = jwt.decode(token, state().oauth_secret(), algorithms=["HS256"],
                            audience="api.atlassian.com", options={"require": ["exp", "sub"]})
    except jwt.ExpiredSignatureError:
        return None, "the token has expired"
    except jwt.PyJWTError:
        return None, "not a token this site issued"
    if claims.get("cloud") != cloud_id:
        return None, "the token is for another site"
    sub = claims["sub"]
    return (None if sub == SYSTEM_USER else str(sub)), None
