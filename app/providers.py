"""The bridge between stored integrations and ``app.git_hosts`` providers."""

from __future__ import annotations

import json
from typing import Any

from flask import current_app

from app import credentials, hosts
from app.errors import Problem
from app.extensions import db
from app.git_hosts import provider_for
from app.git_hosts.base import HostRepository, Provider
from app.git_hosts.errors import GitHostError
from app.models import Integration, Repository

#: Kinds whose base_url is the host's own web root (self-managed servers with an API).
SELF_MANAGED = frozenset(h.kind for h in hosts.HOSTS if h.self_managed and h.api)

is_service = hosts.is_service


def build(kind: str, *, base_url: str | None, auth_type: str, fields: dict[str, str],
          settings: dict[str, Any], on_refresh: Any = None,
          timeout: float | None = None) -> Provider:
    """A provider for these credentials and settings (nothing is called yet); ``timeout``
    bounds each call for checks a person waits on (``app.host_checks``)."""
    cls = provider_for(kind)
    return cls(
        base_url=base_url,
        credentials=fields,
        auth_type=auth_type,
        ssl_verify=bool(settings.get("ssl_verify", True)),
        allow_private=current_app.config["ALLOW_PRIVATE_HOSTS"],
        custom_api_path=settings.get("custom_api_path"),
        jmespath_filter=settings.get("jmespath_filter"),
        oauth_client=(current_app.config.get("OAUTH_CLIENTS") or {}).get(kind)
        if auth_type == "oauth" else None,
        on_refresh=on_refresh,
        settings=settings,
        timeout=timeout,
    )


def for_integration(integration: Integration, timeout: float | None = None) -> Provider:
    integration_id = integration.id

    def store_refreshed(new_fields: dict[str, Any]) -> None:
        """OAuth tokens refreshed by the provider are kept for next time."""
        row = db.session.get(Integration, integration_id)
        if row is not None:
            row.credentials = json.dumps({k: str(v) for k, v in new_fields.items()
                                          if v is not None and k != "type"})
            db.session.commit()

    return build(
        integration.kind,
        base_url=integration.base_url,
        auth_type=integration.auth_type,
        fields=credentials.load(integration.credentials),
        settings={**(integration.settings or {})},
        on_refresh=store_refreshed,
        timeout=timeout,
    )


def host_repository(repository: Repository) -> HostRepository:
    return HostRepository(
        name=repository.name,
        clone_https=repository.clone_url or "",
        clone_ssh=None,
        web_url=repository.web_url or "",
        default_branch=repository.default_branch,
        host_id=repository.host_id or repository.name,
    )


def problem(exc: GitHostError) -> Problem:
    """The API answer for a host error: its status, code and admin-readable message."""
    return Problem(getattr(exc, "http_status", 502), getattr(exc, "code", "host_error"),
                   exc.message)
