"""Bitbucket Cloud (REST API 2.0 at api.bitbucket.org).

Host notes:

* Auth: ``basic`` = username + app password (or Atlassian account e-mail + API token);
  ``oauth`` = Bearer access token (consumer refresh at
  ``bitbucket.org/site/oauth2/access_token`` with the consumer as HTTP Basic client
  auth); ``pat`` = a repository/workspace access token, also Bearer. For Require User PAT
  a user may enter ``username:app_password`` (sent as Basic) or an access token.
* Git over https: ``x-token-auth`` + token for OAuth and access tokens; the username +
  app password for basic.
* Scopes come back in ``X-OAuth-Scopes``; a missing one is 403 with ``error.detail``
  ``{"required": [...], "granted": [...]}``.
* Errors look like ``{"type": "error", "error": {"message": ..., "detail": ...}}``.
* Pagination: ``{"values": [...], "next": "<url>"}``. Pull requests: at most 50 a page,
  filtered server-side with ``q=updated_on >= <time>`` and sorted ``-updated_on``; the
  list leaves out participants unless ``fields=+values.participants`` asks for them.
* States: OPEN (``draft: true`` → draft), MERGED, DECLINED and SUPERSEDED (→ declined).
* Bitbucket answers a second pull request for the same branches by returning the first,
  so an open one is looked up before creating.
* Webhooks are signed (``X-Hub-Signature``, HMAC-SHA256) when created with ``secret``.
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
    strip_userinfo,
)
from app.git_hosts.client import Auth, BasicAuth, BearerAuth
from app.http import ApiError, ApiNotFound


def _bbql_string(value: str) -> str:
    """A BBQL string literal."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


