"""Integration scans: which of the host's repositories are connected.

A scan lists the host's repositories, connects the ones the settings select ("all",
or a list of names), disconnects the ones that left the host or the selection (with
their mirror, index and the webhook the app created), creates webhooks for new ones
where the credentials allow (else records the manual steps), and queues their first
index. It runs when the integration is created, every 24 hours, and on demand.
"""

from __future__ import annotations

from datetime import timedelta

from flask import current_app

from app import hosts, jira_sync, providers
from app.extensions import db
from app.git_hosts.base import HostRepository, Provider
from app.git_hosts.errors import GitHostError, RateLimited
from app.jobs import request_index
from app.models import Integration, Repository, RepositoryStatus, utcnow
from app.queue import MANUAL, QueueUnavailable
from app.repository_duplicates import Connected

SCAN_EVERY = timedelta(hours=24)
MANUAL_WEBHOOK_STEPS = (
    "Gitbridge could not create the webhook with these credentials. Add it by hand: "
    "payload URL {url}, content type application/json, secret as shown on the "
    "integration, events: pushes and pull requests."
)


def webhook_url(integration: Integration) -> str:
    return f"{current_app.config['BASE_URL']}/webhooks/{integration.id}"


def _selected(integration: Integration, listed: list[HostRepository]) -> list[HostRepository]:
    wanted = integration.setting("repositories")
    if wanted == "all":
        return listed
    names = set(wanted or [])
    return [r for r in listed if r.name in names]


def _create_webhook(provider: Provider, integration: Integration, repository: Repository,
                    why: str = "") -> None:
    """Create (or replace) the repository's hook with the current secret; what the host
    refuses becomes the repository's ``webhook_not_created`` warning with the manual
    steps, and no ``hook_id``, so the page shows them and the next scan tries again."""
    url = webhook_url(integration)
    kept = [w for w in (repository.warnings or []) if w.get("code") != "webhook_not_created"]
    try:
        repository.hook_id = provider.create_webhook(
            providers.host_repository(repository), url, integration.webhook_secret)
    except RateLimited:
        raise
    except GitHostError as exc:
        host = hosts.get(integration.kind)
        steps = (host.hints.webhook_manual if host else None) or MANUAL_WEBHOOK_STEPS.format(
            url=url)
        repository.hook_id = None
        kept.append({"code": "webhook_not_created", "message": f"{why}{exc.message} {steps}",
                     "at": utcnow().isoformat()})
    repository.warnings = kept


def _install_webhook(provider: Provider, integration: Integration,
                     repository: Repository) -> None:
    if not repository.hook_id and integration.setting("indexing_triggers"):
        _create_webhook(provider, integration, repository)


def renews_webhooks(integration: Integration) -> bool:
    """Whether a regenerated secret must reach hooks the app created: the host signs
    with the secret (or carries it in the hook's URL) until the hook is given the new
    one, and the old one stops working after a day."""
    return bool(integration.mode == "full" and integration.setting("indexing_triggers")
                and any(r.hook_id for r in integration.repositories))


def renew_webhooks(integration: Integration) -> list[str]:
    """After the secret's regeneration: re-create each hook the app created with the new
    secret (creation replaces ours), so the host stops calling with the old one before it
    expires. A hook the host will not update says so on its repository, as a hook that
    could not be created does. Returns the repositories that failed."""
    if not renews_webhooks(integration):
        return []
    provider = providers.for_integration(integration)
    expires = integration.previous_secret_expires_at
    why = ("Gitbridge could not give this repository's webhook the new secret (the old "
           f"one stops working {expires.strftime('%Y-%m-%d %H:%M UTC') if expires else 'soon'}"
           "): ")
    failed = []
    for repository in integration.repositories:
        if repository.hook_id:
            _create_webhook(provider, integration, repository, why)
            if not repository.hook_id:
                failed.append(repository.name)
    db.session.commit()
    return failed


def remove_webhook(provider: Provider | None, repository: Repository) -> None:
    """Best effort: a hook we cannot delete (token revoked) must not block a disconnect."""
    if provider is None or not repository.hook_id:
        return
    try:
        provider.delete_webhook(providers.host_repository(repository), repository.hook_id)
    except GitHostError as exc:
        current_app.logger.warning("scan.webhook_delete_failed repository=%s code=%s",
                                   repository.id, exc.code)


def scan(integration: Integration) -> dict[str, list[str]]:
    """Bring the connected repositories in line with the host; returns what changed."""
    from app.integrations import remove_mirror

    provider = providers.for_integration(integration)
    listed = list(provider.list_repositories())
    selected = {r.name: r for r in _selected(integration, listed)}
    existing = {r.name: r for r in integration.repositories}
    added, removed, owed = [], [], []
    for name, repository in existing.items():
        if name not in selected:
            remove_webhook(provider, repository)
            remove_mirror(repository)
            owed.append(jira_sync.forget_repository(repository))
            db.session.delete(repository)
            removed.append(name)
    new_rows, elsewhere = [], []
    connected = Connected(integration.tenant_id, besides=integration.id)
    for name, host_repo in selected.items():
        row = existing.get(name)
        if row is None and (twin := connected.find([host_repo.clone_https, host_repo.web_url])):
            elsewhere.append(f"{name} (in \"{twin.integration.display_name}\")")
            continue
        if row is None:
            row = Repository(tenant_id=integration.tenant_id, integration_id=integration.id,
                             name=name, status=RepositoryStatus.QUEUED.value, warnings=[])
            db.session.add(row)
            new_rows.append(row)
            added.append(name)
        row.clone_url = host_repo.clone_https
        row.web_url = host_repo.web_url
        row.host_id = host_repo.host_id
        row.default_branch = row.default_branch or host_repo.default_branch
    db.session.flush()
    for row in [*existing.values(), *new_rows]:
        if row.name in selected:
            _install_webhook(provider, integration, row)
    now = utcnow()
    integration.last_scan_at = now
    integration.next_scan_at = now + SCAN_EVERY
    integration.status, integration.error = "active", None
    notes = list(provider.warnings)
    if elsewhere:
        notes.append(f"Not connected here because another integration already has them "
                     f"(their commits would show twice): {', '.join(sorted(elsewhere))}")
    if notes:
        integration.error = "; ".join(notes)[:2000]
    db.session.commit()
    jira_sync.queue_deletions(owed)
    for row in new_rows:
        try:
            request_index(row.id, MANUAL)
        except QueueUnavailable:
            pass  # stays queued; the scheduler's recovery queues it
    return {"added": added, "removed": removed}


def record_failure(integration: Integration, exc: GitHostError) -> None:
    integration.status = "error" if exc.permanent else integration.status
    integration.error = exc.message
    integration.next_scan_at = utcnow() + (SCAN_EVERY if exc.permanent else timedelta(hours=1))
    db.session.commit()
