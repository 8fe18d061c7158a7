"""Forge lifecycle events, the scheduled trigger, the system token at rest, and parked
Jira work."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from app.atlassian import jira_for, waits
from app.extensions import db
from app.models import Integration, JiraWait, Repository, Tenant
from tests.atlassian.forge.test_auth import install
from tests.support.forge import SCHEDULE, FakeForge, Installation
from tests.support.indexing import drain


def tenant_of(inst: Installation) -> Tenant:
    db.session.expire_all()
    return db.session.execute(db.select(Tenant).filter_by(client_key=inst.installation_id)
                              ).scalar_one()


def add_integration(tenant: Tenant) -> Repository:
    integration = Integration(tenant_id=tenant.id, kind="git", display_name="app",
                              url="https://git.example.com/app.git", mode="full")
    db.session.add(integration)
    db.session.flush()
    repository = Repository(tenant_id=tenant.id, integration_id=integration.id, name="app",
                            warnings=[])
    db.session.add(repository)
    db.session.commit()
    return repository


def post_event(client: FlaskClient, forge: FakeForge, inst: Installation, kind: str,
               system: str | None = None, body: Any = None) -> Any:
    return client.post("/forge/events", json=forge.event(inst, kind) if body is None else body,
                       headers=forge.headers(forge.background_fit(inst), system))


def test_install_is_idempotent_and_a_reinstall_keeps_data(client: FlaskClient,
                                                          forge: FakeForge) -> None:
    inst = install(client, forge)
    repository = add_integration(tenant_of(inst))
    first = tenant_of(inst).id
    for kind in ("installed", "upgraded", "installed"):
        response = post_event(client, forge, inst, kind, forge.issue(inst))
        assert response.status_code == 200, response.get_json()
    assert tenant_of(inst).id == first
    assert db.session.get(Repository, repository.id) is not None
    # lifecycle events never call Jira inline (Forge gives them 5 s): that is queued
    assert not [c for c in forge.fake.calls if c.get("forge")]


def test_uninstall_removes_secrets_and_data_and_is_safe_to_retry(
    client: FlaskClient, forge: FakeForge
) -> None:
    inst = install(client, forge)
    add_integration(tenant_of(inst))
    for _ in range(2):
        assert post_event(client, forge, inst, "uninstalled").status_code == 200
    db.session.expire_all()
    assert db.session.execute(db.select(Tenant)).first() is None
    assert db.session.execute(db.select(Integration)).first() is None


def test_malformed_events_are_refused_and_change_nothing(client: FlaskClient,
                                                         forge: FakeForge) -> None:
    inst = forge.installation("site-m")
    for body in ([], {"eventType": "avi:jira:created:issue"}, {"context": inst.ari_context}):
        response = post_event(client, forge, inst, "installed", body=body)
        assert response.status_code == 400, body
    wrong_site = {**forge.event(inst), "context": "ari:cloud:jira::site/other-cloud"}
    assert post_event(client, forge, inst, "installed", body=wrong_site).status_code == 400
    assert db.session.execute(db.select(Tenant)).first() is None


def test_the_system_token_is_kept_encrypted_newest_first(client: FlaskClient,
                                                          forge: FakeForge) -> None:
    inst = forge.installation("site-s")
    long_token = forge.issue(inst, lifetime=3600)
    assert post_event(client, forge, inst, "installed", long_token).status_code == 200
    tenant = tenant_of(inst)
    assert tenant.system_token == long_token
    raw = db.session.execute(sa.text("SELECT system_token FROM tenants")).scalar_one()
    assert long_token not in raw  # at rest it is a Fernet token
    # an older-expiring token does not replace a newer one
    assert post_event(client, forge, inst, "upgraded", forge.issue(inst, lifetime=600)
                      ).status_code == 200
    assert tenant_of(inst).system_token == long_token
    newer = forge.issue(inst, lifetime=7200)
    fit = forge.background_fit(inst, module=SCHEDULE)
    response = client.post("/forge/scheduled", json={}, headers=forge.headers(fit, newer))
    assert response.status_code == 200
    assert tenant_of(inst).system_token == newer
    # Jira calls as the app use it, at the installation's API base
    assert jira_for(tenant_of(inst)).server_info()["baseUrl"] == "https://site-s.atlassian.net"
    assert forge.fake.calls[-1]["verified"].account_id is None


@waits.jira_job("tests.issue_summary", repository_arg=1)
def issue_summary(tenant_id: int, repository_id: int, key: str) -> str:
    """A repository's background work that needs Jira (as the devinfo push will)."""
    tenant = db.session.get(Tenant, tenant_id)
    summary = jira_for(tenant).issue(key)["fields"]["summary"]
    repository = db.session.get(Repository, repository_id)
    repository.display_name = summary  # type: ignore[union-attr]
    repository.default_branch = summary  # type: ignore[union-attr]
    db.session.commit()
    return summary


