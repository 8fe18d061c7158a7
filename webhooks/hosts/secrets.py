"""Secret checks every receiver shares: constant-time token and HMAC comparison,
``Authorization`` header readers, and a body's digest for hosts whose retries repeat
it. A secret never appears in an exception message, a log line or a repr."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from collections.abc import Iterable, Sequence


def usable_secrets(secrets: Iterable[str]) -> list[str]:
    """Non-empty secrets only: an empty HMAC key or token would let anyone in."""
    return [s for s in secrets if isinstance(s, str) and s]


def _ascii(value: str) -> bytes:
    # compare_digest() refuses non-ASCII str; bytes of any content are fine.
    return value.encode("utf-8", "surrogateescape")


def secret_matches(given: str | None, secrets: Sequence[str]) -> bool:
    """Constant-time comparison of a presented token with each configured secret."""
    if not given:
        return False
    presented = _ascii(given)
    matched = False
    for secret in usable_secrets(secrets):
        # No early exit: the time taken does not depend on which secret matched.
        matched |= hmac.compare_digest(presented, _ascii(secret))
    return matched


def hub_signature_matches(header: str | None, body: bytes, secrets: Sequence[str],
                          algorithm: str = "sha256") -> bool:
    """``<algorithm>=<hex HMAC of body>`` as GitHub, Bitbucket and others send it."""
    if not header:
        return False
    prefix, _, presented = header.strip().partition("=")
    if prefix.lower() != algorithm or not presented:
        return False
    presented_bytes = _ascii(presented.lower())
    matched = False
    for secret in usable_secrets(secrets):
        expected = hmac.new(secret.encode("utf-8"), body, algorithm).hexdigest()
        matched |= hmac.compare_digest(presented_bytes, expected.encode("ascii"))
    return matched


def basic_auth_password(header: str | None) -> str | None:
    """The password of an ``Authorization: Basic`` header, or ``None``."""
    if not header:
        return None
    scheme, _, value = header.strip().partition(" ")
    if scheme.lower() != "basic" or not value:
        return None
    try:
        decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
    except (binascii.Error, ValueError):
        return None
    _, sep, password = decoded.partition(":")
    return password if sep else None


def bearer_token(header: str | None) -> str | None:
    """The token of an ``Authorization: Bearer`` header, or ``None``."""
    if not header:
        return None
    scheme, _, value = header.strip().partition(" ")
    if scheme.lower() != "bearer":
        return None
    return value.strip() or None


def body_digest(body: bytes) -> str:
    """A delivery id for hosts that send none: identical retries share it."""
    return "sha256:" + hashlib.sha256(body).hexdigest()
