"""Atlassian's signed-install public keys, fetched by ``kid`` and cached.

A key id names an immutable key, so a fetched key is kept for a day; failures are not
cached, so a CDN hiccup does not lock out installs for long.

Development may add one more source that is asked first for key ids with its prefix:
the sandbox (``app.sandbox``) signs its installs with a local key and serves the public
half over HTTP, as Atlassian's CDN does. Production never has such a source.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from app.connect.tokens import KID_PATTERN, TokenError
from app.http import ApiError, ApiNotFound, HttpClient

CACHE_SECONDS = 24 * 3600


class InstallKeyStore:
    def __init__(self, base_url: str) -> None:
        self._client = HttpClient(base_url)
        self._cache: dict[str, tuple[float, str]] = {}
        self._lock = threading.Lock()
        self._local: tuple[str, Callable[[], str]] | None = None

    def trust_local(self, prefix: str, base_url: Callable[[], str]) -> None:
        """Fetch key ids starting with ``prefix`` from ``base_url()`` instead (development
        only: the sandbox's own key service)."""
        self._local = (prefix, base_url)

    def _source(self, kid: str) -> HttpClient:
        if self._local is not None and kid.startswith(self._local[0]):
            return HttpClient(self._local[1]())
        return self._client

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
            pem = self._source(kid).request("GET", kid).text
        except ApiNotFound as exc:
            raise TokenError("unknown install key id (kid)") from exc
        except ApiError as exc:
            raise TokenError(f"could not fetch the install key: {exc.message}") from exc
        if "BEGIN PUBLIC KEY" not in pem:
            raise TokenError("the install key service returned something that is not a key")
        with self._lock:
            self._cache[kid] = (time.monotonic() + CACHE_SECONDS, pem)
        return pem
