"""The sandbox as the Forge platform: the Connect / Forge switch, the JWKS its FITs are
signed with, the Custom UI resources (with the host side of ``@forge/bridge`` injected),
the proxy behind ``invokeRemote``/``requestRemote``, and the site's Forge page URLs.

A page's calls reach :func:`invoke` from the sandbox page that frames it (host.js), as
Forge's host page forwards a Custom UI frame's bridge calls: the frame never picks its
user, and the module and issue or project it names are checked here again.
"""

from __future__ import annotations

import mimetypes
from typing import Any

from flask import abort, jsonify, request, session
from markupsafe import escape
from werkzeug.wrappers import Response

from app.sandbox import bp, forge_frames, forge_install, frame_scripts, site
from app.sandbox import forge_tokens as tokens
from app.sandbox.actions import back
from app.sandbox.views import (
    SESSION_PLATFORM,
    current_user,
    origin,
    page,
    platform,
    project_links,
)

#: The sandbox's channel, then its bridge on it, as Forge's CDN injects its own bridge.
BRIDGE_TAGS = ('<script src="{channel}"></script>\n'
               '  <script src="{src}" data-host="{host}"></script>')


@bp.post("/platform")
def switch_platform() -> Response:
    """The chrome's Connect / Forge toggle: which installation of the app the site shows."""
    wanted = request.form.get("platform", "")
    if wanted not in ("connect", "forge"):
        abort(400)
    session[SESSION_PLATFORM] = wanted
    target = request.form.get("next", "")
    # a page of one platform has no twin at the same URL on the other: go home
    if "/plugins/servlet/" in target or "/jira/" in target or "/apps/" in target:
        target = "/dev/"
    return back(target or "/dev/")


@bp.get("/forge/jwks.json")
def forge_jwks() -> Response:
    """The public key of the sandbox's FITs, as Forge's CDN publishes its own."""
    response = jsonify(tokens.jwks())
    response.headers["Cache-Control"] = "public, max-age=300"
    return response


@bp.get("/forge/resources/<resource>/<path:file>")
def forge_resource(resource: str, file: str) -> Response:
    """A file of a Custom UI resource (``forge/build``); its HTML pages get the sandbox's
    bridge (on its postMessage channel) first in ``<head>``, as Forge's CDN injects its
    own."""
    root = forge_frames.resource_dir(resource)
    if root is None:
        abort(404)
    path = (root / file).resolve()
    if not path.is_file() or not path.is_relative_to(root.resolve()):
        if not root.is_dir():
            return Response("The Forge app is not built: run `make forge-ui`.\n", 404,
                            mimetype="text/plain")
        abort(404)
    if path.suffix != ".html":
        return Response(path.read_bytes(),
                        mimetype=mimetypes.guess_type(path.name)[0] or "application/octet-stream")
    channel, bridge = frame_scripts("forge-bridge.js")
    tags = BRIDGE_TAGS.format(channel=channel, src=bridge, host=escape(origin()))
    html = path.read_text().replace("<head>", "<head>\n  " + tags, 1)
    return Response(html, mimetype="text/html")


def _checked_extension(mod: forge_frames.ForgeModule, given: Any) -> dict[str, Any]:
    """The module's extension context for an issue or project the user may browse."""
    given = given if isinstance(given, dict) else {}

    def key_of(name: str) -> str:
        value = given.get(name)
        return str(value.get("key") or "") if isinstance(value, dict) else ""

    issue = site.issue(key_of("issue")) if key_of("issue") else None
    project = site.project(key_of("project")) if key_of("project") else None
    user = current_user()
    for key in {i for i in (issue and issue.project_key, project and project.key) if i}:
        if not user.may(site.BROWSE, key):
            abort(403)
    return forge_frames.extension(mod, issue, project)


