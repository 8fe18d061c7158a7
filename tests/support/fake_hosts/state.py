"""The state a fake git host keeps: its users, tokens, repositories (real bare ones),
pull requests and webhooks, what it recorded of each request, and the request a route
handler sees (``Call``). Plain dataclasses; the server in ``base.py`` owns the lock."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from werkzeug.wrappers import Request, Response

from tests.support.gitrepo import git

PR_STATES = ("open", "draft", "merged", "declined")
ZERO_SHA = "0" * 40


@dataclass
class HostUser:
    login: str
    name: str
    id: int
    email: str = ""

    @property
    def uuid(self) -> str:
        """Bitbucket Cloud's ``{...}`` account uuid, stable per login."""
        return "{" + str(uuid.uuid5(uuid.NAMESPACE_URL, self.login)) + "}"


@dataclass
class Token:
    """A credential the host accepts. ``password`` tokens are Basic-auth passwords
    (Bitbucket app passwords, Bitbucket Server passwords) rather than bearer tokens."""

    value: str
    user: HostUser
    scopes: tuple[str, ...] | None = None
    expired: bool = False
    write: bool = True
    admin: bool = True
    password: bool = False

    @property
    def login(self) -> str:
        return self.user.login


@dataclass
class Pull:
    number: int
    title: str
    description: str | None
    state: str
    source: str
    target: str
    author: HostUser
    created_at: datetime
    updated_at: datetime
    #: (reviewer, approved)
    reviewers: list[tuple[HostUser, bool]] = field(default_factory=list)
    #: the token that created it through the API (None: seeded by the test)
    created_with: str | None = None

    @property
    def open(self) -> bool:
        return self.state in ("open", "draft")


@dataclass
class Hook:
    id: str
    url: str
    secret: str | None
    events: list[str]
    created_with: str | None
    active: bool = True


@dataclass
class CreatedBranch:
    name: str
    sha: str
    created_with: str
    login: str


@dataclass
class FakeRepo:
    """One repository: ``name`` is how the host's API paths name it."""

    name: str
    id: int
    bare: Path
    default_branch: str = "main"
    pulls: list[Pull] = field(default_factory=list)
    hooks: list[Hook] = field(default_factory=list)
    created_branches: list[CreatedBranch] = field(default_factory=list)
    deleted_hooks: list[Hook] = field(default_factory=list)

    @property
    def owner(self) -> str:
        return self.name.rsplit("/", 1)[0]

    @property
    def slug(self) -> str:
        return self.name.rsplit("/", 1)[1]

    def git(self, *args: str) -> str:
        return git("--git-dir", str(self.bare), *args)

    def branches(self) -> dict[str, str]:
        out = self.git("for-each-ref", "--format=%(refname:short) %(objectname)", "refs/heads")
        return dict(line.split(" ", 1) for line in out.splitlines() if line)

    def sha(self, branch: str) -> str | None:
        return self.branches().get(branch)

    def ahead(self, base: str, head: str) -> int:
        """Commits on ``head`` that ``base`` lacks (``git rev-list --count base..head``)."""
        return int(self.git("rev-list", "--count", f"{base}..{head}").strip())

    def commits(self, base: str | None, head: str) -> list[dict[str, Any]]:
        """Commits in ``base..head``, oldest first, with what payloads carry."""
        spec = f"{base}..{head}" if base and base != ZERO_SHA else head
        fmt = "%H%x1f%an%x1f%ae%x1f%aI%x1f%B%x1e"
        out = self.git("log", "--reverse", f"--format={fmt}", spec)
        commits = []
        for record in out.split("\x1e"):
            record = record.strip("\n")
            if not record:
                continue
            sha, name, email, date, message = record.split("\x1f", 4)
            files = self.git("diff-tree", "--no-commit-id", "--name-status", "-r", "--root", sha)
            changes: dict[str, list[str]] = {"added": [], "modified": [], "removed": []}
            for line in files.splitlines():
                status, _, path = line.partition("\t")
                key = {"A": "added", "D": "removed"}.get(status[:1], "modified")
                changes[key].append(path)
            commits.append(
                {"sha": sha, "name": name, "email": email, "date": date,
                 "message": message, **changes}
            )
        return commits

    def pull(self, number: int) -> Pull | None:
        return next((p for p in self.pulls if p.number == number), None)


@dataclass
class Recorded:
    kind: str  # "api" or "git"
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: Any
    token: str | None = None
    login: str | None = None
    status: int = 0


@dataclass
class Scripted:
    method: str
    path_contains: str
    status: int
    body: Any
    headers: dict[str, str]
    times: int


@dataclass
class Delivery:
    """One webhook delivery the fake made: where, how signed, and what came back."""

    url: str
    headers: dict[str, str]
    body: bytes
    event: str = ""
    status: int | None = None


class HostAnswer(Exception):
    """Raised inside a handler to answer at once (errors, refusals)."""

    def __init__(self, response: Response) -> None:
        super().__init__(response.status)
        self.response = response


@dataclass
class Call:
    """One API request as a handler sees it."""

    request: Request
    path: str  # raw (still percent-encoded), without the query string
    query: dict[str, list[str]]
    body: Any
    token: Token | None
    groups: dict[str, str]

    def arg(self, name: str, default: str | None = None) -> str | None:
        values = self.query.get(name)
        return values[0] if values else default

    def int_arg(self, name: str, default: int) -> int:
        value = self.arg(name)
        return int(value) if value and value.lstrip("-").isdigit() else default

    def __getitem__(self, name: str) -> str:
        return self.groups[name]


Handler = Callable[[Call], Response]


def iso(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_iso(value: str) -> datetime:
    parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00").replace(" ", "+"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)
