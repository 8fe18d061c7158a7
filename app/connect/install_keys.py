"""Atlassian's signed-install public keys, fetched by ``kid`` and cached.

A key id names an immutable key, so a fetched key is kept for a day; failures are not
cached, so a CDN hiccup does not lock out installs for long.
"""

from __future__ import annotations

import threading
import time

from app.connect.tokens import KID_PATTERN, TokenError
from app.http import ApiError, ApiNotFound, HttpClient

CACHE_SECONDS = 24 * 3600


class InstallKeyStore:
    def __init__(self, base_url: str) -> None:
        self._client = HttpClient(base_url)
        self._cache: dict[str, tuple[float, str]] = {}
        self._lock = threading.Lock()

    def get(self, kid: str) -> str:
        """The PEM public key for ``kid``.

        Raises:
            TokenError: the kid is malformed or unknown, or the CDN cannot be reached.
        """
        if not KID_PATTERN.match(kid):
            raise TokenError("malformed key id (kid)")
        with self._lock:
            cached = self._cache.get(kid)
        if cached and cached[0] > time.monotonic():
            return cached[1]
        try:
            pem = self._client.request("GET", kid).text
        except ApiNotFound as exc:
            raise TokenError("unknown install key id (kid)") from exc
        except ApiError as exc:
            raise TokenError(f"could not fetch the install key: {exc.message}") from exc
        if "BEGIN PUBLIC KEY" not in pem:
            raise TokenError("the install key service returned something that is not a key")
        with self._lock:
            self._cache[kid] = (time.monotonic() + CACHE_SECONDS, pem)
        return pem
