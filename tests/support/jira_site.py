"""One installed Jira site with issues, an admin and developers, plus a served git
repository, for tests of what the app writes to Jira (devinfo, smart commits).

Everything goes through public surfaces: the JSON API with Connect tokens, real git
over smart HTTP, a real RQ worker (``drain``), and the fake Jira over HTTP.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import redis
from werkzeug.test import TestResponse

from tests.support.connect import ConnectActions
from tests.support.fake_atlassian import Site
from tests.support.git_http import GitHttpServer
from tests.support.gitrepo import WorkRepo, init_bare
from tests.support.indexing import drain

ADMIN, DEV = "admin-1", "dev-1"
#: Projects the site has; issues 1..ISSUES of each exist.
PROJECTS = {"ABC": "1", "XYZ": "2"}
ISSUES = 600


@dataclass
class JiraSite:
    connect: ConnectActions
    redis: redis.Redis
    key: str
    secret: str
    site: Site
    served: GitHttpServer
    root: Path
    work: dict[str, WorkRepo] = field(default_factory=dict)

    # -- the app's API ------------------------------------------------------------------

    def api(self, method: str, path: str, json: Any = None, sub: str = ADMIN) -> TestResponse:
        return self.connect.api(method, path, self.key, self.secret, json=json, sub=sub)

    def ok(self, method: str, path: str, json: Any = None, sub: str = ADMIN,
           status: int = 200) -> Any:
        response = self.api(method, path, json, sub)
        assert response.status_code == status, (method, path, response.get_json())
        return response.get_json()

    def dev(self, key: str) -> dict[str, Any]:
        """Everything our own panel shows for ``key`` (all pages of commits)."""
        page = self.ok("GET", f"/api/v1/issues/{key}/development", sub=DEV)
        commits = list(page["commits"])
        while page.get("next"):
            page = self.ok("GET", f"/api/v1/issues/{key}/development?cursor={page['next']}",
                           sub=DEV)
            commits.extend(page["commits"])
        return {**page, "commits": commits}

    def drain(self) -> None:
        drain(self.redis)

    # -- git --------------------------------------------------------------------------

    def repository(self, name: str = "app") -> WorkRepo:
        """A work tree whose pushes land in the served bare repository ``name``.git."""
        if name not in self.work:
            self.work[name] = WorkRepo(self.root / "work" / name)
            init_bare(self.root / "served" / f"{name}.git")
        return self.work[name]

    def publish(self, name: str = "app") -> None:
        self.work[name].publish(self.root / "served" / f"{name}.git")

    def connect_repository(self, name: str = "app", **settings: Any) -> dict[str, Any]:
        """Connect the served repository (kind ``git``); its first index is queued."""
        body: dict[str, Any] = {"kind": "git", "url": self.served.url(f"{name}.git"),
                                "auth": {"type": "none"}}
        if settings:
            body["settings"] = settings
        return self.ok("POST", "/api/v1/integrations", body, status=201)  # type: ignore[no-any-return]

    def repositories(self, integration: dict[str, Any]) -> list[dict[str, Any]]:
        listed = self.ok("GET", f"/api/v1/integrations/{integration['id']}/repositories")
        return listed["repositories"]  # type: ignore[no-any-return]

    def reindex(self, repository_id: int) -> None:
        self.ok("POST", f"/api/v1/repositories/{repository_id}/reindex", status=202)


def install(connect: ConnectActions, redis_conn: redis.Redis, tmp_path: Path
            ) -> Iterator[JiraSite]:
    key, secret = connect.installed()
    site = connect.fake.site("site-a")
    site.admins.add(ADMIN)
    for project, project_id in PROJECTS.items():
        for number in range(1, ISSUES + 1):
            ident = int(project_id) * 100000 + number
            issue_key = f"{project}-{number}"
            site.issues[issue_key] = {"id": str(ident), "key": issue_key, "fields": {
                "summary": f"Issue {issue_key}", "project": {"id": project_id, "key": project},
                "status": {"name": "To Do"}}}
            for permission in ("BROWSE_PROJECTS", "VIEW_DEV_TOOLS"):
                site.grants.setdefault((DEV, permission), set()).add(ident)
    site.activity.users = [
        {"accountId": "acc-alice", "displayName": "Alice Example",
         "emailAddress": "alice@example.com", "active": True, "accountType": "atlassian"},
        {"accountId": "acc-bob", "displayName": "Bob Builder",
         "emailAddress": "bob@example.com", "active": True, "accountType": "atlassian"},
    ]
    root = tmp_path / "git"
    (root / "served").mkdir(parents=True)
    with GitHttpServer(root / "served") as served:
        yield JiraSite(connect, redis_conn, key, secret, site, served, root)
