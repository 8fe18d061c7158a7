"""Azure Repos: what Azure DevOps Services and Azure DevOps Server / TFS share.

Both speak the same REST API under a *scope*: an organization
(``https://dev.azure.com/<org>``) or a project collection
(``https://tfs.example.com/tfs/<collection>``); subclasses say which scopes the
credentials see and which ``api-version`` to send. Everything else (projects, git
repositories, pull requests, branches, service hooks) is here. See
``azure_devops.py`` for the host notes.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import Any, ClassVar, NamedTuple
from urllib.parse import quote, urlsplit

import requests

from app.git_hosts import errors
from app.git_hosts.auth import Auth, BasicAuth, BearerAuth
from app.git_hosts.base import (
    HostBranch,
    HostPullRequest,
    HostRepository,
    Provider,
    Reviewer,
    parse_time,
    strip_userinfo,
)
from app.http import ApiError, ApiNotFound

ZERO_SHA = "0" * 40
_SHA = re.compile(r"^[0-9a-f]{40}$")
#: Reviewer votes that approve (10 approved, 5 approved with suggestions).
APPROVING_VOTES = frozenset({5, 10})
#: Azure DevOps keeps at most this many characters of a pull request description.
MAX_DESCRIPTION = 4000
#: The service-hook events a repository's subscriptions send.
HOOK_EVENTS = ("git.push", "git.pullrequest.created", "git.pullrequest.updated",
               "git.pullrequest.merged")


class Scope(NamedTuple):
    """An organization or a collection: its name and its path under the API root."""

    name: str
    path: str


class AzureRepos(Provider):
    #: The ``api-version`` every call sends (a server may lower its own).
    api_version: str = "7.1"
    webhook_permission_hint = (
        "Creating service hooks on Azure DevOps needs the Edit subscriptions permission "
        "(project administrators have it) and, for a PAT, the Service Hooks (Read & "
        "write) scope."
    )
    #: Projects and pull requests per page.
    page_size: ClassVar[int] = 100
    pr_states: ClassVar[Mapping[str, str]] = {
        "active": "open", "completed": "merged", "abandoned": "declined"}

    # -- connection -------------------------------------------------------------------

    def _make_auth(self, auth_type: str, credentials: Mapping[str, str]) -> Auth:
        if auth_type == "pat":  # a PAT is the password of HTTP Basic with no user name
            return BasicAuth(credentials.get("username", ""),
                             self._require(credentials, "token")[0])
        if auth_type == "oauth":
            return BearerAuth(self._require(credentials, "access_token")[0])
        return super()._make_auth(auth_type, credentials)

    def _json(self, response: requests.Response) -> Any:
        """The body; the HTML sign-in page (203, or 200 with HTML) means refused."""
        kind = response.headers.get("Content-Type", "")
        if response.status_code == 203 or "html" in kind:
            raise errors.WrongToken(
                "Azure DevOps answered with its sign-in page: it did not accept the "
                "credentials.", status=401)
        return response.json()

    def _call(self, method: str, path: str, body: Any = None, **params: Any
              ) -> requests.Response:
        """One call with this provider's ``api-version``."""
        return self.client.request(method, path, json=body,
                                   params={**params, "api-version": self.api_version})

    def _get(self, path: str, **params: Any) -> Any:
        return self._json(self._call("GET", path, **params))

    def _send(self, method: str, path: str, body: Any, **params: Any) -> Any:
        response = self._call(method, path, body, **params)
        return self._json(response) if response.content else None

    def git_credentials(self, clone_url: str | None = None) -> dict[str, str]:
        if self.auth_type == "basic":
            return {"username": self.credentials["username"],
                    "password": self.credentials["password"]}
        secret = self.credentials.get("token") or self.credentials.get("access_token") or ""
        return {"username": self.credentials.get("username") or "gitbridge", "password": secret}

    def scopes(self) -> Iterator[Scope]:
        raise NotImplementedError

    # -- repositories -----------------------------------------------------------------

    def _default_listing(self) -> tuple[str, dict[str, Any]]:
        return "", {}  # the listing walks scopes and projects (``_pages``)

    def _pages(self, path: str, params: Mapping[str, Any]) -> Iterator[Any]:
        """Per project, its git repositories (the host's own objects, for JMESPath)."""
        if self.custom_api_path:
            raise errors.InvalidSetting(
                "Azure DevOps has no custom API path here; use a JMESPath filter over the "
                "repository list instead (e.g. [?project.name=='Fabrikam']).")
        for scope in self.scopes():
            for project in self._projects(scope):
                name = str(project.get("name") or "")
                # https://learn.microsoft.com/en-us/rest/api/azure/devops/git/repositories/list
                listed = self._get(f"{scope.path}/{quote(name, safe='')}/_apis/git/repositories")
                repositories = listed.get("value") or []
                if not repositories:
                    self._note_without_git(scope, project)
                yield repositories

    def _projects(self, scope: Scope) -> Iterator[dict[str, Any]]:
        """All projects of a scope, following ``x-ms-continuationtoken``."""
        # https://learn.microsoft.com/en-us/rest/api/azure/devops/core/projects/list
        token: str | None = None
        seen: set[str] = set()
        while True:
            params: dict[str, Any] = {"$top": self.page_size}
            if token:
                params["continuationToken"] = token
            response = self._call("GET", f"{scope.path}/_apis/projects", **params)
            yield from self._json(response).get("value") or []
            token = response.headers.get("x-ms-continuationtoken")
            if not token or token in seen:
                return
            seen.add(token)

    def _note_without_git(self, scope: Scope, project: Mapping[str, Any]) -> None:
        """A project without git repositories: say so when it uses TFVC."""
        # https://learn.microsoft.com/en-us/rest/api/azure/devops/core/projects/get
        try:
            detail = self._get(f"{scope.path}/_apis/projects/{quote(str(project.get('id')))}",
                               includeCapabilities="true")
        except ApiNotFound:
            return
        control = ((detail.get("capabilities") or {}).get("versioncontrol") or {}).get(
            "sourceControlType")
        if str(control).lower() == "tfvc":
            note = (f"Project {scope.name}/{project.get('name')} uses TFVC (Team Foundation "
                    "Version Control); only git repositories are indexed, so it is skipped.")
            if note not in self.warnings:
                self.warnings.append(note)

    def _parse_repository(self, item: Mapping[str, Any]) -> HostRepository | None:
        project = (item.get("project") or {}).get("name")
        name, remote, ident = item.get("name"), item.get("remoteUrl"), item.get("id")
        scope = self._scope_of(str(item.get("url") or ""))
        if item.get("isDisabled") or not (project and name and remote and ident and scope):
            return None
        clone = strip_userinfo(str(remote)) or str(remote)
        branch = str(item.get("defaultBranch") or "")
        return HostRepository(
            name=f"{scope}/{project}/{name}", clone_https=clone, clone_ssh=item.get("sshUrl"),
            web_url=str(item.get("webUrl") or clone), host_id=str(ident),
            default_branch=branch.removeprefix("refs/heads/") or None)

    def _scope_of(self, api_url: str) -> str | None:
        """The scope a repository's ``url`` (``<root>/<scope>/_apis/git/...``) names."""
        root = urlsplit(self.api_root).path.rstrip("/")
        path = urlsplit(api_url).path
        if not path.startswith(root + "/") or "/_apis/" not in path:
            return None
        head = path[len(root) + 1:].split("/_apis/", 1)[0]
        return head.split("/")[0] or None

    def _repo_path(self, repo: HostRepository) -> str:
        scope, _, rest = repo.name.partition("/")
        project = rest.partition("/")[0]
        if not project:
            raise errors.InvalidSetting(f"'{repo.name}' is not an Azure Repos name.")
        return (f"/{quote(scope, safe='')}/{quote(project, safe='')}"
                f"/_apis/git/repositories/{quote(repo.host_id or rest.partition('/')[2])}")

    # -- pull requests ----------------------------------------------------------------

    def _pull_request_items(
        self, repo: HostRepository, since: datetime | None
    ) -> Iterator[Mapping[str, Any]]:
        # https://learn.microsoft.com/en-us/rest/api/azure/devops/git/pull-requests/get-pull-requests
        skip = 0
        while True:
            page = self._get(f"{self._repo_path(repo)}/pullrequests",
                             **{"searchCriteria.status": "all", "$top": self.page_size,
                                "$skip": skip}).get("value") or []
            if not page:  # a server may serve fewer than $top: only an empty page ends it
                return
            yield from page
            skip += len(page)

    def _pr_updated_at(self, item: Mapping[str, Any]) -> datetime | None:
        return None  # no "last updated" field or sort: every listing reads them all

    def _pull_request(self, repo: HostRepository, item: Mapping[str, Any]) -> HostPullRequest:
        reviewers = tuple(
            Reviewer(str(r["displayName"]), r.get("vote") in APPROVING_VOTES)
            for r in item.get("reviewers") or [] if r.get("displayName"))
        number = str(item["pullRequestId"])
        return HostPullRequest(
            number=number, title=item.get("title") or "", description=item.get("description"),
            state=self.pr_state(item.get("status"), draft=bool(item.get("isDraft"))),
            source_branch=str(item.get("sourceRefName") or "").removeprefix("refs/heads/"),
            target_branch=str(item.get("targetRefName") or "").removeprefix("refs/heads/"),
            author=(item.get("createdBy") or {}).get("displayName"), reviewers=reviewers,
            url=f"{repo.web_url}/pullrequest/{number}",
            updated_at=parse_time(item.get("closedDate") or item.get("creationDate")))

    # -- branches and pull requests ----------------------------------------------------

    def _branch_sha(self, repo: HostRepository, branch: str) -> str | None:
        # https://learn.microsoft.com/en-us/rest/api/azure/devops/git/refs/list
        refs = self._get(f"{self._repo_path(repo)}/refs", filter=f"heads/{branch}")
        return next((str(r.get("objectId")) for r in refs.get("value") or []
                     if r.get("name") == f"refs/heads/{branch}"), None)

    def _create_branch(self, repo: HostRepository, name: str, source: str) -> HostBranch:
        sha = source if _SHA.match(source) else self._branch_sha(repo, source)
        if sha is None:
            raise errors.SourceBranchUnknown(
                f"The branch '{source}' does not exist in {repo.name}.", status=404)
        # https://learn.microsoft.com/en-us/rest/api/azure/devops/git/refs/update-refs
        answer = self._send("POST", f"{self._repo_path(repo)}/refs", [
            {"name": f"refs/heads/{name}", "oldObjectId": ZERO_SHA, "newObjectId": sha}])
        (update,) = (answer or {}).get("value") or [{}]
        status = str(update.get("updateStatus") or "")
        if not update.get("success"):
            raise _ref_refusal(status, name, source, repo)
        return HostBranch(name=name, sha=update.get("newObjectId") or sha,
                          url=f"{repo.web_url}?version=GB{quote(name, safe='/')}")

    def _create_pull_request(
        self, repo: HostRepository, source: str, target: str, title: str, description: str
    ) -> HostPullRequest:
        for branch, missing in ((source, errors.SourceBranchUnknown),
                                (target, errors.TargetBranchUnknown)):
            if self._branch_sha(repo, branch) is None:
                raise missing(f"The branch '{branch}' does not exist in {repo.name}.")
        # https://learn.microsoft.com/en-us/rest/api/azure/devops/git/diffs/get
        diff = self._get(f"{self._repo_path(repo)}/diffs/commits", baseVersion=target,
                         baseVersionType="branch", targetVersion=source,
                         targetVersionType="branch", **{"$top": 1})
        if not diff.get("aheadCount"):
            raise errors.NothingToMerge(
                f"'{source}' has no commits that '{target}' lacks: nothing to merge.")
        # https://learn.microsoft.com/en-us/rest/api/azure/devops/git/pull-requests/create
        try:
            body = self._send("POST", f"{self._repo_path(repo)}/pullrequests", {
                "sourceRefName": f"refs/heads/{source}", "targetRefName": f"refs/heads/{target}",
                "title": title, "description": description[:MAX_DESCRIPTION]})
        except ApiError as exc:
            if exc.status == 409 or "TF401179" in exc.body:
                raise errors.PullRequestExists(
                    f"An active pull request from '{source}' into '{target}' already exists.",
                    status=409) from exc
            raise
        return self._pull_request(repo, body)

    # -- service hooks ----------------------------------------------------------------

    def _hooks_root(self, repo: HostRepository) -> str:
        return f"/{quote(repo.name.partition('/')[0], safe='')}/_apis/hooks/subscriptions"

    def _list_hooks(self, repo: HostRepository) -> Iterator[tuple[str, str]]:
        # https://learn.microsoft.com/en-us/rest/api/azure/devops/hooks/subscriptions/list
        found: dict[str, list[str]] = {}
        for item in self._get(self._hooks_root(repo)).get("value") or []:
            inputs = item.get("publisherInputs") or {}
            if item.get("consumerId") == "webHooks" and inputs.get("repository") == repo.host_id:
                url = str((item.get("consumerInputs") or {}).get("url") or "")
                found.setdefault(url, []).append(str(item["id"]))
        for url, ids in found.items():
            yield ",".join(ids), url

    def _create_hook(self, repo: HostRepository, url: str, secret: str) -> str:
        project = self._get(self._repo_path(repo)).get("project") or {}
        ids = []
        # https://learn.microsoft.com/en-us/rest/api/azure/devops/hooks/subscriptions/create
        for event in HOOK_EVENTS:
            body = self._send("POST", self._hooks_root(repo), {
                "publisherId": "tfs", "eventType": event, "resourceVersion": "1.0",
                "consumerId": "webHooks", "consumerActionId": "httpRequest",
                "publisherInputs": {"projectId": project.get("id"), "repository": repo.host_id},
                "consumerInputs": {"url": url, "basicAuthUsername": "gitbridge",
                                   "basicAuthPassword": secret, "resourceDetailsToSend": "all",
                                   "messagesToSend": "none", "detailedMessagesToSend": "none"},
            })
            ids.append(str(body["id"]))
        return ",".join(ids)

    def _delete_hook(self, repo: HostRepository, hook_id: str) -> None:
        # https://learn.microsoft.com/en-us/rest/api/azure/devops/hooks/subscriptions/delete
        for ident in filter(None, hook_id.split(",")):
            try:
                self._call("DELETE", f"{self._hooks_root(repo)}/{quote(ident)}")
            except ApiNotFound:
                continue


def _ref_refusal(status: str, name: str, source: str, repo: HostRepository
                 ) -> errors.ActionError:
    """The ``updateStatus`` of a refused ref update, explained."""
    lowered = status.lower()
    if lowered in ("staleoldobjectid", "refnamesconflict") or "exists" in lowered:
        return errors.BranchExists(f"A branch named '{name}' already exists in {repo.name}.")
    if lowered == "invalidrefname":
        return errors.InvalidBranchName(f"Azure DevOps does not accept '{name}' as a branch name.")
    if lowered == "unresolvabletocommit":
        return errors.SourceBranchUnknown(f"The branch '{source}' does not exist in {repo.name}.")
    return errors.NoWriteAccess(
        f"Azure DevOps refused to create the branch ({status or 'no reason given'}): the "
        "credentials need the Create branch permission and Code (Read & write).")
