"""The issue calls smart commits make, as a stand-in Jira site answers them (REST v3):
the sandbox's Jira (``app.sandbox.jira_write``) and the tests' fake Atlassian both.

Comments and worklog comments must be Atlassian Document Format; ``timeSpent`` must be
Jira's duration syntax; worklogs are refused while time tracking is off; a transition
must be one available from the issue's status (the workflow below, or the site's);
assignees must be known accounts; labels may not contain spaces. Everything done is
recorded on the site (shown on the sandbox's issue view; looked at by tests).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

Answer = tuple[int, Any]
TIME_SPENT = re.compile(r"^(\d+(\.\d+)?[wdhm])( \d+(\.\d+)?[wdhm])*$")
ISSUE_PATH = re.compile(r"^/rest/api/3/issue/([A-Z][A-Z0-9_]+-\d+)(/[a-z]+)?$")

#: A small workflow: transition id, name and target status.
WORKFLOW = [
    {"id": "11", "name": "To Do", "to": {"name": "To Do"}},
    {"id": "21", "name": "Start Progress", "to": {"name": "In Progress"}},
    {"id": "31", "name": "Done", "to": {"name": "Done"}},
    {"id": "41", "name": "Send to QA", "to": {"name": "In QA"}},
    {"id": "51", "name": "Send back", "to": {"name": "Reopened"}},
]


def _errors(*messages: str) -> dict[str, Any]:
    return {"errorMessages": list(messages), "errors": {}}


def _adf_text(doc: Any) -> str | None:
    """The plain text of an ADF document (mentions as their text), or None if it is not
    one."""
    if not isinstance(doc, dict) or doc.get("type") != "doc" or doc.get("version") != 1:
        return None

    def walk(node: Any) -> str:
        if node.get("type") == "text":
            return str(node.get("text", ""))
        if node.get("type") == "mention":
            return str(node.get("attrs", {}).get("text", ""))
        parts = [walk(child) for child in node.get("content", [])]
        return ("\n" if node.get("type") == "doc" else "").join(parts)

    return walk(doc)


@dataclass
class IssueActivity:
    """What smart commits did on the site's issues."""

    comments: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    worklogs: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    transitions: dict[str, list[str]] = field(default_factory=dict)
    assignees: dict[str, str] = field(default_factory=dict)
    labels: dict[str, list[str]] = field(default_factory=dict)
    time_tracking: bool = True
    workflow: list[dict[str, Any]] = field(default_factory=lambda: list(WORKFLOW))
    #: accountId, displayName, emailAddress, active, accountType
    users: list[dict[str, Any]] = field(default_factory=list)

    def count(self) -> int:
        groups: list[dict[str, list[Any]]] = [self.comments, self.worklogs, self.transitions]
        return sum(len(done) for group in groups for done in group.values())


def user_search(activity: IssueActivity, query: str) -> Answer:
    """``GET /rest/api/3/user/search?query=``: email (exact) or a name prefix. Emails are
    not returned (as for most users under Atlassian's privacy settings)."""
    q = query.lower()
    found = [u for u in activity.users
             if (u.get("emailAddress") or "").lower() == q
             or (u.get("displayName") or "").lower().startswith(q)]
    return 200, [{k: v for k, v in u.items() if k != "emailAddress"} for u in found]


def handle(activity: IssueActivity, issues: dict[str, dict[str, Any]], method: str,
           path: str, body: Any) -> Answer | None:
    """Answer an issue action, or None if ``path`` is not one."""
    match = ISSUE_PATH.match(path)
    if match is None:
        return None
    key, action = match.group(1), match.group(2) or ""
    issue = issues.get(key)
    if issue is None:
        return 404, _errors("Issue does not exist or you do not have permission to see it.")
    if action == "" and method == "GET":
        return 200, issue
    handler = ACTIONS.get((method, action))
    if handler is None:
        return 405, _errors("Method not allowed")
    return handler(activity, issue, key, body or {})


def _comment(activity: IssueActivity, issue: dict[str, Any], key: str, body: Any) -> Answer:
    text = _adf_text(body.get("body"))
    if text is None:
        return 400, _errors("Comment body is not valid Atlassian Document Format.")
    activity.comments.setdefault(key, []).append({"text": text, "body": body["body"]})
    return 201, {"id": str(activity.count() + 1), "body": body["body"]}


def _worklog(activity: IssueActivity, issue: dict[str, Any], key: str, body: Any) -> Answer:
    if not activity.time_tracking:
        return 400, _errors("Time Tracking is disabled.")
    spent = body.get("timeSpent", "")
    text = _adf_text(body.get("comment")) if body.get("comment") else ""
    if not TIME_SPENT.match(spent) or text is None:
        return 400, {"errorMessages": [], "errors": {"timeLogged": "Invalid time duration."}}
    activity.worklogs.setdefault(key, []).append(
        {"timeSpent": spent, "started": body.get("started"), "text": text})
    return 201, {"id": str(activity.count() + 1), "timeSpent": spent}


def _available(activity: IssueActivity, issue: dict[str, Any]) -> list[dict[str, Any]]:
    status = issue.setdefault("fields", {}).get("status", {}).get("name", "To Do")
    return [t for t in activity.workflow if t["to"]["name"] != status]


def _transitions(activity: IssueActivity, issue: dict[str, Any], key: str, body: Any
                 ) -> Answer:
    return 200, {"transitions": _available(activity, issue)}


def _transition(activity: IssueActivity, issue: dict[str, Any], key: str, body: Any) -> Answer:
    wanted = str((body.get("transition") or {}).get("id"))
    chosen = next((t for t in _available(activity, issue) if t["id"] == wanted), None)
    if chosen is None:
        return 400, _errors(f"Transition id '{wanted}' is not valid for this issue.")
    issue["fields"]["status"] = {"name": chosen["to"]["name"]}
    activity.transitions.setdefault(key, []).append(chosen["name"])
    return 204, None


def _assign(activity: IssueActivity, issue: dict[str, Any], key: str, body: Any) -> Answer:
    account = body.get("accountId")
    if not any(u["accountId"] == account for u in activity.users):
        return 400, _errors(f"User '{account}' cannot be assigned issues.")
    activity.assignees[key] = account
    return 204, None


def _edit(activity: IssueActivity, issue: dict[str, Any], key: str, body: Any) -> Answer:
    adds = [op.get("add") for op in (body.get("update") or {}).get("labels", [])]
    if not adds or any(not isinstance(a, str) or " " in a for a in adds):
        return 400, {"errorMessages": [], "errors": {"labels": "Labels cannot contain spaces."}}
    current = activity.labels.setdefault(key, [])
    current.extend(a for a in adds if a not in current)
    return 204, None


ACTIONS = {
    ("POST", "/comment"): _comment,
    ("POST", "/worklog"): _worklog,
    ("GET", "/transitions"): _transitions,
    ("POST", "/transitions"): _transition,
    ("PUT", "/assignee"): _assign,
    ("PUT", ""): _edit,
}
