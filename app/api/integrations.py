"""Integrations and their repositories (Jira administrators only)."""

from __future__ import annotations

from typing import Any

from flask import current_app, g

from app import integrations, jira_sync, providers, repository_duplicates
from app.api import bp
from app.api.common import json_body, require_admin, tenant_get
from app.atlassian import api_auth_required
from app.errors import Problem
from app.extensions import db
from app.jobs import request_index
from app.jobs.scan import queue_scan
from app.models import Integration, Repository, RepositoryStatus, utcnow
from app.queue import MANUAL, QueueUnavailable

#: Settings that change what belongs in Jira's Development panel.
JIRA_SETTINGS = ("devinfo", "enabled", "project_keys")


def queue_index(repository: Repository) -> str | None:
    """Queue an index; if Redis is down the repository stays ``queued`` and the
    scheduler's recovery picks it up, so nothing is lost. Returns the job id."""
    try:
        return request_index(repository.id, MANUAL)
    except QueueUnavailable as exc:
        current_app.logger.warning("api.queue_unavailable repository=%s", repository.id)
        repository.warnings = [
            *(repository.warnings or []),
            {"code": "queue_unavailable", "message": str(exc), "at": utcnow().isoformat()},
        ]
        db.session.commit()
        return None


@bp.post("/integrations")
@api_auth_required
def create_integration() -> tuple[dict[str, Any], int]:
    require_admin()
    integration = integrations.create(g.tenant, json_body())
    if providers.is_service(integration.kind) and integration.mode == "full":
        queue_scan_or_warn(integration)
    for repository in integration.repositories:
        queue_index(repository)
    return integrations.as_json(integration), 201


def queue_scan_or_warn(integration: Integration) -> None:
    """Queue a scan; without Redis the scheduler scans it (its next scan is due now)."""
    integration.next_scan_at = utcnow()
    db.session.commit()
    try:
        queue_scan(integration.id)
    except QueueUnavailable:
        current_app.logger.warning("api.queue_unavailable integration=%s", integration.id)


@bp.post("/integrations/preview")
@api_auth_required
def preview_integration() -> dict[str, Any]:
    """Check credentials and list the host's repositories, saving nothing (the wizard)."""
    require_admin()
    return integrations.preview(json_body())


@bp.post("/integrations/<int:integration_id>/scan")
@api_auth_required
def scan_integration(integration_id: int) -> tuple[dict[str, Any], int]:
    require_admin()
    integration = tenant_get(Integration, integration_id)
    if not providers.is_service(integration.kind) or integration.mode != "full":
        raise Problem(400, "not_scannable", "only git-service integrations list repositories")
    queue_scan_or_warn(integration)
    return {"integration_id": integration.id, "status": "queued"}, 202


@bp.get("/integrations")
@api_auth_required
def list_integrations() -> dict[str, Any]:
    require_admin()
    rows = db.session.execute(
        db.select(Integration).where(Integration.tenant_id == g.tenant.id).order_by(Integration.id)
    ).scalars()
    return {"integrations": [integrations.as_json(i) for i in rows]}


@bp.get("/integrations/<int:integration_id>")
@api_auth_required
def get_integration(integration_id: int) -> dict[str, Any]:
    require_admin()
    return integrations.as_json(tenant_get(Integration, integration_id))


@bp.patch("/integrations/<int:integration_id>")
@api_auth_required
def update_integration(integration_id: int) -> dict[str, Any]:
    require_admin()
    integration = tenant_get(Integration, integration_id)
    body = json_body()
    unknown = set(body) - {"display_name", "settings"}
    if unknown:
        raise Problem(400, "read_only", f"cannot change: {', '.join(sorted(unknown))}")
    if "display_name" in body:
        integration.display_name = integrations.check_display_name(body["display_name"])
    before = dict(integration.settings or {})
    integration.settings = integrations.validate_settings(
        body.get("settings"), integration.settings
    )
    db.session.commit()
    if rescan_needed(integration, before):
        # The selection changed: the scan connects what it now selects and disconnects
        # what it no longer does, now rather than at the daily scan.
        queue_scan_or_warn(integration)
    if any(before.get(k) != integration.settings.get(k) for k in JIRA_SETTINGS):
        jira_sync.settings_changed(integration)
    return integrations.as_json(integration)


