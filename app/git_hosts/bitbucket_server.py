"""Bitbucket Server / Data Center (REST API 1.0 under ``<web root>/rest/api/1.0``).

Host notes:

* Auth: ``pat`` = an HTTP access token (Bitbucket 5.5+) as ``Authorization: Bearer``;
  ``basic`` = username + password. Git over https takes the username + token/password;
  for a token the username is ``credentials["username"]`` if given, else the one the
  server reports for the token (``X-AUSERNAME``).
* There is no "who am I" resource: any authenticated answer carries ``X-AUSERNAME``.
  Credentials the server does not accept give 401, but a server with anonymous access
  may also answer *anonymously*, which we report as wrong credentials too. Tokens have
  permissions, not scopes: ``Account.scopes`` is ``None``.
* Errors look like ``{"errors": [{"message", "exceptionName"}]}``; the exception name
  tells refusals apart (``DuplicateRefException``, ``DuplicatePullRequestException``,
  ``EmptyPullRequestException``, ...).
* Pagination: ``start`` → ``{"values", "isLastPage", "nextPageStart"}``.
* Repositories are addressed ``PROJECTKEY/slug`` (personal ones ``~USER/slug``). The
  listing does not say which branch is the default; ``default_branch`` is ``None`` and
  the indexer takes it from the clone's ``HEAD``.
* Pull requests: ``order=NEWEST`` (most recently updated first) and stop when older;
  states OPEN (``draft`` on 8.18+), MERGED, DECLINED. Refs are full (``refs/heads/x``).
* Webhooks: ``configuration.secret`` makes the server sign deliveries
  (``X-Hub-Signature: sha256=...``).
"""

from __future__ import annotations

import re
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
    host_message,
    parse_time,
    strip_userinfo,
)
from app.http import ApiError

_SHA = re.compile(r"^[0-9a-f]{40}$")


def _exception_names(exc: ApiError) -> str:
    payload = exc.payload if isinstance(exc.payload, dict) else {}
    return " ".join(
        str(e.get("exceptionName") or "")
        for e in payload.get("errors") or []
        if isinstance(e, dict)
    )


