"""Creating, changing and removing integrations, and how they look in the API.

Creation checks the credentials against the host before anything is saved, so an
admin learns at once that a URL, a password or a host key is wrong, each with its
own message, instead of finding a failed background job later.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from flask import current_app, g

from app import credentials, host_checks, jira_sync, oauth, providers, repository_duplicates
from app.errors import Problem
from app.extensions import db
from app.git_hosts.base import Account, Provider
from app.git_hosts.errors import GitHostError
from app.git_hosts.listing import check_custom_path, compile_filter
from app.host_checks import probe
from app.hosts import BY_KIND
from app.integration_views import as_json, repository_json
from app.models import (
    Integration,
    IntegrationMode,
    OAuthGrant,
    Repository,
    RepositoryStatus,
    Tenant,
)

__all__ = ["as_json", "create", "preview", "remove", "repository_json", "validate_settings"]

#: Repositories shown by a preview (the wizard's picker).
PREVIEW_LIMIT = 5000

SETTING_TYPES: dict[str, tuple[type, ...]] = {
    "enabled": (bool,),
    "repositories": (str, list),
    "custom_api_path": (str, type(None)),
    "jmespath_filter": (str, type(None)),
    "ssl_verify": (bool,),
    "require_user_pat": (bool,),
    "project_keys": (list, type(None)),
    "indexing_triggers": (bool,),
    "smart_commits": (bool,),
    "collection": (str, type(None)),
    "devinfo": (bool,),
}


#: The longest display name (the column's size).
DISPLAY_NAME_MAX = 255


def check_display_name(value: Any) -> str:
    """A display name as given (trimmed), or a Problem saying what is wrong with it."""
    if not isinstance(value, str) or not value.strip():
        raise Problem(400, "invalid_display_name",
                      "display_name must not be blank: give the integration a name people "
                      "will recognise, or leave display_name out to use the default name")
    name = value.strip()
    if len(name) > DISPLAY_NAME_MAX:
        raise Problem(400, "invalid_display_name",
                      f"display_name is {len(name)} characters long; the limit is "
                      f"{DISPLAY_NAME_MAX}")
    return name


def display_name(body: dict[str, Any], default: str) -> str:
    """The body's display name, or ``default`` when it gives none (absent or null)."""
    value = body.get("display_name")
    return default if value is None else check_display_name(value)


def validate_settings(settings: Any, current: dict[str, Any] | None = None) -> dict[str, Any]:
    """Merge ``settings`` over ``current``; unknown names and wrong types are refused."""
    if settings is None:
        return dict(current or {})
    if not isinstance(settings, dict):
        raise Problem(400, "invalid_settings", "settings must be an object")
    for name, value in settings.items():
        if name not in SETTING_TYPES:
            raise Problem(400, "invalid_settings", f"unknown setting '{name}'")
        if not isinstance(value, SETTING_TYPES[name]):
            raise Problem(400, "invalid_settings", f"setting '{name}' has the wrong type")
    keys = settings.get("project_keys")
    if keys is not None and not all(isinstance(k, str) and k for k in keys):
        raise Problem(400, "invalid_settings", "project_keys must be a list of project keys")
    if keys is not None:
        settings = {**settings, "project_keys": sorted({k.upper() for k in keys})}
    repos = settings.get("repositories")
    if isinstance(repos, str) and repos != "all":
        raise Problem(400, "invalid_settings", 'repositories must be "all" or a list of names')
    try:  # refused now, with the reason, rather than by the next scan
        compile_filter(settings.get("jmespath_filter"))
        check_custom_path(settings.get("custom_api_path"))
    except GitHostError as exc:
        raise Problem(400, "invalid_settings", exc.message) from exc
    return {**(current or {}), **settings}


def repository_name(url: str) -> str:
    """A readable name from a clone URL: ``https://h/team/app.git`` -> ``team/app``."""
    path = urlsplit(url).path if "://" in url else url.partition(":")[2]
    path = path.strip("/")
    if path.endswith(".git"):
        path = path[:-4]
    parts = [p for p in path.split("/") if p]
    return "/".join(parts[-2:]) if parts else url


