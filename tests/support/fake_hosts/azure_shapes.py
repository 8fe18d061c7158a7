"""The JSON shapes of the fake Azure DevOps (``azure_devops.py``), as the REST 7.1
reference and the service-hook event reference document them."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any
from urllib.parse import quote

from werkzeug.wrappers import Response

from tests.support.fake_hosts.state import FakeRepo, Hook, Pull, Token, iso, now
from tests.support.fake_hosts.wire import json_response

_STATUS = {"open": "active", "draft": "active", "merged": "completed", "declined": "abandoned"}


def error(message: str, status: int, key: str, type_name: str | None = None) -> Response:
    return json_response({"$id": "1", "innerException": None, "message": message,
                          "typeName": type_name or f"Microsoft.VisualStudio.Services.{key}, "
                          "Microsoft.VisualStudio.Services.WebApi",
                          "typeKey": key, "errorCode": 0, "eventId": 3000}, status)


def _guid(*parts: object) -> uuid.UUID:
    return uuid.uuid5(uuid.NAMESPACE_URL, "/".join(map(str, parts)))


class AzureShapes:
    """Mixed into ``FakeAzureDevOps`` (before ``FakeHost``, whose ``add_user`` it uses)."""

    url: str
    web_root: str
    default_owner: str
    project: str
    server: bool

    # -- ids and addresses ------------------------------------------------------------

    def guid(self, repo: FakeRepo) -> uuid.UUID:
        return _guid("repo", repo.name)

    def project_id(self, name: str) -> uuid.UUID:
        return _guid("project", name)

    def scope_url(self, scope: str) -> str:
        return f"{self.web_root}/{quote(scope)}"

    def web_url(self, repo: FakeRepo) -> str:
        scope, project, slug = repo.name.split("/", 2)
        return f"{self.scope_url(scope)}/{quote(project)}/_git/{quote(slug)}"

    # -- accounts ---------------------------------------------------------------------

    def identity(self, login: str) -> dict[str, Any]:
        user = self.add_user(login)  # type: ignore[attr-defined]
        return {"displayName": user.name, "url": f"{self.url}/_apis/Identities/{user.id}",
                "id": str(_guid("user", login)), "uniqueName": user.email,
                "imageUrl": f"{self.url}/_api/_common/identityImage?id={user.id}",
                "descriptor": f"aad.{login}"}

    def profile_json(self, token: Token) -> dict[str, Any]:
        return {"displayName": token.user.name, "publicAlias": str(_guid("user", token.login)),
                "emailAddress": token.user.email, "coreRevision": 1, "timeStamp": iso(now()),
                "id": str(_guid("user", token.login)), "revision": 1}

    def account_json(self) -> dict[str, Any]:
        return {"accountId": str(_guid("org", self.default_owner)),
                "accountUri": f"https://vssps.dev.azure.com/{self.default_owner}/",
                "accountName": self.default_owner, "properties": {}}

    def collection_json(self) -> dict[str, Any]:
        return {"id": str(_guid("collection", self.default_owner)), "name": self.default_owner,
                "url": f"{self.web_root}/_apis/projectCollections/{self.default_owner}"}

    def connection_json(self, token: Token | None) -> dict[str, Any]:
        if token is None:
            user = {"id": "aa442a68-0000-0000-0000-000000000000",
                    "descriptor": "System:PublicAccess;aa442a68", "providerDisplayName":
                    "Anonymous", "properties": {}}
        else:
            user = {"id": str(_guid("user", token.login)), "descriptor":
                    f"System.Security.Principal.WindowsIdentity;{token.login}",
                    "providerDisplayName": token.user.name, "isActive": True,
                    "properties": {"Account": {"$type": "System.String",
                                               "$value": token.login}}}
        return {"authenticatedUser": user, "authorizedUser": user,
                "instanceId": str(_guid("instance")), "deploymentType": "onPremises",
                "locationServiceData": {"serviceOwner": str(_guid("owner"))}}

    # -- projects and repositories ----------------------------------------------------

    def project_json(self, name: str, capabilities: bool = False) -> dict[str, Any]:
        scope = self.default_owner
        body: dict[str, Any] = {
            "id": str(self.project_id(name)), "name": name, "state": "wellFormed",
            "revision": 7, "visibility": "private", "lastUpdateTime": iso(now()),
            "url": f"{self.scope_url(scope)}/_apis/projects/{self.project_id(name)}"}
        if capabilities:
            control = "Git" if name == self.project else "Tfvc"
            body["capabilities"] = {"versioncontrol": {"sourceControlType": control,
                                                       "gitEnabled": str(control == "Git"),
                                                       "tfvcEnabled": str(control == "Tfvc")},
                                    "processTemplate": {"templateName": "Agile"}}
        return body

    def repo_json(self, repo: FakeRepo) -> dict[str, Any]:
        scope, project, slug = repo.name.split("/", 2)
        web = self.web_url(repo)
        who, rest = web.split("://", 1)
        remote = f"{who}://{scope}@{rest}" if not self.server else web
        host = self.url.split("://", 1)[1].split(":")[0]
        return {
            "id": str(self.guid(repo)), "name": slug,
            "url": f"{self.scope_url(scope)}/_apis/git/repositories/{self.guid(repo)}",
            "project": {"id": str(self.project_id(project)), "name": project,
                        "url": f"{self.scope_url(scope)}/_apis/projects/"
                               f"{self.project_id(project)}",
                        "state": "wellFormed", "revision": 7, "visibility": "private"},
            "defaultBranch": f"refs/heads/{repo.default_branch}", "size": 1024,
            "remoteUrl": remote, "sshUrl": f"git@ssh.{host}:v3/{scope}/{quote(project)}/{slug}",
            "webUrl": web, "isDisabled": False, "isInMaintenance": False}

    def ref_json(self, repo: FakeRepo, name: str, sha: str) -> dict[str, Any]:
        return {"name": name, "objectId": sha, "creator": self.identity("alice"),
                "url": f"{self.scope_url(repo.name.split('/')[0])}/_apis/git/repositories/"
                       f"{self.guid(repo)}/refs?filter={quote(name[5:])}"}

    # -- pull requests ----------------------------------------------------------------

    def pr_status(self, pull: Pull) -> str:
        return _STATUS[pull.state]

    def pull_json(self, repo: FakeRepo, pull: Pull) -> dict[str, Any]:
        status = self.pr_status(pull)
        body: dict[str, Any] = {
            "repository": self.repo_json(repo), "pullRequestId": pull.number,
            "codeReviewId": pull.number, "status": status,
            "createdBy": self.identity(pull.author.login),
            "creationDate": _when(pull.created_at), "title": pull.title,
            "description": pull.description,
            "sourceRefName": f"refs/heads/{pull.source}",
            "targetRefName": f"refs/heads/{pull.target}", "mergeStatus": "succeeded",
            "isDraft": pull.state == "draft", "mergeId": str(uuid.uuid4()),
            "reviewers": [{**self.identity(u.login), "reviewerUrl": "", "vote": 10 if ok else -5,
                           "hasDeclined": False, "isFlagged": False}
                          for u, ok in pull.reviewers],
            "url": f"{self.scope_url(repo.name.split('/')[0])}/_apis/git/repositories/"
                   f"{self.guid(repo)}/pullRequests/{pull.number}",
            "supportsIterations": True}
        if status != "active":
            body["closedDate"] = _when(pull.updated_at)
        return body

    # -- service hooks ----------------------------------------------------------------

    def subscription_json(self, repo: FakeRepo, hook: Hook) -> dict[str, Any]:
        project = repo.name.split("/")[1]
        return {
            "id": hook.id, "url": f"{self.url}/_apis/hooks/subscriptions/{hook.id}",
            "status": "enabled", "publisherId": "tfs", "eventType": hook.events[0],
            "resourceVersion": "1.0", "eventDescription": f"Repository is {repo.slug}",
            "consumerId": "webHooks", "consumerActionId": "httpRequest",
            "actionDescription": f"To host {hook.url.split('/')[2]}",
            "createdBy": {"id": str(_guid("user", "alice"))}, "createdDate": iso(now()),
            "publisherInputs": {"projectId": str(self.project_id(project)),
                                "repository": str(self.guid(repo)), "tfsSubscriptionId":
                                str(uuid.uuid4())},
            # the password is never shown again
            "consumerInputs": {"url": hook.url, "basicAuthUsername": "gitbridge",
                               "basicAuthPassword": "********", "resourceDetailsToSend": "all",
                               "messagesToSend": "none", "detailedMessagesToSend": "none"}}

    def push_json(self, repo: FakeRepo, ref: str, before: str, after: str) -> dict[str, Any]:
        commits = [{"commitId": c["sha"], "comment": c["message"].strip(),
                    "author": {"name": c["name"], "email": c["email"], "date": c["date"]},
                    "committer": {"name": c["name"], "email": c["email"], "date": c["date"]},
                    "url": f"{self.web_url(repo)}/commit/{c['sha']}"}
                   for c in reversed(repo.commits(before, after))]
        return {
            "subscriptionId": str(uuid.uuid4()), "notificationId": 1, "id": str(uuid.uuid4()),
            "eventType": "git.push", "publisherId": "tfs",
            "message": {"text": "Alice pushed updates."}, "resourceVersion": "1.0",
            "resource": {"commits": commits,
                         "refUpdates": [{"name": ref, "oldObjectId": before,
                                         "newObjectId": after}],
                         "repository": self.repo_json(repo), "pushedBy": self.identity("alice"),
                         "pushId": 1, "date": iso(now()), "url": self.web_url(repo)},
            "resourceContainers": {"collection": {"id": str(_guid("collection"))},
                                   "project": {"id": str(self.project_id(self.project))}},
            "createdDate": iso(now())}


def _when(value: datetime) -> str:
    return value.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
