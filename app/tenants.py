"""Tenant lifecycle: what installing, re-installing and uninstalling do to our data."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from app.extensions import db
from app.models import Platform, Tenant, TenantState, utcnow


class InstallRefused(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def site_allowed(url: str, allowed_hosts: list[str], allow_http: bool) -> bool:
    """Whether ``url`` is a Jira site we may talk to (and send its users' data to)."""
    parts = urlsplit(url)
    if parts.scheme != "https" and not (allow_http and parts.scheme == "http"):
        return False
    if parts.username or parts.password or not parts.hostname:
        return False
    host = parts.hostname.lower()
    return any(host == suffix or host.endswith("." + suffix) for suffix in allowed_hosts)


def validate_install_payload(body: Any, app_key: str) -> dict[str, str]:
    """The fields of an ``installed`` body we rely on, or ``InstallRefused`` (400)."""
    if not isinstance(body, dict):
        raise InstallRefused(400, "malformed_body", "the body must be a JSON object")
    fields = {}
    for name in ("clientKey", "sharedSecret", "baseUrl"):
        value = body.get(name)
        if not isinstance(value, str) or not value.strip():
            raise InstallRefused(400, "malformed_body", f"'{name}' is missing")
        fields[name] = value.strip()
    if body.get("key") not in (None, app_key):
        raise InstallRefused(400, "wrong_app", "the body is for another app key")
    if len(fields["clientKey"]) > 255 or len(fields["sharedSecret"]) > 512:
        raise InstallRefused(400, "malformed_body", "clientKey or sharedSecret is too long")
    for name in ("displayUrl", "productType", "description"):
        if isinstance(body.get(name), str):
            fields[name] = body[name][:255]
    return fields


def find(client_key: str) -> Tenant | None:
    """The Connect tenant with this clientKey (a Forge installation is never one)."""
    return db.session.execute(
        db.select(Tenant).filter_by(client_key=client_key, platform=Platform.CONNECT.value)
    ).scalar_one_or_none()


def install(fields: dict[str, str]) -> Tenant:
    """Create the tenant, or on re-install rotate its secret and follow a site rename."""
    tenant = find(fields["clientKey"]) or Tenant(client_key=fields["clientKey"])
    tenant.shared_secret = fields["sharedSecret"]
    tenant.base_url = fields["baseUrl"].rstrip("/")
    tenant.display_url = (fields.get("displayUrl") or "").rstrip("/") or None
    tenant.product_type = fields.get("productType")
    tenant.description = fields.get("description")
    tenant.installed_at = utcnow()
    if tenant.id is None:
        tenant.state = TenantState.INSTALLED
    db.session.add(tenant)
    return tenant


def uninstall(client_key: str) -> bool:
    """Remove the Connect tenant and, by cascade, everything it owns."""
    tenant = find(client_key)
    if tenant is None:
        return False
    remove(tenant)
    return True


def remove(tenant: Tenant) -> None:
    """Delete a tenant with its secrets and, by cascade, everything it owns."""
    db.session.delete(tenant)


def set_state(tenant: Tenant, state: TenantState) -> None:
    if tenant.state != state:
        tenant.state = state
        tenant.state_changed_at = utcnow()
