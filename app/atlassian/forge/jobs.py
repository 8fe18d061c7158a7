"""Background work for Forge installations: thin functions taking ids."""

from __future__ import annotations

from app.atlassian import jira_for, waits
from app.atlassian.forge import adoption, installations
from app.extensions import db
from app.models import Platform, Tenant


@waits.jira_job("forge.learn_site")
def learn_site(tenant_id: int) -> str:
    """Learn the site's URL (lifecycle events do not name it) from Jira itself, with the
    installation's system token: issue links and pages need it."""
    tenant = db.session.get(Tenant, tenant_id)
    if tenant is None or tenant.platform != Platform.FORGE.value:
        return "gone"
    info = jira_for(tenant).server_info()
    installations.set_site(tenant, info.get("baseUrl"))
    db.session.commit()
    return tenant.base_url or "unknown"


def adopt_connect_data(tenant_id: int) -> str:
    """Match the installation with a Connect tenant of the same site once their cloud ids
    are known (a Connect tenant learns its own from the site)."""
    tenant = db.session.get(Tenant, tenant_id)
    if tenant is None or tenant.platform != Platform.FORGE.value:
        return "gone"
    adoption.learn_missing_cloud_ids()
    adopted = adoption.adopt_by_cloud(tenant)
    db.session.commit()
    return f"adopted tenant {adopted.id}" if adopted else "no Connect tenant on this site"
