"""A fake Azure DevOps: Services (organizations, ``app.vssps`` profile and accounts on the
same origin) or, with ``server=True``, Azure DevOps Server / TFS (project collections
under a virtual directory such as ``/tfs``, ``_apis/connectionData``, an ``api-version``
ceiling answered with ``VssVersionOutOfRangeException`` as TFS 2015 does).

Shapes follow the REST 7.1 reference: PATs as HTTP Basic with any user name, user +
password as HTTP Basic, OAuth as Bearer; refusals 401 with an empty body; errors as
``{"$id", "innerException", "message": "TF401019: ...", "typeName", "typeKey",
"errorCode", "eventId"}``; projects paged with ``$top`` and ``x-ms-continuationtoken``;
pull requests paged with ``$top``/``$skip``, newest first, states active / completed /
abandoned, ``isDraft``, reviewer votes; refs created with the all-zero old id, answered
200 with a per-ref ``success``/``updateStatus``; service-hook subscriptions per event.
Git is smart HTTP at ``/<scope>/<project>/_git/<repository>``. Repositories are named
``<scope>/<project>/<repository>`` (project "Fabrikam Fiber", a name with a space). A
TFVC project ("Legacy Tfvc") has no git repositories.
"""

from __future__ import annotations

import base64
import re
import uuid
from typing import Any
from urllib.parse import unquote

from werkzeug.wrappers import Request, Response

from tests.support.fake_hosts.azure_shapes import AzureShapes, error
from tests.support.fake_hosts.base import FakeHost
from tests.support.fake_hosts.state import Call, FakeRepo, Hook, HostAnswer, Token
from tests.support.fake_hosts.wire import basic_credentials, bearer_token, json_response

__all__ = ["FakeAzureDevOps"]

_GIT = re.compile(r"^(?P<repo>/.+?/_git/[^/]+)/(?P<rest>info/refs|git-upload-pack|"
                  r"git-receive-pack)$")
_NOT_FOUND = "Microsoft.TeamFoundation.Git.Server.GitRepositoryNotFoundException"
ZERO = "0" * 40


