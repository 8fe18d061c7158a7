"""``/forge/*``: what Forge itself calls, lifecycle events and the scheduled trigger.

Both carry a FIT like every Forge request; background invocations have no user, so a FIT
with a ``principal`` (a UI invocation's) is refused here, as is one minted for another of
the app's modules: a token a user's page obtained cannot uninstall anything. Forge gives
these calls 5 s and retries them (developer.atlassian.com/platform/forge/
forge-remote-invocation-contract): they only touch the database and queue the rest, and
doing one twice changes nothing more.
"""

from __future__ import annotations

import re
from typing import Any

from flask import Blueprint, current_app, request

from app import tenants
from app.atlassian.forge import adoption, installations, jobs
from app.atlassian.forge.fit import Invocation
from app.atlassian.forge.platform import ForgePlatform
from app.errors import Problem
from app.extensions import db
from app.models import Tenant
from app.queue import MANUAL, QueueUnavailable, enqueue

bp = Blueprint("forge", __name__, url_prefix="/forge")

#: The manifest's module keys (forge/manifest.yml) for the two background invocations.
LIFECYCLE_MODULE, SCHEDULE_MODULE = "gitbridge-lifecycle", "gitbridge-schedule"
INSTALLED, UPGRADED, UNINSTALLED = (
    "avi:forge:installed:app", "avi:forge:upgraded:app", "avi:forge:uninstalled:app")
SITE_ARI = re.compile(r"^ari:cloud:jira::site/(?P<cloud>[A-Za-z0-9-]{1,64})$")


@bp.errorhandler(Problem)
def problem_response(problem: Problem) -> tuple[dict[str, Any], int]:
    return problem.to_json(), problem.status


def _platform() -> ForgePlatform:
    platform: ForgePlatform = current_app.extensions["atlassian_platforms"]["forge"]
    return platform


def _background_invocation(module: str) -> Invocation:
    invocation = _platform().verify()
    if invocation.principal is not None:
        raise Problem(401, "not_background", "a user's invocation token cannot be used here")
    if invocation.module_key not in (None, module):
        raise Problem(401, "wrong_module", "the invocation token is for another module")
    return invocation


def _queue(function: Any, tenant_id: int) -> None:
    """Queue follow-up work; if Redis is down the scheduled trigger queues it again."""
    try:
        enqueue(MANUAL, function, tenant_id, description=f"{function.__name__} {tenant_id}")
    except QueueUnavailable:
        current_app.logger.warning("forge.queue_unavailable job=%s", function.__name__)


@bp.post("/events")
def events() -> Any:
    """Forge's lifecycle events: installed (create or keep the tenant), upgraded,
    uninstalled (remove its secrets and data)."""
    invocation = _background_invocation(LIFECYCLE_MODULE)
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or body.get("eventType") not in (INSTALLED, UPGRADED,
                                                                    UNINSTALLED):
        raise Problem(400, "malformed_event", "expected a Forge app lifecycle event body")
    site = SITE_ARI.match(str(body.get("context", "")))
    if body.get("id") not in (None, invocation.installation_id) or (
        site and site.group("cloud") != invocation.cloud_id
    ):
        raise Problem(400, "event_mismatch", "the event body names another installation or site")
    if body["eventType"] == UNINSTALLED:
        tenant = installations.find(invocation.installation_id)
        if tenant is not None:
            tenants.remove(tenant)
            db.session.commit()
        current_app.logger.info("forge.lifecycle.uninstalled removed=%s", tenant is not None)
        return {"status": "uninstalled"}
    tenant, created = installations.install(invocation)
    db.session.flush()
    adopted = adoption.adopt_by_cloud(tenant) if created else None
    tenant = adopted or tenant
    _platform().take_tokens(tenant, invocation)  # commits
    if not tenant.base_url:
        _queue(jobs.learn_site, tenant.id)
    if created and adopted is None:
        _queue(jobs.adopt_connect_data, tenant.id)
    kind = body["eventType"].split(":")[2]
    current_app.logger.info("forge.lifecycle.%s tenant=%s created=%s adopted=%s",
                            kind, tenant.id, created, bool(adopted))
    return {"status": kind, "adopted": adopted is not None}


@bp.post("/scheduled")
def scheduled() -> Any:
    """The scheduled trigger: keep the installation's system token fresh and resume work
    that waited for one."""
    invocation = _background_invocation(SCHEDULE_MODULE)
    tenant: Tenant | None = installations.find(invocation.installation_id)
    if tenant is None:
        raise Problem(404, "unknown_installation", "no such installation (not installed yet)")
    resumed = _platform().take_tokens(tenant, invocation)
    if not tenant.base_url:
        _queue(jobs.learn_site, tenant.id)
    return {"status": "ok", "resumed": resumed}
