"""Verification of Connect JWTs, as plain functions (no Flask).

Three kinds of token reach the app:

* page tokens (HS256, tenant's shared secret, qsh bound to the exact request);
* context tokens (HS256, qsh is the literal ``context-qsh``), only for the JSON API;
* signed-install tokens (RS256, Atlassian's key by ``kid``) on ``installed``/``uninstalled``.

The algorithm is pinned per kind before anything else is looked at, a context token is
never accepted where a request-bound qsh is required (the 2021 qsh-bypass advisory), and
expiry is checked here against an explicit clock so tests can pin time.
"""

from __future__ import annotations

import hmac
import re
import time
import warnings
from collections.abc import Iterable
from typing import Any

import jwt
import jwt.warnings

from app.connect.qsh import CONTEXT_QSH


def _decode(token: str, key: str, algorithm: str) -> dict[str, Any]:
    """Signature check only; times, audience and qsh are checked by the callers."""
    with warnings.catch_warnings():
        # Jira chooses each site's shared secret, not us; PyJWT's length advice is noise.
        warnings.simplefilter("ignore", jwt.warnings.InsecureKeyLengthWarning)
        claims: dict[str, Any] = jwt.decode(
            token,
            key,
            algorithms=[algorithm],
            options={"verify_exp": False, "verify_iat": False, "verify_aud": False},
        )
    return claims


class TokenError(Exception):
    """A token was refused. ``code`` is stable for API clients; the message is for people."""

    code = "invalid_token"

    def __init__(self, message: str, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code:
            self.code = code


class TokenExpired(TokenError):
    code = "token_expired"


class TokenMissing(TokenError):
    code = "token_missing"


#: What a key id must look like before it goes into a URL path.
KID_PATTERN = re.compile(r"^[A-Za-z0-9_-]{1,128}$")


def unverified(token: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """Header and claims without verification, only to find the algorithm and tenant."""
    try:
        header = jwt.get_unverified_header(token)
        claims = jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError as exc:
        raise TokenError("malformed JWT") from exc
    if not isinstance(claims, dict):
        raise TokenError("malformed JWT")
    return header, claims


def _check_times(claims: dict[str, Any], now: float, leeway: int) -> None:
    exp = claims.get("exp")
    if not isinstance(exp, int | float):
        raise TokenError("the JWT has no expiry (exp)")
    if now > exp + leeway:
        raise TokenExpired("the JWT has expired")
    iat = claims.get("iat")
    if isinstance(iat, int | float) and iat > now + leeway:
        raise TokenError("the JWT was issued in the future (iat)")


def _check_qsh(claims: dict[str, Any], expected: Iterable[str] | str) -> None:
    actual = claims.get("qsh")
    if not isinstance(actual, str) or not actual:
        raise TokenError("the JWT has no query string hash (qsh)")
    if expected == CONTEXT_QSH:
        if actual != CONTEXT_QSH:
            raise TokenError("this endpoint takes context tokens (AP.context.getToken)")
        return
    if actual == CONTEXT_QSH:
        raise TokenError("a context token cannot be used here; the request must be signed")
    candidates = [expected] if isinstance(expected, str) else list(expected)
    if not any(hmac.compare_digest(actual, c) for c in candidates):
        raise TokenError("the JWT's query string hash (qsh) does not match the request")


def verify_symmetric(
    token: str,
    secret: str,
    *,
    expected_qsh: Iterable[str] | str,
    leeway: int,
    now: float | None = None,
) -> dict[str, Any]:
    """Verify an HS256 token signed with a tenant's shared secret.

    Args:
        expected_qsh: ``CONTEXT_QSH`` for API calls, else the hash(es) of the request.
        now: the clock, for tests; defaults to the current time.
    """
    header, _ = unverified(token)
    if header.get("alg") != "HS256":
        raise TokenError("only HS256 tokens are accepted here")
    try:
        claims = _decode(token, secret, "HS256")
    except jwt.PyJWTError as exc:
        raise TokenError("the JWT signature is invalid") from exc
    _check_times(claims, time.time() if now is None else now, leeway)
    _check_qsh(claims, expected_qsh)
    return claims


def verify_install(
    token: str,
    public_key_pem: str,
    *,
    audience: str,
    client_key: str,
    expected_qsh: Iterable[str] | str,
    leeway: int,
    now: float | None = None,
) -> dict[str, Any]:
    """Verify a signed-install (RS256) token for ``installed``/``uninstalled``."""
    header, _ = unverified(token)
    if header.get("alg") != "RS256":
        raise TokenError("lifecycle calls must be signed with RS256 (signed install)")
    try:
        claims = _decode(token, public_key_pem, "RS256")
    except (jwt.PyJWTError, ValueError) as exc:
        raise TokenError("the install JWT signature is invalid") from exc
    _check_times(claims, time.time() if now is None else now, leeway)
    aud = claims.get("aud")
    auds = aud if isinstance(aud, list) else [aud]
    if not any(isinstance(a, str) and a.rstrip("/") == audience.rstrip("/") for a in auds):
        raise TokenError("the install JWT is for another app (aud)")
    if claims.get("iss") != client_key:
        raise TokenError("the install JWT's issuer does not match the body's clientKey")
    _check_qsh(claims, expected_qsh)
    return claims


def kid_of(token: str) -> str:
    header, _ = unverified(token)
    kid = header.get("kid")
    if not isinstance(kid, str) or not KID_PATTERN.match(kid):
        raise TokenError("the install JWT has a missing or malformed key id (kid)")
    return kid
