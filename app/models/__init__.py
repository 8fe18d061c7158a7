"""Data model. Everything a tenant owns hangs off ``Tenant`` with ON DELETE CASCADE,
so uninstalling removes it all in one statement."""

from app.models.base import TimestampMixin, utcnow
from app.models.replay import UsedToken
from app.models.tenant import Tenant, TenantState

__all__ = ["Tenant", "TenantState", "TimestampMixin", "UsedToken", "utcnow"]
