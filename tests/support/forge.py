"""A fake Forge platform: it mints what Forge sends a remote and drives the app with it.

Forge Invocation Tokens are minted with the claim names and nesting Atlassian's docs
and real tokens show (``app.installationId``, ``app.apiBaseUrl``, ``app.module``,
``context.cloudId``/``siteUrl``/``extension`` for UI calls, ``principal``; ``iss``
``forge/invocation-token``, ``aud`` the app id, ``iat``/``nbf``/``exp``/``jti``), RS256
with a key published in the fake JWKS by ``kid``. The app system and user tokens Forge
puts in ``x-forge-oauth-system``/``x-forge-oauth-user`` are JWTs with an ``exp``, and
the fake Jira API base accepts them only for their site and until they expire.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from functools import cache
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.support.fake_atlassian import FakeAtlassian, Issued

APP_ID = "ari:cloud:ecosystem::app/406d303d-0393-4ec4-ad7c-1435be94583a"
ENVIRONMENT = "ari:cloud:ecosystem::environment/406d303d-0393-4ec4-ad7c-1435be94583a/" \
    "e62535ae-72f9-49da-a8d3-c0b82cab4ca1"
KID = "forge/invocation-token/wf-f641e7a7-d1b6-472a-806b-5e4b03912149"
LIFECYCLE, SCHEDULE = "gitbridge-lifecycle", "gitbridge-schedule"


@cache
def forge_key(name: str = "forge") -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def jwk(key: rsa.RSAPrivateKey, kid: str) -> dict[str, Any]:
    public = jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key(), as_dict=True)
    return {**public, "kid": kid, "alg": "RS256", "use": "sig"}


@dataclass
class Installation:
    installation_id: str
    cloud_id: str
    site_name: str

    @property
    def ari_context(self) -> str:
        return f"ari:cloud:jira::site/{self.cloud_id}"


class FakeForge:
    def __init__(self, fake: FakeAtlassian) -> None:
        self.fake = fake
        fake.jwks = {"keys": [jwk(forge_key(), KID)]}

    @property
    def jwks_url(self) -> str:
        return f"{self.fake.url}/forge/jwks.json"

    def api_base(self, cloud_id: str) -> str:
        return f"{self.fake.url}/ex/jira/{cloud_id}"

    def installation(self, site_name: str) -> Installation:
        """A Jira site with the app installed from Forge (not yet told to the app)."""
        cloud_id = str(uuid.uuid4())
        site = self.fake.site(site_name)
        site.cloud_id = site.cloud_id or cloud_id
        site.site_url = f"https://{site_name}.atlassian.net"
        return Installation(f"ari:cloud:ecosystem::installation/{uuid.uuid4()}",
                            site.cloud_id, site_name)

    # -- tokens -------------------------------------------------------------------------

    def issue(self, inst: Installation, account_id: str | None = None,
              lifetime: float = 900) -> str:
        """An app system token (or a user's, with ``account_id``) the fake Jira accepts."""
        expires = time.time() + lifetime
        token = jwt.encode({"sub": account_id or "app-system-user", "exp": int(expires),
                            "aud": "api.atlassian.com", "jti": uuid.uuid4().hex},
                           "forge-oauth-signing-key-of-the-fake", algorithm="HS256")
        self.fake.tokens[token] = Issued(inst.cloud_id, account_id, expires)
        return token

    def fit(
        self,
        inst: Installation,
        *,
        principal: str | None = None,
        module: str = "manage-repositories",
        module_type: str = "jira:adminPage",
        extension: dict[str, Any] | None = None,
        lifetime: int = 25,
        nbf: int | None = None,
        key: rsa.RSAPrivateKey | None = None,
        kid: str | None = KID,
        algorithm: str = "RS256",
        drop: tuple[str, ...] = (),
        ui: bool = True,
        **override: Any,
    ) -> str:
        now = int(time.time())
        app: dict[str, Any] = {
            "id": APP_ID,
            "version": "5",
            "appVersion": "1.2.0",
            "installationId": inst.installation_id,
            "apiBaseUrl": self.api_base(inst.cloud_id),
            "environment": {"type": "PRODUCTION", "id": ENVIRONMENT},
            "module": {"type": module_type, "key": module},
            "installation": {"id": inst.installation_id, "contexts": [
                {"name": "jira", "apiBaseUrl": self.api_base(inst.cloud_id)}]},
        }
        claims: dict[str, Any] = {
            "app": app, "aud": APP_ID, "iss": "forge/invocation-token",
            "iat": now, "nbf": now if nbf is None else nbf, "exp": now + lifetime,
            "jti": uuid.uuid4().hex,
        }
        if ui:
            claims["context"] = {
                "cloudId": inst.cloud_id, "moduleKey": module,
                "siteUrl": self.fake.site(inst.site_name).site_url,
                "environmentType": "PRODUCTION", "extension": extension or {},
                "accountId": principal,
            }
        if principal is not None:
            claims["principal"] = principal
        for path, value in override.items():  # e.g. app__apiBaseUrl="https://evil"
            target = claims
            *parents, last = path.split("__")
            for parent in parents:
                target = target[parent]
            target[last] = value
        for path in drop:
            target = claims
            *parents, last = path.split("__")
            for parent in parents:
                target = target[parent]
            target.pop(last, None)
        headers = {"kid": kid} if kid is not None else {}
        signing: Any = key or forge_key()
        if algorithm == "HS256":
            signing = "any-shared-secret-an-attacker-knows-32b"
        if algorithm == "none":
            signing = None
        return jwt.encode(claims, signing, algorithm=algorithm, headers=headers)

    def background_fit(self, inst: Installation, module: str = LIFECYCLE,
                       **kw: Any) -> str:
        """A FIT as events and scheduled triggers carry it: no user, no UI context."""
        module_type = "core:trigger" if module == LIFECYCLE else "core:scheduledTrigger"
        return self.fit(inst, module=module, module_type=module_type, ui=False, **kw)

    # -- what Forge sends ---------------------------------------------------------------

    def event(self, inst: Installation, event_type: str = "installed") -> dict[str, Any]:
        return {
            "eventType": f"avi:forge:{event_type}:app",
            "id": inst.installation_id,
            "installerAccountId": "admin-1",
            "app": {"id": APP_ID, "version": "5", "name": "Gitbridge for Jira"},
            "environment": {"id": ENVIRONMENT},
            "context": inst.ari_context,
        }

    def headers(self, token: str, system: str | None = None,
                user: str | None = None) -> dict[str, str]:
        headers = {"Authorization": f"Bearer {token}"}
        if system:
            headers["x-forge-oauth-system"] = system
        if user:
            headers["x-forge-oauth-user"] = user
        return headers

    def ui_headers(self, inst: Installation, account_id: str, *, with_user: bool = True,
                   **fit: Any) -> dict[str, str]:
        """What an invokeRemote call from a page sends: FIT, system and user tokens."""
        return self.headers(self.fit(inst, principal=account_id, **fit), self.issue(inst),
                            self.issue(inst, account_id) if with_user else None)
