"""Forge's public keys (a JWKS), fetched by ``kid`` and cached as the CDN says.

The key set is kept for its ``Cache-Control: max-age`` (clamped to 1 min .. 1 day; 1 h
without one, as GitLab's Forge client does). A token naming a ``kid`` the cached set
lacks triggers one refetch, but never more often than the refresh floor, so tokens with
random key ids cannot make the app hammer Atlassian's CDN; a failed fetch counts too.
Only RSA keys are kept: the FIT is RS256 and nothing else is accepted.

Development may add one more key set, asked instead for key ids with its prefix: the
sandbox (``app.sandbox``) signs its Forge invocations with a local key and publishes it
as a JWKS, as Forge's CDN does. Production never has such a source.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable
from typing import Any

import jwt

from app.http import ApiError, HttpClient

MIN_TTL, MAX_TTL, DEFAULT_TTL = 60.0, 24 * 3600.0, 3600.0
MAX_AGE = re.compile(r"max-age=(\d+)", re.IGNORECASE)


class JwksError(Exception):
    """No key can be had for this ``kid`` (unknown, or the JWKS is unreachable)."""


def cache_seconds(cache_control: str | None) -> float:
    match = MAX_AGE.search(cache_control or "")
    if not match:
        return DEFAULT_TTL
    return min(max(float(match.group(1)), MIN_TTL), MAX_TTL)


def parse_keys(document: Any) -> dict[str, Any]:
    """``{kid: RSA public key}`` from a JWKS document; other key types are dropped."""
    if not isinstance(document, dict) or not isinstance(document.get("keys"), list):
        raise JwksError("the Forge JWKS is not a key set")
    keys: dict[str, Any] = {}
    for entry in document["keys"]:
        if not isinstance(entry, dict) or entry.get("kty") != "RSA":
            continue
        if entry.get("alg") not in (None, "RS256") or not isinstance(entry.get("kid"), str):
            continue
        try:
            keys[entry["kid"]] = jwt.PyJWK(entry, algorithm="RS256").key
        except jwt.PyJWTError:
            continue
    return keys


class JwksCache:
    def __init__(
        self,
        url: str,
        refresh_floor: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._url = url
        self._client = HttpClient(url)
        self._client.max_retries = 0
        self._client.timeout = (2.0, 2.0)  # lifecycle events have 5 s in all
        self._floor = refresh_floor
        self._clock = clock
        self._keys: dict[str, Any] = {}
        self._expires = 0.0
        self._last_fetch: float | None = None
        self._lock = threading.Lock()
        #: How many times the JWKS was fetched (for tests and metrics).
        self.fetches = 0
        self._local: tuple[str, Callable[[], str]] | None = None
        self._local_cache: JwksCache | None = None

    def trust_local(self, prefix: str, url: Callable[[], str]) -> None:
        """Ask the key set at ``url()`` (not Forge's) for key ids starting with ``prefix``
        (development only: the sandbox's own JWKS)."""
        self._local, self._local_cache = (prefix, url), None

    def key(self, kid: str) -> Any:
        """The public key for ``kid``. Raises ``JwksError``."""
        if self._local is not None and kid.startswith(self._local[0]):
            with self._lock:
                if self._local_cache is None:  # its URL is known once the app serves
                    self._local_cache = JwksCache(self._local[1](), 1.0, self._clock)
            return self._local_cache.key(kid)
        with self._lock:
            now = self._clock()
            stale = now >= self._expires
            if (stale or kid not in self._keys) and self._may_fetch(now):
                self._fetch(now)
            key = self._keys.get(kid)
        if key is None:
            raise JwksError("the token's signing key (kid) is not in the Forge JWKS")
        return key

    def _may_fetch(self, now: float) -> bool:
        return self._last_fetch is None or now - self._last_fetch >= self._floor

    def _fetch(self, now: float) -> None:
        self._last_fetch = now
        self.fetches += 1
        try:
            response = self._client.request("GET", self._url)
            keys = parse_keys(response.json())
        except (ApiError, ValueError, JwksError):
            # Keep serving the last good set; the floor spaces out the next attempt.
            return
        self._keys = keys
        self._expires = now + cache_seconds(response.headers.get("Cache-Control"))