def web_url(clone_url: str) -> str | None:
    """The browsable page of well-known hosts (commit links are ``<web>/commit/<sha>``)."""
    if "://" in clone_url:
        parts = urlsplit(clone_url)
        host, path = (parts.hostname or "").lower(), parts.path
    else:  # scp-like git@host:path
        host, _, path = clone_url.partition("@")[2].partition(":")
        host = host.lower()
    if host not in {"github.com", "gitlab.com", "bitbucket.org"}:
        return None
    path = path.strip("/")
    return f"https://{host}/{path[:-4] if path.endswith('.git') else path}"


def create(tenant: Tenant, body: dict[str, Any]) -> Integration:
    """Create an integration from an API body (checked, saved, not yet queued)."""
    kind = body.get("kind")
    if kind not in BY_KIND:
        raise Problem(400, "unknown_kind", f"kind must be one of: {', '.join(BY_KIND)}")
    mode = body.get("mode") or IntegrationMode.FULL.value
    if mode not in {m.value for m in IntegrationMode}:
        raise Problem(400, "invalid_mode", 'mode must be "full" or "webhook"')
    if mode == IntegrationMode.WEBHOOK.value:
        return create_webhook_mode(tenant, kind, body)
    if providers.is_service(kind):
        return create_service(tenant, kind, body)
    if kind != "git":
        raise Problem(
            400,
            "unsupported_kind",
            f"connecting {BY_KIND[kind].name} through its API is not available in this "
            "version; use webhook indexing (\"mode\": \"webhook\") or connect its "
            "repositories one by one with kind \"git\"",
        )
    url = body.get("url")
    if not isinstance(url, str) or not url.strip():
        raise Problem(400, "invalid_url", "url (the repository's clone URL) is required")
    url = url.strip()
    try:
        auth_type, fields = credentials.parse_auth(body.get("auth"))
    except credentials.AuthInvalid as exc:
        raise Problem(400, "invalid_auth", str(exc)) from exc
    if auth_type not in BY_KIND["git"].auth_types:
        raise Problem(400, "invalid_auth", f"auth type '{auth_type}' does not apply to git")
    settings = validate_settings(body.get("settings"))
    name = display_name(body, repository_name(url))
    repository_duplicates.refuse_connected_url(tenant, url)
    report = probe(url, auth_type, fields, settings.get("ssl_verify", True))
    integration = Integration(
        tenant_id=tenant.id,
        kind=kind,
        display_name=name,
        url=url,
        auth_type=auth_type,
        credentials=credentials.dump(fields),
        known_hosts=report.get("known_hosts"),
        settings=settings,
    )
    db.session.add(integration)
    db.session.flush()
    db.session.add(
        Repository(
            tenant_id=tenant.id,
            integration_id=integration.id,
            name=repository_name(url),
            clone_url=url,
            web_url=web_url(url),
            default_branch=report.get("default_branch"),
            status=RepositoryStatus.QUEUED.value,
        )
    )
    db.session.commit()
    return integration


@dataclass
class ServiceCheck:
    provider: Provider
    account: Account
    auth_type: str
    fields: dict[str, str]
    settings: dict[str, Any]
    base_url: str | None
    #: The OAuth grant the credentials came from (consumed when the integration is saved).
    grant: OAuthGrant | None = None


def _service_provider(kind: str, body: dict[str, Any]) -> ServiceCheck:
    """Check a git-service body and its credentials with the host (nothing saved)."""
    base_url = body.get("base_url")
    if BY_KIND[kind].base_url_optional and isinstance(base_url, str) and base_url.strip():
        base_url = base_url.strip().rstrip("/")
    elif kind in providers.SELF_MANAGED:
        if not isinstance(base_url, str) or not base_url.startswith(("https://", "http://")):
            raise Problem(400, "invalid_base_url",
                          f"base_url (the web root of your {BY_KIND[kind].name}) is required")
        base_url = base_url.rstrip("/")
    else:
        base_url = None
    try:
        auth_type, fields = credentials.parse_auth(body.get("auth"))
    except credentials.AuthInvalid as exc:
        raise Problem(400, "invalid_auth", str(exc)) from exc
    settings = validate_settings(body.get("settings"))
    grant, on_refresh = None, None
    if auth_type == "oauth" and "grant" in fields:
        grant = oauth.find_grant(g.get("tenant"), kind, base_url, fields["grant"])
        fields, on_refresh = oauth.grant_fields(grant), oauth.store_refreshed(grant.id)
    try:
        provider = providers.build(kind, base_url=base_url, auth_type=auth_type, fields=fields,
                                   settings=settings, on_refresh=on_refresh,
                                   timeout=host_checks.timeout())
        account = provider.check_credentials()
    except GitHostError as exc:
        raise providers.problem(exc) from exc
    if auth_type == "oauth":  # tokens the check may have refreshed
        fields = dict(provider.credentials)
    return ServiceCheck(provider, account, auth_type, fields, settings, base_url, grant)


