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
``base.py`` for the shared behaviour and each host module for what differs. Which class
serves which ``kind`` is the host registry's business (``app.hosts``).
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

__all__ = [
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


def supports(kind: str) -> bool:
    """True when the host kind has an API provider (others are clone-only or webhook-only)."""
    from app import hosts  # the registry imports the provider modules of this package

    return hosts.is_service(kind)


def provider_for(kind: str) -> type[Provider]:
    """The provider class for a host ``kind``; ``UnsupportedHost`` for any other kind."""
    from app import hosts

    host = hosts.get(kind)
    if host is None or host.provider is None:
        supported = sorted(h.kind for h in hosts.HOSTS if h.provider is not None)
        raise errors.UnsupportedHost(
            f"There is no API provider for {kind!r} hosts; supported: {', '.join(supported)}."
        )
    return host.provider
