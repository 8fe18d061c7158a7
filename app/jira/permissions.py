"""Who may see and do what, asked of Jira with ``POST /rest/api/3/permissions/check``.

Asked through ``app.atlassian.check_permissions`` (as the user where the platform gave a
user token, else as the app naming the user). Answers are cached for a short while per
(site, user, scope) so a page and its API calls cost one round trip.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, current_app

from app.atlassian import check_permissions, jira_for
from app.cache import TTLCache

DEV_PERMISSIONS = ("BROWSE_PROJECTS", "VIEW_DEV_TOOLS")


def init_app(app: Flask) -> None:
    app.extensions["permission_cache"] = TTLCache[Any](app.config["PERMISSION_CACHE_SECONDS"])


def _cache() -> TTLCache[Any]:
    cache: TTLCache[Any] = current_app.extensions["permission_cache"]
    return cache


def is_admin(tenant: Any, account_id: str | None) -> bool:
    """Whether the user is a Jira administrator (global ADMINISTER)."""
    if not account_id:
        return False

    def ask() -> bool:
        answer = check_permissions(tenant, account_id, {"globalPermissions": ["ADMINISTER"]})
        return "ADMINISTER" in answer.get("globalPermissions", [])

    return bool(_cache().get_or_set((tenant.id, account_id, "admin"), ask))


def _granted(answer: dict[str, Any], kind: str, ident: int) -> bool:
    granted = {
        p.get("permission"): set(p.get(kind, [])) for p in answer.get("projectPermissions", [])
    }
    return all(ident in granted.get(name, set()) for name in DEV_PERMISSIONS)


def can_view_development(
    tenant: Any,
    account_id: str | None,
    *,
    project_id: int | None = None,
    issue_id: int | None = None,
) -> bool:
    """Browse + View Development Tools on a project or an issue."""
    if not account_id or (project_id is None) == (issue_id is None):
        return False
    kind, ident = ("projects", project_id) if project_id is not None else ("issues", issue_id)

    def ask() -> bool:
        answer = check_permissions(
            tenant,
            account_id,
            {"projectPermissions": [{"permissions": list(DEV_PERMISSIONS), kind: [ident]}]},
        )
        return _granted(answer, kind, int(ident))  # type: ignore[arg-type]

    return bool(_cache().get_or_set((tenant.id, account_id, kind, ident), ask))


def project_list(tenant: Any) -> list[dict[str, Any]]:
    """The site's projects as ``{id, key, name}``, cached like permissions."""

    def ask() -> list[dict[str, Any]]:
        return [
            {"id": p.get("id"), "key": p.get("key"), "name": p.get("name")}
            for p in jira_for(tenant).projects()
        ]

    result: list[dict[str, Any]] = _cache().get_or_set((tenant.id, "projects"), ask)
    return result


#: Jira's permissions/check takes this many projects per request entry.
CHECK_CHUNK = 1000


def projects_with(tenant: Any, account_id: str | None,
                  permissions: tuple[str, ...] = DEV_PERMISSIONS) -> set[str]:
    """Keys of the site's projects on which the user holds every one of ``permissions``
    (one permission check for all of them, cached like the others)."""
    if not account_id:
        return set()

    def ask() -> set[str]:
        projects = [p for p in project_list(tenant) if p.get("id") and p.get("key")]
        by_id = {int(p["id"]): str(p["key"]) for p in projects}
        ids = list(by_id)
        allowed: set[str] = set()
        for start in range(0, len(ids), CHECK_CHUNK):
            chunk = ids[start:start + CHECK_CHUNK]
            answer = jira_for(tenant).check_permissions({
                "accountId": account_id,
                "projectPermissions": [{"permissions": list(permissions), "projects": chunk}],
            })
            granted: dict[str, set[int]] = {}
            for entry in answer.get("projectPermissions", []):
                granted.setdefault(entry.get("permission"), set()).update(
                    int(p) for p in entry.get("projects", []))
            allowed.update(by_id[i] for i in chunk
                           if all(i in granted.get(name, set()) for name in permissions))
        return allowed

    result: set[str] = _cache().get_or_set(
        (tenant.id, account_id, "projects-with", permissions), ask)
    return result


def project_id(tenant: Any, key: str) -> int | None:
    """The id of the project with ``key`` (from the cached project list), or None."""
    for project in project_list(tenant):
        if str(project.get("key") or "").upper() == key and project.get("id"):
            return int(project["id"])
    return None


def can_browse_project(tenant: Any, account_id: str | None, project: int) -> bool:
    """Browse Projects on one project."""
    if not account_id:
        return False

    def ask() -> bool:
        answer = jira_for(tenant).check_permissions({
            "accountId": account_id,
            "projectPermissions": [{"permissions": ["BROWSE_PROJECTS"], "projects": [project]}],
        })
        return any(project in {int(p) for p in e.get("projects", [])}
                   for e in answer.get("projectPermissions", [])
                   if e.get("permission") == "BROWSE_PROJECTS")

    return bool(_cache().get_or_set((tenant.id, account_id, "browse", project), ask))
