"""The development sandbox at ``/dev/``: a stand-in Jira site served by the app itself.

It installs itself as a tenant through the real signed-install path (its own RS256 key,
served at ``/dev/install-keys/<kid>`` and trusted for its key ids in development only),
plays Jira's page chrome, frames every page of the descriptor as Jira would (module URL
variables, Jira's iframe parameters, qsh-bound page tokens) with a small ``AP`` of its
own over postMessage, answers the app's Jira REST calls (verifying the app's JWTs), and
offers example repositories (real git, served over smart HTTP, with pull requests on a
GitHub-shaped stand-in host) to connect through the app's own API. Three users to
switch between: an administrator, a developer and a Browse-only viewer.

A toggle in its chrome switches the site between the app's Connect installation and
its Forge installation (``forge_*`` modules: the manifest's Custom UI modules framed
with a stand-in for ``@forge/bridge``, FITs signed by a local JWKS, the Forge lifecycle
trigger, the site's REST API at ``/ex/jira/<cloudId>`` for the app's Bearer tokens).

Registered only when ``GITBRIDGE_ENV=development``; production never imports the
package, so ``/dev/`` is a 404 there.

Modules: ``site`` (users, projects, issues), ``state`` (its key and secret on disk),
``install`` (the lifecycle calls), ``tokens`` (page and context tokens, verifying the
app's), ``frames`` (descriptor modules to iframe URLs), ``jira_rest`` (the REST API),
``views`` (chrome), ``actions`` (user switch, tokens for ``AP``, connecting
repositories), ``examples`` and ``git_http`` (the repositories it serves), ``host`` (a
GitHub Enterprise-shaped host for the examples: pull requests, webhooks, branches and
pull requests created from an issue).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Flask, url_for

from app.sandbox.site import CLIENT_KEY
from app.sandbox.state import KID_PREFIX

bp = Blueprint("sandbox", __name__, url_prefix="/dev", template_folder="templates",
               static_folder="static", static_url_path="/static")


#: The postMessage channel between a framed page and the sandbox page framing it: the
#: page loads it just before its platform's stand-in (``ap.js``, ``forge-bridge.js``).
CHANNEL_JS = "sandbox-channel.js"


def frame_scripts(stand_in: str) -> list[str]:
    """The URLs of the scripts a framed page loads for ``stand_in``, in load order."""
    return [url_for("sandbox.static", filename=name) for name in (CHANNEL_JS, stand_in)]


def ap_scripts(tenant: Any) -> list[str] | None:
    """Pages framed by the sandbox (their verified tenant is the sandbox's) load the
    sandbox's ``AP`` instead of Atlassian's ``all.js``, which only works inside Jira:
    its postMessage channel (shared with the Forge bridge), then ``ap.js`` on it."""
    if tenant is not None and tenant.client_key == CLIENT_KEY:
        return frame_scripts("ap.js")
    return None


def init_app(app: Flask) -> None:
    if not app.config["SANDBOX"]:
        return
    from app import atlassian
    from app.sandbox import (  # noqa: F401  (routes on bp)
        actions,
        forge_install,
        forge_views,
        host,
        jira_rest,
        jira_write,
        views,
    )

    for blueprint in (bp, jira_rest.bp, host.bp):
        app.register_blueprint(blueprint)
    app.register_blueprint(jira_rest.bp, url_prefix="/ex/jira/<cloud_id>/rest",
                           name=jira_rest.FORGE_API)
    app.extensions["ap_scripts"].append(ap_scripts)
    app.extensions["install_keys"].trust_local(
        KID_PREFIX, lambda: app.config["BASE_URL"] + "/dev/install-keys")
    # The Forge installation: the configured app, or the sandbox's own; its FITs are
    # signed by the sandbox's key (trusted for sandbox- key ids, here only).
    app.config["FORGE_APP_ID"] = app.config["FORGE_APP_ID"] or forge_install.SANDBOX_APP_ID
    atlassian.enable_forge(app).keys.trust_local(
        KID_PREFIX, lambda: app.config["BASE_URL"] + "/dev/forge/jwks.json")
    # The sandbox site, and its Forge API base, live on the app's own host (http in
    # development is allowed).
    host = (app.config["BASE_URL"].split("://", 1)[1].split("/", 1)[0].split(":", 1)[0]).lower()
    for setting in ("ALLOWED_JIRA_HOSTS", "FORGE_API_HOSTS"):
        if host not in app.config[setting]:
            app.config[setting] = [*app.config[setting], host]
