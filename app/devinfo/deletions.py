"""Removing a disconnected repository's or integration's data from Jira, durably.

The deletion is recorded in the same transaction that removes the local rows (callers
add it before their commit), so a crash, a lost job or Jira being down only delays it.
It is sent once no push of those repositories is still running (a push that already
took its batch would otherwise land after the delete), and it is retried with back-off
until Jira accepts it; 404 means there is nothing left to delete.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import sqlalchemy as sa

from app.devinfo import jira_api
from app.devinfo.push import PROPERTY, ClientFor
from app.extensions import db
from app.http import ApiError, ApiNotFound, ApiRateLimited
from app.models import DevinfoDeletion, DevinfoState, Integration, Repository, Tenant, utcnow

#: After this many failed attempts (about a day of back-off) the deletion is given up.
MAX_ATTEMPTS = 30


def _pushed(repository_ids: list[int]) -> list[int]:
    """Those of the repositories that may have data in Jira."""
    if not repository_ids:
        return []
    return list(db.session.execute(
        sa.select(DevinfoState.repository_id).where(
            DevinfoState.repository_id.in_(repository_ids),
            sa.or_(DevinfoState.config_hash.is_not(None), DevinfoState.last_seq > 0))
    ).scalars())


def record_repository(repository: Repository) -> DevinfoDeletion | None:
    """Owe Jira the deletion of ``repository`` (call before deleting the row)."""
    if not _pushed([repository.id]):
        return None
    deletion = DevinfoDeletion(tenant_id=repository.tenant_id, scope="repository",
                               target=str(repository.id), repository_ids=[repository.id],
                               attempts=0)
    db.session.add(deletion)
    return deletion


def record_integration(integration: Integration) -> DevinfoDeletion | None:
    """Owe Jira the deletion of everything ``integration`` sent: one delete by the
    property every submission carries."""
    pushed = _pushed([r.id for r in integration.repositories])
    if not pushed:
        return None
    deletion = DevinfoDeletion(tenant_id=integration.tenant_id, scope="integration",
                               target=str(integration.id), repository_ids=pushed, attempts=0)
    db.session.add(deletion)
    return deletion


def run(deletion_id: int, client_for: ClientFor, busy: Callable[[list[int]], bool]) -> str:
    """Send one owed deletion: ``deleted``, ``busy`` (a push still runs), ``deferred`` or
    ``gone``."""
    deletion = db.session.get(DevinfoDeletion, deletion_id)
    if deletion is None:
        return "gone"
    if busy(list(deletion.repository_ids or [])):
        return "busy"
    tenant = db.session.get(Tenant, deletion.tenant_id)
    assert tenant is not None
    try:
        client = client_for(tenant)
        if deletion.scope == "integration":
            jira_api.delete_by_property(client, PROPERTY, deletion.target)
        else:
            jira_api.delete_repository(client, deletion.target)
    except ApiNotFound:
        pass  # nothing left there
    except ApiRateLimited as exc:
        return _defer(deletion, exc.retry_after or 60, exc.message)
    except Exception as exc:  # Jira down, refused, or no token yet (Forge)
        message = exc.message if isinstance(exc, ApiError) else str(exc)
        return _defer(deletion, min(60 * 2 ** deletion.attempts, 3600), message)
    db.session.delete(deletion)
    db.session.commit()
    return "deleted"


def _defer(deletion: DevinfoDeletion, seconds: float, error: str) -> str:
    deletion.attempts += 1
    deletion.last_error = error[:2000]
    deletion.next_attempt_at = (utcnow() + timedelta(seconds=seconds)
                                if deletion.attempts < MAX_ATTEMPTS else None)
    db.session.commit()
    return "deferred"
