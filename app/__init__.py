"""Gitbridge for Jira: the application factory.

``create_app`` reads like a table of contents: configuration first, then each
subsystem's ``init_app``. Nothing reads configuration at import time.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask

ROOT = Path(__file__).resolve().parent.parent


def create_app(
    environ: Mapping[str, str] | None = None, overrides: Mapping[str, Any] | None = None
) -> Flask:
    """Build the app from ``environ`` (default ``os.environ``) plus test ``overrides``."""
    from app import atlassian, cli, crypto, logs, metrics, queue
    from app.config import load_config
    from app.extensions import db, migrate
    from app.jira import permissions

    app = Flask(
        __name__,
        instance_path=str(ROOT / "instance"),
        template_folder=str(ROOT / "templates"),
        static_folder="static",
    )
    app.config.update(load_config(os.environ if environ is None else environ, app.instance_path))
    app.config.update(overrides or {})

    logs.init_app(app)
    metrics.init_app(app)
    crypto.init_app(app)
    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"))
    queue.init_app(app)
    permissions.init_app(app)
    atlassian.init_app(app)
    _register_surfaces(app)
    cli.init_app(app)
    return app


def _register_surfaces(app: Flask) -> None:
    """One blueprint per surface Jira, browsers, git hosts and operators reach."""
    import descriptor
    import webhooks
    from app import api, connect, health, oauth_routes, pages, sandbox

    health.init_app(app)
    connect.init_app(app)
    descriptor.init_app(app)
    pages.init_app(app)
    api.init_app(app)
    oauth_routes.init_app(app)
    webhooks.init_app(app)
    sandbox.init_app(app)  # development only: the stand-in Jira at /dev/
