"""Tokens the sandbox mints as Jira does, with its installation's shared secret:

* page tokens for the iframe URLs it builds (qsh of exactly that URL, relative to the
  app's base path; ``sub`` the user; 3 minutes);
* context tokens for ``AP.context.getToken`` (qsh ``context-qsh``; 15 minutes);

and the check Jira makes of the app's own calls to its REST API: HS256 with the shared
secret, ``iss`` the app key, a lifetime of at most 180 s (Jira's limit for app tokens),
and the qsh of the request it received, relative to the site's context path.
"""

from __future__ import annotations

import time
import warnings
from typing import Any
from urllib.parse import urlsplit

import jwt
import jwt.warnings
from flask import current_app, request

from app.connect.qsh import CONTEXT_QSH, qsh, qsh_for_url
from app.sandbox import site

PAGE_LIFETIME = 180
CONTEXT_LIFETIME = 900


def _sign(claims: dict[str, Any], secret: str) -> str:
    now = int(time.time())
    return jwt.encode({"iss": site.CLIENT_KEY, "iat": now, **claims}, secret, algorithm="HS256")


def page_token(url: str, account_id: str, secret: str) -> str:
    base_path = urlsplit(current_app.config["BASE_URL"]).path
    return _sign({"sub": account_id, "exp": int(time.time()) + PAGE_LIFETIME,
                  "qsh": qsh_for_url("GET", url, base_path)}, secret)


def context_token(account_id: str, secret: str, context: dict[str, Any]) -> str:
    return _sign({"sub": account_id, "exp": int(time.time()) + CONTEXT_LIFETIME,
                  "qsh": CONTEXT_QSH, "context": context}, secret)


def verify_app_request(secret: str) -> str | None:
    """Why the current request's app JWT is refused, or None when it is good."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme != "JWT" or not token:
        return "no JWT"
    try:
        if jwt.get_unverified_header(token).get("alg") != "HS256":
            return "only HS256 is accepted"
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", jwt.warnings.InsecureKeyLengthWarning)
            claims = jwt.decode(token, secret, algorithms=["HS256"],
                                options={"verify_aud": False, "require": ["exp", "iat", "qsh"]})
    except jwt.PyJWTError as exc:
        return f"bad token: {exc}"
    if claims.get("iss") != current_app.config["APP_KEY"]:
        return "iss is not the app's key"
    if claims["exp"] - claims["iat"] > PAGE_LIFETIME or claims["iat"] > time.time() + 30:
        return "the token's lifetime is too long"
    context_path = urlsplit(current_app.config["BASE_URL"]).path + "/dev"
    expected = qsh(request.method, request.script_root + request.path,
                   request.query_string.decode("latin-1"), context_path)
    if claims["qsh"] != expected:
        return "qsh does not match the request"
    return None