class FakeAzureDevOps(AzureShapes, FakeHost):
    family = "azure_devops"
    api_prefix = ""
    kinds = ("azure_devops", "azure_devops_server")
    pulls_path = "/pullrequests"
    max_page_size = 1000
    default_page_size = 100
    default_owner = "acme"
    project = "Fabrikam Fiber"
    tfvc_project = "Legacy Tfvc"
    hooks_per_webhook = 4
    preview_warnings = ["Project acme/Legacy Tfvc uses TFVC (Team Foundation Version "
                        "Control); only git repositories are indexed, so it is skipped."]

    def __init__(self, root: Any, *, server: bool = False, virtual_dir: str = "",
                 max_version: str = "7.1") -> None:
        self.server = server
        self.api_prefix = virtual_dir  # type: ignore[misc]
        self.max_version = max_version
        super().__init__(root)
        if server:
            self.kinds = (None, "azure_devops_server")  # type: ignore[misc]

    @property
    def web_root(self) -> str:
        return self.url + self.api_prefix

    @property
    def api_root(self) -> str:
        return self.web_root

    def register_routes(self) -> None:
        scope = r"/(?P<scope>[^/_][^/]*)"
        repo = scope + r"/(?P<project>[^/]+)/_apis/git/repositories/(?P<rid>[^/]+)"
        self.route("GET", r"/_apis/profile/profiles/me", self.profile)
        self.route("GET", r"/_apis/accounts", self.accounts)
        self.route("GET", r"/_apis/projectcollections", self.collections)
        self.route("GET", r"/_apis/connectionData", self.connection_data)
        self.route("GET", scope + r"/_apis/projects", self.list_projects)
        self.route("GET", scope + r"/_apis/projects/(?P<pid>[^/]+)", self.get_project)
        self.route("GET", scope + r"/(?P<project>[^/]+)/_apis/git/repositories", self.list_repos)
        self.route("GET", repo, self.get_repo)
        self.route("GET", repo + r"/pullrequests", self.list_pulls)
        self.route("POST", repo + r"/pullrequests", self.create_pull)
        self.route("GET", repo + r"/refs", self.list_refs)
        self.route("POST", repo + r"/refs", self.update_refs)
        self.route("GET", repo + r"/diffs/commits", self.diff)
        self.route("GET", scope + r"/_apis/hooks/subscriptions", self.list_subscriptions)
        self.route("POST", scope + r"/_apis/hooks/subscriptions", self.create_subscription)
        self.route("DELETE", scope + r"/_apis/hooks/subscriptions/(?P<sid>[^/]+)",
                   self.delete_subscription)

    def account_login(self, login: str) -> str:
        if self.server:  # connectionData's account name
            return login
        return self.add_user(login).email  # the profile's e-mail address

    def repo_name(self, owner: str, slug: str) -> str:
        return f"{owner}/{self.project}/{slug}"

    def git_match(self, raw_path: str) -> re.Match[str] | None:
        return _GIT.match(raw_path[len(self.api_prefix):]) if raw_path.startswith(
            self.api_prefix + "/") else None

    def git_repo(self, repo_path: str) -> FakeRepo | None:
        scope, project, _, slug = unquote(repo_path).strip("/").split("/", 3)
        return self.repos.get(f"{scope}/{project}/{slug}")

    # -- auth -------------------------------------------------------------------------

    def authenticate(self, request: Request) -> Token | None:
        basic = basic_credentials(request)
        value = basic[1] if basic else bearer_token(request)
        if value is None:
            return None
        token = self.tokens.get(value)
        if token is None or token.expired or (
                token.password and (basic is None or basic[0] != token.login)):
            raise HostAnswer(self.unauthorized(token))
        return token

    def unauthorized(self, token: Token | None) -> Response:
        return Response("", 401, headers={
            "WWW-Authenticate": 'Bearer authorization_uri=https://login.microsoftonline.com/'
                                'common, Basic realm="https://tfsprodcus2.app.visualstudio.com/"'
                                ', TFS-Federated',
            "X-TFS-ProcessId": str(uuid.uuid4()), "X-VSS-E2EID": str(uuid.uuid4())})

    def rate_limited_response(self, wait: int) -> Response:
        response = error("TF400733: The request has been canceled: Request was blocked due "
                         "to exceeding usage of resource 'Concurrency'.", 429,
                         "RequestBlockedException")
        response.headers["Retry-After"] = str(wait)
        response.headers["X-RateLimit-Resource"] = "Concurrency"
        return response

    def not_found(self, what: str = "") -> HostAnswer:
        return HostAnswer(error(what or "Page not found.", 404, "NotFoundException"))

    def git_token(self, username: str, password: str) -> Token | None:
        token = self.tokens.get(password)
        if token is None or (token.password and username != token.login):
            return None
        return token

    def _dispatch(self, request: Request, raw_path: str, body: Any, record: Any) -> Response:
        if "/_apis/" in raw_path and not raw_path.endswith("/_apis/connectionData"):
            version = request.args.get("api-version")
            if not version:
                return error('No api-version was supplied for the "GET" request. The version '
                             "must be supplied either as part of the Accept header or as a "
                             "query parameter (e.g. '?api-version=1.0').", 400,
                             "VssVersionNotSpecifiedException")
            if _version(version) > _version(self.max_version):
                return error(f"The requested REST API version of {version} is out of range "
                             "for this server. The latest REST API version this server "
                             f"supports is {self.max_version}.", 400,
                             "VssVersionOutOfRangeException")
        return super()._dispatch(request, raw_path, body, record)

    # -- handlers ---------------------------------------------------------------------

    def _repo(self, call: Call) -> FakeRepo:
        with self.lock:
            for repo in self.repos.values():
                scope, project, _ = repo.name.split("/", 2)
                if call["rid"] in (str(self.guid(repo)), repo.slug) and (
                        scope, project) == (call["scope"], call["project"]):
                    return repo
        raise HostAnswer(error(
            f"TF401019: The Git repository with name or identifier {call['rid']} does not "
            "exist or you do not have permissions for the operation you are attempting.", 404,
            "GitRepositoryNotFoundException", _NOT_FOUND))

    def _write(self, call: Call) -> Token:
        if call.token is None or not call.token.write:
            raise HostAnswer(error("TF401027: You need the Git 'GenericContribute' permission "
                                   "to perform this action.", 403,
                                   "GitNeedsPermissionException"))
        return call.token

    def profile(self, call: Call) -> Response:
        if self.server:
            raise self.not_found()
        assert call.token is not None
        return json_response(self.profile_json(call.token))

    def accounts(self, call: Call) -> Response:
        if self.server:
            raise self.not_found()
        return json_response({"count": 1, "value": [self.account_json()]})

    def collections(self, call: Call) -> Response:
        if not self.server:
            raise self.not_found()
        return json_response({"count": 1, "value": [self.collection_json()]})

    def connection_data(self, call: Call) -> Response:
        return json_response(self.connection_json(call.token))

    def list_projects(self, call: Call) -> Response:
        self._scope(call)
        projects = [self.project_json(self.project), self.project_json(self.tfvc_project)]
        size = self.page_size(call, "$top")
        start = int(call.arg("continuationToken") or 0)
        chunk = projects[start: start + size]
        response = json_response({"count": len(chunk), "value": chunk})
        if start + size < len(projects):
            response.headers["x-ms-continuationtoken"] = str(start + size)
        return response

    def get_project(self, call: Call) -> Response:
        self._scope(call)
        for name in (self.project, self.tfvc_project):
            if call["pid"] in (name, str(self.project_id(name))):
                return json_response(self.project_json(name, capabilities=True))
        raise HostAnswer(error(f"TF200016: The following project does not exist: "
                               f"{call['pid']}.", 404, "ProjectDoesNotExistWithNameException"))

    def list_repos(self, call: Call) -> Response:
        project = unquote(call["project"])
        repos = [self.repo_json(r) for r in self.visible_repos(call.token)
                 if r.name.startswith(f"{call['scope']}/{project}/")]
        return json_response({"count": len(repos), "value": repos})

    def get_repo(self, call: Call) -> Response:
        return json_response(self.repo_json(self._repo(call)))

    def list_pulls(self, call: Call) -> Response:
        repo = self._repo(call)
        status = call.arg("searchCriteria.status") or "active"
        pulls = [p for p in sorted(repo.pulls, key=lambda p: -p.number)
                 if status == "all" or self.pr_status(p) == status]
        size, skip = self.page_size(call, "$top"), call.int_arg("$skip", 0)
        chunk = [self.pull_json(repo, p) for p in pulls[skip: skip + size]]
        return json_response({"count": len(chunk), "value": chunk})

    def list_refs(self, call: Call) -> Response:
        repo = self._repo(call)
        prefix = "refs/" + (call.arg("filter") or "")
        refs = [self.ref_json(repo, f"refs/heads/{n}", sha) for n, sha in
                sorted(repo.branches().items()) if f"refs/heads/{n}".startswith(prefix)]
        return json_response({"count": len(refs), "value": refs})

    def update_refs(self, call: Call) -> Response:
        repo = self._repo(call)
        token = self._write(call)
        results = []
        for update in call.body if isinstance(call.body, list) else []:
            name, new = str(update.get("name")), str(update.get("newObjectId"))
            branch = name.removeprefix("refs/heads/")
            status = "succeeded"
            if branch in repo.branches() and update.get("oldObjectId") == ZERO:
                status = "staleOldObjectId"
            elif not name.startswith("refs/heads/") or not _valid_ref(repo, branch):
                status = "invalidRefName"
            elif not _is_commit(repo, new):
                status = "unresolvableToCommit"
            else:
                self.create_branch_in_git(repo, branch, new, token)
            results.append({"repositoryId": str(self.guid(repo)), "name": name,
                            "oldObjectId": update.get("oldObjectId"), "newObjectId": new,
                            "isLocked": False, "updateStatus": status,
                            "success": status == "succeeded", "rejectedBy": None,
                            "customMessage": None})
        return json_response({"count": len(results), "value": results})

    def diff(self, call: Call) -> Response:
        repo = self._repo(call)
        base, target = call.arg("baseVersion") or "", call.arg("targetVersion") or ""
        branches = repo.branches()
        for name in (base, target):
            if name not in branches:
                raise HostAnswer(error(f"TF401175:The version descriptor <Branch: {name} > "
                                       "could not be resolved to a version commit", 404,
                                       "GitUnresolvableToCommitException"))
        return json_response({"aheadCount": repo.ahead(base, target),
                              "behindCount": repo.ahead(target, base), "allChangesIncluded": True,
                              "changeCounts": {}, "changes": [], "commonCommit": branches[base],
                              "baseCommit": branches[base], "targetCommit": branches[target]})

    def create_pull(self, call: Call) -> Response:
        repo = self._repo(call)
        token = self._write(call)
        body = call.body if isinstance(call.body, dict) else {}
        source = str(body.get("sourceRefName") or "").removeprefix("refs/heads/")
        target = str(body.get("targetRefName") or "").removeprefix("refs/heads/")
        if source not in repo.branches() or target not in repo.branches():
            return error("TF401398: The pull request cannot be activated because the source "
                         "and/or the target branch no longer exists, or the requested refs are "
                         "not branches", 400, "InvalidArgumentValueException")
        if any(p.open and (p.source, p.target) == (source, target) for p in repo.pulls):
            return error("TF401179: An active pull request for the source and target branch "
                         "already exists.", 409, "GitPullRequestExistsException")
        pull = self.new_pull(repo, token, source=source, target=target,
                             title=str(body.get("title") or ""),
                             description=body.get("description"), draft=bool(body.get("isDraft")))
        return json_response(self.pull_json(repo, pull), 201)

    def list_subscriptions(self, call: Call) -> Response:
        self._scope(call)
        subs = [self.subscription_json(repo, hook) for repo, hook in self.all_hooks()
                if repo.name.startswith(call["scope"] + "/")]
        return json_response({"count": len(subs), "value": subs})

    def create_subscription(self, call: Call) -> Response:
        token = call.token
        if token is None or not token.admin:
            return error("TF400813: The user is not authorized to access this resource: it "
                         "needs the Edit subscriptions permission.", 403,
                         "UnauthorizedRequestException")
        body = call.body if isinstance(call.body, dict) else {}
        inputs = body.get("consumerInputs") or {}
        rid = str((body.get("publisherInputs") or {}).get("repository") or "")
        repo = next((r for r in self.repos.values() if str(self.guid(r)) == rid), None)
        if repo is None or body.get("consumerId") != "webHooks" or not inputs.get("url"):
            return error("The subscription is not valid: publisher inputs or consumer inputs "
                         "are missing.", 400, "SubscriptionInputException")
        hook = self.new_hook(repo, token, str(inputs["url"]), inputs.get("basicAuthPassword"),
                             [str(body.get("eventType"))], hook_id=str(uuid.uuid4()))
        return json_response(self.subscription_json(repo, hook))

    def delete_subscription(self, call: Call) -> Response:
        for repo, hook in self.all_hooks():
            if hook.id == call["sid"]:
                self.delete_hook(repo, hook.id)
                return Response(status=204)
        raise HostAnswer(error(f"VS1050005: Subscription {call['sid']} does not exist.", 404,
                               "SubscriptionNotFoundException"))

    def _scope(self, call: Call) -> str:
        if call["scope"] != self.default_owner:
            raise HostAnswer(error(f"VS800075: The project collection {call['scope']} does not "
                                   "exist.", 404, "CollectionDoesNotExistException"))
        return call["scope"]

    # -- deliveries -------------------------------------------------------------------

    def deliver_push(self, repo_name: str, ref: str, before: str, after: str, send: Any
                     ) -> list[Any]:
        """Only the repository's ``git.push`` subscriptions get a push."""
        repo = self.repo_or_404(repo_name)
        pushes = [h for h in repo.hooks if h.events == ["git.push"]]
        others = [h for h in repo.hooks if h not in pushes]
        repo.hooks[:] = pushes
        try:
            return super().deliver_push(repo_name, ref, before, after, send)
        finally:
            repo.hooks[:] = [*pushes, *others]

    def push_payload(self, repo: FakeRepo, ref: str, before: str, after: str
                     ) -> tuple[str, dict[str, Any]]:
        return "git.push", self.push_json(repo, ref, before, after)

    def sign(self, hook: Hook, event: str, body: bytes) -> dict[str, str]:
        headers = {"User-Agent": "VSServices/19.234.34623.1", "X-VSS-ActivityId":
                   str(uuid.uuid4()), "X-VSS-SubscriptionId": hook.id}
        if hook.secret:
            raw = f"gitbridge:{hook.secret}".encode()
            headers["Authorization"] = "Basic " + base64.b64encode(raw).decode()
        return headers


def _version(text: str) -> tuple[int, ...]:
    return tuple(int(p) for p in re.findall(r"\d+", text.split("-")[0])[:2])


def _valid_ref(repo: FakeRepo, branch: str) -> bool:
    try:
        repo.git("check-ref-format", "--branch", branch)
    except RuntimeError:
        return False
    return True


def _is_commit(repo: FakeRepo, sha: str) -> bool:
    try:
        repo.git("cat-file", "-e", f"{sha}^{{commit}}")
    except RuntimeError:
        return False
    return True