def test_repository_work_waits_visibly_and_resumes(
    app: Flask, client: FlaskClient, forge: FakeForge, redis_conn: Any
) -> None:
    inst = forge.installation("site-w")
    forge.fake.site("site-w").issues["ABC-1"] = {"id": "1", "key": "ABC-1", "fields": {
        "summary": "Fix login", "project": {"id": "1", "key": "ABC"}}}
    assert post_event(client, forge, inst, "installed").status_code == 200  # no token
    tenant = tenant_of(inst)
    repository = add_integration(tenant)
    from app.queue import MANUAL, enqueue

    for _ in range(2):  # the same work parks once
        enqueue(MANUAL, issue_summary, tenant.id, repository.id, "ABC-1")
        drain(redis_conn)
    db.session.expire_all()
    parked = {w.job: w for w in db.session.execute(db.select(JiraWait)).scalars()}
    # the install's own site lookup waits too; the same work parks once
    assert set(parked) == {"forge.learn_site", "tests.issue_summary"}
    assert parked["tests.issue_summary"].repository_id == repository.id
    warnings = db.session.get(Repository, repository.id).warnings  # type: ignore[union-attr]
    assert [w["code"] for w in warnings] == [waits.WAIT_CODE]
    # admins see it (a call without a system token: it does not resume the work)
    forge.fake.site(inst.site_name).admins.add("admin-1")
    headers = forge.headers(forge.fit(inst, principal="admin-1"), None,
                            forge.issue(inst, "admin-1"))
    listed = client.get(f"/api/v1/integrations/{repository.integration_id}/repositories",
                        headers=headers)
    assert listed.status_code == 200, listed.get_json()
    assert listed.get_json()["repositories"][0]["warnings"][0]["code"] == waits.WAIT_CODE

    # any invocation with a fresh token resumes the work; the warning goes away
    fit = forge.background_fit(inst, module=SCHEDULE)
    response = client.post("/forge/scheduled", json={},
                           headers=forge.headers(fit, forge.issue(inst)))
    assert response.get_json()["resumed"] == 2
    drain(redis_conn)
    db.session.expire_all()
    assert tenant_of(inst).base_url == "https://site-w.atlassian.net"
    done = db.session.get(Repository, repository.id)
    assert done is not None and done.default_branch == "Fix login" and done.warnings == []
    assert db.session.execute(db.select(JiraWait)).first() is None


def test_a_token_jira_refuses_is_forgotten_and_the_work_waits(
    client: FlaskClient, forge: FakeForge, redis_conn: Any
) -> None:
    """A stored system token Jira no longer accepts (revoked) is dropped: the work waits
    for Forge's next token instead of failing with it again and again."""
    inst = forge.installation("site-r")
    token = forge.issue(inst)
    assert post_event(client, forge, inst, "installed", token).status_code == 200
    del forge.fake.tokens[token]  # revoked on Atlassian's side
    drain(redis_conn)
    tenant = tenant_of(inst)
    assert (tenant.system_token, tenant.base_url) == (None, "")
    assert [w.job for w in db.session.execute(db.select(JiraWait)).scalars()] == [
        "forge.learn_site"]
    fit = forge.background_fit(inst, module=SCHEDULE)
    client.post("/forge/scheduled", json={}, headers=forge.headers(fit, forge.issue(inst)))
    drain(redis_conn)
    assert tenant_of(inst).base_url == "https://site-r.atlassian.net"
