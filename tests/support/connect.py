"""Mint Connect tokens the way Jira does, and drive the app with them.

qsh values come from Atlassian's own ``atlassian_jwt`` library, not from the app, so
the app's canonicalisation is checked against an independent implementation.
"""

from __future__ import annotations

import time
import uuid
from functools import cache
from typing import Any

import jwt
from atlassian_jwt.url_utils import hash_url
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from tests.support.fake_atlassian import FakeAtlassian

KID = "b0a5c7d2-3e4f-4a1b-9c8d-7e6f5a4b3c2d"


@cache
def rsa_key(name: str = "atlassian") -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def public_pem(key: rsa.RSAPrivateKey) -> str:
    return (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


class ConnectActions:
    def __init__(self, app: Flask, client: FlaskClient, fake: FakeAtlassian) -> None:
        self.app = app
        self.client = client
        self.fake = fake
        self.base_url = app.config["BASE_URL"]
        fake.keys[KID] = public_pem(rsa_key())

    # -- tokens -------------------------------------------------------------------------

    def install_token(
        self,
        client_key: str,
        path: str = "/lifecycle/installed",
        *,
        key: rsa.RSAPrivateKey | None = None,
        kid: str | None = KID,
        lifetime: int = 180,
        iat: int | None = None,
        **claims: Any,
    ) -> str:
        now = int(time.time()) if iat is None else iat
        payload = {
            "iss": client_key,
            "aud": self.base_url,
            "iat": now,
            "exp": now + lifetime,
            "qsh": hash_url("POST", path),
            **claims,
        }
        headers = {"kid": kid} if kid is not None else {}
        return jwt.encode(payload, key or rsa_key(), algorithm="RS256", headers=headers)

    def symmetric_token(
        self,
        client_key: str,
        secret: str,
        *,
        qsh: str,
        sub: str | None = "user-1",
        lifetime: int = 180,
        iat: int | None = None,
        **claims: Any,
    ) -> str:
        now = int(time.time()) if iat is None else iat
        payload: dict[str, Any] = {
            "iss": client_key,
            "iat": now,
            "exp": now + lifetime,
            "qsh": qsh,
            **claims,
        }
        if sub is not None:
            payload["sub"] = sub
        return jwt.encode(payload, secret, algorithm="HS256")

    def page_token(
        self, client_key: str, secret: str, url: str, method: str = "GET", **kw: Any
    ) -> str:
        return self.symmetric_token(client_key, secret, qsh=hash_url(method, url), **kw)

    def context_token(self, client_key: str, secret: str, **kw: Any) -> str:
        return self.symmetric_token(client_key, secret, qsh="context-qsh", **kw)

    # -- lifecycle ----------------------------------------------------------------------

    def install_body(
        self, client_key: str, secret: str, base_url: str, **extra: Any
    ) -> dict[str, Any]:
        return {
            "key": self.app.config["APP_KEY"],
            "clientKey": client_key,
            "sharedSecret": secret,
            "baseUrl": base_url,
            "productType": "jira",
            "description": "Atlassian JIRA at " + base_url,
            "eventType": "installed",
            **extra,
        }

    def install(
        self,
        client_key: str = "client-a",
        secret: str | None = None,
        site: str = "site-a",
        token: str | None = None,
        **extra: Any,
    ) -> TestResponse:
        secret = secret or uuid.uuid4().hex + uuid.uuid4().hex
        body = self.install_body(client_key, secret, self.fake.site_url(site), **extra)
        self.fake.site(site).shared_secret = secret
        token = token or self.install_token(client_key)
        return self.client.post(
            "/lifecycle/installed", json=body, headers={"Authorization": f"JWT {token}"}
        )

    def installed(self, client_key: str = "client-a", site: str = "site-a") -> tuple[str, str]:
        """Install a tenant and return (client key, shared secret)."""
        secret = uuid.uuid4().hex * 2
        response = self.install(client_key, secret, site)
        assert response.status_code == 204, response.get_data(as_text=True)
        return client_key, secret

    # -- requests -----------------------------------------------------------------------

    def page(self, url: str, client_key: str, secret: str, **kw: Any) -> TestResponse:
        token = self.page_token(client_key, secret, url, **kw)
        sep = "&" if "?" in url else "?"
        return self.client.get(f"{url}{sep}jwt={token}")

    def api(
        self, method: str, path: str, client_key: str, secret: str, *, json: Any = None, **kw: Any
    ) -> TestResponse:
        token = self.context_token(client_key, secret, **kw)
        return self.client.open(
            path, method=method, json=json, headers={"Authorization": f"JWT {token}"}
        )
