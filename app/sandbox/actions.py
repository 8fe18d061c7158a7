"""What the sandbox does for the developer: switch user, hand out context tokens to the
framed pages' ``AP``, connect an example or local repository through the app's API, serve
those repositories over git, and publish its install key."""

from __future__ import annotations

from typing import Any

import requests
from flask import abort, current_app, redirect, request, session
from werkzeug.wrappers import Response

from app.sandbox import (
    bp,
    examples,
    forge_frames,
    forge_install,
    git_http,
    host,
    install,
    site,
    tokens,
)
from app.sandbox.jira_rest import SESSION_USER
from app.sandbox.state import KID_PREFIX
from app.sandbox.views import current_user, platform


def back(default: str = "/dev/") -> Response:
    target = request.form.get("next") or default
    if not target.startswith("/dev/") or target.startswith("//"):
        target = default
    return redirect(request.script_root + target, 303)


@bp.post("/user")
def switch_user() -> Response:
    name = request.form.get("user", "")
    if name not in site.USERS:
        abort(400)
    session[SESSION_USER] = name
    return back()


@bp.post("/ap/token")
def context_token() -> Any:
    """``AP.context.getToken`` for the signed-in user (the page's context as a claim)."""
    body = request.get_json(silent=True) or {}
    context = body.get("context")
    if not isinstance(context, dict):
        context = {}
    token = tokens.context_token(current_user().account_id, install.ensure_installed(), context)
    return {"token": token}


def _post_integration(body: dict[str, Any]) -> requests.Response:
    """``POST /api/v1/integrations`` as the site's administrator, through the installation
    the site shows: a Connect context token, or a Forge invocation from Manage
    repositories."""
    admin = site.USERS["admin"]
    if platform() == "forge":
        return forge_install.invoke(admin.account_id, ("manage-repositories", "jira:adminPage"),
                                    {"type": "jira:adminPage"}, "POST", "/api/v1/integrations",
                                    {"Content-Type": "application/json"}, body)
    token = tokens.context_token(admin.account_id, install.ensure_installed(), {})
    return requests.post(f"{current_app.config['BASE_URL']}/api/v1/integrations", timeout=120,
                         json=body, headers={"Authorization": f"JWT {token}"})


def connect(name: str, body: dict[str, Any] | None = None) -> str:
    """Connect the served repository ``name`` (or the integration ``body``) through the
    app's own API, as the site's administrator does from Manage repositories; returns
    what happened, in words."""
    url = f"{current_app.config['BASE_URL']}/dev/git/sandbox/{name}.git"
    try:
        response = _post_integration(body or {"kind": "git", "url": url, "display_name": name,
                                              "auth": {"type": "none"}})
    except (requests.RequestException, install.InstallFailed) as exc:
        return f"Could not reach the app: {exc}"
    if response.status_code == 201:
        return f"Connected {name}: the worker is indexing it now."
    if response.status_code == 409:
        return f"{name} is connected already."
    try:
        message = response.json()["error"]["message"]
    except (ValueError, KeyError, TypeError):
        message = response.text[:300]
    return f"The app refused {name}: {message}"


@bp.post("/repositories/connect")
def connect_repository() -> Response:
    repositories = examples.Repositories(install.state().repos_dir)
    name = request.form.get("example", "")
    if request.form.get("host"):
        name = "the sandbox's GitHub (alpha-web and ops-scripts, with pull requests)"
        message = connect(name, {"kind": "github_enterprise", "base_url": host.web_root(),
                                 "display_name": "Sandbox GitHub",
                                 "auth": {"type": "pat", "token": host.load()["token"]}})
        return _connected(message)
    if name:
        if name not in examples.EXAMPLES:
            abort(400)
        repositories.ensure_example(name)
    else:
        try:
            name = repositories.add_local(request.form.get("path", "").strip())
        except ValueError as exc:
            session["sandbox_message"] = str(exc)
            return back()
    return _connected(connect(name))


def _connected(message: str) -> Response:
    if not current_user().admin:
        message += (" Switch to Ada Admin (top right) to watch it in Manage repositories, or "
                    "open an issue below.")
        session["sandbox_message"] = message
        return back()
    session["sandbox_message"] = message
    if platform() == "forge":
        admin = forge_frames.modules("jira:adminPage")[0]
        return redirect(forge_frames.page_href(admin, "repositories"), 303)
    return back(f"/dev/plugins/servlet/ac/{current_app.config['APP_KEY']}/manage-repositories")


@bp.route("/git/sandbox/<name>.git/<path:rest>", methods=["GET", "POST"])
def git_repository(name: str, rest: str) -> Response:
    git_dir = examples.Repositories(install.state().repos_dir).git_dir(name)
    if git_dir is None:
        abort(404)
    return git_http.serve(git_dir, rest)


@bp.get("/install-keys/<kid>")
def install_key(kid: str) -> Response:
    """The public half of the sandbox's install key, as Atlassian's key CDN serves its."""
    sandbox = install.state()
    if not kid.startswith(KID_PREFIX) or kid != sandbox.kid():
        return Response("no such key\n", 404, mimetype="text/plain")
    return Response(sandbox.public_pem(), mimetype="text/plain")
