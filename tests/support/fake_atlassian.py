"""An in-test Atlassian: the signed-install key CDN and Jira sites, over real HTTP.

It checks the app's outgoing JWTs the way Jira does: HS256 with the site's shared
secret, ``iss`` the app key, a lifetime of at most 180 s, and a qsh that Atlassian's
own Python library (``atlassian_jwt``) computes for the request it received, with the
site's context path stripped. Calls that fail any check get Jira's 401.

For Forge it also plays the platform's side (``tests.support.forge`` mints the tokens):
the JWKS at ``/forge/jwks.json`` (with ``Cache-Control``), and the product API base
``/ex/jira/<cloudId>/rest/...`` (as ``api.atlassian.com`` serves it), which accepts only
``Bearer`` tokens it issued for that site and that have not expired. Every Jira site
answers ``/_edge/tenant_info`` with its cloud id, as Jira Cloud does.
Each site also holds what apps write to it: development information
(``fake_devinfo``) and what smart commits do to issues (``app.sandbox.jira_issues``, the
sandbox's Jira keeps the same).
``script`` makes the next calls under a path answer a given status (429 with
``Retry-After``, 503...) before the real answer resumes.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import jwt
from atlassian_jwt.url_utils import hash_url
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from app.sandbox import jira_issues
from app.sandbox.jira_issues import IssueActivity
from tests.support.fake_devinfo import DevinfoStore

APP_KEY = "gitbridge-for-jira"
DEVINFO = "/rest/devinfo/0.10"


@dataclass
class Issued:
    """An OAuth token the fake Forge platform handed out: for which site, who it acts as
    (``None`` for the app's system token), until when."""

    cloud_id: str
    account_id: str | None
    expires: float


@dataclass
class Site:
    shared_secret: str = ""
    cloud_id: str = ""
    #: The site's own URL for Forge (Connect sites live under the fake's /jira/<name>).
    site_url: str = ""
    admins: set[str] = field(default_factory=set)
    #: (account id, permission) -> project ids and issue ids it holds on
    grants: dict[tuple[str, str], set[int]] = field(default_factory=dict)
    projects: list[dict[str, Any]] = field(default_factory=list)
    issues: dict[str, dict[str, Any]] = field(default_factory=dict)
    activity: IssueActivity = field(default_factory=IssueActivity)
    devinfo: DevinfoStore = field(init=False)

    def __post_init__(self) -> None:
        self.devinfo = DevinfoStore(lambda key: key in self.issues)


@dataclass
class Scripted:
    status: int
    headers: dict[str, str]
    path: str
    times: int


class FakeAtlassian:
    def __init__(self) -> None:
        self.keys: dict[str, str] = {}
        self.key_fetches: list[str] = []
        self.sites: dict[str, Site] = {}
        self.calls: list[dict[str, Any]] = []
        self.scripted: list[tuple[int, dict[str, str]]] = []
        self.jwks: dict[str, Any] = {"keys": []}
        self.jwks_cache_control = "public, max-age=3600"
        self.jwks_fetches = 0
        self.tokens: dict[str, Issued] = {}
        self._scripts: list[Scripted] = []
        self._lock = threading.Lock()
        self._server = make_server("127.0.0.1", 0, self._wsgi, threaded=True)
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()

    def reset(self) -> None:
        self.keys.clear()
        self.key_fetches.clear()
        self.sites.clear()
        self.calls.clear()
        self.scripted.clear()
        self.jwks = {"keys": []}
        self.jwks_fetches = 0
        self.tokens.clear()
        self._scripts.clear()

    def site_url(self, name: str) -> str:
        self.sites.setdefault(name, Site())
        return f"{self.url}/jira/{name}"

    def site(self, name: str) -> Site:
        return self.sites.setdefault(name, Site())

    def cloud(self, cloud_id: str) -> tuple[str, Site]:
        """The site (name, data) with this cloud id."""
        return next((n, s) for n, s in self.sites.items() if s.cloud_id == cloud_id)
    def script(self, status: int, headers: dict[str, str] | None = None,
               path: str = "/rest/", times: int = 1) -> None:
        """The next ``times`` calls whose path starts with ``path`` answer ``status``."""
        self._scripts.append(Scripted(status, headers or {}, path, times))

    def reset_scripts(self) -> None:
        self._scripts.clear()

    def _take_script(self, rel_path: str) -> Scripted | None:
        for item in self._scripts:
            if rel_path.startswith(item.path):
                item.times -= 1
                if item.times <= 0:
                    self._scripts.remove(item)
                return item
        return None

    # -- WSGI ---------------------------------------------------------------------------

    def _wsgi(self, environ: dict[str, Any], start_response: Any) -> Any:
        request = Request(environ)
        with self._lock:  # one request at a time: a site's state is plain dicts
            response = self._dispatch(request)
        return response(environ, start_response)

    def _dispatch(self, request: Request) -> Response:
        parts = request.path.strip("/").split("/")
        if parts[0] == "keys" and len(parts) == 2:
            self.key_fetches.append(parts[1])
            pem = self.keys.get(parts[1])
            return Response(pem, mimetype="text/plain") if pem else Response("no key", 404)
        if parts == ["forge", "jwks.json"]:
            self.jwks_fetches += 1
            return Response(json.dumps(self.jwks), mimetype="application/json",
                            headers={"Cache-Control": self.jwks_cache_control})
        if parts[0] == "jira" and parts[2:] == ["_edge", "tenant_info"] and parts[1] in self.sites:
            return self._json({"cloudId": self.sites[parts[1]].cloud_id})
        if parts[0] == "jira" and len(parts) > 2 and parts[1] in self.sites:
            return self._jira(request, parts[1], "/" + "/".join(parts[2:]))
        if parts[:2] == ["ex", "jira"] and len(parts) > 3:
            return self._forge_jira(request, parts[2], "/" + "/".join(parts[3:]))
        return Response("not found", 404)

    def _json(self, body: Any, status: int = 200) -> Response:
        return Response(json.dumps(body), status, mimetype="application/json")

    def _verify(self, request: Request, site: Site, rel_path: str) -> dict[str, Any] | str:
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        if scheme != "JWT" or not token:
            return "no JWT"
        try:
            if jwt.get_unverified_header(token).get("alg") != "HS256":
                return "alg"
            claims = jwt.decode(
                token, site.shared_secret, algorithms=["HS256"], options={"verify_aud": False}
            )
        except jwt.PyJWTError as exc:
            return f"bad token: {exc}"
        if claims.get("iss") != APP_KEY:
            return "iss is not the app key"
        if not 0 < claims["exp"] - claims["iat"] <= 180 or claims["iat"] > time.time() + 5:
            return "bad lifetime"
        query = request.query_string.decode()
        expected = hash_url(request.method, rel_path + ("?" + query if query else ""))
        if claims.get("qsh") != expected:
            return "qsh mismatch"
        return dict(claims)

    def _bearer(self, request: Request, cloud_id: str) -> Issued | str:
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        issued = self.tokens.get(token) if scheme == "Bearer" else None
        if issued is None:
            return "not a token this platform issued"
        if issued.cloud_id != cloud_id:
            return "token for another site"
        if issued.expires <= time.time():
            return "token expired"
        return issued

    def _forge_jira(self, request: Request, cloud_id: str, rel_path: str) -> Response:
        match = [(n, s) for n, s in self.sites.items() if s.cloud_id == cloud_id]
        if not match:
            return self._json({"errorMessages": ["Site not found"]}, 404)
        name, site = match[0]
        verified = self._bearer(request, cloud_id)
        self.calls.append({"site": name, "method": request.method, "path": rel_path,
                           "query": dict(request.args), "verified": verified,
                           "forge": True})
        if isinstance(verified, str):
            return self._json({"code": 401, "message": f"Unauthorized: {verified}"}, 401)
        return self._answer(request, site, rel_path, verified.account_id)

    def _jira(self, request: Request, name: str, rel_path: str) -> Response:
        site = self.sites[name]
        verified = self._verify(request, site, rel_path)
        self.calls.append(
            {
                "site": name,
                "method": request.method,
                "path": rel_path,
                "query": dict(request.args),
                "verified": verified,
            }
        )
        if isinstance(verified, str):
            return self._json({"errorMessages": [f"Authentication failed: {verified}"]}, 401)
        return self._answer(request, site, rel_path, None)

    def _answer(self, request: Request, site: Site, rel_path: str, as_user: str | None
                ) -> Response:
        """Jira's answer once the caller is authenticated (``as_user``: a user's token)."""
        if self.scripted:
            status, headers = self.scripted.pop(0)
            return Response(json.dumps({"errorMessages": ["scripted"]}), status, headers=headers)
        script = self._take_script(rel_path)
        if script is not None:
            return Response(json.dumps({"errorMessages": [f"scripted {script.status}"]}),
                            script.status, headers=script.headers, mimetype="application/json")
        if rel_path.startswith(DEVINFO + "/"):
            return self._reply(*self._devinfo(site, request, rel_path[len(DEVINFO):]))
        if rel_path == "/rest/api/3/user/search":
            return self._reply(*jira_issues.user_search(site.activity,
                                                              request.args.get("query", "")))
        if rel_path == "/rest/api/3/permissions/check" and request.method == "POST":
            body = request.get_json()
            if as_user is not None and body.get("accountId") not in (None, as_user):
                return self._json({"errorMessages": ["You need Administer Jira to check "
                                                     "other users' permissions"]}, 403)
            return self._json(self._permissions(site, {"accountId": as_user, **body}))
        if rel_path == "/rest/api/3/serverInfo":
            return self._json({"baseUrl": site.site_url, "deploymentType": "Cloud"})
        if rel_path == "/rest/api/3/project/search":
            start = int(request.args.get("startAt", 0))
            size = int(request.args.get("maxResults", 50))
            values = site.projects[start : start + size]
            return self._json(
                {
                    "startAt": start,
                    "maxResults": size,
                    "total": len(site.projects),
                    "isLast": start + size >= len(site.projects),
                    "values": values,
                }
            )
        body = request.get_json(silent=True) if request.data else None
        answer = jira_issues.handle(site.activity, site.issues, request.method, rel_path,
                                         body)
        if answer is not None:
            return self._reply(*answer)
        return self._json({"errorMessages": ["not found"]}, 404)

    def _reply(self, status: int, body: Any) -> Response:
        if body is None:
            return Response(status=status)
        return self._json(body, status)

    def _devinfo(self, site: Site, request: Request, path: str) -> tuple[int, Any]:
        store, query = site.devinfo, dict(request.args)
        parts = path.strip("/").split("/")
        if path == "/bulk" and request.method == "POST":
            return store.bulk(request.get_json(silent=True))
        if path == "/bulkByProperties" and request.method == "DELETE":
            return store.delete_by_properties(query)
        if parts[0] == "repository" and len(parts) == 2 and request.method == "DELETE":
            return store.delete_repository(parts[1], query)
        if parts[0] == "repository" and len(parts) == 4 and request.method == "DELETE":
            return store.delete_entity(parts[1], parts[2], parts[3], query)
        return 404, {"errorMessages": ["not found"]}

    def _permissions(self, site: Site, body: dict[str, Any]) -> dict[str, Any]:
        account = body.get("accountId")
        result: dict[str, Any] = {
            "globalPermissions": [
                p
                for p in body.get("globalPermissions", [])
                if p == "ADMINISTER" and account in site.admins
            ],
            "projectPermissions": [],
        }
        for request in body.get("projectPermissions", []):
            for permission in request.get("permissions", []):
                held = site.grants.get((account, permission), set())
                result["projectPermissions"].append(
                    {
                        "permission": permission,
                        "projects": [p for p in request.get("projects", []) if p in held],
                        "issues": [i for i in request.get("issues", []) if i in held],
                    }
                )
        return result
