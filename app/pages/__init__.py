"""Iframe pages Jira embeds: one route per module in the descriptor.

Every page needs a request-bound (qsh) token. Admin pages are checked server-side with
Jira, not only by the descriptor's ``user_is_admin`` condition, which a user can bypass
by opening the iframe URL directly.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import urlsplit

from flask import Blueprint, Flask, Response, current_app, g, render_template, request

from app.connect.auth import link_token_required, page_token_required
from app.connect.qsh import CONTEXT_QSH
from app.errors import Problem, headline
from app.http import ApiError
from app.jira import permissions

bp = Blueprint("pages", __name__, url_prefix="/pages")
F = TypeVar("F", bound=Callable[..., Any])


def admin_required(view: F) -> F:
    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            admin = permissions.is_admin(g.tenant, g.account_id)
        except ApiError as exc:
            raise Problem(
                502,
                "jira_unavailable",
                "Jira did not answer the permission check; try again shortly.",
            ) from exc
        if not admin:
            raise Problem(403, "not_admin", "Only Jira administrators can open this page.")
        return view(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


@bp.after_request
def frame_ancestors(response: Response) -> Response:
    """Let only the tenant's own site frame our pages (before a tenant is known: the
    allowed Jira domains)."""
    tenant = g.get("tenant")
    if tenant is not None:
        # Origins only: a source with a path (a site at https://host/jira) would match
        # that exact path, never the site's pages that frame us.
        sources = " ".join(_origin(url) for url in tenant.site_urls)
    else:
        sources = " ".join(f"https://*.{h}" for h in current_app.config["ALLOWED_JIRA_HOSTS"])
    response.headers["Content-Security-Policy"] = f"frame-ancestors 'self' {sources}"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


@bp.errorhandler(Problem)
def render_problem(problem: Problem) -> tuple[str, int]:
    return render_template("error.html", problem=problem, headline=headline(problem)
                           ), problem.status


def issue_context() -> dict[str, str]:
    """The issue the page is for, from the URL Jira fills in (``?issueKey=``). The page's
    script reads it from a data attribute; the API checks it and the user's access."""
    return {"issue_key": request.args.get("issueKey", "").strip().upper()[:100],
            "project_key": request.args.get("projectKey", "").strip().upper()[:100]}


@bp.get("/manage-repositories")
@page_token_required
@admin_required
def manage_repositories() -> str:
    """Integrations and repositories, for Jira admins."""
    return render_template("manage_repositories.html")


@bp.get("/general-settings")
@page_token_required
@admin_required
def general_settings() -> str:
    """App-wide settings, for Jira admins."""
    return render_template("general_settings.html")


@bp.get("/issue-development")
@page_token_required
def issue_development() -> str:
    """The Git panel on an issue."""
    return render_template("issue_development.html", **issue_context())


@bp.get("/issue-commits")
@page_token_required
def issue_commits() -> str:
    """Every commit of an issue, with files and diffs."""
    return render_template("issue_commits.html", **issue_context())


@bp.get("/create-branch")
@link_token_required
def create_branch() -> str:
    """Jira's own Development panel "Create branch" action (``jiraDevelopmentTool``
    ``actions.createBranch``): the create-branch form as a page, for
    ``?issueKey={issue.key}&issueSummary={issue.summary}&jwt={jwt}``.

    Jira opens the link in a browser tab of its own, with a context token for ``{jwt}``:
    outside Jira's iframe there is no ``AP`` to ask for tokens, so the page's API calls
    use that token (it is the user's, for the JSON API only, and expires in minutes).
    """
    standalone = g.jwt_claims.get("qsh") == CONTEXT_QSH
    return render_template(
        "create_branch.html",
        issue_summary=request.args.get("issueSummary", "").strip()[:1000],
        context_token=request.args.get("jwt") if standalone else None,
        **issue_context(),
    )


@bp.get("/issue-rollup")
@page_token_required
def issue_rollup() -> str:
    """An issue's commits summed up: first and last, lines by developer, files."""
    return render_template("issue_rollup.html", **issue_context())


@bp.get("/project-commits")
@page_token_required
def project_commits() -> str:
    """A project's linked commits, in the issue tab's format."""
    return render_template("project_commits.html", **issue_context())


@bp.get("/repository-browser")
@page_token_required
def repository_browser() -> str:
    """Repositories the user may browse, their commits, Compare, and the user's tokens;
    ``?repository=<id>`` (Jira's ``{ac.repository}``: links from Jira's own Development
    panel) opens on that repository's commits."""
    tenant = g.tenant
    repository = request.args.get("repository", "")
    return render_template("repository_browser.html",
                           site_url=tenant.display_url or tenant.base_url,
                           repository=repository if repository.isdigit() else "")


@bp.get("/user-settings")
@page_token_required
def user_settings() -> str:
    """A user's own tokens and defaults."""
    return render_template("user_settings.html")


#: Atlassian's Connect script; Connect requires pages to load it from this CDN.
ALL_JS = "https://connect-cdn.atl-paas.net/all.js"


def ap_script_urls() -> list[str]:
    """The scripts that give this page its ``AP``, in load order: Atlassian's, unless a
    registered chooser (the development sandbox, for pages it frames itself) names others
    for the tenant. The last one is the ``AP`` script (it reads the ``data-options``)."""
    tenant = g.get("tenant")
    for choose in current_app.extensions.get("ap_scripts", []):
        if urls := choose(tenant):
            return [str(url) for url in urls]
    return [ALL_JS]


def init_app(app: Flask) -> None:
    app.extensions.setdefault("ap_scripts", [])
    app.register_blueprint(bp)
    app.context_processor(lambda: {"ap_script_urls": ap_script_urls})
