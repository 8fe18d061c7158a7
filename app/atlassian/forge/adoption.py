"""Adopting a Connect tenant's data by the Forge installation on the same site.

Atlassian's "Connect on Forge" path keeps the app key, so the site that had Gitbridge as
a Connect app gets it as a Forge app (connect-and-anchors §3.9; GitLab did the same,
§2.4). Its integrations, repositories and index are kept: the Connect tenant row becomes
the Forge installation's (its id, and so every row it owns, stays), its shared secret is
dropped, and from then on only FITs authenticate it.

The two are matched by the site's cloud id. A Forge installation names it in every
token (signed); a Connect tenant does not, so it is asked of the site itself: every Jira
Cloud site answers ``GET <site>/_edge/tenant_info`` with ``{"cloudId": ...}``, without
authentication (support.atlassian.com/jira/kb/retrieve-my-atlassian-sites-cloud-id).
"""

from __future__ import annotations

from flask import current_app

from app import tenants
from app.extensions import db
from app.http import ApiError, HttpClient
from app.models import Integration, Platform, Tenant


class AdoptionRefused(Exception):
    pass


def learn_cloud_id(tenant: Tenant) -> str | None:
    """Ask a Connect tenant's site for its cloud id and remember it."""
    if tenant.cloud_id or not tenant.base_url:
        return tenant.cloud_id
    client = HttpClient(tenant.base_url)
    client.max_retries, client.timeout = 0, (3.0, 5.0)
    try:
        cloud_id = client.get_json("/_edge/tenant_info").get("cloudId")
    except (ApiError, ValueError, AttributeError):
        current_app.logger.info("forge.adopt.tenant_info_failed tenant=%s", tenant.id)
        return None
    if isinstance(cloud_id, str) and 0 < len(cloud_id) <= 64:
        tenant.cloud_id = cloud_id
    return tenant.cloud_id


def learn_missing_cloud_ids(limit: int = 50) -> int:
    """Learn the cloud id of Connect tenants that do not know it yet (a bounded batch)."""
    missing = db.session.execute(
        db.select(Tenant).filter_by(platform=Platform.CONNECT.value, cloud_id=None)
        .order_by(Tenant.id).limit(limit)
    ).scalars().all()
    learned = sum(1 for tenant in missing if learn_cloud_id(tenant))
    db.session.commit()
    return learned


def connect_tenant_for(cloud_id: str | None) -> Tenant | None:
    if not cloud_id:
        return None
    return db.session.execute(
        db.select(Tenant).filter_by(platform=Platform.CONNECT.value, cloud_id=cloud_id)
        .order_by(Tenant.id)
    ).scalars().first()


def adopt(connect: Tenant, forge: Tenant) -> Tenant:
    """Make ``connect``'s row the Forge installation's; ``forge`` (empty) goes away.

    Raises:
        AdoptionRefused: the rows are not a Connect tenant and a Forge installation of
            the same site, or the Forge installation already has its own integrations.
    """
    if connect.platform != Platform.CONNECT.value or forge.platform != Platform.FORGE.value:
        raise AdoptionRefused("adoption takes a Connect tenant and a Forge installation")
    if connect.cloud_id and forge.cloud_id and connect.cloud_id != forge.cloud_id:
        raise AdoptionRefused("the Connect tenant and the Forge installation are on "
                              "different sites (cloud ids differ)")
    owns = db.session.execute(
        db.select(Integration.id).filter_by(tenant_id=forge.id).limit(1)).first()
    if owns is not None:
        raise AdoptionRefused("the Forge installation already has integrations of its own; "
                              "disconnect them first or keep the two apart")
    fields = (forge.client_key, forge.cloud_id, forge.api_base_url, forge.system_token,
              forge.system_token_expires_at, forge.base_url)
    tenants.remove(forge)
    db.session.flush()  # frees the installation id for the adopted row
    (connect.client_key, connect.cloud_id, connect.api_base_url, connect.system_token,
     connect.system_token_expires_at, site) = fields
    connect.platform = Platform.FORGE.value
    connect.shared_secret = None
    connect.base_url = site or connect.base_url
    current_app.logger.info("forge.adopt tenant=%s", connect.id)
    return connect


def adopt_by_cloud(forge: Tenant) -> Tenant | None:
    """The adopted tenant if a Connect tenant of the same site is known, else None."""
    connect = connect_tenant_for(forge.cloud_id)
    if connect is None:
        return None
    try:
        return adopt(connect, forge)
    except AdoptionRefused as exc:
        current_app.logger.info("forge.adopt.skipped reason=%s", exc)
        return None
