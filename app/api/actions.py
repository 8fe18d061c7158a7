"""Create a branch or a pull request from an issue.

Only repositories associated with the issue's project are offered; users need the same
permissions as to see the issue's development data. With *Require User PAT* the
user's own token is used, so the host attributes the branch or pull request to them;
without it, the integration's credentials. The result shows on the issue at once (it
is stored, and the repository re-indexed).
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import current_app, g, request

from app import branch_names, creating, hosts, providers
from app.api import bp
from app.api.common import json_body
from app.api.development import authorize
from app.atlassian import api_auth_required, page_url
from app.errors import Problem
from app.extensions import db
from app.git_hosts.errors import GitHostError
from app.jobs import request_index
from app.models import Branch, Integration, Repository, UserSetting
from app.queue import MANUAL, QueueUnavailable
from app.store import development, pull_requests


def _visible(issue: dict[str, Any]) -> dict[int, Repository]:
    ids = [r.id for r in development.visible_repositories(
        g.tenant.id, issue["project"], current_app.config["DATA_DIR"])]
    rows = db.session.execute(sa.select(Repository).where(Repository.id.in_(ids))).scalars()
    return {r.id: r for r in rows}


def _user_token(integration: Integration) -> str | dict[str, str] | None:
    return creating.user_token(integration, g.account_id)


def _capability(repository: Repository) -> tuple[bool, str | None]:
    return creating.capability(repository, _user_token(repository.integration) is not None)


def _user_settings_url() -> str:
    return page_url(g.tenant, "user-settings")


@bp.get("/issues/<key>/create-options")
@api_auth_required
def create_options(key: str) -> dict[str, Any]:
    issue = authorize(key)
    repositories = []
    for repository in sorted(_visible(issue).values(), key=lambda r: r.name):
        can, reason = _capability(repository)
        integration = repository.integration
        host = hosts.get(integration.kind)
        repositories.append({
            "id": repository.id, "name": repository.name, "integration_id": integration.id,
            "kind": integration.kind, "default_branch": repository.default_branch,
            "pull_request_term": host.pull_request_term if host else "pull request",
            "creates_pull_requests": bool(host and host.creates_pull_requests),
            "pull_request_howto": host.hints.pull_request_howto if host else None,
            "can_create": can, "reason": reason,
            "require_user_pat": bool(integration.setting("require_user_pat")),
            "has_user_token": _user_token(integration) is not None,
        })
    settings = db.session.get(UserSetting, (g.tenant.id, g.account_id or ""))
    defaults = (settings.data if settings else {}).get("default_repositories", {})
    summary = request.args.get("summary") or issue.get("summary") or ""
    return {
        "repositories": repositories,
        "default_repository_id": defaults.get(issue["project"]),
        "branch_name": branch_names.suggest(
            (g.tenant.settings or {}).get("branch_template"), issue["key"], summary),
        "user_settings_url": _user_settings_url(),
    }


@bp.get("/repositories/<int:repository_id>/branches")
@api_auth_required
def repository_branches(repository_id: int) -> dict[str, Any]:
    issue = authorize(request.args.get("issue", ""))
    repository = _visible(issue).get(repository_id)
    if repository is None:
        raise Problem(404, "not_found", "no such repository for this issue's project")
    rows = db.session.execute(sa.select(Branch).where(Branch.repository_id == repository.id)
                              .order_by(Branch.is_main.desc(), Branch.name)).scalars()
    return {"branches": [{"name": b.name, "is_main": b.is_main} for b in rows]}


def _target(issue: dict[str, Any], body: dict[str, Any]
            ) -> tuple[Repository, str | dict[str, str] | None]:
    repository = _visible(issue).get(body.get("repository_id"))  # type: ignore[arg-type]
    if repository is None:
        raise Problem(404, "not_found", "no such repository for this issue's project")
    can, reason = _capability(repository)
    if not can:
        integration = repository.integration
        code = ("user_pat_required" if integration.setting("require_user_pat")
                and providers.is_service(integration.kind) else "not_supported")
        raise Problem(403 if code == "user_pat_required" else 400, code, reason or "")
    token = (_user_token(repository.integration)
             if repository.integration.setting("require_user_pat") else None)
    return repository, token


def _text(body: dict[str, Any], name: str, required: bool = True) -> str:
    value = body.get(name)
    if not required and (value is None or (isinstance(value, str) and not value.strip())):
        return ""  # an optional field left empty (as the create form sends it)
    if not isinstance(value, str) or not value.strip():
        raise Problem(400, "invalid_request", f"'{name}' is required")
    return value.strip()


def _reindex(repository: Repository) -> None:
    try:
        request_index(repository.id, MANUAL)
    except QueueUnavailable:
        current_app.logger.warning("api.queue_unavailable repository=%s", repository.id)


@bp.post("/issues/<key>/branches")
@api_auth_required
def create_branch(key: str) -> tuple[dict[str, Any], int]:
    issue = authorize(key)
    body = json_body()
    repository, token = _target(issue, body)
    name, source = _text(body, "name"), _text(body, "source")
    provider = providers.for_integration(repository.integration)
    try:
        branch = provider.create_branch(providers.host_repository(repository), name, source,
                                        token=token)
    except GitHostError as exc:
        raise providers.problem(exc) from exc
    _reindex(repository)
    return {"name": branch.name, "sha": branch.sha, "url": branch.url,
            "repository": {"id": repository.id, "name": repository.name}}, 201


@bp.post("/issues/<key>/pull-requests")
@api_auth_required
def create_pull_request(key: str) -> tuple[dict[str, Any], int]:
    issue = authorize(key)
    body = json_body()
    repository, token = _target(issue, body)
    source = _text(body, "source")
    target = _text(body, "target", required=False) or repository.default_branch or ""
    if not target:
        raise Problem(400, "invalid_request", "'target' is required")
    title = _text(body, "title", required=False) or issue["key"]
    if issue["key"] not in title:
        title = f"{issue['key']} {title}"
    link = f"{g.tenant.display_url or g.tenant.base_url}/browse/{issue['key']}"
    description = _text(body, "description", required=False)
    description = f"{description}\n\nJira issue: {link}".strip()
    provider = providers.for_integration(repository.integration)
    try:
        pr = provider.create_pull_request(providers.host_repository(repository), source=source,
                                          target=target, title=title, description=description,
                                          token=token)
    except GitHostError as exc:
        raise providers.problem(exc) from exc
    pull_requests.upsert(repository, number=pr.number, title=pr.title,
                         description=pr.description, state=pr.state,
                         source_branch=pr.source_branch, target_branch=pr.target_branch,
                         author=pr.author, reviewers=pr.reviewers_json(), url=pr.url,
                         updated_at=pr.updated_at)
    db.session.commit()
    _reindex(repository)
    return {"id": pr.number, "title": pr.title, "state": pr.state, "source": pr.source_branch,
            "target": pr.target_branch, "url": pr.url, "author": {"name": pr.author},
            "repository": {"id": repository.id, "name": repository.name}}, 201
