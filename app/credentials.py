"""An integration's stored credentials, as the engine and host clients need them.

Credentials are kept as one encrypted JSON value on the integration; this module is
the only place that knows its shape, and it never returns a secret to the API.
"""

from __future__ import annotations

import json
from typing import Any

from app.indexing.credentials import GitCredentials

#: The ``auth`` types and which fields each requires (contract: auth forms).
AUTH_FIELDS: dict[str, tuple[str, ...]] = {
    "none": (),
    "basic": ("username", "password"),
    "pat": ("token",),
    "ssh": ("private_key",),
    "oauth": ("access_token",),
    "aws": ("access_key_id", "secret_access_key", "region"),
}
OPTIONAL_FIELDS = ("passphrase", "username", "refresh_token", "expires_at")


class AuthInvalid(ValueError):
    """The ``auth`` object is not one of the contract's forms."""


def parse_auth(auth: Any) -> tuple[str, dict[str, str]]:
    """Validate an ``auth`` object; returns its type and the fields to store.

    ``{"type": "oauth", "grant": id}`` gives ``{"grant": id}``: the caller swaps it for
    the grant's tokens (``app.oauth.find_grant``) before anything uses or stores it.
    """
    if auth is None:
        return "none", {}
    if not isinstance(auth, dict) or auth.get("type") not in AUTH_FIELDS:
        raise AuthInvalid(f"auth.type must be one of: {', '.join(AUTH_FIELDS)}")
    kind = auth["type"]
    if kind == "oauth" and "grant" in auth and "access_token" not in auth:
        # The wizard's OAuth flow: the tokens wait in a grant (``app.oauth``).
        grant = auth["grant"]
        if not isinstance(grant, str) or not grant or len(grant) > 64:
            raise AuthInvalid("auth.grant must be the id the OAuth window returned")
        return kind, {"grant": grant}
    stored = {}
    for name in AUTH_FIELDS[kind]:
        value = auth.get(name)
        if not isinstance(value, str) or not value:
            raise AuthInvalid(f"auth.{name} is required for auth type '{kind}'")
        stored[name] = value
    for name in OPTIONAL_FIELDS:
        if isinstance(auth.get(name), str) and auth[name]:
            stored[name] = auth[name]
    return kind, stored


def dump(fields: dict[str, str]) -> str | None:
    return json.dumps(fields) if fields else None


def load(stored: str | None) -> dict[str, str]:
    return json.loads(stored) if stored else {}


def git_credentials(
    auth_type: str, fields: dict[str, str], known_hosts: str | None, ssl_verify: bool
) -> GitCredentials:
    """What ``git`` needs to clone with these credentials."""
    if auth_type == "basic":
        return GitCredentials(
            username=fields["username"], password=fields["password"], ssl_verify=ssl_verify
        )
    if auth_type in ("pat", "oauth"):
        secret = fields.get("token") or fields.get("access_token")
        return GitCredentials(
            username=fields.get("username") or "git", password=secret, ssl_verify=ssl_verify
        )
    if auth_type == "ssh":
        return GitCredentials(
            ssh_private_key=fields["private_key"],
            ssh_passphrase=fields.get("passphrase"),
            known_hosts=known_hosts,
            ssl_verify=ssl_verify,
        )
    return GitCredentials(known_hosts=known_hosts, ssl_verify=ssl_verify)
