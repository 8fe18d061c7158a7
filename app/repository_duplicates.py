"""One repository is connected once per tenant.

Connected twice (the same clone URL added again, a second integration of the same host
account, or two accounts that see the same repositories), every commit, branch and tag
would be indexed and shown twice. So connecting a repository the tenant already has is
refused with 409, naming the integration and repository that have it and how to go on;
a scan skips such repositories and says so on the integration. Repositories are the
same when their URLs are (``app.repository_urls.url_key``: https, ssh, web URL alike).

Two integrations may still legitimately see one history (a fork, a mirror on another
host, a webhook-mode integration next to an API one): the read side shows each commit
once per issue whatever the repositories (``app.store.development``).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa

from app.atlassian import page_url
from app.errors import Problem
from app.extensions import db
from app.models import DEFAULT_SETTINGS, Integration, Repository, Tenant
from app.repository_urls import url_key

#: The settings that choose which of an account's repositories are connected.
SELECTION = ("repositories", "jmespath_filter", "custom_api_path", "collection")


class Connected:
    """The tenant's connected repositories by URL key (read once, asked many times)."""

    def __init__(self, tenant_id: int, *, besides: int | None = None) -> None:
        """``besides``: an integration whose own repositories do not count (a scan's)."""
        query = sa.select(Repository).where(Repository.tenant_id == tenant_id)
        if besides is not None:
            query = query.where(Repository.integration_id != besides)
        self.by_key: dict[str, Repository] = {}
        for repository in db.session.execute(query.order_by(Repository.id)).scalars():
            for url in (repository.clone_url, repository.web_url):
                key = url_key(url or "")
                if key:
                    self.by_key.setdefault(key, repository)

    def find(self, urls: Iterable[str | None]) -> Repository | None:
        for url in urls:
            key = url_key(url or "")
            if key and key in self.by_key:
                return self.by_key[key]
        return None


def _refusal(tenant: Tenant, integration: Integration, message: str,
             repository: Repository | None = None) -> Problem:
    extra: dict[str, Any] = {"integration_id": integration.id,
                             "integration_name": integration.display_name,
                             "link": page_url(tenant, "manage-repositories")}
    if repository is not None:
        extra.update(repository_id=repository.id, repository_name=repository.name)
    return Problem(409, "already_connected", message, extra=extra)


def refuse_connected_url(tenant: Tenant, url: str) -> None:
    """A repository by clone URL (kind ``git``): refused if the tenant has it already."""
    repository = Connected(tenant.id).find([url])
    if repository is None:
        return
    integration = repository.integration
    raise _refusal(tenant, integration, (
        f"This repository is already connected as {repository.name} in the integration "
        f"\"{integration.display_name}\" (id {integration.id}), so its commits would show "
        "twice. Use that integration (its settings choose the Jira projects it shows in), "
        "or disconnect it under Manage repositories first to connect the repository this "
        "way instead."), repository)


def refuse_same_account(tenant: Tenant, kind: str, base_url: str | None, login: str | None,
                        settings: dict[str, Any]) -> None:
    """A host account connected again: refused when the new integration would connect
    repositories an integration of the same host already has: all of them (the same
    account with the same selection: every repository, the same filter, path and
    collection), or the ones a list names."""
    chosen = {**DEFAULT_SETTINGS, **settings}
    wanted = chosen["repositories"]
    selection = {name: chosen.get(name) for name in SELECTION}
    others = db.session.execute(
        sa.select(Integration).where(Integration.tenant_id == tenant.id,
                                     Integration.kind == kind, Integration.mode == "full")
        .order_by(Integration.id)).scalars()
    for other in others:
        if (other.base_url or "").rstrip("/").lower() != (base_url or "").rstrip("/").lower():
            continue
        if wanted == "all":
            if login is not None and other.account_login == login and selection == {
                    name: other.setting(name) for name in SELECTION}:
                raise _refusal(tenant, other, (
                    f"This {kind} account ({login}) is already connected as the integration "
                    f"\"{other.display_name}\" (id {other.id}), with all its repositories, "
                    "so every commit would show twice. Change that integration's settings "
                    "instead, or choose repositories it does not connect."))
            continue
        names = set(wanted)
        clash = next((r for r in sorted(other.repositories, key=lambda r: r.name)
                      if r.name in names), None)
        if clash is not None:
            raise _refusal(tenant, other, (
                f"The repository {clash.name} is already connected in the integration "
                f"\"{other.display_name}\" (id {other.id}), so its commits would show twice. "
                "Leave it out of this integration's repositories, or disconnect it there "
                "first."), clash)
