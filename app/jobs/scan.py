"""The integration scan job: thin, takes an id; the work is in ``app.scanning``."""

from __future__ import annotations

from flask import current_app

from app import scanning
from app.extensions import db
from app.git_hosts.errors import GitHostError, RateLimited
from app.models import Integration
from app.queue import MANUAL, SCHEDULED, enqueue, get_queue


def queue_scan(integration_id: int) -> None:
    enqueue(MANUAL, scan_integration, integration_id, job_timeout=3600,
            description=f"scan integration {integration_id}")


def queue_webhook_renewal(integration_id: int) -> None:
    enqueue(MANUAL, renew_webhooks, integration_id, job_timeout=3600,
            description=f"renew the webhooks of integration {integration_id}")


def renew_webhooks(integration_id: int) -> str:
    """The hooks' new secret (``app.scanning.renew_webhooks``): in the background, since
    the host's mutations are paced a second apart."""
    integration = db.session.get(Integration, integration_id)
    try:
        if integration is None:
            return "skipped"
        failed = scanning.renew_webhooks(integration)
        return f"failed on {', '.join(failed)}" if failed else "renewed"
    except RateLimited as exc:
        get_queue(SCHEDULED).enqueue_at(exc.reset_at, renew_webhooks, integration_id)
        return "rate limited"
    except GitHostError as exc:  # not even a provider: the integration says why
        db.session.rollback()
        integration = db.session.get(Integration, integration_id)
        if integration is not None:
            integration.error = f"The webhooks kept the old secret: {exc.message}"[:2000]
            db.session.commit()
        return f"failed: {exc.code}"
    finally:
        db.session.remove()


def scan_integration(integration_id: int) -> str:
    integration = db.session.get(Integration, integration_id)
    try:
        if integration is None or not integration.setting("enabled"):
            return "skipped"
        result = scanning.scan(integration)
        return f"added {len(result['added'])}, removed {len(result['removed'])}"
    except RateLimited as exc:
        # Not a failure: try again when the host's window resets, without using a retry.
        get_queue(SCHEDULED).enqueue_at(exc.reset_at, scan_integration, integration_id)
        current_app.logger.info("scan.rate_limited integration=%s until=%s",
                                integration_id, exc.reset_at.isoformat())
        return "rate limited"
    except GitHostError as exc:
        db.session.rollback()
        integration = db.session.get(Integration, integration_id)
        if integration is not None:
            scanning.record_failure(integration, exc)
        return f"failed: {exc.code}"
    finally:
        db.session.remove()
