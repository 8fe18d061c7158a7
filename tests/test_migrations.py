"""Migrations run up from empty, down again, and match the models exactly."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from app import create_app
from app.extensions import db
from tests.support.services import reset_postgres


def _fresh_env(migrated: dict[str, str], tmp_path: Path) -> dict[str, str]:
    url = migrated["GITBRIDGE_DATABASE_URL"]
    if url.startswith("postgresql"):
        parsed = sa.engine.make_url(url)
        fresh = parsed.set(database=f"{parsed.database}_migrations")
        url = fresh.render_as_string(hide_password=False)
        reset_postgres(url)
    else:
        url = f"sqlite:///{tmp_path / 'fresh.db'}"
    return {**migrated, "GITBRIDGE_DATABASE_URL": url}


def test_upgrade_from_empty_matches_models(migrated: dict[str, str], tmp_path: Path) -> None:
    app = create_app(_fresh_env(migrated, tmp_path))
    with app.app_context():
        directory = app.extensions["migrate"].directory
        upgrade(directory=directory)
        with db.engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), db.metadata)
            assert diff == []
            assert "tenants" in sa.inspect(conn).get_table_names()
        downgrade(directory=directory, revision="base")
        with db.engine.connect() as conn:
            assert "tenants" not in sa.inspect(conn).get_table_names()
        db.engine.dispose()