#: Settings that change which of the host's repositories are connected.
SELECTION_SETTINGS = repository_duplicates.SELECTION


def rescan_needed(integration: Integration, before: dict[str, Any]) -> bool:
    if not providers.is_service(integration.kind) or integration.mode != "full":
        return False
    after = integration.settings or {}
    return any(before.get(name) != after.get(name) for name in SELECTION_SETTINGS)


@bp.delete("/integrations/<int:integration_id>")
@api_auth_required
def delete_integration(integration_id: int) -> tuple[str, int]:
    require_admin()
    integrations.remove(tenant_get(Integration, integration_id))
    return "", 204


@bp.get("/integrations/<int:integration_id>/repositories")
@api_auth_required
def list_repositories(integration_id: int) -> dict[str, Any]:
    require_admin()
    integration = tenant_get(Integration, integration_id)
    rows = sorted(integration.repositories, key=lambda r: r.name)
    return {"repositories": [integrations.repository_json(r) for r in rows]}


@bp.post("/integrations/<int:integration_id>/reindex")
@api_auth_required
def reindex_integration(integration_id: int) -> tuple[dict[str, Any], int]:
    require_admin()
    integration = tenant_get(Integration, integration_id)
    jobs = {}
    for repository in integration.repositories:
        if repository.status != RepositoryStatus.INDEXING.value:
            repository.status = RepositoryStatus.QUEUED.value
            repository.error = None
    db.session.commit()
    for repository in integration.repositories:
        jobs[repository.id] = queue_index(repository)
    scanned = providers.is_service(integration.kind) and integration.mode == "full"
    if scanned:  # and the host's list again, under the current selection
        queue_scan_or_warn(integration)
    return {"queued": [{"repository_id": k, "job_id": v} for k, v in jobs.items()],
            "scan_queued": scanned}, 202


@bp.get("/repositories/<int:repository_id>")
@api_auth_required
def get_repository(repository_id: int) -> dict[str, Any]:
    require_admin()
    return integrations.repository_json(tenant_get(Repository, repository_id))


@bp.post("/repositories/<int:repository_id>/reindex")
@api_auth_required
def reindex_repository(repository_id: int) -> tuple[dict[str, Any], int]:
    require_admin()
    repository = tenant_get(Repository, repository_id)
    if repository.status != RepositoryStatus.INDEXING.value:
        repository.status = RepositoryStatus.QUEUED.value
        repository.error = None
        db.session.commit()
    return {"repository_id": repository.id, "job_id": queue_index(repository)}, 202


@bp.delete("/repositories/<int:repository_id>")
@api_auth_required
def delete_repository(repository_id: int) -> tuple[str, int]:
    require_admin()
    repository = tenant_get(Repository, repository_id)
    integrations.remove_mirror(repository)
    owed = jira_sync.forget_repository(repository)
    db.session.delete(repository)
    db.session.commit()
    jira_sync.queue_deletions([owed])
    return "", 204


@bp.post("/repositories/<int:repository_id>/devinfo/resend")
@api_auth_required
def resend_devinfo(repository_id: int) -> tuple[dict[str, Any], int]:
    """Send the repository's development information to Jira again, all of it."""
    require_admin()
    repository = tenant_get(Repository, repository_id)
    if not repository.integration.setting("devinfo"):
        raise Problem(409, "devinfo_off", "Sending to Jira's Development panel is off for "
                      "this integration; switch it on in the integration's settings first.")
    jira_sync.resend(repository)
    return integrations.repository_json(repository), 202
