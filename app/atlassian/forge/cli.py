"""``gitbridge forge ...``: operator commands for Forge installations."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from app.extensions import db
from app.models import Platform, Tenant


@click.group("forge")
def forge() -> None:
    """Forge Remote installations and adopting Connect tenants' data."""


@forge.command("installations")
@with_appcontext
def installations() -> None:
    """List tenants with their platform, site and cloud id."""
    for tenant in db.session.execute(db.select(Tenant).order_by(Tenant.id)).scalars():
        click.echo(f"{tenant.id}\t{tenant.platform}\t{tenant.client_key}\t"
                   f"{tenant.cloud_id or '-'}\t{tenant.base_url or '-'}")


@forge.command("adopt")
@click.option("--connect", "client_key", required=True, help="The Connect tenant's clientKey.")
@click.option("--installation", "installation_id",
              help="The Forge installation id (ari:cloud:ecosystem::installation/...); "
                   "default: the installation on the Connect tenant's site (by cloud id).")
@with_appcontext
def adopt(client_key: str, installation_id: str | None) -> None:
    """Hand a Connect tenant's integrations and index to the Forge installation of the
    same site; the Connect tenant's shared secret is dropped."""
    from app import tenants
    from app.atlassian.forge import adoption, installations

    connect = tenants.find(client_key)
    if connect is None:
        raise click.ClickException(f"no Connect tenant with clientKey {client_key!r}")
    if installation_id:
        forge_tenant = installations.find(installation_id)
    else:
        cloud_id = adoption.learn_cloud_id(connect)
        if cloud_id is None:
            raise click.ClickException(
                "the Connect tenant's cloud id is unknown (its site did not answer "
                "/_edge/tenant_info); pass --installation")
        forge_tenant = db.session.execute(
            db.select(Tenant).filter_by(platform=Platform.FORGE.value, cloud_id=cloud_id)
        ).scalars().first()
    if forge_tenant is None:
        raise click.ClickException("no such Forge installation: install the Forge app on "
                                   "the site first (`forge install`)")
    try:
        adopted = adoption.adopt(connect, forge_tenant)
    except adoption.AdoptionRefused as exc:
        raise click.ClickException(str(exc)) from exc
    db.session.commit()
    click.echo(f"tenant {adopted.id} is now the Forge installation {adopted.client_key}")
