"""GitHub.com and GitHub Enterprise Server (REST API v3, version 2022-11-28).

Host notes:

* Auth: ``Authorization: Bearer <token>`` for classic and fine-grained PATs and OAuth
  tokens. Classic tokens and OAuth tokens report their scopes in ``X-OAuth-Scopes``;
  fine-grained tokens report none (``Account.scopes`` is ``None``) and name a missing
  permission in ``X-Accepted-GitHub-Permissions`` when refused.
* An expired token answers exactly like a wrong one (401 "Bad credentials"); we can only
  tell for OAuth tokens whose ``expires_at`` we know. A token's expiry is reported on
  every success in ``GitHub-Authentication-Token-Expiration``.
* SAML SSO: 403 with ``X-GitHub-SSO: required; url=...`` (the URL authorizes the token);
  listings instead hide those organisations and say ``X-GitHub-SSO: partial-results``,
  which becomes a warning.
* GitHub answers 404 instead of 403 to writes the token may not do on repositories it
  can read, so a 404 on a write is ``NoWriteAccess``.
* Enterprise Server: the API lives at ``<web root>/api/v3``; OAuth at
  ``<web root>/login/oauth/access_token``.
* Reviewers: requested reviewers come with the pull request; approvals need one more
  call per pull request (``/reviews``), made only for pull requests that changed.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from typing import Any, ClassVar
from urllib.parse import quote

import requests

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
from app.http import ApiError, ApiNotFound

_SHA = re.compile(r"^[0-9a-f]{40}$")


class GitHubProvider(Provider):
    kind = "github"
    cloud_web_root = "https://github.com"
    cloud_api_root = "https://api.github.com"
    api_suffix = "/api/v3"
    api_prefixes = ("/api/v3",)
    default_headers: ClassVar[Mapping[str, str]] = {
        "Accept": "application/vnd.github+json",
        "X-GitHub-Api-Version": "2022-11-28",
    }
    webhook_permission_hint = (
        "Creating webhooks on GitHub needs admin rights on the repository (classic tokens: "
        "the repo or admin:repo_hook scope; fine-grained: Webhooks read and write)."
    )
    #: The classic scope that lets the app read private repositories and pull requests.
    required_scope: ClassVar[str] = "repo"
    #: One extra call per changed pull request to learn who approved it.
    fetch_reviews: ClassVar[bool] = True
    webhook_events: ClassVar[tuple[str, ...]] = ("push", "pull_request")

    # -- credentials --------------------------------------------------------------------------

    def _check_credentials(self) -> Account:
        # https://docs.github.com/en/rest/users/users#get-the-authenticated-user
        response = self.client.request("GET", "/user")
        body = response.json()
        header = response.headers.get("X-OAuth-Scopes")
        scopes = (
            tuple(s.strip() for s in header.split(",") if s.strip()) if header is not None else None
        )
        if scopes is not None and self.required_scope not in scopes:
            raise errors.MissingScope(
                self.required_scope,
                f"The token lacks the '{self.required_scope}' scope (it has: "
                f"{', '.join(scopes) or 'none'}). Create a classic token with the "
                f"'{self.required_scope}' scope, or a fine-grained token with Contents, "
                "Metadata and Pull requests access.",
            )
        return Account(
            login=str(body.get("login") or ""),
            name=body.get("name"),
            id=str(body["id"]) if body.get("id") is not None else None,
            scopes=scopes,
            expires_at=parse_time(response.headers.get("GitHub-Authentication-Token-Expiration")),
        )

    def _unauthorized(self, exc: ApiError, said: str) -> errors.GitHostError:
        expires_at = parse_time(self.credentials.get("expires_at"))
        if self.auth_type == "oauth" and expires_at is not None and expires_at <= datetime.now(UTC):
            return errors.ExpiredToken(
                "The GitHub authorization has expired; reconnect the integration.", status=401
            )
        return errors.WrongToken(
            f"GitHub does not accept this token ({said or 'Bad credentials'}): it is wrong, "
            "revoked or expired. Create a new token on GitHub and enter it here.",
            status=401,
        )

    def _forbidden(self, exc: ApiError, said: str, *, write: bool) -> errors.GitHostError:
        sso = exc.headers.get("X-GitHub-SSO") or ""
        if sso.lower().startswith("required"):
            match = re.search(r"url=(\S+)", sso)
            return errors.SsoRequired(match.group(1) if match else None, status=403)
        lowered = said.lower()
        permission = exc.headers.get("X-Accepted-GitHub-Permissions")
        if "resource not accessible" in lowered:
            needed = f" (it needs: {permission})" if permission else ""
            if write:
                return errors.NoWriteAccess(
                    f"The token may not do this on the repository{needed}. Give the token "
                    "write access (fine-grained: Contents and Pull requests read and write).",
                    status=403,
                )
            return errors.MissingScope(
                permission or self.required_scope,
                f"The token lacks a permission the app needs{needed}.",
                status=403,
            )
        accepted = [
            s.strip() for s in (exc.headers.get("X-Accepted-OAuth-Scopes") or "").split(",")
        ]
        granted = [s.strip() for s in (exc.headers.get("X-OAuth-Scopes") or "").split(",")]
        accepted = [s for s in accepted if s]
        if accepted and not set(accepted) & set(granted) and not write:
            return errors.MissingScope(accepted[0], status=403)
        return super()._forbidden(exc, said, write=write)

    def git_credentials(self, clone_url: str | None = None) -> dict[str, str]:
        token = self.credentials.get("token") or self.credentials.get("access_token") or ""
        return {"username": "x-access-token", "password": token}

    # -- repositories -----------------------------------------------------------------------

    def _default_listing(self) -> tuple[str, dict[str, Any]]:
        # https://docs.github.com/en/rest/repos/repos#list-repositories-for-the-authenticated-user
        return "/user/repos", {"per_page": 100, "sort": "full_name"}

    def _pages(self, path: str, params: Mapping[str, Any]) -> Iterator[Any]:
        for response in self.client.iter_link_pages(path, params):
            self._note_sso(response)
            yield response.json()

    def _note_sso(self, response: requests.Response) -> None:
        sso = response.headers.get("X-GitHub-SSO") or ""
        if sso.lower().startswith("partial-results"):
            message = (
                "Some organizations use SAML single sign-on and this token is not authorized "
                "for them, so their repositories are not listed. Authorize the token for "
                "those organizations (Configure SSO) to see them."
            )
            if message not in self.warnings:
                self.warnings.append(message)

    def _parse_repository(self, item: Mapping[str, Any]) -> HostRepository | None:
        full_name = item.get("full_name")
        clone = item.get("clone_url")
        if not isinstance(full_name, str) or not isinstance(clone, str):
            return None
        return HostRepository(
            name=full_name,
            clone_https=clone,
            clone_ssh=item.get("ssh_url"),
            web_url=item.get("html_url") or f"{self.web_root}/{full_name}",
            default_branch=item.get("default_branch"),
            host_id=str(item.get("id") or ""),
        )

    @staticmethod
    def _path(repo: HostRepository) -> str:
        return "/repos/" + quote(repo.name, safe="/")

    # -- pull requests ------------------------------------------------------------------------

    pr_states: ClassVar[Mapping[str, str]] = {"open": "open", "closed": "declined"}

    def _pull_request_items(
        self, repo: HostRepository, since: datetime | None
    ) -> Iterator[Mapping[str, Any]]:
        # https://docs.github.com/en/rest/pulls/pulls#list-pull-requests
        params = {"state": "all", "sort": "updated", "direction": "desc", "per_page": 100}
        for response in self.client.iter_link_pages(f"{self._path(repo)}/pulls", params):
            yield from response.json()

    def _pull_request(
        self, repo: HostRepository, item: Mapping[str, Any], *, reviews: bool | None = None
    ) -> HostPullRequest:
        state = self.pr_state(item.get("state"), draft=bool(item.get("draft")),
                              merged=bool(item.get("merged_at")))
        author = (item.get("user") or {}).get("login")
        approved: dict[str, bool] = {}
        if self.fetch_reviews if reviews is None else reviews:
            for review in self._reviews(repo, item["number"]):
                login = (review.get("user") or {}).get("login")
                if not login or login == author:
                    continue
                if review.get("state") == "APPROVED":
                    approved[login] = True
                elif review.get("state") in ("CHANGES_REQUESTED", "DISMISSED"):
                    approved[login] = False
                else:
                    approved.setdefault(login, False)
        for requested in item.get("requested_reviewers") or []:
            if requested.get("login"):
                approved[requested["login"]] = False  # (re-)requested: review pending
        return HostPullRequest(
            number=str(item["number"]),
            title=item.get("title") or "",
            description=item.get("body"),
            state=state,
            source_branch=(item.get("head") or {}).get("ref"),
            target_branch=(item.get("base") or {}).get("ref"),
            author=author,
            reviewers=tuple(Reviewer(name, ok) for name, ok in approved.items()),
            url=item.get("html_url"),
            updated_at=parse_time(item.get("updated_at")),
        )

    def _reviews(self, repo: HostRepository, number: int) -> Iterator[dict[str, Any]]:
        # https://docs.github.com/en/rest/pulls/reviews#list-reviews-for-a-pull-request
        path = f"{self._path(repo)}/pulls/{number}/reviews"
        for response in self.client.iter_link_pages(path, {"per_page": 100}):
            yield from response.json()

    # -- branches and pull requests ------------------------------------------------------

    def _create_branch(self, repo: HostRepository, name: str, source: str) -> HostBranch:
        if _SHA.match(source):
            sha = source
        else:
            # https://docs.github.com/en/rest/git/refs#get-a-reference
            try:
                ref = self.client.get_json(
                    f"{self._path(repo)}/git/ref/heads/{quote(source, safe='/')}"
                )
            except ApiNotFound as exc:
                raise errors.SourceBranchUnknown(
                    f"The branch '{source}' does not exist in {repo.name}.", status=404
                ) from exc
            sha = ref["object"]["sha"]
        # https://docs.github.com/en/rest/git/refs#create-a-reference
        try:
            body = self.client.post_json(
                f"{self._path(repo)}/git/refs", {"ref": f"refs/heads/{name}", "sha": sha}
            )
        except ApiError as exc:
            text = api_error_text(exc)
            if exc.status == 422 and "already exists" in text:
                raise errors.BranchExists(
                    f"A branch named '{name}' already exists in {repo.name}.", status=422
                ) from exc
            if exc.status == 422 and ("valid ref" in text or "invalid" in text):
                raise errors.InvalidBranchName(
                    f"GitHub does not accept '{name}' as a branch name.", status=422
                ) from exc
            raise
        return HostBranch(
            name=name,
            sha=(body.get("object") or {}).get("sha", sha),
            url=f"{repo.web_url}/tree/{quote(name, safe='/')}",
        )

    def _create_pull_request(
        self, repo: HostRepository, source: str, target: str, title: str, description: str
    ) -> HostPullRequest:
        # https://docs.github.com/en/rest/pulls/pulls#create-a-pull-request
        try:
            body = self.client.post_json(
                f"{self._path(repo)}/pulls",
                {"title": title, "body": description, "head": source, "base": target},
            )
        except ApiError as exc:
            if exc.status == 422:
                refusal = self._pull_request_refusal(exc, source, target)
                if refusal is not None:
                    raise refusal from exc
            raise
        return self._pull_request(repo, body, reviews=False)  # brand new: no reviews yet

    @staticmethod
    def _pull_request_refusal(exc: ApiError, source: str, target: str) -> errors.ActionError | None:
        """GitHub's 422 ``{"message": "Validation Failed", "errors": [...]}`` explained."""
        text = api_error_text(exc)
        if "already exists" in text:
            return errors.PullRequestExists(
                f"An open pull request from '{source}' into '{target}' already exists.",
                status=422,
            )
        if "no commits between" in text:
            return errors.NothingToMerge(
                f"'{source}' has no commits that '{target}' lacks: nothing to merge.", status=422
            )
        payload = exc.payload if isinstance(exc.payload, dict) else {}
        for item in payload.get("errors") or []:
            if not isinstance(item, dict) or item.get("code") not in ("invalid", "missing"):
                continue
            if item.get("field") == "head":
                return errors.SourceBranchUnknown(
                    f"The branch '{source}' does not exist in the repository.", status=422
                )
            if item.get("field") == "base":
                return errors.TargetBranchUnknown(
                    f"The branch '{target}' does not exist in the repository.", status=422
                )
        return None

    # -- webhooks ---------------------------------------------------------------------------

    def _list_hooks(self, repo: HostRepository) -> Iterator[tuple[str, str]]:
        # https://docs.github.com/en/rest/repos/webhooks#list-repository-webhooks
        for response in self.client.iter_link_pages(f"{self._path(repo)}/hooks", {"per_page": 100}):
            for hook in response.json():
                yield str(hook["id"]), (hook.get("config") or {}).get("url") or ""

    def _create_hook(self, repo: HostRepository, url: str, secret: str) -> str:
        # https://docs.github.com/en/rest/repos/webhooks#create-a-repository-webhook
        body = self.client.post_json(
            f"{self._path(repo)}/hooks",
            {
                "name": "web",
                "active": True,
                "events": list(self.webhook_events),
                "config": {
                    "url": url,
                    "content_type": "json",
                    "secret": secret,
                    "insecure_ssl": "0",
                },
            },
        )
        return str(body["id"])

    def _delete_hook(self, repo: HostRepository, hook_id: str) -> None:
        # https://docs.github.com/en/rest/repos/webhooks#delete-a-repository-webhook
        self.client.request("DELETE", f"{self._path(repo)}/hooks/{quote(hook_id, safe='')}")


class GitHubEnterpriseProvider(GitHubProvider):
    """GitHub Enterprise Server: the same API under ``<web root>/api/v3``."""

    kind = "github_enterprise"
