"""The stand-in Jira's REST API, at ``/dev/rest/...``: what the app calls and what its
pages ask through ``AP.request``.

Two callers, authenticated as Jira authenticates them:

* the app (``Authorization: JWT``): verified as Jira verifies an app's token
  (:func:`app.sandbox.tokens.verify_app_request`); it sees the whole site, as a Connect
  app with READ scope does, and asks about users through ``permissions/check``;
* the browser of the signed-in sandbox user (``AP.request``, the sandbox's session
  cookie): answers apply that user's permissions (an issue they may not browse is 404);
* the app as the sandbox's Forge installation, at ``/ex/jira/<cloudId>/rest/...`` (the
  same blueprint registered again, as ``api.atlassian.com`` serves a site's REST API to
  Forge apps): only ``Authorization: Bearer`` with an app system token (as the app) or
  a user token (as that user) the sandbox issued for this site and not yet expired.

Shapes follow Jira Cloud's REST v3 (``project/search`` pages with ``startAt``,
``maxResults``, ``isLast``; errors as ``{"errorMessages": [...]}``). Other Jira APIs
(``jira_write``: the Development panel's ``/rest/devinfo/0.10/*`` and the issue
actions of smart commits) plug in with :func:`jira_route` in a module of their own,
imported by ``app.sandbox``; ``g.sandbox_caller`` names the app's installation that
called (``connect``, ``forge``; None for the browser).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from flask import Blueprint, current_app, g, jsonify, request, session
from werkzeug.wrappers import Response

from app.sandbox import install, site, tokens
from app.sandbox.guard import loopback_only

bp = Blueprint("sandbox_rest", __name__, url_prefix="/dev/rest")
bp.before_request(loopback_only)
SESSION_USER = "sandbox_user"
#: The blueprint's second registration: the Forge installation's API base.
FORGE_API = "sandbox_forge_rest"


@bp.url_value_preprocessor
def _cloud(endpoint: str | None, values: dict[str, Any] | None) -> None:
    """Under ``/ex/jira/<cloudId>``, the site is the one the path names."""
    g.sandbox_cloud = (values or {}).pop("cloud_id", None)


def error(status: int, message: str) -> Response:
    response = jsonify({"errorMessages": [message], "errors": {}})
    response.status_code = status
    return response


def jira_route(rule: str, methods: tuple[str, ...] = ("GET",)) -> Callable[..., Any]:
    """A REST route; ``g.sandbox_user`` is the browser's user, or None for the app."""

    def decorate(view: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if request.blueprint == FORGE_API:
                refused = _bearer()
                if refused:
                    current_app.logger.info("sandbox.rest.refused %s %s", request.path, refused)
                    return error(401, f"Authentication failed: {refused}")
                g.sandbox_caller = "forge"
            elif request.headers.get("Authorization"):
                secret = install.state().shared_secret()
                refused = tokens.verify_app_request(secret) if secret else "not installed"
                if refused:
                    current_app.logger.info("sandbox.rest.refused %s %s", request.path, refused)
                    return error(401, f"Authentication failed: {refused}")
                g.sandbox_user, g.sandbox_caller = None, "connect"
            elif SESSION_USER in session:
                g.sandbox_user = site.user(session[SESSION_USER])
                g.sandbox_caller = None
            else:
                return error(401, "You are not logged in.")
            return view(*args, **kwargs)

        bp.add_url_rule(rule, view.__name__, wrapper, methods=list(methods))
        return wrapper

    return decorate


def _bearer() -> str | None:
    """Why a Forge API call is refused, or None (``g.sandbox_user`` then set)."""
    from app.sandbox import forge_tokens

    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if g.get("sandbox_cloud") != forge_tokens.CLOUD_ID:
        return "no such site"
    if scheme != "Bearer" or not token:
        return "this API takes an OAuth Bearer token"
    account, why = forge_tokens.verify_oauth(token.strip(), forge_tokens.CLOUD_ID)
    if why:
        return why
    g.sandbox_user = site.by_account(account) if account else None
    if account and g.sandbox_user is None:
        return "the token's user does not exist"
    return None


def _project_json(p: site.Project) -> dict[str, Any]:
    return {"id": str(p.id), "key": p.key, "name": p.name, "projectTypeKey": "software",
            "simplified": False, "style": "classic", "lead": {"displayName": p.lead},
            "self": f"{install.site_url()}/rest/api/3/project/{p.id}"}


def _user_json(u: site.User) -> dict[str, Any]:
    return {"accountId": u.account_id, "accountType": "atlassian", "displayName": u.name,
            "emailAddress": u.email, "active": True,
            "self": f"{install.site_url()}/rest/api/3/user?accountId={u.account_id}"}


def _visible(project_key: str) -> bool:
    viewer = g.sandbox_user
    return viewer is None or viewer.may(site.BROWSE, project_key)


@jira_route("/api/3/permissions/check", methods=("POST",))
def permissions_check() -> Any:
    body = request.get_json(silent=True) or {}
    who = site.by_account(body.get("accountId")) if body.get("accountId") else g.sandbox_user
    if who is None:
        return error(404, "The user does not exist.") if body.get("accountId") else error(
            400, "accountId is required for app calls")
    result: dict[str, Any] = {
        "globalPermissions": [p for p in body.get("globalPermissions", [])
                              if p == site.ADMINISTER and who.admin],
        "projectPermissions": []}
    for entry in body.get("projectPermissions", []):
        for permission in entry.get("permissions", []):
            projects = [int(p) for p in entry.get("projects", [])
                        if (pr := site.project(p)) and who.may(permission, pr.key)]
            issues = [int(i) for i in entry.get("issues", [])
                      if (it := site.issue(i)) and who.may(permission, it.project_key)]
            result["projectPermissions"].append(
                {"permission": permission, "projects": projects, "issues": issues})
    return jsonify(result)


@jira_route("/api/3/project/search")
def project_search() -> Any:
    try:
        start = max(0, int(request.args.get("startAt", 0)))
        size = min(100, max(1, int(request.args.get("maxResults", 50))))
    except ValueError:
        return error(400, "startAt and maxResults must be numbers")
    projects = [p for p in site.PROJECTS if _visible(p.key)]
    page = projects[start:start + size]
    return jsonify({"startAt": start, "maxResults": size, "total": len(projects),
                    "isLast": start + size >= len(projects),
                    "values": [_project_json(p) for p in page]})


@jira_route("/api/3/project/<id_or_key>")
def get_project(id_or_key: str) -> Any:
    found = site.project(id_or_key)
    if found is None or not _visible(found.key):
        return error(404, f"No project could be found with key '{id_or_key}'.")
    return jsonify(_project_json(found))


@jira_route("/api/3/issue/<id_or_key>")
def get_issue(id_or_key: str) -> Any:
    found = site.issue(id_or_key)
    if found is None or not _visible(found.project_key):
        return error(404, "Issue does not exist or you do not have permission to see it.")
    project = site.project(found.project_key)
    assert project is not None
    fields = {"summary": found.summary, "project": _project_json(project),
              "status": {"name": found.status}, "issuetype": {"name": found.type},
              "description": found.description}
    wanted = [f for f in request.args.get("fields", "").split(",") if f]
    if wanted and "*all" not in wanted:
        fields = {k: v for k, v in fields.items() if k in wanted}
    return jsonify({"id": str(found.id), "key": found.key, "fields": fields,
                    "self": f"{install.site_url()}/rest/api/3/issue/{found.id}"})


@jira_route("/api/3/user/search")
def user_search() -> Any:
    query = request.args.get("query", "").lower()
    account = request.args.get("accountId")
    found = [u for u in site.USERS.values()
             if (account and u.account_id == account)
             or (not account and (query in u.name.lower() or query in u.email))]
    return jsonify([_user_json(u) for u in found])


@jira_route("/api/3/serverInfo")
def server_info() -> Any:
    return jsonify({"baseUrl": install.site_url(), "deploymentType": "Cloud",
                    "serverTitle": "Gitbridge sandbox Jira", "version": "1001.0.0-SNAPSHOT"})


@jira_route("/api/3/myself")
def myself() -> Any:
    if g.sandbox_user is None:
        return error(404, "Apps have no user of their own here.")
    return jsonify(_user_json(g.sandbox_user))
