"""Shared fixtures: the app on a real database (SQLite or PostgreSQL, chosen by
``GITBRIDGE_TEST_DATABASE_URL``), real Redis, and a fake Atlassian (Jira + install-key
CDN) served over real HTTP."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import redis
from cryptography.fernet import Fernet
from flask import Flask
from flask.testing import FlaskClient

from app import create_app
from app.extensions import db
from app.models import Integration
from tests.support import deliveries
from tests.support.connect import ConnectActions
from tests.support.fake_atlassian import FakeAtlassian
from tests.support.services import PrivateRedis, postgres_for_worker, reset_postgres

#: Set in ``pytest_configure`` (before test modules are imported): the session's own
#: Redis, or ``GITBRIDGE_TEST_REDIS_URL``.
TEST_REDIS_URL = ""
_private_redis: PrivateRedis | None = None


def pytest_configure(config: Any) -> None:
    global TEST_REDIS_URL, _private_redis
    TEST_REDIS_URL = os.environ.get("GITBRIDGE_TEST_REDIS_URL", "")
    xdist_controller = getattr(config.option, "dist", "no") != "no" and not hasattr(
        config, "workerinput"
    )
    if not TEST_REDIS_URL and not xdist_controller:
        _private_redis = PrivateRedis()
        _private_redis.start()
        TEST_REDIS_URL = _private_redis.url


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test that drives Chromium ``browser``, so the PostgreSQL pass can leave
    them to the SQLite pass: they test the pages, which read the same JSON API that both
    passes test against each database."""
    for item in items:
        if "browser" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.browser)


def pytest_unconfigure(config: Any) -> None:
    if _private_redis is not None:
        _private_redis.stop()


def _database_url(tmp: Path) -> str:
    url = os.environ.get("GITBRIDGE_TEST_DATABASE_URL", "sqlite")
    if url == "sqlite":
        return f"sqlite:///{tmp / 'test.db'}"
    return postgres_for_worker(url)


@pytest.fixture(scope="session")
def session_tmp() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="gitbridge-tests-") as tmp:
        yield Path(tmp)


@pytest.fixture(scope="session")
def fake_atlassian() -> Iterator[FakeAtlassian]:
    fake = FakeAtlassian()
    fake.start()
    yield fake
    fake.stop()


@pytest.fixture(scope="session")
def base_env(session_tmp: Path, fake_atlassian: FakeAtlassian) -> dict[str, str]:
    url = _database_url(session_tmp)
    if url.startswith("postgresql"):
        reset_postgres(url)
    return {
        "GITBRIDGE_ENV": "development",
        "GITBRIDGE_BASE_URL": "https://gitbridge.example.com",
        "GITBRIDGE_APP_KEY": "gitbridge-for-jira",
        "GITBRIDGE_DATABASE_URL": url,
        "GITBRIDGE_REDIS_URL": TEST_REDIS_URL,
        "GITBRIDGE_SECRET_KEY": "test-secret-key",
        "GITBRIDGE_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
        "GITBRIDGE_INSTALL_KEYS_URL": fake_atlassian.url + "/keys",
        "GITBRIDGE_ALLOWED_JIRA_HOSTS": "atlassian.net,127.0.0.1",
        "GITBRIDGE_DATA_DIR": str(session_tmp / "repos"),
        "GITBRIDGE_SANDBOX_DIR": str(session_tmp / "sandbox"),
        # Half the app's routes are the sandbox's: only its own tests (and the CLI's) add
        # it, which halves the cost of each test's app.
        "GITBRIDGE_SANDBOX": "off",
        # The session's own metrics files (a process keeps the first directory it got).
        "PROMETHEUS_MULTIPROC_DIR": str(session_tmp / "metrics"),
    }


@pytest.fixture(scope="session")
def migrated(base_env: dict[str, str]) -> dict[str, str]:
    """Run the real migrations once per session, from empty."""
    from flask_migrate import upgrade

    app = create_app(base_env)
    with app.app_context():
        upgrade(directory=app.extensions["migrate"].directory)
        db.engine.dispose()
    return base_env


@pytest.fixture
def app(migrated: dict[str, str], fake_atlassian: FakeAtlassian, tmp_path: Path
        ) -> Iterator[Flask]:
    app = create_app(migrated, {"TESTING": True, "DATA_DIR": str(tmp_path / "repos")})
    fake_atlassian.reset()
    with app.app_context():
        yield app
        db.session.remove()
        with db.engine.begin() as conn:
            for table in reversed(db.metadata.sorted_tables):
                conn.execute(table.delete())
        db.engine.dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def connect(app: Flask, client: FlaskClient, fake_atlassian: FakeAtlassian) -> ConnectActions:
    return ConnectActions(app, client, fake_atlassian)


@pytest.fixture
def webhook_integration(app: Flask) -> Integration:
    """A tenant's GitHub integration receiving by webhook (``tests.support.deliveries``)."""
    return deliveries.webhook_integration()


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """One Chromium per test process (Playwright's sync API allows one at a time), for
    the pages' tests and the sandbox's."""
    from playwright.sync_api import expect

    from tests.support.browser import launch

    # Assertions wait as long as actions may (a loaded CI machine serves a page in
    # seconds, not Playwright's default 5 s).
    expect.set_options(timeout=15_000)
    playwright, browser = launch()
    try:
        yield browser
    finally:
        browser.close()
        playwright.stop()


@pytest.fixture
def redis_conn() -> Iterator[redis.Redis]:
    conn = redis.Redis.from_url(TEST_REDIS_URL)
    conn.flushdb()
    yield conn
    conn.flushdb()
    conn.close()


def pytest_report_header(config: Any) -> str:
    return f"database: {os.environ.get('GITBRIDGE_TEST_DATABASE_URL', 'sqlite')}"
