"""OAuth 2.0 client sessions for git hosts, run by Authlib's ``OAuth2Session``.

Authlib builds the authorize URL (with the PKCE S256 challenge where the host takes
one), exchanges the code (with the verifier), refreshes, and tells an expired token
(``ensure_active_token``), handing refreshed tokens to an ``update_token`` hook. This
module only holds its HTTP to the rules every call to a git host obeys:

* every request the session sends passes ``HostClient.check_url``: the token
  endpoint's origin only, over http(s), on public addresses unless the operator allows
  private hosts, so a self-managed URL an admin typed cannot aim the exchange (and the
  client secret) at the internal network;
* no redirects, the API calls' timeouts and TLS setting, our User-Agent;
* failures come out as ``TokenRequestRefused`` (the host said no, in its words) or an
  ``app.http.ApiError`` (unreachable, blocked, rate limited, 5xx) for callers to word.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any, TypeVar

import requests
from authlib.integrations.requests_client import OAuth2Session, OAuthError
from requests.adapters import HTTPAdapter

from app.git_hosts.client import USER_AGENT, HostClient
from app.git_hosts.helpers import host_message, parse_time
from app.http import ApiHostError, ApiRateLimited, ApiTimeout, ApiTlsError, HttpClient

T = TypeVar("T")


class TokenRequestRefused(Exception):
    """The token endpoint refused (RFC 6749 §5.2 error, or a 400/401/403)."""

    def __init__(self, said: str, status: int | None = None) -> None:
        super().__init__(said)
        self.said = said
        self.status = status


class _GuardedAdapter(HTTPAdapter):
    """Checks each request's URL as ``HostClient`` checks its own, before sending."""

    def __init__(self, guard: HostClient) -> None:
        super().__init__()
        self._guard = guard

    def send(self, request: requests.PreparedRequest, *args: Any, **kwargs: Any
             ) -> requests.Response:
        self._guard.check_url(request.url or "")
        return super().send(request, *args, **kwargs)


class HostOAuthSession(OAuth2Session):
    """``OAuth2Session`` that never follows a redirect (a token answer is never one)."""

    def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> Any:
        kwargs["allow_redirects"] = False
        return super().request(method, url, *args, **kwargs)


def session(
    client: tuple[str, str],
    token_url: str,
    *,
    basic_client_auth: bool = False,
    redirect_uri: str | None = None,
    pkce: bool = False,
    token: Mapping[str, Any] | None = None,
    update_token: Callable[..., None] | None = None,
    leeway: float = 60,
    verify: bool | str = True,
    allow_private: bool = False,
) -> HostOAuthSession:
    """An Authlib session for one OAuth app at one host's token endpoint.

    ``basic_client_auth``: the client authenticates with HTTP Basic (Bitbucket), else
    with ``client_id``/``client_secret`` in the form. ``pkce``: authorize URLs carry an
    S256 challenge of the verifier given to ``create_authorization_url``.
    """
    oauth = HostOAuthSession(
        client[0],
        client[1],
        token_endpoint_auth_method="client_secret_basic" if basic_client_auth
        else "client_secret_post",
        redirect_uri=redirect_uri,
        code_challenge_method="S256" if pkce else None,
        token=dict(token) if token else None,
        token_endpoint=token_url,
        update_token=update_token,
        leeway=int(leeway),
        default_timeout=HttpClient.timeout,
    )
    oauth.verify = verify
    oauth.headers["User-Agent"] = USER_AGENT
    adapter = _GuardedAdapter(HostClient(token_url, allow_private=allow_private))
    oauth.mount("https://", adapter)
    oauth.mount("http://", adapter)
    return oauth


def token_request(guard_url: str, call: Callable[[], T]) -> T:
    """Run one Authlib token call, its failures as ``TokenRequestRefused``/``ApiError``."""
    try:
        result = call()
    except OAuthError as exc:
        raise TokenRequestRefused(str(exc.description or exc.error)) from exc
    except requests.HTTPError as exc:  # Authlib: an answer that is not a JSON object
        if exc.response is None:
            raise ApiHostError(f"POST {guard_url}: no answer") from exc
        error = HostClient(guard_url).error_for(exc.response)  # rate limits, as API calls
        if error.status in (400, 401, 403) and not isinstance(error, ApiRateLimited):
            said = host_message(error.payload) or str(error.status)
            raise TokenRequestRefused(said, error.status) from exc
        raise error from exc
    except requests.Timeout as exc:
        raise ApiTimeout(f"POST {guard_url} timed out") from exc
    except requests.exceptions.SSLError as exc:
        raise ApiTlsError(f"POST {guard_url}: TLS handshake failed") from exc
    except requests.RequestException as exc:
        raise ApiHostError(f"POST {guard_url}: {type(exc).__name__}") from exc
    except ValueError as exc:  # Authlib: the answer is not a JSON object
        raise TokenRequestRefused("the token endpoint did not answer with JSON") from exc
    if isinstance(result, Mapping) and not result.get("access_token"):
        raise TokenRequestRefused("no access token in the answer")
    return result


# --- our stored fields <-> Authlib's token -------------------------------------------------


def as_token(fields: Mapping[str, str]) -> dict[str, Any]:
    """Stored ``oauth`` credential fields as an Authlib token (``expires_at`` in epoch s)."""
    token: dict[str, Any] = {"access_token": fields.get("access_token", ""),
                             "token_type": "bearer"}
    if fields.get("refresh_token"):
        token["refresh_token"] = fields["refresh_token"]
    expires = parse_time(fields.get("expires_at"))
    if expires is not None:
        token["expires_at"] = int(expires.timestamp())
    return token


def as_fields(token: Mapping[str, Any]) -> dict[str, str]:
    """An Authlib token as stored ``oauth`` fields (``expires_at`` ISO 8601, UTC)."""
    fields = {"access_token": str(token["access_token"])}
    if token.get("refresh_token"):
        fields["refresh_token"] = str(token["refresh_token"])
    if isinstance(token.get("expires_at"), int | float):
        fields["expires_at"] = datetime.fromtimestamp(token["expires_at"], UTC).isoformat()
    return fields
