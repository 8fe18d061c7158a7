"""How a credential is put on a request to a git host.

Applied per attempt by ``HostClient.finalize_request``, so the credential never sits in
a stored ``Request`` and a retried request is re-signed. ``fingerprint`` keys the
per-credential pacing; it is a hash, never the secret.
"""

from __future__ import annotations

import base64
import hashlib

import requests


class Auth:
    """How a credential is put on a request. ``fingerprint`` keys pacing; never the secret."""

    kind = "none"

    def apply(self, prepared: requests.PreparedRequest) -> None:
        """Add the credential to ``prepared`` (no-op for anonymous calls)."""

    @property
    def fingerprint(self) -> str:
        return "anonymous"

    @staticmethod
    def _hash(*parts: str) -> str:
        return hashlib.sha256("\0".join(parts).encode()).hexdigest()[:32]

    def __repr__(self) -> str:  # never print secrets, even in a debugger or a log
        return f"<{type(self).__name__} {self.fingerprint[:8]}>"


class NoAuth(Auth):
    """No credential on the request; ``key`` (e.g. a refresh token) still separates pacing."""

    def __init__(self, key: str = "") -> None:
        self._key = key

    @property
    def fingerprint(self) -> str:
        return self._hash("none", self._key) if self._key else "anonymous"


class BearerAuth(Auth):
    """``Authorization: Bearer <token>`` (GitHub, OAuth everywhere, Bitbucket tokens)."""

    kind = "bearer"

    def __init__(self, token: str) -> None:
        self._token = token

    def apply(self, prepared: requests.PreparedRequest) -> None:
        prepared.headers["Authorization"] = f"Bearer {self._token}"

    @property
    def fingerprint(self) -> str:
        return self._hash("token", self._token)


class HeaderTokenAuth(Auth):
    """A token in a host-specific header (GitLab's ``PRIVATE-TOKEN``)."""

    kind = "header"

    def __init__(self, header: str, token: str) -> None:
        self._header = header
        self._token = token

    def apply(self, prepared: requests.PreparedRequest) -> None:
        prepared.headers[self._header] = self._token

    @property
    def fingerprint(self) -> str:
        return self._hash("token", self._token)


class BasicAuth(Auth):
    """HTTP Basic (Bitbucket app passwords, Bitbucket Server passwords)."""

    kind = "basic"

    def __init__(self, username: str, password: str) -> None:
        self._username = username
        self._password = password

    def apply(self, prepared: requests.PreparedRequest) -> None:
        raw = f"{self._username}:{self._password}".encode()
        prepared.headers["Authorization"] = "Basic " + base64.b64encode(raw).decode("ascii")

    @property
    def fingerprint(self) -> str:
        return self._hash("basic", self._username, self._password)
