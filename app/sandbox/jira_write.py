"""What the app writes to the stand-in Jira: development information (devinfo 0.10:
bulk, deletes) and smart commits' issue actions (comments, worklogs, transitions,
assignees, labels), answered as Jira answers them, by the same logic the tests' fake
Atlassian uses (``devinfo_store``, ``jira_issues``).

Only the app may write here (its Connect JWT at ``/dev/rest``, its Forge Bearer token at
``/ex/jira/<cloudId>/rest``); the browser's session cannot. Jira keeps development
information per app, so each installation (Connect, Forge) has its own store; the
issues and what was done to them are the site's. Everything is kept in
``SANDBOX_DIR/jira.json`` and shown on the sandbox's issue view: Jira's own Development
panel (counts and links from what was pushed) and the issue's activity.
"""

from __future__ import annotations

import json
import threading
from dataclasses import asdict, fields
from pathlib import Path
from typing import Any

from flask import g, jsonify, request
from werkzeug.wrappers import Response

from app.sandbox import install, site
from app.sandbox.devinfo_store import PLURALS, DevinfoStore
from app.sandbox.jira_issues import IssueActivity, handle
from app.sandbox.jira_rest import error, jira_route

DEVINFO = "/devinfo/0.10"
_lock = threading.Lock()
#: What IssueActivity keeps that is the site's record (not its fixed setup).
RECORDS = ("comments", "worklogs", "transitions", "assignees", "labels")


class SiteData:
    """The site's writable state, loaded from and saved to its file."""

    def __init__(self, path: Path) -> None:
        self.path = path
        data = json.loads(path.read_text()) if path.exists() else {}
        self.devinfo = {name: self._store(data.get("devinfo", {}).get(name, {}))
                        for name in ("connect", "forge")}
        users = [{"accountId": u.account_id, "displayName": u.name, "emailAddress": u.email,
                  "active": True, "accountType": "atlassian"} for u in site.USERS.values()]
        self.activity = IssueActivity(users=users, **{
            f.name: data.get("activity", {}).get(f.name, {}) for f in fields(IssueActivity)
            if f.name in RECORDS})
        self.status: dict[str, str] = data.get("status", {})

    @staticmethod
    def _store(repositories: dict[str, Any]) -> DevinfoStore:
        store = DevinfoStore(lambda key: site.issue(key) is not None)
        store.repositories = repositories
        return store

    def issues(self) -> dict[str, dict[str, Any]]:
        return {i.key: {"id": str(i.id), "key": i.key, "fields": {
            "summary": i.summary, "status": {"name": self.status.get(i.key, i.status)}}}
            for i in site.ISSUES}

    def save(self) -> None:
        activity = asdict(self.activity)
        self.path.write_text(json.dumps({
            "devinfo": {name: store.repositories for name, store in self.devinfo.items()},
            "activity": {k: activity[k] for k in RECORDS}, "status": self.status}))


def load() -> SiteData:
    return SiteData(install.state().dir / "jira.json")


def _write(change: Any) -> Response:
    """Run ``change(data)`` -> (status, body) on the site's data under the lock, saved."""
    if g.get("sandbox_caller") is None:
        return error(403, "Only apps write development information and issue actions here.")
    with _lock:
        data = load()
        status, body = change(data)
        if status < 300:
            data.save()
    if body is None:
        return Response(status=status)
    response = jsonify(body)
    response.status_code = status
    return response


def _query() -> dict[str, str]:
    return {k: v for k, v in request.args.items()}


@jira_route(f"{DEVINFO}/bulk", methods=("POST",))
def devinfo_bulk() -> Response:
    body = request.get_json(silent=True)
    return _write(lambda data: data.devinfo[g.sandbox_caller].bulk(body))


@jira_route(f"{DEVINFO}/repository/<repository_id>", methods=("DELETE",))
def devinfo_delete_repository(repository_id: str) -> Response:
    return _write(lambda data: data.devinfo[g.sandbox_caller].delete_repository(
        repository_id, _query()))


@jira_route(f"{DEVINFO}/repository/<repository_id>/<kind>/<entity_id>", methods=("DELETE",))
def devinfo_delete_entity(repository_id: str, kind: str, entity_id: str) -> Response:
    return _write(lambda data: data.devinfo[g.sandbox_caller].delete_entity(
        repository_id, kind, entity_id, _query()))


@jira_route(f"{DEVINFO}/bulkByProperties", methods=("DELETE",))
def devinfo_delete_by_properties() -> Response:
    return _write(lambda data: data.devinfo[g.sandbox_caller].delete_by_properties(_query()))


def _issue_action(key: str, action: str = "") -> Response:
    body = request.get_json(silent=True) if request.data else None

    def change(data: SiteData) -> tuple[int, Any]:
        issues = data.issues()
        answer = handle(data.activity, issues, request.method,
                        f"/rest/api/3/issue/{key.upper()}{action}", body)
        if answer is None:
            return 404, {"errorMessages": ["Issue does not exist"], "errors": {}}
        status = issues.get(key.upper(), {}).get("fields", {}).get("status", {}).get("name")
        if status:
            data.status[key.upper()] = status
        return answer

    return _write(change)


@jira_route("/api/3/issue/<key>/comment", methods=("POST",))
def issue_comment(key: str) -> Response:
    return _issue_action(key, "/comment")


@jira_route("/api/3/issue/<key>/worklog", methods=("POST",))
def issue_worklog(key: str) -> Response:
    return _issue_action(key, "/worklog")


@jira_route("/api/3/issue/<key>/transitions", methods=("GET", "POST"))
def issue_transitions(key: str) -> Response:
    return _issue_action(key, "/transitions")


@jira_route("/api/3/issue/<key>/assignee", methods=("PUT",))
def issue_assignee(key: str) -> Response:
    return _issue_action(key, "/assignee")


@jira_route("/api/3/issue/<key>", methods=("PUT",))
def issue_edit(key: str) -> Response:
    return _issue_action(key)


def development(platform: str, key: str) -> dict[str, list[dict[str, Any]]]:
    """What Jira's Development panel shows for ``key``: the entities the app's
    installation pushed, per kind, with their repository."""
    store = load().devinfo[platform]
    found: dict[str, list[dict[str, Any]]] = {}
    for plural, entities in store.issue(key).items():
        found[plural] = [{**entity, "repository": store.repositories[rid]["repository"]}
                         for (rid, _), entity in sorted(entities.items())]
    return found


def activity(key: str) -> dict[str, Any]:
    """The issue's comments, worklogs and transitions, and its status now."""
    data = load()
    issue = site.issue(key)
    return {"comments": data.activity.comments.get(key, []),
            "worklogs": data.activity.worklogs.get(key, []),
            "transitions": data.activity.transitions.get(key, []),
            "labels": data.activity.labels.get(key, []),
            "assignee": data.activity.assignees.get(key),
            "status": data.status.get(key, issue.status if issue else "")}


__all__ = ["PLURALS", "activity", "development"]
