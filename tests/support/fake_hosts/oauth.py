"""The OAuth 2.0 authorization server of the fake hosts (GitHub, GitLab, Bitbucket Cloud).

``add_oauth_app`` registers a client; ``oauth_approver`` is the user who "approves" on
the authorize page (``None``: the user declines); the authorize endpoint then redirects
to the client's callback with a ``code``, and the token endpoint trades codes and
refresh tokens for access tokens the API accepts (recorded with kind ``"oauth"``).
Refresh tokens rotate: using one expires the access token it came with.

PKCE (RFC 7636), where the real host takes it (``pkce``): an authorize request's
``code_challenge`` (S256 only, as GitHub; GitLab takes ``plain`` too, the app never
sends it) is kept with the code, and the exchange of that code is refused unless its
``code_verifier`` hashes to it. Computed here with ``hashlib``, not with the client
library the app uses, so the check is independent. A host without PKCE ignores the
parameters, as Bitbucket Cloud does.

Knobs: ``oauth_expires_in`` (``None``: tokens that never expire), ``revoke_oauth``
(every refresh token refused from now on, as after the user revoked the app).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import threading
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar
from urllib.parse import urlencode

from werkzeug.wrappers import Request, Response

from tests.support.fake_hosts.wire import basic_credentials, bearer_token, json_response

if TYPE_CHECKING:
    from tests.support.fake_hosts.state import Recorded, Token


@dataclass
class OAuthApp:
    client_id: str
    secret: str
    #: the callback registered with the app (used when the request names none)
    callback: str | None = None


@dataclass
class OAuthIssued:
    """What a code or refresh token stands for."""

    client_id: str
    login: str
    scopes: tuple[str, ...] | None
    redirect_uri: str | None = None
    access_token: str | None = None
    #: the S256 challenge the authorize request carried (codes only)
    code_challenge: str | None = None


def s256(verifier: str) -> str:
    """BASE64URL(SHA256(ASCII(verifier))) without padding (RFC 7636 §4.2)."""
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).decode("ascii").rstrip("=")


class FakeOAuth:
    """Mixed into ``FakeHost``, whose lock, tokens and request log it uses."""

    #: web-root paths of the OAuth endpoints: path -> "authorize" | "token" | "info"
    oauth_paths: ClassVar[dict[str, str]] = {}
    #: status of a refused token request (GitHub answers errors with 200)
    oauth_error_status: ClassVar[int] = 400
    #: whether the real host takes PKCE (see ``app.hosts.catalog`` for the sources)
    pkce: ClassVar[bool] = False
    full_scopes: ClassVar[tuple[str, ...] | None]

    lock: threading.RLock
    tokens: dict[str, Token]

    if TYPE_CHECKING:  # provided by FakeHost

        def _record(self, request: Request, kind: str, raw_path: str, body: Any
                    ) -> Recorded: ...

        def add_token(self, value: str, login: str, *,
                      scopes: Iterable[str] | None = ()) -> Token: ...

    def init_oauth(self) -> None:
        self.oauth_apps: dict[str, OAuthApp] = {}
        self.oauth_approver: str | None = None
        self.oauth_expires_in: int | None = 7200
        self._oauth_codes: dict[str, OAuthIssued] = {}
        self._oauth_refresh: dict[str, OAuthIssued] = {}

    def add_oauth_app(self, client_id: str, secret: str, callback: str | None = None
                      ) -> OAuthApp:
        app = OAuthApp(client_id, secret, callback)
        with self.lock:
            self.oauth_apps[client_id] = app
        return app

    def revoke_oauth(self) -> None:
        """Every refresh token issued so far is refused from now on."""
        with self.lock:
            self._oauth_refresh.clear()

    def _oauth(self, request: Request, raw_path: str) -> Response:
        form = request.form.to_dict() if request.method == "POST" else {}
        record = self._record(request, "oauth", raw_path, form or None)
        endpoint = self.oauth_paths[raw_path]
        if endpoint == "authorize" and request.method == "GET":
            response = self._oauth_authorize(request)
        elif endpoint == "token" and request.method == "POST":
            response = self._oauth_token(request, form)
        elif endpoint == "info" and request.method == "GET":
            response = self._oauth_info(request)
        else:
            response = Response("Method not allowed\n", 405)
        record.status = response.status_code
        return response

    def _oauth_authorize(self, request: Request) -> Response:
        args = request.args
        app = self.oauth_apps.get(args.get("client_id", ""))
        if app is None:
            return Response("Unknown OAuth client\n", 400)
        redirect = args.get("redirect_uri") or app.callback
        if not redirect or (app.callback and redirect != app.callback):
            return Response("The redirect_uri is not registered for this app\n", 400)
        challenge = args.get("code_challenge") if self.pkce else None
        if challenge and args.get("code_challenge_method") != "S256":
            return Response("Only the S256 code_challenge_method is accepted\n", 400)
        query: dict[str, str] = {}
        if self.oauth_approver is None:
            query["error"] = "access_denied"
        else:
            code = uuid.uuid4().hex
            scope = args.get("scope")
            scopes = tuple(scope.replace(",", " ").split()) if scope else self.full_scopes
            with self.lock:
                self._oauth_codes[code] = OAuthIssued(
                    app.client_id, self.oauth_approver, scopes, args.get("redirect_uri"),
                    code_challenge=challenge)
            query["code"] = code
        if args.get("state") is not None:
            query["state"] = args["state"]
        sep = "&" if "?" in redirect else "?"
        return Response("", 302, headers={"Location": f"{redirect}{sep}{urlencode(query)}"})

    def _oauth_token(self, request: Request, form: dict[str, str]) -> Response:
        basic = basic_credentials(request)
        client_id, secret = basic or (form.get("client_id", ""), form.get("client_secret", ""))
        app = self.oauth_apps.get(client_id)
        if app is None or app.secret != secret:
            return self._oauth_error(request, "invalid_client", "Client authentication failed.")
        grant_type = form.get("grant_type")
        with self.lock:
            if grant_type == "authorization_code":
                issued = self._oauth_codes.pop(form.get("code", ""), None)
                if issued is not None and issued.redirect_uri not in (
                        None, form.get("redirect_uri")):
                    issued = None
                if issued is not None and not _verifier_matches(issued, form):
                    return self._oauth_error(
                        request, "invalid_grant",
                        "The code_verifier does not match the code_challenge.")
            elif grant_type == "refresh_token":
                issued = self._oauth_refresh.pop(form.get("refresh_token", ""), None)
                if issued is not None and issued.access_token in self.tokens:
                    self.tokens[issued.access_token].expired = True  # rotated out
            else:
                return self._oauth_error(request, "unsupported_grant_type", str(grant_type))
        if issued is None or issued.client_id != client_id:
            return self._oauth_error(request, "invalid_grant",
                                     "The code or refresh token is invalid or was used.")
        access, refresh = f"oauth-{uuid.uuid4().hex}", f"refresh-{uuid.uuid4().hex}"
        self.add_token(access, issued.login, scopes=issued.scopes)
        with self.lock:
            self._oauth_refresh[refresh] = OAuthIssued(client_id, issued.login, issued.scopes,
                                                       access_token=access)
        body: dict[str, Any] = {"access_token": access, "token_type": "bearer",
                                "refresh_token": refresh, "scope": " ".join(issued.scopes or ())}
        if self.oauth_expires_in is not None:
            body["expires_in"] = self.oauth_expires_in
        if "application/json" not in request.headers.get("Accept", ""):
            return Response(urlencode(body), 200,
                            mimetype="application/x-www-form-urlencoded")
        return json_response(body)

    def _oauth_error(self, request: Request, error: str, description: str) -> Response:
        return json_response({"error": error, "error_description": description},
                             self.oauth_error_status)

    def _oauth_info(self, request: Request) -> Response:
        token = self.tokens.get(bearer_token(request) or "")
        if token is None or token.expired:
            return json_response({"error": "invalid_token"}, 401)
        return json_response({"resource_owner_id": token.user.id,
                              "scope": list(token.scopes or ()), "expires_in": None})


def _verifier_matches(issued: OAuthIssued, form: dict[str, str]) -> bool:
    """No challenge: nothing to prove. Else the verifier must hash to it."""
    if issued.code_challenge is None:
        return True
    verifier = form.get("code_verifier", "")
    return bool(verifier) and hmac.compare_digest(s256(verifier), issued.code_challenge)