def preview(body: dict[str, Any]) -> dict[str, Any]:
    """What connecting would see: the account and the repositories (nothing saved)."""
    kind = body.get("kind")
    if not isinstance(kind, str) or not providers.is_service(kind):
        raise Problem(400, "unknown_kind", "preview works for git services (GitHub, GitLab, "
                                           "Bitbucket)")
    check = _service_provider(kind, body)
    try:
        repositories = [{"name": r.name, "web_url": r.web_url,
                         "default_branch": r.default_branch}
                        for _, r in zip(range(PREVIEW_LIMIT), check.provider.list_repositories(),
                                        strict=False)]
    except GitHostError as exc:
        raise providers.problem(exc) from exc
    return {"account": {"login": check.account.login, "name": check.account.name},
            "repositories": repositories, "warnings": check.provider.warnings}


def create_service(tenant: Tenant, kind: str, body: dict[str, Any]) -> Integration:
    """A git-service integration: credentials checked, saved; the scan connects its
    repositories."""
    name = display_name(body, BY_KIND[kind].name)  # before the host is asked anything
    check = _service_provider(kind, body)
    repository_duplicates.refuse_same_account(tenant, kind, check.base_url,
                                              check.account.login, check.settings)
    integration = Integration(
        tenant_id=tenant.id, kind=kind, display_name=name, base_url=check.base_url,
        auth_type=check.auth_type, credentials=credentials.dump(check.fields),
        settings=check.settings, account_login=check.account.login,
    )
    db.session.add(integration)
    if check.grant is not None:
        db.session.delete(check.grant)
    db.session.commit()
    return integration


def create_webhook_mode(tenant: Tenant, kind: str, body: dict[str, Any]) -> Integration:
    """A webhook-indexing integration: nothing to reach or check; repositories appear
    with their first delivery."""
    if not BY_KIND[kind].webhook_mode:
        raise Problem(
            400,
            "unsupported_mode",
            f"{BY_KIND[kind].name} cannot send the webhooks this mode is built from",
        )
    name = display_name(body, f"{BY_KIND[kind].name} (webhooks)")
    integration = Integration(
        tenant_id=tenant.id,
        kind=kind,
        display_name=name,
        mode=IntegrationMode.WEBHOOK.value,
        auth_type="none",
        settings=validate_settings(body.get("settings")),
    )
    db.session.add(integration)
    db.session.commit()
    return integration


def remove(integration: Integration) -> None:
    """Disconnect: its repositories' mirrors and index go with it, and the webhooks the
    app created on the host."""
    from app.scanning import remove_webhook, webhook_url

    provider = None
    if providers.is_service(integration.kind) and integration.mode == "full":
        try:
            provider = providers.for_integration(integration)
        except GitHostError:
            provider = None
    for repository in integration.repositories:
        remove_webhook(provider, repository)
        remove_mirror(repository)
    if provider is not None and integration.setting("indexing_triggers"):
        try:  # what the hooks hung off, once per integration (CodeCommit's SNS topic)
            provider.remove_webhooks(webhook_url(integration))
        except GitHostError as exc:
            current_app.logger.warning("integrations.webhooks_not_removed integration=%s "
                                       "code=%s", integration.id, exc.code)
    owed = jira_sync.forget_integration(integration)
    db.session.delete(integration)
    db.session.commit()
    jira_sync.queue_deletions([owed])


def remove_mirror(repository: Repository) -> None:
    path = Path(current_app.config["DATA_DIR"]) / str(repository.tenant_id) / f"{repository.id}.git"
    shutil.rmtree(path, ignore_errors=True)
