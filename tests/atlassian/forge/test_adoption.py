"""A Connect tenant's data adopted by the Forge installation on the same site."""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from app.extensions import db
from app.models import Integration, Tenant
from tests.atlassian.forge.test_lifecycle import add_integration, post_event, tenant_of
from tests.support.connect import ConnectActions
from tests.support.forge import FakeForge
from tests.support.indexing import drain


def connect_tenant(connect: ConnectActions, cloud_id: str | None = None) -> tuple[Tenant, str]:
    key, secret = connect.installed("client-a", "site-a")
    tenant = db.session.execute(db.select(Tenant).filter_by(client_key=key)).scalar_one()
    add_integration(tenant)
    if cloud_id:
        tenant.cloud_id = cloud_id
        db.session.commit()
    return tenant, secret


def assert_adopted(client: FlaskClient, forge: FakeForge, connect: ConnectActions,
                   connect_id: int, secret: str, inst: Any) -> None:
    tenant = tenant_of(inst)
    assert (tenant.id, tenant.platform, tenant.shared_secret) == (connect_id, "forge", None)
    assert db.session.execute(db.select(Integration).filter_by(tenant_id=connect_id)).first()
    assert not db.session.execute(db.select(Tenant).filter_by(
        cloud_id=tenant.cloud_id).where(Tenant.id != connect_id)).first()
    # the old Connect credentials no longer work; the Forge ones see the same data
    assert connect.api("GET", "/api/v1/hosts", "client-a", secret).status_code == 401
    forge.fake.site("site-a").admins.add("admin-1")
    listed = client.get("/api/v1/integrations", headers=forge.ui_headers(inst, "admin-1"))
    assert [i["display_name"] for i in listed.get_json()["integrations"]] == ["app"]


def test_install_adopts_a_connect_tenant_of_the_same_cloud(
    client: FlaskClient, forge: FakeForge, connect: ConnectActions
) -> None:
    inst = forge.installation("site-a")
    old, secret = connect_tenant(connect, inst.cloud_id)
    response = post_event(client, forge, inst, "installed", forge.issue(inst))
    assert response.get_json()["adopted"] is True
    assert_adopted(client, forge, connect, old.id, secret, inst)


def test_a_job_learns_the_connect_sites_cloud_id_then_adopts(
    client: FlaskClient, forge: FakeForge, connect: ConnectActions, redis_conn: Any
) -> None:
    inst = forge.installation("site-a")  # the fake site answers /_edge/tenant_info
    old, secret = connect_tenant(connect)
    assert old.cloud_id is None
    assert post_event(client, forge, inst, "installed", forge.issue(inst)
                      ).get_json()["adopted"] is False
    drain(redis_conn)
    assert_adopted(client, forge, connect, old.id, secret, inst)


def test_cli_adopts_and_refuses_clearly(app: Flask, client: FlaskClient, forge: FakeForge,
                                        connect: ConnectActions) -> None:
    runner = app.test_cli_runner()
    assert "no Connect tenant" in runner.invoke(
        args=["forge", "adopt", "--connect", "nobody"]).output
    forge.installation("site-b")  # a site with a cloud id but no Forge installation
    connect.installed("client-b", "site-b")
    refused = runner.invoke(args=["forge", "adopt", "--connect", "client-b"])
    assert refused.exit_code != 0 and "install the Forge app" in refused.output
    # the site's Forge installation already has an integration: it is not overwritten
    inst = forge.installation("site-a")
    assert post_event(client, forge, inst, "installed").status_code == 200
    own = add_integration(tenant_of(inst))
    old, secret = connect_tenant(connect)
    refused = runner.invoke(args=["forge", "adopt", "--connect", "client-a",
                                  "--installation", inst.installation_id])
    assert refused.exit_code != 0 and "integrations of its own" in refused.output
    db.session.delete(db.session.get(Integration, own.integration_id))
    db.session.commit()
    done = runner.invoke(args=["forge", "adopt", "--connect", "client-a"])
    assert done.exit_code == 0, done.output
    db.session.expire_all()
    assert_adopted(client, forge, connect, old.id, secret, inst)
    listing = runner.invoke(args=["forge", "installations"])
    assert inst.installation_id in listing.output