class BitbucketServerProvider(Provider):
    kind = "bitbucket_server"
    api_suffix = "/rest/api/1.0"
    api_prefixes = ("/rest/api/1.0", "/rest/api/latest")
    default_headers: ClassVar[Mapping[str, str]] = {
        "Accept": "application/json",
        "X-Atlassian-Token": "no-check",
    }
    webhook_permission_hint = (
        "Creating webhooks on Bitbucket Server needs the Repository admin permission."
    )
    webhook_events: ClassVar[tuple[str, ...]] = (
        "repo:refs_changed",
        "pr:opened",
        "pr:modified",
        "pr:from_ref_updated",
        "pr:merged",
        "pr:declined",
        "pr:deleted",
    )
    _login: str | None = None

    # -- credentials --------------------------------------------------------------------------

    def _check_credentials(self) -> Account:
        # https://developer.atlassian.com/server/bitbucket/rest/v906/api-group-system-maintenance/#api-api-latest-application-properties-get
        response = self.client.request("GET", "/application-properties")
        login = response.headers.get("X-AUSERNAME")
        if not login:
            raise errors.WrongToken(
                "Bitbucket answered, but as an anonymous user: it did not accept the "
                "credentials. Check the token (or username and password)."
            )
        self._login = login
        name = None
        # https://developer.atlassian.com/server/bitbucket/rest/v906/api-group-system-maintenance/#api-api-latest-users-userslug-get
        try:
            user = self.client.get_json(f"/users/{quote(login.lower(), safe='')}")
            name = user.get("displayName")
        except ApiError as exc:
            if exc.status not in (401, 403, 404):
                raise
        return Account(login=login, name=name, id=response.headers.get("X-AUSERID"), scopes=None)

    def git_credentials(self, clone_url: str | None = None) -> dict[str, str]:
        if self.auth_type == "basic":
            return {
                "username": self.credentials["username"],
                "password": self.credentials["password"],
            }
        username = self.credentials.get("username") or self._login
        if not username:
            username = self.check_credentials().login
        return {"username": username, "password": self.credentials.get("token", "")}

    def translate_error(self, exc: ApiError, *, write: bool = False) -> errors.GitHostError:
        # Bitbucket Server answers 401, not 403, when a known user lacks a permission.
        if exc.status == 401 and "AuthorisationException" in _exception_names(exc):
            return self._forbidden(exc, host_message(exc.payload), write=write)
        return super().translate_error(exc, write=write)

    # -- repositories -----------------------------------------------------------------------

    def _default_listing(self) -> tuple[str, dict[str, Any]]:
        # https://developer.atlassian.com/server/bitbucket/rest/v906/api-group-repository/#api-api-latest-repos-get
        return "/repos", {"limit": 100}

    def _pages(self, path: str, params: Mapping[str, Any]) -> Iterator[Any]:
        yield from self.client.iter_bitbucket_server_pages(path, params)

    def _parse_repository(self, item: Mapping[str, Any]) -> HostRepository | None:
        slug = item.get("slug")
        key = (item.get("project") or {}).get("key")
        links = item.get("links") or {}
        clones = {c.get("name"): c.get("href") for c in links.get("clone") or []}
        https = strip_userinfo(clones.get("http") or clones.get("https"))
        if not isinstance(slug, str) or not isinstance(key, str) or not https:
            return None
        web = next((s.get("href") for s in links.get("self") or [] if s.get("href")), None)
        return HostRepository(
            name=f"{key}/{slug}",
            clone_https=https,
            clone_ssh=clones.get("ssh"),
            web_url=web or f"{self.web_root}/projects/{key}/repos/{slug}/browse",
            default_branch=None,
            host_id=str(item.get("id") or ""),
        )

    @staticmethod
    def _key_slug(repo: HostRepository) -> tuple[str, str]:
        key, _, slug = repo.name.partition("/")
        if not slug:
            raise errors.InvalidSetting(
                f"'{repo.name}' is not a Bitbucket Server repository name (PROJECT/slug)."
            )
        return key, slug

    def _path(self, repo: HostRepository) -> str:
        key, slug = self._key_slug(repo)
        return f"/projects/{quote(key, safe='~')}/repos/{quote(slug, safe='')}"

    # -- pull requests ------------------------------------------------------------------------

    pr_states: ClassVar[Mapping[str, str]] = {
        "OPEN": "open", "MERGED": "merged", "DECLINED": "declined"}
    pr_updated_field = "updatedDate"

    def _pull_request_items(
        self, repo: HostRepository, since: datetime | None
    ) -> Iterator[Mapping[str, Any]]:
        # https://developer.atlassian.com/server/bitbucket/rest/v906/api-group-pull-requests/#api-api-latest-projects-projectkey-repos-repositoryslug-pull-requests-get
        params = {"state": "ALL", "order": "NEWEST", "limit": 50}
        for page in self.client.iter_bitbucket_server_pages(
            f"{self._path(repo)}/pull-requests", params
        ):
            yield from page.get("values") or []

    def _pull_request(self, repo: HostRepository, item: Mapping[str, Any]) -> HostPullRequest:
        state = self.pr_state(item.get("state"), draft=bool(item.get("draft")))
        reviewers = []
        for reviewer in item.get("reviewers") or []:
            user = reviewer.get("user") or {}
            name = user.get("displayName") or user.get("name")
            if name:
                approved = bool(reviewer.get("approved")) or reviewer.get("status") == "APPROVED"
                reviewers.append(Reviewer(name, approved))
        author = (item.get("author") or {}).get("user") or {}
        links = (item.get("links") or {}).get("self") or [{}]
        return HostPullRequest(
            number=str(item["id"]),
            title=item.get("title") or "",
            description=item.get("description"),
            state=state,
            source_branch=(item.get("fromRef") or {}).get("displayId"),
            target_branch=(item.get("toRef") or {}).get("displayId"),
            author=author.get("displayName") or author.get("name"),
            reviewers=tuple(reviewers),
            url=links[0].get("href"),
            updated_at=parse_time(item.get("updatedDate")),
        )

    # -- branches and pull requests ------------------------------------------------------

    def _create_branch(self, repo: HostRepository, name: str, source: str) -> HostBranch:
        start = (
            source if _SHA.match(source) or source.startswith("refs/") else (f"refs/heads/{source}")
        )
        # https://developer.atlassian.com/server/bitbucket/rest/v906/api-group-repository/#api-api-latest-projects-projectkey-repos-repositoryslug-branches-post
        try:
            body = self.client.post_json(
                f"{self._path(repo)}/branches", {"name": name, "startPoint": start}
            )
        except ApiError as exc:
            names = _exception_names(exc)
            text = api_error_text(exc)
            if "DuplicateRef" in names or "already exists" in text:
                raise errors.BranchExists(
                    f"A branch named '{name}' already exists in {repo.name}.", status=exc.status
                ) from exc
            if "InvalidRefName" in names or "not a valid" in text:
                raise errors.InvalidBranchName(
                    f"Bitbucket does not accept '{name}' as a branch name.", status=exc.status
                ) from exc
            if re.search(r"NoSuch(Commit|Ref|Branch)", names) or "start point" in text:
                raise errors.SourceBranchUnknown(
                    f"The branch '{source}' does not exist in {repo.name}.", status=exc.status
                ) from exc
            raise
        display = body.get("displayId") or name
        return HostBranch(
            name=display,
            sha=body.get("latestCommit"),
            url=f"{repo.web_url.removesuffix('/browse')}/browse?at="
            + quote(f"refs/heads/{display}", safe=""),
        )

    def _create_pull_request(
        self, repo: HostRepository, source: str, target: str, title: str, description: str
    ) -> HostPullRequest:
        key, slug = self._key_slug(repo)
        where = {"slug": slug, "project": {"key": key}}
        # https://developer.atlassian.com/server/bitbucket/rest/v906/api-group-pull-requests/#api-api-latest-projects-projectkey-repos-repositoryslug-pull-requests-post
        try:
            body = self.client.post_json(
                f"{self._path(repo)}/pull-requests",
                {
                    "title": title,
                    "description": description,
                    "fromRef": {"id": f"refs/heads/{source}", "repository": where},
                    "toRef": {"id": f"refs/heads/{target}", "repository": where},
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
        names = _exception_names(exc)
        text = api_error_text(exc)
        if "DuplicatePullRequest" in names or "only one pull request" in text:
            return errors.PullRequestExists(
                f"An open pull request from '{source}' into '{target}' already exists.",
                status=exc.status,
            )
        if "EmptyPullRequest" in names or "up-to-date" in text or "are the same" in text:
            return errors.NothingToMerge(
                f"'{source}' has no commits that '{target}' lacks: nothing to merge.",
                status=exc.status,
            )
        if (
            "NoSuchRef" in names
            or "NoSuchBranch" in names
            or (exc.status in (400, 404, 409) and ("does not exist" in text or "not found" in text))
        ):
            if (
                f"refs/heads/{target}".lower() in text
                and f"refs/heads/{source}".lower() not in text
            ):
                return errors.TargetBranchUnknown(
                    f"The branch '{target}' does not exist in the repository.", status=exc.status
                )
            return errors.SourceBranchUnknown(
                f"The branch '{source}' does not exist in the repository.", status=exc.status
            )
        return None

    # -- webhooks ---------------------------------------------------------------------------

    def _list_hooks(self, repo: HostRepository) -> Iterator[tuple[str, str]]:
        # https://developer.atlassian.com/server/bitbucket/rest/v906/api-group-repository/#api-api-latest-projects-projectkey-repos-repositoryslug-webhooks-get
        for page in self.client.iter_bitbucket_server_pages(
            f"{self._path(repo)}/webhooks", {"limit": 100}
        ):
            for hook in page.get("values") or []:
                yield str(hook["id"]), hook.get("url") or ""

    def _create_hook(self, repo: HostRepository, url: str, secret: str) -> str:
        # https://developer.atlassian.com/server/bitbucket/rest/v906/api-group-repository/#api-api-latest-projects-projectkey-repos-repositoryslug-webhooks-post
        body = self.client.post_json(
            f"{self._path(repo)}/webhooks",
            {
                "name": self.webhook_name,
                "url": url,
                "active": True,
                "events": list(self.webhook_events),
                "configuration": {"secret": secret},
            },
        )
        return str(body["id"])

    def _delete_hook(self, repo: HostRepository, hook_id: str) -> None:
        # https://developer.atlassian.com/server/bitbucket/rest/v906/api-group-repository/#api-api-latest-projects-projectkey-repos-repositoryslug-webhooks-webhookid-delete
        self.client.request("DELETE", f"{self._path(repo)}/webhooks/{quote(hook_id, safe='')}")
