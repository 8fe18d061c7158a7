"""GitLab.com and GitLab CE/EE self-managed (REST API v4).

Host notes:

* Auth: personal, project and group access tokens go in ``PRIVATE-TOKEN``; OAuth
  tokens as ``Authorization: Bearer``. Git over https takes ``oauth2`` + the token.
* Scopes: ``GET /personal_access_tokens/self`` (GitLab 15.5+) or, for OAuth,
  ``GET /oauth/token/info``. Reading needs ``read_api`` (or ``api``); cloning needs
  ``read_repository`` (or ``api``); creating branches, merge requests and webhooks
  needs ``api`` and the Developer (hooks: Maintainer) role. Older servers without the
  endpoint give ``Account.scopes = None``.
* Refusals: 401 ``{"message": "401 Unauthorized"}``; an expired or revoked token says so
  in ``{"error": "invalid_token", "error_description": "Token is expired..."}``; a
  missing scope is 403 ``{"error": "insufficient_scope", "scope": "api read_api"}``.
* Projects are addressed by numeric id (``host_id``), which survives renames and
  transfers; the URL-encoded path is the fallback.
* Merge requests: ``updated_after`` makes the listing incremental on the server side;
  "closed" is ``declined``; ``draft`` (older: ``work_in_progress``) is ``draft``.
  Approvals need one more call per changed merge request.
* GitLab happily opens a merge request without commits, so "nothing to merge" is
  checked first (commits in ``target..source``); a duplicate is its 409.
* Webhooks carry the secret as ``X-Gitlab-Token`` (GitLab does not sign payloads).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import Any, ClassVar
from urllib.parse import quote

from app.git_hosts import errors
from app.git_hosts.base import (
    Account,
    HostBranch,
    HostPullRequest,
    HostRepository,
    Provider,
    Reviewer,
    api_error_text,
    parse_time,
)
from app.git_hosts.client import Auth, HeaderTokenAuth
from app.http import ApiError, ApiForbidden, ApiNotFound, ApiUnauthorized


class GitLabProvider(Provider):
    kind = "gitlab"
    cloud_web_root = "https://gitlab.com"
    cloud_api_root = "https://gitlab.com/api/v4"
    api_suffix = "/api/v4"
    api_prefixes = ("/api/v4",)
    webhook_permission_hint = (
        "Creating webhooks on GitLab needs the Maintainer role on the project and a token "
        "with the api scope."
    )
    #: One extra call per changed merge request to learn who approved it.
    fetch_approvals: ClassVar[bool] = True

    def _token_auth(self, token: str) -> Auth:
        return HeaderTokenAuth("PRIVATE-TOKEN", token)

    # -- credentials --------------------------------------------------------------------------

    def _check_credentials(self) -> Account:
        # https://docs.gitlab.com/api/users/#get-the-current-user
        body = self.client.get_json("/user")
        scopes, expires_at = self._token_info()
        if scopes is not None:
            if not {"api", "read_api"} & set(scopes):
                raise errors.MissingScope(
                    "read_api",
                    "The token lacks the 'read_api' scope the app needs to list projects and "
                    "merge requests (use 'api' to also create branches and merge requests).",
                )
            if not {"api", "read_repository"} & set(scopes):
                raise errors.MissingScope(
                    "read_repository",
                    "The token lacks the 'read_repository' scope the app needs to clone "
                    "repositories.",
                )
        return Account(
            login=str(body.get("username") or ""),
            name=body.get("name"),
            id=str(body["id"]) if body.get("id") is not None else None,
            scopes=scopes,
            expires_at=expires_at,
        )

    def _token_info(self) -> tuple[tuple[str, ...] | None, datetime | None]:
        """The token's scopes and expiry, or ``(None, None)`` if the server cannot say."""
        try:
            if self.auth_type == "oauth":
                # https://docs.gitlab.com/api/oauth2/#retrieve-the-token-information
                info = self.client.get_json(f"{self.web_root}/oauth/token/info")
                scopes = info.get("scope") or info.get("scopes") or []
                return tuple(scopes), None
            # https://docs.gitlab.com/api/personal_access_tokens/#get-single-personal-access-token
            info = self.client.get_json("/personal_access_tokens/self")
        except (ApiNotFound, ApiForbidden, ApiUnauthorized):
            return None, None
        expires = parse_time(info.get("expires_at"))
        return tuple(info.get("scopes") or ()), expires

    def _unauthorized(self, exc: ApiError, said: str) -> errors.GitHostError:
        text = (said + " " + (exc.headers.get("WWW-Authenticate") or "")).lower()
        if "expired" in text:
            return errors.ExpiredToken(
                "The GitLab token has expired (GitLab tokens expire at the latest after a "
                "year). Create a new token and enter it here.",
                status=401,
            )
        if "revoked" in text:
            return errors.WrongToken(
                "The GitLab token was revoked. Create a new token and enter it here.", status=401
            )
        return errors.WrongToken(
            f"GitLab does not accept this token ({said or '401 Unauthorized'}). Check that it "
            "was copied completely.",
            status=401,
        )

    def _forbidden(self, exc: ApiError, said: str, *, write: bool) -> errors.GitHostError:
        payload = exc.payload if isinstance(exc.payload, dict) else {}
        header = (exc.headers.get("WWW-Authenticate") or "").lower()
        if payload.get("error") == "insufficient_scope" or "insufficient_scope" in header:
            scopes = str(payload.get("scope") or "api").split()
            scope = "read_api" if "read_api" in scopes else scopes[0]
            if write:
                return errors.NoWriteAccess(
                    "The token lacks the 'api' scope needed to write to GitLab.", status=403
                )
            return errors.MissingScope(scope, status=403)
        return super()._forbidden(exc, said, write=write)

    def git_credentials(self, clone_url: str | None = None) -> dict[str, str]:
        token = self.credentials.get("token") or self.credentials.get("access_token") or ""
        return {"username": "oauth2", "password": token}

    # -- repositories -----------------------------------------------------------------------

    def _default_listing(self) -> tuple[str, dict[str, Any]]:
        # https://docs.gitlab.com/api/projects/#list-all-projects
        return "/projects", {"membership": "true", "per_page": 100, "order_by": "id", "sort": "asc"}

    def _pages(self, path: str, params: Mapping[str, Any]) -> Iterator[Any]:
        for response in self.client.iter_link_pages(path, params):
            yield response.json()

    def _parse_repository(self, item: Mapping[str, Any]) -> HostRepository | None:
        path = item.get("path_with_namespace")
        clone = item.get("http_url_to_repo")
        if not isinstance(path, str) or not isinstance(clone, str):
            return None
        return HostRepository(
            name=path,
            clone_https=clone,
            clone_ssh=item.get("ssh_url_to_repo"),
            web_url=item.get("web_url") or f"{self.web_root}/{path}",
            default_branch=item.get("default_branch"),
            host_id=str(item.get("id") or ""),
        )

    @staticmethod
    def _project(repo: HostRepository) -> str:
        return "/projects/" + (quote(repo.host_id, safe="") or quote(repo.name, safe=""))

    # -- merge requests -----------------------------------------------------------------------

    #: "locked" is an open merge request while a merge is in progress.
    pr_states: ClassVar[Mapping[str, str]] = {
        "opened": "open", "locked": "open", "merged": "merged", "closed": "declined"}

    def _pull_request_items(
        self, repo: HostRepository, since: datetime | None
    ) -> Iterator[Mapping[str, Any]]:
        # https://docs.gitlab.com/api/merge_requests/#list-project-merge-requests
        params: dict[str, Any] = {
            "state": "all",
            "order_by": "updated_at",
            "sort": "desc",
            "per_page": 100,
        }
        if since is not None:
            params["updated_after"] = since.isoformat().replace("+00:00", "Z")
        path = f"{self._project(repo)}/merge_requests"
        for response in self.client.iter_link_pages(path, params):
            yield from response.json()

    def _pull_request(  # a merge request
        self, repo: HostRepository, item: Mapping[str, Any], *, approvals: bool | None = None
    ) -> HostPullRequest:
        state = self.pr_state(item.get("state"),
                              draft=bool(item.get("draft") or item.get("work_in_progress")))
        reviewers: dict[str, bool] = {}
        for reviewer in item.get("reviewers") or []:
            name = reviewer.get("name") or reviewer.get("username")
            if name:
                reviewers[name] = False
        if self.fetch_approvals if approvals is None else approvals:
            for name in self._approved_by(repo, item["iid"]):
                reviewers[name] = True
        author = item.get("author") or {}
        return HostPullRequest(
            number=str(item["iid"]),
            title=item.get("title") or "",
            description=item.get("description"),
            state=state,
            source_branch=item.get("source_branch"),
            target_branch=item.get("target_branch"),
            author=author.get("name") or author.get("username"),
            reviewers=tuple(Reviewer(name, ok) for name, ok in reviewers.items()),
            url=item.get("web_url"),
            updated_at=parse_time(item.get("updated_at")),
        )

    def _approved_by(self, repo: HostRepository, iid: int) -> list[str]:
        # https://docs.gitlab.com/api/merge_request_approvals/#get-configuration-1
        try:
            body = self.client.get_json(f"{self._project(repo)}/merge_requests/{iid}/approvals")
        except (ApiNotFound, ApiForbidden):
            return []  # approvals hidden from this token or not available on this tier
        names = []
        for entry in body.get("approved_by") or []:
            user = entry.get("user") or {}
            name = user.get("name") or user.get("username")
            if name:
                names.append(name)
        return names

    # -- branches and merge requests ----------------------------------------------------

    def _create_branch(self, repo: HostRepository, name: str, source: str) -> HostBranch:
        # https://docs.gitlab.com/api/branches/#create-repository-branch
        try:
            body = self.client.post_json(
                f"{self._project(repo)}/repository/branches",
                None,
                params={"branch": name, "ref": source},
            )
        except ApiError as exc:
            text = api_error_text(exc)
            if exc.status == 400 and "already exists" in text:
                raise errors.BranchExists(
                    f"A branch named '{name}' already exists in {repo.name}.", status=400
                ) from exc
            if exc.status == 400 and "invalid reference name" in text:
                raise errors.SourceBranchUnknown(
                    f"The branch '{source}' does not exist in {repo.name}.", status=400
                ) from exc
            if exc.status == 400 and "name is invalid" in text:
                raise errors.InvalidBranchName(
                    f"GitLab does not accept '{name}' as a branch name.", status=400
                ) from exc
            raise
        return HostBranch(
            name=body.get("name") or name,
            sha=(body.get("commit") or {}).get("id"),
            url=body.get("web_url"),
        )

    def _branch_exists(self, repo: HostRepository, branch: str) -> bool:
        # https://docs.gitlab.com/api/branches/#get-single-repository-branch
        try:
            self.client.request(
                "GET", f"{self._project(repo)}/repository/branches/{quote(branch, safe='')}"
            )
        except ApiNotFound:
            return False
        return True

    def _create_pull_request(
        self, repo: HostRepository, source: str, target: str, title: str, description: str
    ) -> HostPullRequest:
        if not self._branch_exists(repo, source):
            raise errors.SourceBranchUnknown(
                f"The branch '{source}' does not exist in {repo.name}."
            )
        if not self._branch_exists(repo, target):
            raise errors.TargetBranchUnknown(
                f"The branch '{target}' does not exist in {repo.name}."
            )
        # https://docs.gitlab.com/api/commits/#list-repository-commits (ref_name takes a range)
        ahead = self.client.get_json(
            f"{self._project(repo)}/repository/commits",
            params={"ref_name": f"{target}..{source}", "per_page": 1},
        )
        if not ahead:
            raise errors.NothingToMerge(
                f"'{source}' has no commits that '{target}' lacks: nothing to merge."
            )
        # https://docs.gitlab.com/api/merge_requests/#create-mr
        try:
            body = self.client.post_json(
                f"{self._project(repo)}/merge_requests",
                {
                    "source_branch": source,
                    "target_branch": target,
                    "title": title,
                    "description": description,
                },
            )
        except ApiError as exc:
            if exc.status == 409 or "already exists" in api_error_text(exc):
                raise errors.PullRequestExists(
                    f"An open merge request from '{source}' already exists "
                    f"({api_error_text(exc)[:120]}).",
                    status=exc.status,
                ) from exc
            raise
        return self._pull_request(repo, body, approvals=False)

    # -- webhooks ---------------------------------------------------------------------------

    def _list_hooks(self, repo: HostRepository) -> Iterator[tuple[str, str]]:
        # https://docs.gitlab.com/api/project_webhooks/#list-webhooks-for-a-project
        for response in self.client.iter_link_pages(
            f"{self._project(repo)}/hooks", {"per_page": 100}
        ):
            for hook in response.json():
                yield str(hook["id"]), hook.get("url") or ""

    def _create_hook(self, repo: HostRepository, url: str, secret: str) -> str:
        # https://docs.gitlab.com/api/project_webhooks/#add-a-webhook-to-a-project
        body = self.client.post_json(
            f"{self._project(repo)}/hooks",
            {
                "url": url,
                "token": secret,
                "push_events": True,
                "merge_requests_events": True,
                "tag_push_events": True,
                "enable_ssl_verification": True,
            },
        )
        return str(body["id"])

    def _delete_hook(self, repo: HostRepository, hook_id: str) -> None:
        # https://docs.gitlab.com/api/project_webhooks/#delete-project-webhook
        self.client.request("DELETE", f"{self._project(repo)}/hooks/{quote(hook_id, safe='')}")


class GitLabSelfManagedProvider(GitLabProvider):
    """GitLab CE/EE: the same API under ``<web root>/api/v4``."""

    kind = "gitlab_self_managed"
