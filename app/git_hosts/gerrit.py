"""Gerrit Code Review (REST API under ``<web root>/a/``, authenticated).

Host notes (https://gerrit-review.googlesource.com/Documentation/rest-api.html):

* Auth: HTTP Basic with the user name and the **HTTP password** Gerrit generates in
  Settings → HTTP Credentials (not the sign-in password). Git over https takes the same,
  at ``<root>/a/<project>``.
* Every JSON answer starts with the XSSI guard ``)]}'`` on its own line; errors are
  plain text ("Not found: x", "branch "refs/heads/x" already exists").
* Projects: a map of name → ProjectInfo (the name is the key, so the app adds it for
  JMESPath), paged with ``n``/``S``; the meta projects All-Projects and All-Users hold
  configuration, not code, and are skipped. ``HEAD`` names the default branch.
* Changes play pull requests: ``q=project:<p>``, newest-updated first, paged with
  ``n``/``S`` and ``_more_changes`` on the last one; NEW is open (``work_in_progress``:
  draft), MERGED merged, ABANDONED declined; reviewers come with ``DETAILED_LABELS``
  (approved: the label's maximum Code-Review vote). A change has no source branch: its
  topic stands in for one.
* Gerrit has no "create pull request": changes are pushed for review
  (``git push origin HEAD:refs/for/<branch>``), which is what the app says instead.
* Webhooks: the ``webhooks`` plugin's remotes (``/config/server/webhooks~projects/
  <project>/remotes/<name>``). The plugin can neither sign nor add a header, so the
  remote's URL carries the secret. Where the plugin is not installed (404) the admin
  gets the manual steps.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import Any, ClassVar
from urllib.parse import quote, urlencode, urlsplit

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

XSSI = ")]}'"
META_PROJECTS = frozenset({"All-Projects", "All-Users"})
#: The name of the webhooks plugin remote the app creates.
REMOTE = "gitbridge"
PUSH_FOR_REVIEW = (
    "Gerrit has no pull requests to create: push the branch for review instead, "
    "git push origin HEAD:refs/for/{target}, and the change shows on the issue once "
    "its subject or topic names the issue key."
)
#: What a change listing includes: reviewers' votes, and the commit message (the
#: change's description, where issue keys often are).
CHANGE_OPTIONS = ("DETAILED_ACCOUNTS", "DETAILED_LABELS", "CURRENT_REVISION", "CURRENT_COMMIT")
#: Stream events the plugin sends to the app's remote.
EVENTS = ("ref-updated", "patchset-created", "change-merged", "change-abandoned",
          "change-restored", "wip-state-changed", "change-deleted")


class GerritProvider(Provider):
    kind = "gerrit"
    api_suffix = "/a"
    api_prefixes = ("/a",)
    page_size: ClassVar[int] = 100
    pr_states: ClassVar[Mapping[str, str]] = {
        "NEW": "open", "MERGED": "merged", "ABANDONED": "declined"}
    pr_updated_field = "updated"
    webhook_permission_hint = (
        "Adding the webhooks plugin's remote needs the Administrate Server capability (or "
        "Owner on the project's refs/meta/config)."
    )

    def _json(self, response: requests.Response) -> Any:
        text = response.text
        if text.startswith(XSSI):
            text = text[len(XSSI):]
        return json.loads(text) if text.strip() else None

    def _get(self, path: str, **params: Any) -> Any:
        return self._json(self.client.request("GET", path, params=params or None))

    @staticmethod
    def _project(name: str) -> str:
        return quote(name, safe="")

    # -- credentials ------------------------------------------------------------------

    def _check_credentials(self) -> Account:
        # https://gerrit-review.googlesource.com/Documentation/rest-api-accounts.html#get-account
        me = self._get("/accounts/self")
        return Account(login=str(me.get("username") or me.get("email") or me["_account_id"]),
                       name=me.get("name"), id=str(me.get("_account_id") or "") or None,
                       scopes=None)

    def _unauthorized(self, exc: ApiError, said: str) -> errors.GitHostError:
        return errors.WrongToken(
            "Gerrit does not accept these credentials. Use your user name and the HTTP "
            "password Gerrit generates under Settings → HTTP Credentials (not your sign-in "
            "password).", status=401)

    def git_credentials(self, clone_url: str | None = None) -> dict[str, str]:
        return {"username": self.credentials["username"],
                "password": self.credentials["password"]}

    def _make_auth(self, auth_type: str, credentials: Mapping[str, str]) -> Any:
        if auth_type != "basic":
            raise errors.WrongToken("Gerrit signs in with a user name and HTTP password.")
        return super()._make_auth(auth_type, credentials)

    # -- repositories -----------------------------------------------------------------

    def _default_listing(self) -> tuple[str, dict[str, Any]]:
        # https://gerrit-review.googlesource.com/Documentation/rest-api-projects.html#list-projects
        return "/projects/", {}

    def _pages(self, path: str, params: Mapping[str, Any]) -> Iterator[Any]:
        skip, seen = 0, set()
        while True:
            page = self._get(path, **params, n=self.page_size, S=skip) or {}
            items = [{**info, "name": name} for name, info in page.items()
                     if isinstance(info, dict) and name not in META_PROJECTS]
            if not page or next(iter(page)) in seen:
                return
            seen.add(next(iter(page)))
            yield items
            skip += len(page)

    def _parse_repository(self, item: Mapping[str, Any]) -> HostRepository | None:
        name = item.get("name")
        if not isinstance(name, str) or not name or item.get("state") == "HIDDEN":
            return None
        return HostRepository(
            name=name, clone_https=f"{self.web_root}/a/{name}", clone_ssh=None,
            web_url=f"{self.web_root}/admin/repos/{quote(name, safe='')}",
            default_branch=None, host_id=name)

    # -- changes ----------------------------------------------------------------------

    def _pull_request_items(
        self, repo: HostRepository, since: datetime | None
    ) -> Iterator[Mapping[str, Any]]:
        # https://gerrit-review.googlesource.com/Documentation/rest-api-changes.html#list-changes
        query = f"project:{repo.name}"
        if since is not None:
            # the search operator's own format, with the zone (else the server's is used)
            query += f' after:"{since.strftime("%Y-%m-%d %H:%M:%S")} +0000"'
        skip = 0
        while True:
            params = urlencode([("q", query), *(("o", o) for o in CHANGE_OPTIONS),
                                ("n", self.page_size), ("S", skip)])
            page = self._get(f"/changes/?{params}") or []
            yield from page
            if not page or not page[-1].get("_more_changes"):
                return
            skip += len(page)

    def _pull_request(self, repo: HostRepository, item: Mapping[str, Any]) -> HostPullRequest:
        review = (item.get("labels") or {}).get("Code-Review") or {}
        top = max((int(v) for v in (review.get("values") or {"+2": ""})), default=2)
        votes: dict[str, bool] = {}
        for vote in review.get("all") or []:
            name = vote.get("name") or vote.get("username")
            if name and vote.get("_account_id") != (item.get("owner") or {}).get("_account_id"):
                votes[name] = int(vote.get("value") or 0) >= top
        number = str(item["_number"])
        owner = item.get("owner") or {}
        revision = (item.get("revisions") or {}).get(item.get("current_revision")) or {}
        message = (revision.get("commit") or {}).get("message")
        return HostPullRequest(
            number=number, title=item.get("subject") or "", description=message,
            state=self.pr_state(item.get("status"), draft=bool(item.get("work_in_progress"))),
            # a change has no source branch; its topic (push with %topic=<branch>) names
            # the work the way a branch would, and is where its issue key often is
            source_branch=item.get("topic"), target_branch=item.get("branch"),
            author=owner.get("name") or owner.get("username"),
            reviewers=tuple(Reviewer(n, ok) for n, ok in votes.items()),
            url=f"{self.web_root}/c/{repo.name}/+/{number}",
            updated_at=parse_time(item.get("updated")))

    # -- branches ---------------------------------------------------------------------

    def _create_branch(self, repo: HostRepository, name: str, source: str) -> HostBranch:
        # https://gerrit-review.googlesource.com/Documentation/rest-api-projects.html#create-branch
        path = f"/projects/{self._project(repo.name)}/branches/{quote(name, safe='')}"
        try:
            body = self._json(self.client.request("PUT", path, json={"revision": source}))
        except ApiError as exc:
            text = api_error_text(exc)
            if exc.status == 409 or "already exists" in text:
                raise errors.BranchExists(
                    f"A branch named '{name}' already exists in {repo.name}.", status=409
                ) from exc
            if exc.status in (400, 422) and "revision" in text:
                raise errors.SourceBranchUnknown(
                    f"The branch '{source}' does not exist in {repo.name}.", status=exc.status
                ) from exc
            if exc.status == 400:
                raise errors.InvalidBranchName(
                    f"Gerrit does not accept '{name}' as a branch name.", status=400) from exc
            raise
        return HostBranch(name=str(body.get("ref") or name).removeprefix("refs/heads/"),
                          sha=body.get("revision"),
                          url=f"{self.web_root}/admin/repos/{self._project(repo.name)},branches")

    def _create_pull_request(
        self, repo: HostRepository, source: str, target: str, title: str, description: str
    ) -> HostPullRequest:
        raise errors.UnsupportedOperation(PUSH_FOR_REVIEW.format(target=target))

    # -- the webhooks plugin ----------------------------------------------------------

    def _remotes(self, repo: HostRepository) -> str:
        return f"/config/server/webhooks~projects/{self._project(repo.name)}/remotes"

    def _list_hooks(self, repo: HostRepository) -> Iterator[tuple[str, str]]:
        # https://gerrit.googlesource.com/plugins/webhooks/+/refs/heads/master/src/main/resources/Documentation/rest-api-config.md
        try:
            remotes = self._get(f"{self._remotes(repo)}/") or {}
        except ApiNotFound as exc:
            raise errors.NoWriteAccess(
                "Gerrit's webhooks plugin is not installed (or not visible to this account)."
            ) from exc
        for name, remote in remotes.items():
            url = str((remote or {}).get("url") or "")
            yield name, url.split("?", 1)[0]  # ours carries the secret in its query

    def _create_hook(self, repo: HostRepository, url: str, secret: str) -> str:
        with_secret = f"{url}?{urlencode({'secret': secret})}"
        self.client.request("PUT", f"{self._remotes(repo)}/{REMOTE}", json={
            "url": with_secret, "events": list(EVENTS), "maxTries": 3,
            "sslVerify": urlsplit(url).scheme == "https"})
        return REMOTE

    def _delete_hook(self, repo: HostRepository, hook_id: str) -> None:
        self.client.request("DELETE", f"{self._remotes(repo)}/{quote(hook_id, safe='')}")


__all__ = ["GerritProvider", "PUSH_FOR_REVIEW"]
