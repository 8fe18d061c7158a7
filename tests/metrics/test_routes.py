"""Who may scrape ``/metrics``: the token, production without one, development."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet
from flask import Flask
from prometheus_client.parser import text_string_to_metric_families

from app import create_app


def scrape(app: Flask, headers: dict[str, str] | None = None, addr: str = "127.0.0.1"
           ) -> tuple[int, str]:
    response = app.test_client().get("/metrics", headers=headers or {},
                                     environ_base={"REMOTE_ADDR": addr})
    return response.status_code, response.get_data(as_text=True)


def production(env: dict[str, str], **extra: str) -> Flask:
    return create_app({**env, "GITBRIDGE_ENV": "production",
                       "GITBRIDGE_ENCRYPTION_KEYS": Fernet.generate_key().decode(), **extra})


def test_production_without_a_token_has_no_metrics(migrated: dict[str, str]) -> None:
    assert scrape(production(migrated))[0] == 404


def test_the_token_is_required_and_checked(migrated: dict[str, str]) -> None:
    app = production(migrated, GITBRIDGE_METRICS_TOKEN="scrape-me-" + "t" * 20)
    assert scrape(app)[0] == 401
    assert scrape(app, {"Authorization": "Bearer wrong"})[0] == 401
    assert scrape(app, {"Authorization": "Basic " + "scrape-me-" + "t" * 20})[0] == 401
    status, body = scrape(app, {"Authorization": "Bearer scrape-me-" + "t" * 20},
                          addr="203.0.113.9")
    assert status == 200
    names = {family.name for family in text_string_to_metric_families(body)}
    assert {"gitbridge_redis_up", "gitbridge_queue_jobs", "gitbridge_devinfo_backlog"} <= names


@pytest.mark.parametrize(("addr", "status"), [("127.0.0.1", 200), ("::1", 200),
                                              ("10.1.2.3", 404)])
def test_development_is_open_on_this_machine_only(app: Flask, addr: str, status: int) -> None:
    assert scrape(app, addr=addr)[0] == status


def test_development_with_a_token_wants_it_too(migrated: dict[str, str]) -> None:
    app = create_app({**migrated, "GITBRIDGE_METRICS_TOKEN": "dev-token-" + "d" * 20})
    assert scrape(app)[0] == 401
