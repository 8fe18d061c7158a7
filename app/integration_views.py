"""How integrations and their repositories look in the JSON API (secrets never shown)."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import quote

from flask import current_app

from app import credentials
from app.devinfo import status as devinfo_status
from app.indexing.credentials import host_key_fingerprints
from app.models import DEFAULT_SETTINGS, Integration, Repository, as_utc


def as_json(integration: Integration) -> dict[str, Any]:
    fields = credentials.load(integration.credentials)
    auth: dict[str, Any] = {"type": integration.auth_type}
    if "username" in fields:
        auth["username"] = fields["username"]
    base = current_app.config["BASE_URL"]
    return {
        "id": integration.id,
        "kind": integration.kind,
        "display_name": integration.display_name,
        "base_url": integration.base_url,
        "url": integration.url,
        "mode": integration.mode,
        "status": integration.status,
        "error": integration.error,
        "account": {"login": integration.account_login} if integration.account_login else None,
        "last_scan_at": _iso(integration.last_scan_at),
        "auth": auth,
        "host_keys": host_key_fingerprints(integration.known_hosts)
        if integration.known_hosts
        else [],
        "webhook": {
            "url": f"{base}/webhooks/{integration.id}",
            "secret": integration.webhook_secret,
            # For hosts that can neither sign nor send a header (Gerrit, SNS).
            "url_with_secret": f"{base}/webhooks/{integration.id}?secret="
            + quote(integration.webhook_secret, safe=""),
            "previous_secret_expires_at": _iso(integration.previous_secret_expires_at),
            "last_delivery_at": _iso(integration.webhook_seen_at),
        },
        "settings": {**DEFAULT_SETTINGS, **(integration.settings or {})},
        "repository_count": len(integration.repositories),
        "created_at": integration.created_at.isoformat() if integration.created_at else None,
    }


def _iso(value: datetime | None) -> str | None:
    return as_utc(value).isoformat() if value else None


def repository_json(repository: Repository) -> dict[str, Any]:
    counts = {"commits": 0, "branches": 0, "pull_requests": 0, "tags": 0}
    counts.update(repository.counts or {})
    return {
        "id": repository.id,
        "integration_id": repository.integration_id,
        "name": repository.name,
        "clone_url": repository.clone_url,
        "web_url": repository.web_url,
        "default_branch": repository.default_branch,
        "status": repository.status,
        "progress": {"done": repository.progress_done, "total": repository.progress_total},
        # The line-count pass after ``indexed``: until ``complete``, commits show their
        # files without line counts (and renames as a delete plus an add).
        "line_counts": {"done": repository.lines_done or 0, "total": repository.lines_total or 0,
                        "complete": repository.lines_due_at is None},
        "last_indexed_at": repository.last_indexed_at.isoformat()
        if repository.last_indexed_at
        else None,
        "counts": counts,
        "error": repository.error,
        "warnings": repository.warnings or [],
        "log": repository.index_log or [],
        "project_keys": repository.project_keys,
        "devinfo": devinfo_status.as_json(repository),
        "webhook": {
            "installed": bool(repository.hook_id),
            "manual_steps": next((w["message"] for w in repository.warnings or []
                                  if w.get("code") == "webhook_not_created"), None),
        },
    }
