"""Who may scrape ``/metrics``: the token, production without one, development."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from flask import Flask
from prometheus_client.parser import text_string_to_metric_families

from app import create_app
from tests.support.services import spare_port


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


def test_an_outage_is_a_metric_not_a_failed_scrape(migrated: dict[str, str]) -> None:
    app = create_app({**migrated, "GITBRIDGE_REDIS_URL": f"redis://127.0.0.1:{spare_port()}/0",
                      "GITBRIDGE_DATABASE_URL": "postgresql+psycopg://nobody@127.0.0.1:"
                      f"{spare_port()}/none"})
    status, body = scrape(app)
    assert status == 200
    samples = {s.name: s.value for f in text_string_to_metric_families(body) for s in f.samples}
    assert samples["gitbridge_redis_up"] == 0 and samples["gitbridge_database_up"] == 0


def test_an_unwritable_metrics_directory_stops_the_start(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("GITBRIDGE_") and k != "PROMETHEUS_MULTIPROC_DIR"}
    result = subprocess.run(
        [sys.executable, "-m", "app.cli", "routes"], capture_output=True, text=True,
        timeout=60, env={**env, "PROMETHEUS_MULTIPROC_DIR": "/proc/version/metrics",
                         "GITBRIDGE_SECRET_KEY": "x",
                         "GITBRIDGE_DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}"})
    assert result.returncode != 0
    assert "PROMETHEUS_MULTIPROC_DIR=/proc/version/metrics cannot be written" in result.stderr
