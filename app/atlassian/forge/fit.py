"""Verification of Forge Invocation Tokens (FIT), as plain functions (no Flask).

Every request Forge sends to a remote carries ``Authorization: Bearer <FIT>``: an RS256
JWT signed with a key from Forge's JWKS (by ``kid``), ``iss`` ``forge/invocation-token``,
``aud`` the app id, with ``exp``/``nbf`` (developer.atlassian.com/platform/forge/remote/
essentials/, .../forge-remote-invocation-contract). Claims used, with their nesting as
Forge mints them::

    {"app": {"id", "installationId": "ari:cloud:ecosystem::installation/<uuid>",
             "apiBaseUrl": "https://api.atlassian.com/ex/jira/<cloudId>",
             "environment": {"type", "id"}, "module": {"type", "key"}, ...},
     "context": {"cloudId", "siteUrl", "moduleKey", "extension": {...}, ...},  # UI only
     "principal": "<accountId>",                                               # UI only
     "aud", "iss", "iat", "nbf", "exp", "jti"}

The algorithm is pinned before anything else is read, and ``apiBaseUrl`` must be on a
configured host: the app sends the installation's tokens there, so a token that named
another host would leak them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import jwt

from app.atlassian.forge.jwks import JwksCache, JwksError

ISSUER = "forge/invocation-token"
INSTALLATION_ID = re.compile(r"^ari:cloud:ecosystem::installation/[A-Za-z0-9-]{1,64}$")
CLOUD_ID = re.compile(r"^[A-Za-z0-9-]{1,64}$")
API_PATH = re.compile(r"^/ex/jira/(?P<cloud>[A-Za-z0-9-]{1,64})/?$")
#: ``app.environment.id``: the app's and the environment's uuids.
ENVIRONMENT_ARI = re.compile(r"^ari:cloud:ecosystem::environment/([0-9a-f-]{36})/([0-9a-f-]{36})$")


class FitError(Exception):
    """A FIT was refused; ``code`` is stable for API clients, the message for people."""

    def __init__(self, message: str, code: str = "invalid_token") -> None:
        super().__init__(message)
        self.message, self.code = message, code


@dataclass(frozen=True)
class Invocation:
    """What a verified FIT says: which installation, which user, where Jira is."""

    installation_id: str
    api_base_url: str
    cloud_id: str
    principal: str | None
    site_url: str | None
    module_key: str | None
    claims: dict[str, Any]
    #: ``app.environment.id`` when it is well-formed
    environment_id: str | None = None


def _api_base(value: Any, hosts: list[str], allow_http: bool) -> tuple[str, str]:
    """(normalised apiBaseUrl, cloud id) or FitError."""
    if not isinstance(value, str):
        raise FitError("the FIT has no app.apiBaseUrl")
    parts = urlsplit(value)
    if parts.scheme != "https" and not (allow_http and parts.scheme == "http"):
        raise FitError("the FIT's app.apiBaseUrl is not https")
    if parts.username or parts.password or parts.query or parts.fragment:
        raise FitError("the FIT's app.apiBaseUrl is malformed")
    host = (parts.hostname or "").lower()
    if host not in hosts:
        raise FitError("the FIT's app.apiBaseUrl is not an Atlassian API host", "foreign_api")
    match = API_PATH.match(parts.path)
    if not match:
        raise FitError("the FIT's app.apiBaseUrl is not a Jira API base (/ex/jira/<cloudId>)")
    return value.rstrip("/"), match.group("cloud")


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value.strip() else None


def verify(
    token: str,
    keys: JwksCache,
    *,
    app_id: str,
    api_hosts: list[str],
    leeway: int,
    allow_http: bool = False,
) -> Invocation:
    """Verify ``token`` and return what it says. Raises ``FitError``."""
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError as exc:
        raise FitError("malformed token") from exc
    if header.get("alg") != "RS256":
        raise FitError("Forge invocation tokens are RS256")
    kid = header.get("kid")
    if not isinstance(kid, str) or not kid or len(kid) > 200:
        raise FitError("the FIT has no key id (kid)")
    try:
        key = keys.key(kid)
        claims: dict[str, Any] = jwt.decode(
            token,
            key,
            algorithms=["RS256"],
            audience=app_id,
            issuer=ISSUER,
            leeway=leeway,
            options={"require": ["exp", "iss", "aud"]},
        )
    except JwksError as exc:
        raise FitError(str(exc), "unknown_key") from exc
    except jwt.ExpiredSignatureError as exc:
        raise FitError("the FIT has expired", "token_expired") from exc
    except jwt.PyJWTError as exc:
        raise FitError(f"the FIT was refused: {exc}") from exc
    app = claims.get("app")
    if not isinstance(app, dict):
        raise FitError("the FIT has no app claims")
    if app.get("id") not in (None, app_id):
        raise FitError("the FIT is for another app (app.id)")
    installation = app.get("installationId")
    if not isinstance(installation, str) or not INSTALLATION_ID.match(installation):
        raise FitError("the FIT has no valid app.installationId")
    api_base, api_cloud = _api_base(app.get("apiBaseUrl"), api_hosts, allow_http)
    context: dict[str, Any] = claims.get("context") or {}
    if not isinstance(context, dict):
        raise FitError("the FIT's context is malformed")
    cloud = context.get("cloudId", api_cloud)
    if cloud != api_cloud or not CLOUD_ID.match(str(cloud)):
        raise FitError("the FIT's context.cloudId does not match its app.apiBaseUrl")
    module: dict[str, Any] = app.get("module") or {}
    if not isinstance(module, dict):
        raise FitError("the FIT's app.module is malformed")
    environment = app.get("environment")
    environment_id = environment.get("id") if isinstance(environment, dict) else None
    return Invocation(
        installation_id=installation,
        api_base_url=api_base,
        cloud_id=api_cloud,
        principal=_text(claims.get("principal")),
        site_url=_text(context.get("siteUrl")),
        module_key=_text(module.get("key")),
        claims=claims,
        environment_id=environment_id if isinstance(environment_id, str)
        and ENVIRONMENT_ARI.match(environment_id) else None,
    )
