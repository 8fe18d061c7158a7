"""A fake AWS CodeCommit and Amazon SNS on one origin, for ``AWS_ENDPOINT_URL_CODECOMMIT``
and ``AWS_ENDPOINT_URL_SNS``: the JSON 1.1 protocol (``X-Amz-Target:
CodeCommit_20150413.<Operation>``) and SNS's Query protocol, every request's SigV4
signature checked against the key's secret (``aws_protocol``), IAM refusals naming the
action, and git over HTTPS at ``/v1/repos/<name>`` taking the SigV4-signed password.

Keys: ``add_token(access_key_id, login)`` makes a key whose secret is
``secret_of(access_key_id)``; ``write=False`` keys may only read, ``admin=False`` keys may
not manage triggers or SNS. SNS: topics, HTTPS subscriptions that wait for
``ConfirmSubscription`` with the token delivered by ``deliver_confirmations``, and
notifications signed as SNS signs them (``sns_signing``). Repository triggers are kept as
the repositories' hooks (``Hook.url`` = the topic ARN).
"""

from __future__ import annotations

import json
import re
import threading
import uuid
from typing import Any

from werkzeug.wrappers import Request, Response

from tests.support.fake_hosts.aws_protocol import (
    ACCOUNT,
    AwsRefusal,
    json_answer,
    json_error,
    verify_git_password,
    verify_request,
)
from tests.support.fake_hosts.base import FakeHost
from tests.support.fake_hosts.codecommit_sns import FakeSns
from tests.support.fake_hosts.state import FakeRepo, Hook, HostAnswer, Pull, Token, now

__all__ = ["FakeCodeCommit"]

_GIT = re.compile(r"^/v1/repos/(?P<repo>[^/]+)/(?P<rest>info/refs|git-upload-pack|"
                  r"git-receive-pack)$")
_WRITES = {"CreateBranch", "CreatePullRequest"}
_ADMIN = {"PutRepositoryTriggers"}


