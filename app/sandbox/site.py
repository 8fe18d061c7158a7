"""The stand-in Jira site's content: its users, projects, issues and who may do what.

Plain data, fixed, so a newcomer and the browser tests see the same site. Three users
cover the three kinds the pages must serve: a Jira administrator, a developer (Browse
Projects and View Development Tools on ABC and OPS, nothing on HR), and a viewer with
Browse Projects only (no View Development Tools).
"""

from __future__ import annotations

from dataclasses import dataclass, field

#: The site's clientKey (a real site's is a UUID; this one is recognisable in logs).
CLIENT_KEY = "gitbridge-sandbox"
BROWSE, VIEW_DEV_TOOLS, ADMINISTER = "BROWSE_PROJECTS", "VIEW_DEV_TOOLS", "ADMINISTER"
PROJECT_PERMISSIONS = (BROWSE, VIEW_DEV_TOOLS, "CREATE_ISSUES", "EDIT_ISSUES",
                       "TRANSITION_ISSUES", "ADD_COMMENTS", "WORK_ON_ISSUES")


@dataclass(frozen=True)
class User:
    account_id: str
    name: str
    email: str
    role: str
    admin: bool = False
    #: project key -> permissions held there
    grants: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def may(self, permission: str, project_key: str) -> bool:
        return permission in self.grants.get(project_key, ())


@dataclass(frozen=True)
class Project:
    id: int
    key: str
    name: str
    lead: str


@dataclass(frozen=True)
class Issue:
    id: int
    key: str
    summary: str
    status: str
    type: str
    description: str = ""

    @property
    def project_key(self) -> str:
        return self.key.rsplit("-", 1)[0]


PROJECTS = (
    Project(10000, "ABC", "Alpha web app", "Ada Admin"),
    Project(10001, "OPS", "Operations", "Dev Eloper"),
    Project(10002, "HR", "People team", "Ada Admin"),
)

USERS = {
    "admin": User("5f1c2a0e9d3b4c0001a1d001", "Ada Admin", "ada@sandbox.example",
                  "Jira administrator", admin=True,
                  grants={p.key: PROJECT_PERMISSIONS for p in PROJECTS}),
    "developer": User("5f1c2a0e9d3b4c0001a1d002", "Dev Eloper", "dev@sandbox.example", "Developer",
                      grants={"ABC": PROJECT_PERMISSIONS, "OPS": PROJECT_PERMISSIONS}),
    "viewer": User("5f1c2a0e9d3b4c0001a1d003", "Val Viewer", "val@sandbox.example",
                   "Browse only (no View Development Tools)",
                   grants={"ABC": (BROWSE,), "OPS": (BROWSE,)}),
}
DEFAULT_USER = "developer"

ISSUES = (
    Issue(10101, "ABC-1", "Log in with email and password", "In Progress", "Story",
          "Users sign in on the login page with their email address and a password."),
    Issue(10102, "ABC-2", "Remember me on this device", "To Do", "Story"),
    Issue(10103, "ABC-3", "Password reset by email", "In Review", "Story"),
    Issue(10104, "ABC-4", "Login form breaks on small screens", "Done", "Bug"),
    Issue(10105, "ABC-5", "Rate-limit failed logins", "To Do", "Task"),
    Issue(10106, "ABC-6", "Nothing here yet", "To Do", "Task",
          "No commit mentions this issue: the pages show their empty states."),
    Issue(10201, "OPS-1", "Deploy the web app with one command", "In Progress", "Task"),
    Issue(10202, "OPS-2", "Nightly database backups", "Done", "Task"),
    Issue(10301, "HR-1", "Onboarding checklist", "To Do", "Task",
          "Only the administrator may browse the HR project."),
)


def user(name: str | None) -> User:
    return USERS.get(name or "", USERS[DEFAULT_USER])


def by_account(account_id: str | None) -> User | None:
    return next((u for u in USERS.values() if u.account_id == account_id), None)


def project(id_or_key: str | int) -> Project | None:
    text = str(id_or_key).upper()
    return next((p for p in PROJECTS if str(p.id) == text or p.key == text), None)


def issue(id_or_key: str | int) -> Issue | None:
    text = str(id_or_key).upper()
    return next((i for i in ISSUES if str(i.id) == text or i.key == text), None)


def issues_of(project_key: str) -> list[Issue]:
    return [i for i in ISSUES if i.project_key == project_key]
