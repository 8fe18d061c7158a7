"""The guards for requests from Jira: page loads, templated links and API calls.

``page_token_required`` takes a token bound to the exact request (qsh); it is what Jira
puts on iframe URLs and server-to-server calls. ``link_token_required`` takes either
that or a context token in ``?jwt=``: Jira fills ``{jwt}`` in a module's templated link
(``jiraDevelopmentTool`` ``actions.*.templateUrl``) with a context token (qsh
``context-qsh``), as no request is known when the link is made; only such routes use
it. ``context_token_required`` takes only ``AP.context.getToken()`` tokens (qsh
``context-qsh``), which the iframe's JavaScript sends to the JSON API. Each puts the
tenant on ``g.tenant`` and the Atlassian account id of the user on ``g.account_id``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import urlsplit

from flask import current_app, g, request

from app.connect.qsh import CONTEXT_QSH, qsh
from app.connect.tokens import (
    TokenError,
    TokenExpired,
    TokenMissing,
    unverified,
    verify_symmetric,
)
from app.errors import Problem
from app.extensions import db
from app.models import Platform, Tenant, TenantState

F = TypeVar("F", bound=Callable[..., Any])


def request_qsh_candidates() -> set[str]:
    """qsh values the current request may legitimately carry.

    The path is taken relative to our base URL's path, both as the client sent it and
    as decoded, since proxies and servers differ in which one they hand us.
    """
    base_path = urlsplit(current_app.config["BASE_URL"]).path
    query = request.query_string.decode("latin-1")
    paths = {request.script_root + request.path}
    raw = request.environ.get("RAW_URI") or request.environ.get("REQUEST_URI")
    if raw:
        paths.add(raw.split("?", 1)[0])
    return {qsh(request.method, path, query, base_path) for path in paths}


def _header_token() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() or None if scheme == "JWT" else None


def authenticate(token: str | None, expected_qsh: set[str] | str) -> Tenant:
    """Verify ``token`` against its tenant's secret; record tenant and user on ``g``."""
    if not token:
        raise TokenMissing("this request needs a JWT from Jira")
    _, claims = unverified(token)
    client_key = claims.get("iss")
    tenant = (
        db.session.execute(
            db.select(Tenant).filter_by(client_key=client_key, platform=Platform.CONNECT.value)
        ).scalar_one_or_none()
        if isinstance(client_key, str)
        else None
    )
    if tenant is None:
        raise TokenError("the JWT's issuer is not an installed Jira site", code="unknown_tenant")
    verified = verify_symmetric(
        token,
        tenant.shared_secret,
        expected_qsh=expected_qsh,
        leeway=current_app.config["JWT_LEEWAY"],
    )
    g.tenant = tenant
    sub = verified.get("sub")
    g.account_id = sub if isinstance(sub, str) else None
    g.jwt_claims = verified
    return tenant


def check_request(token: str | None, expected: Any) -> Tenant:
    """Authenticate the current request with ``token``, or raise the Problem to answer."""
    try:
        tenant = authenticate(token, expected)
    except TokenExpired as exc:
        raise Problem(401, exc.code, "Your session has expired. Reload the page.") from exc
    except TokenError as exc:
        current_app.logger.info("connect.jwt.refused code=%s path=%s", exc.code, request.path)
        raise Problem(401, exc.code, exc.message) from exc
    if tenant.state == TenantState.DISABLED:
        raise Problem(403, "app_disabled", "Gitbridge is disabled on this Jira site.")
    return tenant


def check_context_token() -> Tenant:
    """The JSON API's check: only context tokens, only in the Authorization header."""
    return check_request(_header_token(), CONTEXT_QSH)


def _guard(view: F, token_source: Callable[[], str | None], expected: Callable[[], Any]) -> F:
    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        check_request(token_source(), expected())
        return view(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


def page_token_required(view: F) -> F:
    """For iframe pages and Jira's server-to-server calls: qsh bound to the request."""
    return _guard(view, lambda: request.args.get("jwt") or _header_token(), request_qsh_candidates)


def context_token_required(view: F) -> F:
    """For the JSON API: only context tokens, only in the Authorization header."""
    return _guard(view, _header_token, lambda: CONTEXT_QSH)


def _link_qsh() -> Any:
    """``context-qsh`` for a token that carries it, else the request's own qsh."""
    token = request.args.get("jwt") or _header_token()
    try:
        claimed = unverified(token)[1].get("qsh") if token else None
    except TokenError:
        claimed = None
    return CONTEXT_QSH if claimed == CONTEXT_QSH else request_qsh_candidates()


def link_token_required(view: F) -> F:
    """For the target of a templated link (see the module docstring): a context token in
    ``?jwt=``, or a page token; ``g.jwt_claims["qsh"]`` says which."""
    return _guard(view, lambda: request.args.get("jwt") or _header_token(), _link_qsh)
