"""Forge Remote: the same backend as the remote of a Forge app (``forge/manifest.yml``).

Pieces: ``fit`` and ``jwks`` verify Forge Invocation Tokens; ``platform`` is the
``app.atlassian`` adapter (tenant = installation, user = principal, Jira = Bearer at the
installation's ``apiBaseUrl``); ``installations`` keeps tenants and their system tokens;
``routes`` serves lifecycle events and the scheduled trigger; ``adoption`` hands a
Connect tenant's data to the Forge installation of the same site; ``ui_build`` builds
the Custom UI resources from the Connect pages' own code.
"""

from __future__ import annotations

from flask import Flask

from app.atlassian.forge.platform import ForgePlatform


def init_app(app: Flask) -> ForgePlatform:
    from app.atlassian.forge import jobs, routes  # noqa: F401  (jobs register themselves)

    app.register_blueprint(routes.bp)
    return ForgePlatform(app)