class FakeCodeCommit(FakeSns, FakeHost):
    family = "aws_codecommit"
    api_prefix = "/"
    kinds = ("aws_codecommit", None)
    pulls_path = "ListPullRequests"
    default_page_size = 1000
    region = "us-east-1"

    def __init__(self, root: Any) -> None:
        self.secrets: dict[str, str] = {}
        self._local = threading.local()
        super().__init__(root)

    def register_routes(self) -> None:
        self.sns_init()

    def secret_of(self, key: str) -> str:
        return f"wJalrXUtnFEMI/K7MDENG/{key}EXAMPLEKEY"

    def add_token(self, value: str, login: str, **kwargs: Any) -> Token:
        self.secrets[value] = self.secret_of(value)
        return super().add_token(value, login, **kwargs)

    def account_login(self, login: str) -> str:
        return next(t.value for t in self.tokens.values() if t.login == login and not t.expired)

    def arn(self, login: str) -> str:
        return f"arn:aws:iam::{ACCOUNT}:user/{login}"

    def repo_arn(self, repo: FakeRepo) -> str:
        return f"arn:aws:codecommit:{self.region}:{ACCOUNT}:{repo.name}"

    def repo_name(self, owner: str, slug: str) -> str:
        return slug  # CodeCommit repositories have no owner in their name

    # -- the wire ---------------------------------------------------------------------

    def _api(self, request: Request, raw_path: str) -> Response:
        body = request.get_data()
        target = request.headers.get("X-Amz-Target", "")
        sns = not target
        operation = (request.form.get("Action", "") if sns else target.rpartition(".")[2])
        payload: Any = request.form.to_dict() if sns else (json.loads(body) if body else {})
        record = self._record(request, "api", f"/{operation}", payload)
        try:
            key = verify_request(request, body, self.secrets, "sns" if sns else "codecommit",
                                 self.region)
            token = self.tokens[key]
            record.token, record.login = token.value, token.login
            if token.expired:
                raise AwsRefusal("UnrecognizedClientException",
                                 "The security token included in the request is invalid.")
            if self._take_rate_limit(operation) is not None:
                raise AwsRefusal("ThrottlingException", "Rate exceeded")
            scripted = self._take_scripted("POST", operation)
            if scripted is not None:
                raise AwsRefusal(str(scripted.body), "scripted", scripted.status)
            response = (self.sns_call(operation, payload, token) if sns
                        else self.codecommit_call(operation, payload, token))
        except AwsRefusal as refusal:
            response = self.sns_error(refusal) if sns else json_error(refusal)
        except HostAnswer as answer:
            response = answer.response
        record.status = response.status_code
        return response

    def deny(self, token: Token, action: str, resource: str = "*") -> AwsRefusal:
        return AwsRefusal("AccessDeniedException", f"User: {self.arn(token.login)} is not "
                          f"authorized to perform: {action} on resource: {resource}")

    def codecommit_call(self, operation: str, payload: dict[str, Any], token: Token
                        ) -> Response:
        handler = getattr(self, f"op_{operation}", None)
        if handler is None:
            raise AwsRefusal("UnknownOperationException", f"Unknown operation {operation}")
        repo = None
        if "repositoryName" in payload:
            repo = self.repos.get(payload["repositoryName"])
            if repo is None:
                raise AwsRefusal("RepositoryDoesNotExistException",
                                 f"{payload['repositoryName']} does not exist")
        if (operation in _WRITES and not token.write) or (operation in _ADMIN
                                                          and not token.admin):
            raise self.deny(token, f"codecommit:{operation}", self.repo_arn(repo) if repo
                            else "*")
        return json_answer(handler(payload, repo, token))

    # -- git --------------------------------------------------------------------------

    def git_match(self, raw_path: str) -> re.Match[str] | None:
        return _GIT.match(raw_path)

    def _git(self, request: Request, repo_path: str, rest: str) -> Response:
        self._local.signed = (request.host, f"/v1/repos/{repo_path}")
        return super()._git(request, repo_path, rest)

    def git_repo(self, repo_path: str) -> FakeRepo | None:
        return self.repos.get(repo_path)

    def git_token(self, username: str, password: str) -> Token | None:
        token = self.tokens.get(username)
        host, path = self._local.signed
        if token is None or not verify_git_password(host, path, username, password,
                                                    self.secrets[username], self.region):
            return None
        return token

    def authenticate(self, request: Request) -> Token | None:
        raise NotImplementedError  # every call is SigV4 (see _api)

    def unauthorized(self, token: Token | None) -> Response:
        raise NotImplementedError

    def rate_limited_response(self, wait: int) -> Response:
        raise NotImplementedError

    def not_found(self, what: str = "") -> HostAnswer:
        return HostAnswer(json_error(AwsRefusal("UnknownOperationException", what)))

    # -- shapes -----------------------------------------------------------------------

    def repo_json(self, repo: FakeRepo) -> dict[str, Any]:
        return {"accountId": ACCOUNT, "repositoryId": str(uuid.uuid5(uuid.NAMESPACE_URL,
                                                                     repo.name)),
                "repositoryName": repo.name, "repositoryDescription": f"The {repo.name}",
                "defaultBranch": repo.default_branch, "lastModifiedDate": now(),
                "creationDate": now(), "cloneUrlHttp": f"{self.url}/v1/repos/{repo.name}",
                "cloneUrlSsh": f"ssh://git-codecommit.{self.region}.amazonaws.com/v1/repos/"
                               f"{repo.name}", "Arn": self.repo_arn(repo)}

    def pull_json(self, repo: FakeRepo, pull: Pull) -> dict[str, Any]:
        closed = pull.state in ("merged", "declined")
        return {"pullRequestId": str(pull.number), "title": pull.title,
                "description": pull.description, "lastActivityDate": pull.updated_at,
                "creationDate": pull.created_at,
                "pullRequestStatus": "CLOSED" if closed else "OPEN",
                "authorArn": self.arn(pull.author.login), "revisionId": f"rev-{pull.number}",
                "clientRequestToken": str(uuid.uuid4()),
                "pullRequestTargets": [{
                    "repositoryName": repo.name, "sourceReference": f"refs/heads/{pull.source}",
                    "destinationReference": f"refs/heads/{pull.target}",
                    "sourceCommit": repo.sha(pull.source), "destinationCommit":
                    repo.sha(pull.target), "mergeMetadata": {
                        "isMerged": pull.state == "merged",
                        **({"mergedBy": self.arn("alice")} if pull.state == "merged" else {})}}],
                "approvalRules": []}

    # -- CodeCommit operations (the API reference's names) -----------------------------

    def op_ListRepositories(self, payload: dict[str, Any], repo: Any, token: Token) -> Any:
        names = sorted(self.repos)
        size = self.page_cap(1000)
        start = int(payload.get("nextToken") or 0)
        page = {"repositories": [{"repositoryName": n, "repositoryId": str(
            uuid.uuid5(uuid.NAMESPACE_URL, n))} for n in names[start: start + size]]}
        if start + size < len(names):
            page["nextToken"] = str(start + size)
        return page

    def page_cap(self, size: int) -> int:
        return min(size, self.page_size_cap or size)

    def op_BatchGetRepositories(self, payload: dict[str, Any], repo: Any, token: Token) -> Any:
        names = payload.get("repositoryNames") or []
        if len(names) > 25:
            raise AwsRefusal("MaximumRepositoryNamesExceededException",
                             "The maximum number of allowed repository names was exceeded.")
        return {"repositories": [self.repo_json(self.repos[n]) for n in names if n in self.repos],
                "repositoriesNotFound": [n for n in names if n not in self.repos]}

    def op_GetBranch(self, payload: dict[str, Any], repo: FakeRepo, token: Token) -> Any:
        sha = repo.sha(payload.get("branchName") or "")
        if sha is None:
            raise AwsRefusal("BranchDoesNotExistException",
                             f"Branch {payload.get('branchName')} does not exist")
        return {"branch": {"branchName": payload["branchName"], "commitId": sha}}

    def op_CreateBranch(self, payload: dict[str, Any], repo: FakeRepo, token: Token) -> Any:
        name, commit = str(payload.get("branchName")), str(payload.get("commitId"))
        if name in repo.branches():
            raise AwsRefusal("BranchNameExistsException", f"Branch name {name} already exists")
        try:
            repo.git("check-ref-format", "--branch", name)
        except RuntimeError as exc:
            raise AwsRefusal("InvalidBranchNameException", "The branch name is not valid.") from exc
        try:
            repo.git("cat-file", "-e", f"{commit}^{{commit}}")
        except RuntimeError as exc:
            raise AwsRefusal("CommitDoesNotExistException", f"{commit} does not exist") from exc
        self.create_branch_in_git(repo, name, commit, token)
        return {}

    def op_ListPullRequests(self, payload: dict[str, Any], repo: FakeRepo, token: Token) -> Any:
        status = payload.get("pullRequestStatus")
        ids = [str(p.number) for p in sorted(repo.pulls, key=lambda p: -p.number)
               if status is None or ("OPEN" if p.open else "CLOSED") == status]
        size, start = self.page_cap(int(payload.get("maxResults") or 100)), int(
            payload.get("nextToken") or 0)
        page: dict[str, Any] = {"pullRequestIds": ids[start: start + size]}
        if start + size < len(ids):
            page["nextToken"] = str(start + size)
        return page

    def _pull(self, ident: Any) -> tuple[FakeRepo, Pull]:
        for repo in self.repos.values():
            pull = repo.pull(int(ident)) if str(ident).isdigit() else None
            if pull is not None:
                return repo, pull
        raise AwsRefusal("PullRequestDoesNotExistException", f"{ident} does not exist")

    def op_GetPullRequest(self, payload: dict[str, Any], repo: Any, token: Token) -> Any:
        found, pull = self._pull(payload.get("pullRequestId"))
        return {"pullRequest": self.pull_json(found, pull)}

    def op_GetPullRequestApprovalStates(self, payload: dict[str, Any], repo: Any,
                                        token: Token) -> Any:
        _, pull = self._pull(payload.get("pullRequestId"))
        return {"approvals": [{"userArn": self.arn(u.login),
                               "approvalState": "APPROVE" if ok else "REVOKE"}
                              for u, ok in pull.reviewers]}

    def op_GetDifferences(self, payload: dict[str, Any], repo: FakeRepo, token: Token) -> Any:
        before, after = payload.get("beforeCommitSpecifier"), payload.get("afterCommitSpecifier")
        out = repo.git("diff", "--name-status", f"{before}", f"{after}", "--")
        return {"differences": [{"changeType": line[0], "afterBlob": {"path": line[2:]}}
                                for line in out.splitlines() if line]}

    def op_CreatePullRequest(self, payload: dict[str, Any], repo: Any, token: Token) -> Any:
        (target,) = payload.get("targets") or [{}]
        found = self.repos[target["repositoryName"]]
        pull = self.new_pull(found, token, source=target["sourceReference"],
                             target=target.get("destinationReference") or
                             found.default_branch, title=str(payload.get("title")),
                             description=payload.get("description"))
        return {"pullRequest": self.pull_json(found, pull)}

    def op_GetRepositoryTriggers(self, payload: dict[str, Any], repo: FakeRepo,
                                 token: Token) -> Any:
        return {"configurationId": str(uuid.uuid4()), "triggers": [
            {"name": h.id, "destinationArn": h.url, "customData": "", "branches": [],
             "events": h.events} for h in repo.hooks]}

    def op_PutRepositoryTriggers(self, payload: dict[str, Any], repo: FakeRepo,
                                 token: Token) -> Any:
        triggers = payload.get("triggers")
        if triggers is None:
            raise AwsRefusal("RepositoryTriggersListRequiredException", "triggers required")
        kept = {t["name"] for t in triggers}
        for hook in list(repo.hooks):
            if hook.id not in kept or any(t["name"] == hook.id and t["destinationArn"] !=
                                          hook.url for t in triggers):
                self.delete_hook(repo, hook.id)
        existing = {h.id for h in repo.hooks}
        for trigger in triggers:
            if trigger["name"] not in existing:
                repo.hooks.append(Hook(trigger["name"], trigger["destinationArn"], None,
                                       list(trigger.get("events") or []), token.value))
        return {"configurationId": str(uuid.uuid4())}
