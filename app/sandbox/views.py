"""The stand-in Jira's pages: its chrome (top bar, project sidebar, issue view, admin and
app pages) with the app's descriptor modules framed where Jira puts them.

Locations as Jira Cloud has them: ``webPanels`` at ``atl.jira.view.issue.right.context``
in the issue's right column, ``jiraIssueContents`` as buttons under the summary that
open their panel in the issue, ``jiraProjectPages`` in the project sidebar
(``/projects/<key>/apps/<module>``), ``generalPages`` under Apps
(``system.top.navigation.bar``) or the profile menu (``system.user.options/personal``),
``adminPages`` in the Apps section of Jira settings; general and admin pages at
``/plugins/servlet/ac/<app key>/<module key>``. A module's ``user_is_admin`` condition
hides its links from other users, as in Jira; opening its URL directly still frames it,
so the app's own server-side check is what refuses.

The chrome's Connect / Forge toggle (``platform``) picks which installation of the app
the site shows; the Forge installation's pages are ``forge_frames``' and
``forge_views``'. Both show Jira's own Development panel from what that installation
pushed (``jira_write``).
"""

from __future__ import annotations

import json
from typing import Any

from flask import abort, current_app, render_template, request, session, url_for

from app.sandbox import (
    bp,
    examples,
    forge_frames,
    forge_install,
    frames,
    install,
    jira_write,
    site,
)
from app.sandbox.guard import loopback_only
from app.sandbox.jira_rest import SESSION_USER

SESSION_PLATFORM = "sandbox_platform"


def current_user() -> site.User:
    return site.user(session.get(SESSION_USER))


bp.before_request(loopback_only)


@bp.context_processor
def chrome() -> dict[str, Any]:
    return {"users": site.USERS, "projects": site.PROJECTS,
            "app_key": current_app.config["APP_KEY"], "app_origin": origin()}


def origin() -> str:
    base = current_app.config["BASE_URL"].split("://", 1)
    return base[0] + "://" + base[1].split("/", 1)[0]


def platform() -> str:
    """Which installation the signed-in developer looks at: ``connect`` or ``forge``."""
    return "forge" if session.get(SESSION_PLATFORM) == "forge" else "connect"


def _link(name: str, href: str, key: str) -> dict[str, str]:
    return {"name": name, "href": href, "key": key}


def _connect_link(m: frames.Module) -> dict[str, str]:
    return _link(m.name, url_for("sandbox.app_page", app_key=current_app.config["APP_KEY"],
                                 module_key=m.key), m.key)


def _nav() -> dict[str, Any]:
    """The chrome's links to the app's pages (Apps, Settings, the profile menu)."""
    user = current_user()
    if platform() == "forge":
        pages = [*forge_frames.modules("jira:globalPage"), *forge_frames.modules("jira:adminPage")]
        return {"user": user, "platform": "forge", "personal_links": [],
                "forge_pages": {m.key: forge_frames.page_href(m) for m in pages},
                "top_links": [link for m in forge_frames.modules("jira:globalPage")
                              for link in forge_frames.subpage_links(m)],
                "admin_links": [link for m in forge_frames.modules("jira:adminPage")
                                for link in forge_frames.subpage_links(m)] if user.admin else []}
    general = frames.modules("generalPages")
    admin = [m for m in frames.modules("adminPages") if user.admin or not m.admin_only]
    return {"user": user, "platform": "connect",
            "top_links": [_connect_link(m) for m in general
                          if m.location != "system.user.options/personal"],
            "personal_links": [_connect_link(m) for m in general
                               if m.location == "system.user.options/personal"],
            "admin_links": [_connect_link(m) for m in admin]}


def project_links(project: site.Project) -> list[dict[str, str]]:
    if platform() == "forge":
        return [_link(m.name, forge_frames.page_href(m, project=project), m.key)
                for m in forge_frames.modules("jira:projectPage")]
    return [_link(m.name, url_for("sandbox.project_page", key=project.key, module_key=m.key),
                  m.key) for m in frames.modules("jiraProjectPages")]


def _frame(mod: frames.Module, context: dict[str, Any], issue: site.Issue | None = None,
           **options: Any) -> dict[str, Any]:
    ac = {k: v for k, v in request.args.items() if k.startswith("ac.")}
    return {"module": mod, "url": frames.frame_url(mod, current_user(), context, issue, ac),
            "context": json.dumps(context), **options}


