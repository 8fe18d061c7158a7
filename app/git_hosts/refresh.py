"""OAuth token refresh for providers (RFC 6749 section 6).

With ``oauth_client`` given, a provider refreshes by itself shortly before expiry and
hands the new tokens to ``on_refresh`` for storage: hosts rotate refresh tokens, so the
old one stops working as soon as a refresh succeeds.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, ClassVar

from app.git_hosts import errors
from app.git_hosts.client import Auth, HostClient, NoAuth
from app.git_hosts.helpers import host_message, parse_time
from app.http import ApiError

log = logging.getLogger(__name__)


class OAuthRefresh:
    """Mixed into ``Provider``, whose attributes and methods it uses."""

    kind: ClassVar[str]
    refresh_margin: ClassVar[float]
    auth_type: str
    credentials: dict[str, str]
    client: HostClient
    _auth: Auth
    _oauth_client: tuple[str, str] | None
    _on_refresh: Callable[[dict[str, Any]], None] | None

    if TYPE_CHECKING:  # provided by Provider and ErrorTranslation

        def _new_client(self, auth: Auth, root: str | None = None) -> HostClient: ...

        def _make_auth(self, auth_type: str, credentials: Mapping[str, str]) -> Auth: ...

        def translate_error(
            self, exc: ApiError, *, write: bool = False
        ) -> errors.GitHostError: ...

    @property
    def token_url(self) -> str | None:
        """The host's OAuth token endpoint, or ``None`` if this host has no OAuth here."""
        return None

    def _refresh_form(
        self, refresh_token: str, client_id: str, client_secret: str
    ) -> tuple[dict[str, str], Auth]:
        """Form body and client authentication for a refresh (RFC 6749 §6)."""
        form = {
            "grant_type": "refresh_token",
            "refresh_token": refresh_token,
            "client_id": client_id,
            "client_secret": client_secret,
        }
        return form, NoAuth(key=refresh_token)

    def refresh(
        self, client_id: str, client_secret: str, *, redirect_uri: str | None = None
    ) -> dict[str, Any]:
        """Renew the OAuth access token; returns the new ``{"type": "oauth", ...}`` auth.

        The provider switches to the new token at once; ``on_refresh`` (if given) gets
        the same dict so the caller can store it (hosts rotate refresh tokens: the old
        one stops working as soon as this returns).
        """
        if self.auth_type != "oauth":
            raise errors.UnsupportedOperation("Only OAuth credentials can be refreshed.")
        url = self.token_url
        if not url:
            raise errors.UnsupportedOperation(f"{self.kind} has no OAuth token endpoint here.")
        refresh_token = self.credentials.get("refresh_token")
        if not refresh_token:
            raise errors.TokenRefreshFailed(
                "The OAuth authorization has no refresh token; reconnect the integration."
            )
        form, auth = self._refresh_form(refresh_token, client_id, client_secret)
        if redirect_uri:
            form["redirect_uri"] = redirect_uri
        client = self._new_client(auth, root=url)
        try:
            response = client.request(
                "POST", url, data=form, headers={"Accept": "application/json"}
            )
        except ApiError as exc:
            if exc.status in (400, 401, 403):
                raise errors.TokenRefreshFailed(
                    errors.TokenRefreshFailed.default_message
                    + f" The host said: {host_message(exc.payload) or exc.status}",
                    status=exc.status,
                ) from exc
            raise self.translate_error(exc) from exc
        try:
            payload = response.json()
        except ValueError:
            payload = None
        if not isinstance(payload, dict) or "error" in payload or not payload.get("access_token"):
            raise errors.TokenRefreshFailed(
                errors.TokenRefreshFailed.default_message
                + (f" The host said: {host_message(payload)}" if payload else "")
            )
        expires_in = payload.get("expires_in")
        expires_at = (
            (datetime.now(UTC) + timedelta(seconds=float(expires_in))).isoformat()
            if isinstance(expires_in, int | float)
            else None
        )
        new: dict[str, Any] = {
            "type": "oauth",
            "access_token": payload["access_token"],
            "refresh_token": payload.get("refresh_token") or refresh_token,
            "expires_at": expires_at,
        }
        self.credentials = {k: v for k, v in new.items() if k != "type" and v is not None}
        self._auth = self._make_auth("oauth", self.credentials)
        self.client = self._new_client(self._auth)
        log.info("git_hosts.oauth_refreshed kind=%s expires_at=%s", self.kind, expires_at)
        if self._on_refresh is not None:
            self._on_refresh(dict(new))
        return new

    def _ensure_fresh(self) -> None:
        """Refresh an OAuth token about to expire (if we can), or say it has expired."""
        if self.auth_type != "oauth":
            return
        expires_at = parse_time(self.credentials.get("expires_at"))
        if expires_at is None:
            return
        left = (expires_at - datetime.now(UTC)).total_seconds()
        if left > self.refresh_margin:
            return
        if self._oauth_client and self.credentials.get("refresh_token") and self.token_url:
            self.refresh(*self._oauth_client)
            return
        if left <= 0:
            raise errors.ExpiredToken(
                "The OAuth authorization expired and cannot be renewed here; reconnect "
                "the integration."
            )
