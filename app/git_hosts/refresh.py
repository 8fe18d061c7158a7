"""OAuth token refresh and expiry for providers (RFC 6749 section 6), run by Authlib.

With ``oauth_client`` given, a provider asks Authlib's ``ensure_active_token`` before
each operation: a token within ``refresh_margin`` of its expiry is refreshed, and
Authlib's ``update_token`` hook hands the new tokens to ``on_refresh`` for storage
(encrypted, with the integration's credentials): hosts rotate refresh tokens, so the
old one stops working as soon as a refresh succeeds.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, ClassVar

from authlib.oauth2.rfc6749 import OAuth2Token

from app.git_hosts import errors, oauth_session
from app.git_hosts.client import Auth, HostClient
from app.http import ApiError

if TYPE_CHECKING:
    from app.hosts import OAuthEndpoints

log = logging.getLogger(__name__)


class OAuthRefresh:
    """Mixed into ``Provider``, whose attributes and methods it uses."""

    kind: ClassVar[str]
    web_root: str
    refresh_margin: ClassVar[float]
    auth_type: str
    credentials: dict[str, str]
    client: HostClient
    ssl_verify: bool
    allow_private: bool
    _auth: Auth
    _oauth_client: tuple[str, str] | None
    _on_refresh: Callable[[dict[str, Any]], None] | None

    if TYPE_CHECKING:  # provided by Provider and ErrorTranslation

        def _new_client(self, auth: Auth, root: str | None = None) -> HostClient: ...

        def _make_auth(self, auth_type: str, credentials: Mapping[str, str]) -> Auth: ...

        def translate_error(
            self, exc: ApiError, *, write: bool = False
        ) -> errors.GitHostError: ...

    def _oauth_endpoints(self) -> OAuthEndpoints | None:
        from app import hosts  # the registry imports the provider modules

        host = hosts.get(self.kind)
        return host.oauth if host else None

    @property
    def token_url(self) -> str | None:
        """The host's OAuth token endpoint (from the host registry), or ``None``."""
        endpoints = self._oauth_endpoints()
        return endpoints.token_url(self.web_root) if endpoints else None

    def _oauth_session(self, client: tuple[str, str], url: str) -> Any:
        endpoints = self._oauth_endpoints()
        return oauth_session.session(
            client, url, basic_client_auth=bool(endpoints and endpoints.basic_client_auth),
            token=oauth_session.as_token(self.credentials), update_token=self._updated,
            leeway=self.refresh_margin, verify=self.ssl_verify,
            allow_private=self.allow_private)

    def _updated(self, token: Mapping[str, Any], **_: Any) -> None:
        """Authlib's ``update_token`` hook: switch to the new token and store it."""
        if not token.get("access_token"):
            raise oauth_session.TokenRequestRefused("no access token in the answer")
        self.credentials = oauth_session.as_fields(token)
        self._auth = self._make_auth("oauth", self.credentials)
        self.client = self._new_client(self._auth)
        log.info("git_hosts.oauth_refreshed kind=%s expires_at=%s", self.kind,
                 self.credentials.get("expires_at"))
        if self._on_refresh is not None:
            self._on_refresh(self._as_auth())

    def _as_auth(self) -> dict[str, Any]:
        return {"type": "oauth", "access_token": self.credentials["access_token"],
                "refresh_token": self.credentials.get("refresh_token"),
                "expires_at": self.credentials.get("expires_at")}

    def _token_call(self, url: str, call: Callable[[], Any]) -> None:
        """One refresh through Authlib, its failures as ``GitHostError``."""
        try:
            oauth_session.token_request(url, call)
        except oauth_session.TokenRequestRefused as exc:
            raise errors.TokenRefreshFailed(
                errors.TokenRefreshFailed.default_message + f" The host said: {exc.said}",
                status=exc.status,
            ) from exc
        except ApiError as exc:  # unreachable, blocked, rate limited, 5xx
            raise self.translate_error(exc) from exc

    def _refresh_url(self) -> str:
        if self.auth_type != "oauth":
            raise errors.UnsupportedOperation("Only OAuth credentials can be refreshed.")
        url = self.token_url
        if not url:
            raise errors.UnsupportedOperation(f"{self.kind} has no OAuth token endpoint here.")
        if not self.credentials.get("refresh_token"):
            raise errors.TokenRefreshFailed(
                "The OAuth authorization has no refresh token; reconnect the integration."
            )
        return url

    def refresh(
        self, client_id: str, client_secret: str, *, redirect_uri: str | None = None
    ) -> dict[str, Any]:
        """Renew the OAuth access token now; returns the new ``{"type": "oauth", ...}`` auth.

        The provider switches to the new token at once; ``on_refresh`` (if given) gets
        the same dict so the caller can store it (hosts rotate refresh tokens: the old
        one stops working as soon as this returns).
        """
        url = self._refresh_url()
        oauth = self._oauth_session((client_id, client_secret), url)
        extra = {"redirect_uri": redirect_uri} if redirect_uri else {}
        self._token_call(url, lambda: oauth.refresh_token(url, **extra))
        return self._as_auth()

    def _ensure_fresh(self) -> None:
        """Refresh an OAuth token about to expire (if we can), or say it has expired."""
        if self.auth_type != "oauth":
            return
        token = OAuth2Token(oauth_session.as_token(self.credentials))
        if not token.is_expired(leeway=int(self.refresh_margin)):  # None: no expiry known
            return
        url = self.token_url
        if self._oauth_client and url and token.get("refresh_token"):
            oauth = self._oauth_session(self._oauth_client, url)
            self._token_call(url, oauth.ensure_active_token)
            return
        if token.is_expired(leeway=0):
            raise errors.ExpiredToken(
                "The OAuth authorization expired and cannot be renewed here; reconnect "
                "the integration."
            )