def page(template: str, **values: Any) -> str | tuple[str, int]:
    try:
        install.ensure_installed()
        if platform() == "forge":
            forge_install.ensure_installed()
        return render_template(template, **_nav(), **values)
    except install.InstallFailed as exc:
        return render_template("sandbox/not_installed.html", reason=str(exc),
                               user=current_user()), 502


@bp.get("/")
def home() -> Any:
    user = current_user()
    return page("sandbox/home.html", repositories=examples.Repositories(
        install.state().repos_dir).listing(),
        issues=[i for i in site.ISSUES if user.may(site.BROWSE, i.project_key)],
        message=session.pop("sandbox_message", None))


@bp.get("/browse/<key>")
def issue_view(key: str) -> Any:
    issue = site.issue(key)
    user = current_user()
    if issue is None or not user.may(site.BROWSE, issue.project_key):
        return page("sandbox/missing.html", what=f"Issue {key.upper()[:50]}"), 404
    project = site.project(issue.project_key)
    assert project is not None
    views: dict[str, Any] = {"panels": [], "contents": [], "activity": [], "actions": []}
    if platform() == "forge":
        views["panels"] = [forge_frames.frame(m, user, issue)
                           for m in forge_frames.modules("jira:issueContext")]
        views["activity"] = [forge_frames.frame(m, user, issue)
                             for m in forge_frames.modules("jira:issueActivity")]
    else:
        context = frames.context_for(issue)
        views["panels"] = [_frame(m, context, issue) for m in frames.modules("webPanels")
                           if m.location == "atl.jira.view.issue.right.context"]
        views["contents"] = [_frame(m, context, issue)
                             for m in frames.modules("jiraIssueContents")]
        views["actions"] = [
            {"name": {"createBranch": "Create branch"}.get(m.name, m.name),
             "href": frames.action_url(m, user, issue)}
            for m in frames.modules("developmentActions")]
    return page("sandbox/issue.html", issue=issue, project=project,
                project_links=project_links(project), open_content=request.args.get("content"),
                development=jira_write.development(platform(), issue.key),
                done=jira_write.activity(issue.key), **views)


def _project_or_404(key: str) -> site.Project | None:
    project = site.project(key)
    if project is None or not current_user().may(site.BROWSE, project.key):
        return None
    return project


@bp.get("/projects/<key>")
def project_view(key: str) -> Any:
    project = _project_or_404(key)
    if project is None:
        return page("sandbox/missing.html", what=f"Project {key.upper()[:50]}"), 404
    return page("sandbox/project.html", project=project, issues=site.issues_of(project.key),
                project_links=project_links(project), frame=None)


@bp.get("/projects/<key>/apps/<module_key>")
def project_page(key: str, module_key: str) -> Any:
    project = _project_or_404(key)
    mod = frames.module(module_key)
    if project is None or mod is None or mod.kind != "jiraProjectPages":
        return page("sandbox/missing.html", what="This project page"), 404
    return page("sandbox/project.html", project=project, issues=[],
                project_links=project_links(project), current=mod.key,
                frame=_frame(mod, frames.context_for(project=project), size_to_parent=True))


@bp.get("/plugins/servlet/ac/<app_key>/<module_key>")
def app_page(app_key: str, module_key: str) -> Any:
    mod = frames.module(module_key)
    if app_key != current_app.config["APP_KEY"] or mod is None or mod.kind not in (
            "generalPages", "adminPages"):
        return page("sandbox/missing.html", what="This app page"), 404
    return page("sandbox/app_page.html", frame=_frame(mod, frames.context_for(),
                                                        size_to_parent=True),
                admin=mod.kind == "adminPages", current=mod.key)


@bp.get("/frame-url")
def frame_url() -> Any:
    """A signed iframe URL for ``AP.dialog.create({key})`` (the module, in the context
    of the page that opened it)."""
    mod = frames.module(request.args.get("module", ""))
    if mod is None:
        abort(404)
    issue = site.issue(request.args.get("issue", "")) if request.args.get("issue") else None
    project = site.project(request.args.get("project", "")) if request.args.get("project") else None
    context = frames.context_for(issue, project)
    return {"url": frames.frame_url(mod, current_user(), context, issue), "context": context}
