"""Git host APIs: list repositories and pull requests, create branches, PRs and webhooks.

Usage::

    from app.git_hosts import provider_for

    provider = provider_for(integration.kind)(
        base_url=integration.base_url,        # web root; None for cloud hosts
        credentials=auth_without_type,        # {"token"} | {"username", "password"} | oauth
        auth_type=auth["type"],
        ssl_verify=settings["ssl_verify"],
        allow_private=config["ALLOW_PRIVATE_HOSTS"],
        custom_api_path=settings.get("custom_api_path"),
        jmespath_filter=settings.get("jmespath_filter"),
    )
    account = provider.check_credentials()
    for repo in provider.list_repositories(): ...

Every public method raises only ``app.git_hosts.errors.GitHostError`` subclasses; see
``base.py`` for the shared behaviour and each host module for what differs.
"""

from __future__ import annotations

from app.git_hosts import errors
from app.git_hosts.base import (
    Account,
    HostBranch,
    HostPullRequest,
    HostRepository,
    Provider,
    Reviewer,
)
from app.git_hosts.bitbucket_cloud import BitbucketCloudProvider
from app.git_hosts.bitbucket_server import BitbucketServerProvider
from app.git_hosts.github import GitHubEnterpriseProvider, GitHubProvider
from app.git_hosts.gitlab import GitLabProvider, GitLabSelfManagedProvider

__all__ = [
    "PROVIDERS",
    "Account",
    "HostBranch",
    "HostPullRequest",
    "HostRepository",
    "Provider",
    "Reviewer",
    "errors",
    "provider_for",
    "supports",
]

PROVIDERS: dict[str, type[Provider]] = {
    cls.kind: cls
    for cls in (
        GitHubProvider,
        GitHubEnterpriseProvider,
        GitLabProvider,
        GitLabSelfManagedProvider,
        BitbucketCloudProvider,
        BitbucketServerProvider,
    )
}


def supports(kind: str) -> bool:
    """True when the host kind has an API provider (others are clone-only or webhook-only)."""
    return kind in PROVIDERS


def provider_for(kind: str) -> type[Provider]:
    """The provider class for a host ``kind``; ``UnsupportedHost`` for any other kind."""
    try:
        return PROVIDERS[kind]
    except KeyError:
        raise errors.UnsupportedHost(
            f"There is no API provider for {kind!r} hosts; supported: "
            f"{', '.join(sorted(PROVIDERS))}."
        ) from None
