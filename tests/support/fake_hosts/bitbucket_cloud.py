"""A fake Bitbucket Cloud: REST 2.0 under ``/2.0`` (api.bitbucket.org's root), web pages
and git at ``/<workspace>/<slug>`` (bitbucket.org's), on one origin.

Shapes follow developer.atlassian.com: HTTP Basic with username + app password, or
``Authorization: Bearer`` with an access token; ``X-OAuth-Scopes`` on answers; errors as
``{"type": "error", "error": {"message", "detail"?, "data"?, "fields"?}}``; a missing
scope is 403 with ``detail: {"required", "granted"}``; pages as ``{"values", "next"}``
(``pagelen`` up to 100, 50 for pull requests); pull requests filtered with BBQL ``q``
(``updated_on >= ...``, ``source.branch.name = "..."``, ``state = "OPEN"``) and sorted
with ``sort=-updated_on``, several ``state`` values allowed. Clone links carry the
caller's username (``https://user@host/ws/slug.git``). Git over https takes
``x-token-auth`` + an access token, or the username + app password.

The provider has no self-managed variant: override ``cloud_web_root = fake.url`` and
``cloud_api_root = fake.api_root`` on ``BitbucketCloudProvider``.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any, ClassVar

from werkzeug.wrappers import Request, Response

from tests.support.fake_hosts.base import FakeHost
from tests.support.fake_hosts.bitbucket_cloud_shapes import BitbucketCloudShapes
from tests.support.fake_hosts.state import (
    Call,
    FakeRepo,
    Hook,
    HostAnswer,
    Token,
    parse_iso,
)
from tests.support.fake_hosts.wire import (
    basic_credentials,
    bearer_token,
    hub_signature,
    json_response,
)

__all__ = ["FakeBitbucketCloud"]

_CLAUSE = re.compile(r"^\s*(?P<field>[\w.]+)\s*(?P<op>!=|>=|<=|=|>|<|~)\s*(?P<value>.+?)\s*$")


def _error(message: str, status: int, **extra: Any) -> Response:
    return json_response({"type": "error", "error": {"message": message, **extra}}, status)


def _bbql_value(text: str) -> Any:
    if len(text) >= 2 and text[0] == text[-1] == '"':
        return re.sub(r'\\(.)', r"\1", text[1:-1])
    if re.match(r"^\d{4}-\d\d-\d\d", text):
        return parse_iso(text)
    if text.isdigit():
        return int(text)
    return text


def bbql(query: str) -> Callable[[dict[str, Any]], bool]:
    """A predicate for the ``AND``-joined BBQL the provider sends; 400 for anything else."""
    tests = []
    for clause in re.split(r"\s+AND\s+", query.strip(), flags=re.I):
        match = _CLAUSE.match(clause)
        if match is None:
            raise HostAnswer(_error(f"Invalid query: {clause!r}", 400))
        tests.append((match["field"].split("."), match["op"], _bbql_value(match["value"])))

    def predicate(item: dict[str, Any]) -> bool:
        for path, op, value in tests:
            current: Any = item
            for part in path:
                current = current.get(part) if isinstance(current, dict) else None
            if isinstance(value, datetime) and isinstance(current, str):
                current = parse_iso(current)
            ok = {
                "=": lambda a, b: a == b, "!=": lambda a, b: a != b,
                ">=": lambda a, b: a is not None and a >= b,
                "<=": lambda a, b: a is not None and a <= b,
                ">": lambda a, b: a is not None and a > b,
                "<": lambda a, b: a is not None and a < b,
                "~": lambda a, b: str(b).lower() in str(a or "").lower(),
            }[op](current, value)
            if not ok:
                return False
        return True

    return predicate


class FakeBitbucketCloud(BitbucketCloudShapes, FakeHost):
    family = "bitbucket_cloud"
    api_prefix = "/2.0"
    kinds = ("bitbucket_cloud", None)
    pulls_path = "/pullrequests"
    max_page_size = 100
    default_page_size = 10
    full_scopes: ClassVar[tuple[str, ...] | None] = (
        "account", "repository", "repository:write", "pullrequest", "pullrequest:write",
        "webhook",
    )
    oauth_paths: ClassVar[dict[str, str]] = {
        "/site/oauth2/authorize": "authorize", "/site/oauth2/access_token": "token",
    }

    def register_routes(self) -> None:
        repo = r"/repositories/(?P<ws>[^/]+)/(?P<slug>[^/]+)"
        self.route("GET", r"/user", self.get_user)
        self.route("GET", r"/repositories", self.list_repos)
        self.route("GET", repo, self.get_repo)
        self.route("GET", repo + r"/pullrequests", self.list_pulls)
        self.route("POST", repo + r"/pullrequests", self.create_pull)
        self.route("GET", repo + r"/refs/branches/(?P<branch>.+)", self.get_branch)
        self.route("POST", repo + r"/refs/branches", self.create_branch)
        self.route("GET", repo + r"/hooks", self.list_hooks)
        self.route("POST", repo + r"/hooks", self.create_hook)
        self.route("DELETE", repo + r"/hooks/(?P<hook>[^/]+)", self.delete_hook_call)

    # -- auth ----------------------------------------------------------------------------

    def authenticate(self, request: Request) -> Token | None:
        basic = basic_credentials(request)
        if basic is not None:
            token = self.tokens.get(basic[1])
            if token is None or not token.password or token.login != basic[0]:
                raise HostAnswer(self.unauthorized(None))
        else:
            value = bearer_token(request)
            if value is None:
                return None
            token = self.tokens.get(value)
            if token is None or token.password:
                raise HostAnswer(self.unauthorized(None))
        if token.expired:
            raise HostAnswer(self.unauthorized(token))
        return token

    def unauthorized(self, token: Token | None) -> Response:
        if token is not None and token.expired:
            return _error("Access token expired.", 401)
        return _error("Token is invalid or not supported for this endpoint.", 401)

    def success_headers(self, token: Token | None) -> dict[str, str]:
        if token is None or token.scopes is None:
            return {}
        return {"X-OAuth-Scopes": ", ".join(token.scopes), "X-Accepted-OAuth-Scopes":
                "repository"}

    def rate_limited_response(self, wait: int) -> Response:
        response = _error("Rate limit for this resource has been exceeded", 429)
        response.headers["Retry-After"] = str(wait)
        return response

    def not_found(self, what: str = "") -> HostAnswer:
        return HostAnswer(_error(what or "Resource not found", 404))

    def git_token(self, username: str, password: str) -> Token | None:
        token = self.tokens.get(password)
        if token is None:
            return None
        if token.password:
            return token if username == token.login else None
        return token if username == "x-token-auth" else None

    def _need(self, call: Call, scope: str, allowed: bool) -> Token:
        token = call.token
        assert token is not None
        if token.scopes is not None and scope not in token.scopes:
            raise HostAnswer(_error(
                "Your credentials lack one or more required privilege scopes.", 403,
                detail={"granted": list(token.scopes), "required": [scope]},
            ))
        if not allowed:
            raise HostAnswer(_error(
                f"You do not have the permission needed for this ({scope}).", 403
            ))
        return token

    # -- pagination ----------------------------------------------------------------------

    def paged(self, call: Call, items: list[Any], max_size: int | None = None) -> Response:
        size = self.page_size(call, "pagelen")
        if max_size:
            size = min(size, max_size)
        page = max(1, call.int_arg("page", 1))
        chunk = items[(page - 1) * size: page * size]
        body: dict[str, Any] = {"pagelen": size, "size": len(items), "page": page,
                                "values": chunk}
        if page * size < len(items):
            body["next"] = self.next_url(call, page=page + 1)
        if page > 1:
            body["previous"] = self.next_url(call, page=page - 1)
        return json_response(body)

    # -- handlers ------------------------------------------------------------------------

    def _repo(self, call: Call) -> FakeRepo:
        name = f"{call['ws']}/{call['slug']}"
        with self.lock:
            repo = self.repos.get(name)
        if repo is None:
            raise self.not_found(f"Repository {name} not found")
        return repo

    def get_user(self, call: Call) -> Response:
        assert call.token is not None
        return json_response({**self.user_json(call.token.login),
                              "username": call.token.login, "has_2fa_enabled": None})

    def list_repos(self, call: Call) -> Response:
        assert call.token is not None
        repos = self.visible_repos(call.token)
        return self.paged(call, [self.repo_json(r, call.token.login) for r in repos])

    def get_repo(self, call: Call) -> Response:
        assert call.token is not None
        return json_response(self.repo_json(self._repo(call), call.token.login))

    def list_pulls(self, call: Call) -> Response:
        repo = self._repo(call)
        states = call.query.get("state") or ["OPEN"]
        items = [self.pull_json(repo, p) for p in repo.pulls]
        items = [i for i in items if i["state"] in states]
        query = call.arg("q")
        if query:
            items = [i for i in items if bbql(query)(i)]
        sort = call.arg("sort") or "id"
        key = sort.lstrip("-")
        items.sort(key=lambda i: parse_iso(i[key]) if key.endswith("_on") else i.get(key),
                   reverse=sort.startswith("-"))
        return self.paged(call, items, max_size=50)

    def get_branch(self, call: Call) -> Response:
        repo = self._repo(call)
        sha = repo.sha(call["branch"])
        if sha is None:
            raise self.not_found(f"No branch or tag named {call['branch']}")
        return json_response(self.branch_json(repo, call["branch"], sha))

    def create_branch(self, call: Call) -> Response:
        repo = self._repo(call)
        token = self._need(call, "repository:write", bool(call.token and call.token.write))
        body = call.body if isinstance(call.body, dict) else {}
        name = str(body.get("name") or "")
        sha = str((body.get("target") or {}).get("hash") or "")
        if name in repo.branches():
            return _error(f'Branch "{name}" already exists.', 400,
                          data={"key": "BRANCH_ALREADY_EXISTS"})
        try:
            repo.git("check-ref-format", "--branch", name)
            repo.git("cat-file", "-e", f"{sha}^{{commit}}")
        except RuntimeError:
            return _error(f"invalid branch name or target: {name}", 400,
                          data={"key": "INVALID_BRANCH"})
        self.create_branch_in_git(repo, name, sha, token)
        return json_response(self.branch_json(repo, name, sha), 201)

    def create_pull(self, call: Call) -> Response:
        repo = self._repo(call)
        token = self._need(call, "pullrequest:write", bool(call.token and call.token.write))
        body = call.body if isinstance(call.body, dict) else {}
        source = str(((body.get("source") or {}).get("branch") or {}).get("name") or "")
        target = str(((body.get("destination") or {}).get("branch") or {}).get("name")
                     or repo.default_branch)
        branches = repo.branches()
        for field, name in (("source", source), ("destination", target)):
            if name not in branches:
                return _error(f"{field}: Branch not found: {name}", 400,
                              fields={field: ["Branch not found"]})
        existing = next((p for p in repo.pulls if p.open and p.source == source
                         and p.target == target), None)
        if existing is not None:  # Bitbucket answers with the open one
            return json_response(self.pull_json(repo, existing), 201)
        if repo.ahead(target, source) == 0:
            return _error("There are no changes to be pulled", 400)
        pull = self.new_pull(repo, token, source=source, target=target,
                             title=str(body.get("title") or ""),
                             description=body.get("description"), draft=bool(body.get("draft")))
        return json_response(self.pull_json(repo, pull), 201)

    def list_hooks(self, call: Call) -> Response:
        repo = self._repo(call)
        self._need(call, "webhook", bool(call.token and call.token.admin))
        return self.paged(call, [self.hook_json(h) for h in repo.hooks])

    def create_hook(self, call: Call) -> Response:
        repo = self._repo(call)
        token = self._need(call, "webhook", bool(call.token and call.token.admin))
        body = call.body if isinstance(call.body, dict) else {}
        if not body.get("url") or not body.get("events"):
            return _error("Bad request", 400, fields={"url": ["This field is required."]})
        hook = self.new_hook(repo, token, str(body["url"]), body.get("secret"),
                             list(body["events"]), hook_id="{" + str(uuid.uuid4()) + "}")
        return json_response(self.hook_json(hook), 201)

    def delete_hook_call(self, call: Call) -> Response:
        repo = self._repo(call)
        self._need(call, "webhook", bool(call.token and call.token.admin))
        if not self.delete_hook(repo, call["hook"]):
            raise self.not_found("Webhook not found")
        return json_response(None, 204)

    # -- deliveries -------------------------------------------------------------------

    def sign(self, hook: Hook, event: str, body: bytes) -> dict[str, str]:
        headers = {
            "User-Agent": "Bitbucket-Webhooks/2.0",
            "X-Event-Key": event,
            "X-Hook-UUID": hook.id.strip("{}"),
            "X-Request-UUID": str(uuid.uuid4()),
            "X-Attempt-Number": "1",
        }
        if hook.secret:
            headers["X-Hub-Signature"] = hub_signature(hook.secret, body)
        return headers
