"""What the tests of received webhook deliveries start from and read back: a tenant's
GitHub integration in webhook mode to deliver to (the ``webhook_integration`` fixture),
and the deliveries the database holds, read afresh."""

from __future__ import annotations

from app.extensions import db
from app.models import Delivery, Integration, Tenant


def webhook_integration() -> Integration:
    """A tenant (``client-a``) and its GitHub integration receiving by webhook, committed."""
    tenant = Tenant(client_key="client-a", shared_secret="s" * 40, base_url="https://a")
    db.session.add(tenant)
    db.session.flush()
    row = Integration(tenant_id=tenant.id, kind="github", display_name="gh", settings={},
                      mode="webhook")
    db.session.add(row)
    db.session.commit()
    return row


def stored_deliveries() -> list[Delivery]:
    """Every stored delivery, as committed (not as this session last saw it)."""
    db.session.expire_all()
    return list(db.session.execute(db.select(Delivery)).scalars())