@bp.post("/forge/invoke")
def invoke() -> Any:
    """``invokeRemote`` (``kind`` invoke) or ``requestRemote`` (``kind`` fetch) from a
    framed page of ``module``, answered in the shape the bridge expects."""
    body = request.get_json(silent=True) or {}
    mod = forge_frames.module(str(body.get("module", "")))
    call: dict[str, Any] = body["request"] if isinstance(body.get("request"), dict) else {}
    if mod is None or platform() != "forge":
        return {"error": "no such Forge module on this site"}, 404
    extension = _checked_extension(mod, body.get("extension"))
    raw = None
    if body.get("kind") == "fetch":
        init = call.get("fetchRequestInit") or {}
        method, path = str(init.get("method") or "GET"), str(init.get("path") or call.get("path")
                                                              or "")
        headers = dict(init.get("headers") or [])
        raw = init.get("body") if isinstance(init.get("body"), str) else None
        payload = None
    else:
        method, path = str(call.get("method") or "GET"), str(call.get("path") or "")
        headers, payload = dict(call.get("headers") or {}), call.get("body")
    try:
        answer = forge_install.invoke(current_user().account_id, (mod.key, mod.kind), extension,
                                      method, path, headers, payload, raw)
    except ValueError as exc:
        return {"error": str(exc)}, 400
    response_headers = {k.lower(): v for k, v in answer.headers.items()}
    if body.get("kind") == "fetch":
        return {"status": answer.status_code, "statusText": answer.reason,
                "headers": response_headers, "body": answer.text}
    try:
        parsed = answer.json() if answer.content else None
    except ValueError:
        parsed = answer.text
    return {"success": True, "payload": {"status": answer.status_code, "body": parsed,
                                         "headers": {k: [v] for k, v in response_headers.items()}}}


def _app_ids_or_404(app: str, env: str) -> None:
    if app != tokens.app_uuid() or env != tokens.ENVIRONMENT_UUID:
        abort(404)


def _page_module(kind: str, route: str) -> tuple[forge_frames.ForgeModule, str]:
    mod = next(iter(forge_frames.modules(kind)), None)
    if mod is None or (route and route not in {r for _, r in mod.pages}):
        abort(404)
    return mod, route or (mod.pages[0][1] if mod.pages else "")


def _forge_page(kind: str, route: str, admin: bool) -> Any:
    session[SESSION_PLATFORM] = "forge"  # a Forge page's URL is the Forge installation's
    mod, route = _page_module(kind, route)
    frame = forge_frames.frame(mod, current_user(), route=route)
    links = forge_frames.subpage_links(mod)
    return page("sandbox/app_page.html", frame=frame, admin=admin, side_links=links,
                side_title=mod.name, current=f"{mod.key}/{route}")


@bp.get("/jira/settings/apps/<app>/<env>", defaults={"route": ""})
@bp.get("/jira/settings/apps/<app>/<env>/<route>")
def forge_admin_page(app: str, env: str, route: str) -> Any:
    _app_ids_or_404(app, env)
    return _forge_page("jira:adminPage", route, admin=True)


@bp.get("/jira/apps/<app>/<env>", defaults={"route": ""})
@bp.get("/jira/apps/<app>/<env>/<route>")
def forge_global_page(app: str, env: str, route: str) -> Any:
    _app_ids_or_404(app, env)
    return _forge_page("jira:globalPage", route, admin=False)


@bp.get("/jira/software/projects/<key>/apps/<app>/<env>")
def forge_project_page(key: str, app: str, env: str) -> Any:
    _app_ids_or_404(app, env)
    session[SESSION_PLATFORM] = "forge"
    project = site.project(key)
    mod = next(iter(forge_frames.modules("jira:projectPage")), None)
    if project is None or mod is None or not current_user().may(site.BROWSE, project.key):
        return page("sandbox/missing.html", what="This project page"), 404
    return page("sandbox/project.html", project=project, issues=[],
                project_links=project_links(project), current=mod.key,
                frame=forge_frames.frame(mod, current_user(), project=project))
