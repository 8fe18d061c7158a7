"""Request and response helpers every fake host uses: JSON answers, credentials read
from the ``Authorization`` header, webhook signatures."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Mapping
from typing import Any

from werkzeug.wrappers import Request, Response


def json_response(body: Any, status: int = 200, headers: Mapping[str, str] | None = None
                  ) -> Response:
    if status == 204:
        return Response(status=204, headers=dict(headers or {}))
    return Response(json.dumps(body), status, headers=dict(headers or {}),
                    mimetype="application/json")


def basic_credentials(request: Request) -> tuple[str, str] | None:
    header = request.headers.get("Authorization", "")
    if not header.startswith("Basic "):
        return None
    try:
        username, _, password = base64.b64decode(header[6:]).decode().partition(":")
    except ValueError:
        return None
    return username, password


def bearer_token(request: Request, *schemes: str) -> str | None:
    header = request.headers.get("Authorization", "")
    for scheme in schemes or ("Bearer",):
        if header.lower().startswith(scheme.lower() + " "):
            return header[len(scheme) + 1:].strip()
    return None


def hub_signature(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