class BitbucketCloudProvider(Provider):
    kind = "bitbucket_cloud"
    cloud_web_root = "https://bitbucket.org"
    cloud_api_root = "https://api.bitbucket.org/2.0"
    api_prefixes = ("/!api/2.0", "/2.0")
    webhook_permission_hint = (
        "Creating webhooks on Bitbucket needs admin rights on the repository and the "
        "'webhook' scope (app password permission Webhooks: read and write)."
    )
    pull_request_page_size: ClassVar[int] = 50
    webhook_events: ClassVar[tuple[str, ...]] = (
        "repo:push",
        "pullrequest:created",
        "pullrequest:updated",
        "pullrequest:fulfilled",
        "pullrequest:rejected",
    )

    def _token_auth(self, token: str) -> Auth:
        if ":" in token:
            username, _, password = token.partition(":")
            return BasicAuth(username, password)
        return BearerAuth(token)

    # -- credentials --------------------------------------------------------------------------

    def _check_credentials(self) -> Account:
        # https://developer.atlassian.com/cloud/bitbucket/rest/api-group-users/#api-user-get
        response = self.client.request("GET", "/user")
        body = response.json()
        header = response.headers.get("X-OAuth-Scopes")
        scopes = (
            tuple(s.strip() for s in header.split(",") if s.strip()) if header is not None else None
        )
        if scopes is not None and not any("repository" in s for s in scopes):
            raise errors.MissingScope(
                "repository",
                "The credentials lack the 'repository' permission the app needs to read "
                "and clone repositories.",
            )
        return Account(
            login=str(body.get("username") or body.get("nickname") or body.get("account_id")),
            name=body.get("display_name"),
            id=body.get("uuid") or body.get("account_id"),
            scopes=scopes,
        )

    def _unauthorized(self, exc: ApiError, said: str) -> errors.GitHostError:
        if "expired" in said.lower():
            return errors.ExpiredToken(
                "The Bitbucket authorization has expired; reconnect the integration.", status=401
            )
        if self.auth_type == "basic":
            return errors.WrongToken(
                "Bitbucket does not accept this username and app password. Use your Bitbucket "
                "username (not the e-mail address) and an app password, not the account "
                "password.",
                status=401,
            )
        return super()._unauthorized(exc, said)

    def _forbidden(self, exc: ApiError, said: str, *, write: bool) -> errors.GitHostError:
        payload = exc.payload if isinstance(exc.payload, dict) else {}
        error = payload.get("error") if isinstance(payload.get("error"), dict) else {}
        detail = error.get("detail") if isinstance(error, dict) else None
        required = detail.get("required") if isinstance(detail, dict) else None
        if required and isinstance(required, list):
            scope = str(required[0])
            if write:
                return errors.NoWriteAccess(
                    f"The credentials lack the '{scope}' permission this needs.", status=403
                )
            return errors.MissingScope(scope, status=403)
        return super()._forbidden(exc, said, write=write)

    def git_credentials(self, clone_url: str | None = None) -> dict[str, str]:
        if self.auth_type == "basic":
            return {
                "username": self.credentials["username"],
                "password": self.credentials["password"],
            }
        token = self.credentials.get("token") or self.credentials.get("access_token") or ""
        return {"username": "x-token-auth", "password": token}

    # -- repositories -----------------------------------------------------------------------

    def _default_listing(self) -> tuple[str, dict[str, Any]]:
        # https://developer.atlassian.com/cloud/bitbucket/rest/api-group-repositories/#api-repositories-get
        return "/repositories", {"role": "member", "pagelen": 100}

    def _pages(self, path: str, params: Mapping[str, Any]) -> Iterator[Any]:
        yield from self.client.iter_bitbucket_cloud_pages(path, params)

    def _parse_repository(self, item: Mapping[str, Any]) -> HostRepository | None:
        full_name = item.get("full_name")
        links = item.get("links") or {}
        clones = {c.get("name"): c.get("href") for c in links.get("clone") or []}
        https = strip_userinfo(clones.get("https"))
        if not isinstance(full_name, str) or not https:
            return None
        return HostRepository(
            name=full_name,
            clone_https=https,
            clone_ssh=clones.get("ssh"),
            web_url=(links.get("html") or {}).get("href") or f"{self.web_root}/{full_name}",
            default_branch=(item.get("mainbranch") or {}).get("name"),
            host_id=str(item.get("uuid") or ""),
        )

    @staticmethod
    def _path(repo: HostRepository) -> str:
        return "/repositories/" + quote(repo.name, safe="/")

    # -- pull requests ------------------------------------------------------------------------

    pr_states: ClassVar[Mapping[str, str]] = {
        "OPEN": "open", "MERGED": "merged", "DECLINED": "declined", "SUPERSEDED": "declined"}
    pr_updated_field = "updated_on"

    def _pull_request_items(
        self, repo: HostRepository, since: datetime | None
    ) -> Iterator[Mapping[str, Any]]:
        # https://developer.atlassian.com/cloud/bitbucket/rest/api-group-pullrequests/#api-repositories-workspace-repo-slug-pullrequests-get
        params: dict[str, Any] = {
            "state": ["OPEN", "MERGED", "DECLINED", "SUPERSEDED"],
            "sort": "-updated_on",
            "pagelen": self.pull_request_page_size,
            "fields": "+values.participants,+values.reviewers,+values.description",
        }
        if since is not None:
            params["q"] = f"updated_on >= {since.isoformat()}"
        for page in self.client.iter_bitbucket_cloud_pages(
            f"{self._path(repo)}/pullrequests", params
        ):
            yield from page.get("values") or []

    def _pull_request(self, repo: HostRepository, item: Mapping[str, Any]) -> HostPullRequest:
        state = self.pr_state(item.get("state"), draft=bool(item.get("draft")))
        reviewers: dict[str, bool] = {}
        for reviewer in item.get("reviewers") or []:
            if reviewer.get("display_name"):
                reviewers[reviewer["display_name"]] = False
        for participant in item.get("participants") or []:
            name = (participant.get("user") or {}).get("display_name")
            approved = bool(participant.get("approved"))
            if name and (participant.get("role") == "REVIEWER" or approved or name in reviewers):
                reviewers[name] = approved
        return HostPullRequest(
            number=str(item["id"]),
            title=item.get("title") or "",
            description=item.get("description"),
            state=state,
            source_branch=((item.get("source") or {}).get("branch") or {}).get("name"),
            target_branch=((item.get("destination") or {}).get("branch") or {}).get("name"),
            author=(item.get("author") or {}).get("display_name"),
            reviewers=tuple(Reviewer(name, ok) for name, ok in reviewers.items()),
            url=((item.get("links") or {}).get("html") or {}).get("href"),
            updated_at=parse_time(item.get("updated_on")),
        )

    # -- branches and pull requests ------------------------------------------------------

    def _create_branch(self, repo: HostRepository, name: str, source: str) -> HostBranch:
        # https://developer.atlassian.com/cloud/bitbucket/rest/api-group-refs/#api-repositories-workspace-repo-slug-refs-branches-name-get
        try:
            ref = self.client.get_json(f"{self._path(repo)}/refs/branches/{quote(source, safe='')}")
        except ApiNotFound as exc:
            raise errors.SourceBranchUnknown(
                f"The branch '{source}' does not exist in {repo.name}.", status=404
            ) from exc
        sha = (ref.get("target") or {}).get("hash")
        # https://developer.atlassian.com/cloud/bitbucket/rest/api-group-refs/#api-repositories-workspace-repo-slug-refs-branches-post
        try:
            body = self.client.post_json(
                f"{self._path(repo)}/refs/branches", {"name": name, "target": {"hash": sha}}
            )
        except ApiError as exc:
            text = api_error_text(exc)
            payload = exc.payload if isinstance(exc.payload, dict) else {}
            error = payload.get("error") if isinstance(payload.get("error"), dict) else {}
            key = str(((error or {}).get("data") or {}).get("key") or "")
            if exc.status == 400 and (key == "BRANCH_ALREADY_EXISTS" or "already exists" in text):
                raise errors.BranchExists(
                    f"A branch named '{name}' already exists in {repo.name}.", status=400
                ) from exc
            if exc.status == 400 and ("invalid" in text or "INVALID" in key):
                raise errors.InvalidBranchName(
                    f"Bitbucket does not accept '{name}' as a branch name.", status=400
                ) from exc
            raise
        return HostBranch(
            name=body.get("name") or name,
            sha=(body.get("target") or {}).get("hash") or sha,
            url=((body.get("links") or {}).get("html") or {}).get("href"),
        )

    def _open_pull_request_exists(self, repo: HostRepository, source: str, target: str) -> bool:
        query = (
            f"source.branch.name = {_bbql_string(source)} AND "
            f'destination.branch.name = {_bbql_string(target)} AND state = "OPEN"'
        )
        page = self.client.get_json(
            f"{self._path(repo)}/pullrequests", params={"q": query, "pagelen": 1}
        )
        return bool(page.get("values"))

    def _create_pull_request(
        self, repo: HostRepository, source: str, target: str, title: str, description: str
    ) -> HostPullRequest:
        if self._open_pull_request_exists(repo, source, target):
            raise errors.PullRequestExists(
                f"An open pull request from '{source}' into '{target}' already exists."
            )
        # https://developer.atlassian.com/cloud/bitbucket/rest/api-group-pullrequests/#api-repositories-workspace-repo-slug-pullrequests-post
        try:
            body = self.client.post_json(
                f"{self._path(repo)}/pullrequests",
                {
                    "title": title,
                    "description": description,
                    "source": {"branch": {"name": source}},
                    "destination": {"branch": {"name": target}},
                    "close_source_branch": False,
                },
            )
        except ApiError as exc:
            refusal = self._pull_request_refusal(exc, source, target)
            if refusal is not None:
                raise refusal from exc
            raise
        return self._pull_request(repo, body)

    @staticmethod
    def _pull_request_refusal(exc: ApiError, source: str, target: str) -> errors.ActionError | None:
        if exc.status != 400:
            return None
        text = api_error_text(exc)
        payload = exc.payload if isinstance(exc.payload, dict) else {}
        error = payload.get("error") if isinstance(payload.get("error"), dict) else {}
        fields = (error or {}).get("fields") or {}
        if "no changes to be pulled" in text:
            return errors.NothingToMerge(
                f"'{source}' has no commits that '{target}' lacks: nothing to merge.", status=400
            )
        if "already exists" in text:
            return errors.PullRequestExists(status=400)
        if "not found" in text or "does not exist" in text:
            if "destination" in fields or text.startswith("destination"):
                return errors.TargetBranchUnknown(
                    f"The branch '{target}' does not exist in the repository.", status=400
                )
            return errors.SourceBranchUnknown(
                f"The branch '{source}' does not exist in the repository.", status=400
            )
        return None

    # -- webhooks ---------------------------------------------------------------------------

    def _list_hooks(self, repo: HostRepository) -> Iterator[tuple[str, str]]:
        # https://developer.atlassian.com/cloud/bitbucket/rest/api-group-repositories/#api-repositories-workspace-repo-slug-hooks-get
        for page in self.client.iter_bitbucket_cloud_pages(f"{self._path(repo)}/hooks"):
            for hook in page.get("values") or []:
                yield str(hook["uuid"]), hook.get("url") or ""

    def _create_hook(self, repo: HostRepository, url: str, secret: str) -> str:
        # https://developer.atlassian.com/cloud/bitbucket/rest/api-group-repositories/#api-repositories-workspace-repo-slug-hooks-post
        body = self.client.post_json(
            f"{self._path(repo)}/hooks",
            {
                "description": self.webhook_name,
                "url": url,
                "active": True,
                "secret": secret,
                "events": list(self.webhook_events),
            },
        )
        return str(body["uuid"])

    def _delete_hook(self, repo: HostRepository, hook_id: str) -> None:
        # https://developer.atlassian.com/cloud/bitbucket/rest/api-group-repositories/#api-repositories-workspace-repo-slug-hooks-uid-delete
        self.client.request("DELETE", f"{self._path(repo)}/hooks/{quote(hook_id, safe='')}")
