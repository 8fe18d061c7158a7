"""Where a branch or a pull request can be created from an issue, and why not.

The issue's Git panel offers *Create branch* and *Create pull request* only where some
repository of the issue's project allows them, and says why where none does (no
repository connected, only clone-URL or webhook repositories, a host without pull
requests such as Gerrit). It learns this with the development data it loads anyway
(``offer``: one small query, no host is asked), so it never opens a form that then
spends seconds finding nothing to offer. The forms and the create calls ask the same
``capability``.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from app import hosts, providers
from app.extensions import db
from app.models import Integration, Repository, UserToken

NO_REPOSITORY = (
    "No repository is connected to this project yet. A Jira administrator connects them "
    "under Apps → Manage repositories."
)
NO_HOST_ACCOUNT = (
    "Branches and pull requests are created through a host account (GitHub, GitLab, "
    "Bitbucket…); this project's repositories are connected by clone URL or by webhooks."
)
NO_PULL_REQUESTS = "The hosts of this project's repositories have no pull requests to create."


def user_token(integration: Integration, account_id: str | None
               ) -> str | dict[str, str] | None:
    """The acting user's own credential for the integration (a PAT, or its form's fields)."""
    row = db.session.execute(sa.select(UserToken).where(
        UserToken.integration_id == integration.id, UserToken.account_id == account_id)
    ).scalar_one_or_none()
    return row.fields(hosts.BY_KIND[integration.kind].user_credentials) if row else None


def capability(repository: Repository, has_user_token: bool) -> tuple[bool, str | None]:
    integration = repository.integration
    if integration.mode != "full" or not providers.is_service(integration.kind):
        return False, "Branches and pull requests can be created in git-service integrations."
    if integration.setting("require_user_pat") and not has_user_token:
        return False, "Add your personal access token for this integration in User settings."
    return True, None


def offer(repository_ids: list[int]) -> dict[str, dict[str, Any]]:
    """``{"branch": {"available", "reason"}, "pull_request": {...}}`` for the issue's
    repositories. A repository that needs the user's own token first counts as
    available: the form says how to add it."""
    kinds = db.session.execute(
        sa.select(Integration.kind, Integration.mode).join(Repository)
        .where(Repository.id.in_(repository_ids)).distinct()).all() if repository_ids else []
    usable = [hosts.BY_KIND[kind] for kind, mode in kinds
              if mode == "full" and providers.is_service(kind)]
    branch: str | None = None
    pull: str | None = None
    if not kinds:
        branch = pull = NO_REPOSITORY
    elif not usable:
        branch = pull = NO_HOST_ACCOUNT
    elif not any(h.creates_pull_requests for h in usable):
        pull = next((h.hints.pull_request_howto for h in usable if h.hints.pull_request_howto),
                    NO_PULL_REQUESTS)
    return {"branch": {"available": branch is None, "reason": branch},
            "pull_request": {"available": pull is None, "reason": pull}}
