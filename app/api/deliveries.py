"""Webhook deliveries an admin can see and replay, and the webhook secret's rotation."""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Any

from flask import current_app

from app import integrations, scanning
from app.api import bp
from app.api.common import require_admin, tenant_get
from app.atlassian import api_auth_required
from app.extensions import db
from app.git_hosts.errors import GitHostError
from app.jobs.scan import queue_webhook_renewal
from app.jobs.webhooks import schedule_processing
from app.models import Delivery, DeliveryStatus, Integration, utcnow
from app.queue import QueueUnavailable

#: After a regeneration the old secret keeps working this long, so hosts can be
#: switched over one by one.
SECRET_OVERLAP = timedelta(hours=24)
RECENT = 100


@bp.get("/integrations/<int:integration_id>/deliveries")
@api_auth_required
def list_deliveries(integration_id: int) -> dict[str, Any]:
    require_admin()
    integration = tenant_get(Integration, integration_id)
    rows = db.session.execute(
        db.select(Delivery)
        .where(Delivery.integration_id == integration.id)
        .order_by(Delivery.id.desc())
        .limit(RECENT)
    ).scalars()
    return {"deliveries": [d.summary() for d in rows]}


@bp.post("/deliveries/<int:delivery_id>/replay")
@api_auth_required
def replay_delivery(delivery_id: int) -> tuple[dict[str, Any], int]:
    require_admin()
    delivery = tenant_get(Delivery, delivery_id)
    delivery.status = DeliveryStatus.QUEUED.value
    delivery.outcome = "replay requested"
    db.session.commit()
    try:
        schedule_processing(delivery.integration_id)
    except QueueUnavailable:
        current_app.logger.warning("api.replay.queue_unavailable delivery=%s", delivery.id)
    return delivery.summary(), 202


@bp.post("/integrations/<int:integration_id>/webhook/regenerate")
@api_auth_required
def regenerate_webhook_secret(integration_id: int) -> dict[str, Any]:
    require_admin()
    integration = tenant_get(Integration, integration_id)
    integration.previous_webhook_secret = integration.webhook_secret
    integration.previous_secret_expires_at = utcnow() + SECRET_OVERLAP
    integration.webhook_secret = secrets.token_urlsafe(32)
    db.session.commit()
    if scanning.renews_webhooks(integration):  # hooks the app created on the host
        try:
            queue_webhook_renewal(integration.id)
        except QueueUnavailable:
            current_app.logger.warning("api.regenerate.queue_unavailable integration=%s",
                                       integration.id)
            try:
                scanning.renew_webhooks(integration)
            except GitHostError as exc:
                db.session.rollback()
                current_app.logger.warning("api.regenerate.renewal_failed integration=%s "
                                           "code=%s", integration.id, exc.code)
    return integrations.as_json(integration)
