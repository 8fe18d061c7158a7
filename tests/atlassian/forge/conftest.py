"""The app with the Forge surface on: its JWKS and API base are the fake Atlassian's."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask

from app import create_app
from app.extensions import db
from tests.support.fake_atlassian import FakeAtlassian
from tests.support.forge import APP_ID, FakeForge


def forge_env(migrated: dict[str, str], fake: FakeAtlassian) -> dict[str, str]:
    return {
        **migrated,
        "GITBRIDGE_FORGE_APP_ID": APP_ID,
        "GITBRIDGE_FORGE_JWKS_URL": f"{fake.url}/forge/jwks.json",
        "GITBRIDGE_FORGE_API_HOSTS": "127.0.0.1",
    }


@pytest.fixture
def app(migrated: dict[str, str], fake_atlassian: FakeAtlassian, tmp_path: Path
        ) -> Iterator[Flask]:
    app = create_app(forge_env(migrated, fake_atlassian),
                     {"TESTING": True, "DATA_DIR": str(tmp_path / "repos"),
                      # one second between JWKS refetches, so tests can wait it out
                      "FORGE_JWKS_REFRESH_FLOOR": 1.0})
    fake_atlassian.reset()
    with app.app_context():
        yield app
        db.session.remove()
        with db.engine.begin() as conn:
            for table in reversed(db.metadata.sorted_tables):
                conn.execute(table.delete())
        db.engine.dispose()


@pytest.fixture
def forge(app: Flask, fake_atlassian: FakeAtlassian) -> FakeForge:
    return FakeForge(fake_atlassian)
