"""One standard set of repositories, users and pull requests, the same on every fake host.

Repositories (owner ``acme``, ``ACME`` on Bitbucket Server):

* ``app``: ``main`` with "ABC-1 first" and "ABC-2 second, also ABC-1" (tag ``v1.0``),
  ``feature/ABC-3-login`` (key only in the branch name), ``wip-draft``,
  ``merged-work``, ``declined-idea``; pull requests #1 open (key in the branch),
  #2 draft (key in the title), #3 merged (key in the description), #4 declined
  (key in the title), with reviewers;
* ``lib``: "ABC-1 library support" on ``main``;
* ``docs``: one commit without any key.

Users and tokens: ``alice`` (the integration's admin token), ``bob`` (a developer's
own token, for Require User PAT), ``carol`` (read-only: no write, no admin).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.support.fake_hosts.base import FakeHost
from tests.support.fake_hosts.state import FakeRepo
from tests.support.gitrepo import WorkRepo

__all__ = ["ISSUES", "TOKENS", "Scenario", "seed"]

#: per family: (admin token, user token, read-only token); Bitbucket Cloud's admin
#: credential is an app password (basic auth), the others are access tokens.
TOKENS: dict[str, tuple[str, str, str]] = {
    "github": ("ghp_AdminToken0000000000000000000000001", "ghp_BobToken00000000000000000000000002",
               "ghp_CarolToken000000000000000000000003"),
    "gitlab": ("glpat-admin-token-00000001", "glpat-bob-token-000000002",
               "glpat-carol-token-0000003"),
    "bitbucket_cloud": ("ATBBadminAppPassword0001", "ATCTT3xFfGN0bobAccessToken0002",
                        "ATCTT3xFfGN0carolReadOnly0003"),
    "bitbucket_server": ("BBDC-AdminToken000000000001", "BBDC-BobToken00000000000002",
                         "BBDC-CarolToken0000000000003"),
    "azure_devops": ("adminpat52vbzv3dxjmqaxwhdkoh5vcnqmeyxgtzqr6ldnzn",
                     "bobpat5vbzv3dxjmqaxwhdkoh5vcnqmeyxgtzqr6ldnznk",
                     "carolpat5vbzv3dxjmqaxwhdkoh5vcnqmeyxgtzqr6ldnz"),
    "gerrit": ("AdminHttpPassword0000000001", "BobHttpPassword000000000002",
               "CarolHttpPassword00000000003"),
    # access key ids; the fake derives each key's secret (FakeCodeCommit.secret_of)
    "aws_codecommit": ("AKIAIOSFODNN7ALICE001", "AKIAIOSFODNN7BOB00002", "AKIAIOSFODNN7CAROL003"),
}

#: the Jira issues the scenario's commits, branches and pull requests mention
ISSUES = ("ABC-1", "ABC-2", "ABC-3", "ABC-4", "ABC-5", "ABC-6", "ABC-7", "ABC-8", "ABC-9")


@dataclass
class Scenario:
    fake: FakeHost
    admin_token: str
    user_token: str
    readonly_token: str
    repos: dict[str, FakeRepo] = field(default_factory=dict)
    works: dict[str, WorkRepo] = field(default_factory=dict)
    shas: dict[str, str] = field(default_factory=dict)

    def name(self, short: str) -> str:
        """The host's name of ``app``/``lib``/``docs``."""
        return self.repos[short].name

    def push(self, short: str, message: str, files: dict[str, str], branch: str = "main"
             ) -> tuple[str, str]:
        """Commit on ``branch`` (as the host has it now) and push just that branch, as a
        developer would; returns ``(before, after)`` for a webhook delivery."""
        work, repo = self.works[short], self.repos[short]
        before = repo.sha(branch) or "0" * 40
        work.git("checkout", "--quiet", "--detach")
        if before != "0" * 40:
            refspec = f"+refs/heads/{branch}:refs/heads/{branch}"
            work.git("fetch", "--quiet", str(repo.bare), refspec)
            work.checkout(branch)
        else:
            work.checkout(branch, create=True, start="main")
        after = work.commit(message, files)
        work.git("push", "--quiet", str(repo.bare), f"{branch}:refs/heads/{branch}")
        return before, after

    def aws_auth(self, key: str, secret: str | None = None) -> dict[str, str]:
        """An AWS key pair of the fake CodeCommit, as ``auth``."""
        fake: Any = self.fake
        return {"type": "aws", "access_key_id": key, "region": fake.region,
                "secret_access_key": secret or fake.secret_of(key)}

    @property
    def admin_auth(self) -> dict[str, str]:
        """The ``auth`` body for creating the integration with the admin credential."""
        if self.fake.family in ("bitbucket_cloud", "gerrit"):
            return {"type": "basic", "username": "alice", "password": self.admin_token}
        if self.fake.family == "aws_codecommit":
            return self.aws_auth(self.admin_token)
        return {"type": "pat", "token": self.admin_token}


def seed(fake: FakeHost, work_root: Path) -> Scenario:
    family = fake.family
    admin, user, readonly = TOKENS[family]
    fake.add_user("alice", "Alice Admin", "alice@example.com")
    fake.add_user("bob", "Bob Developer", "bob@example.com")
    fake.add_user("carol", "Carol Reader", "carol@example.com")
    fake.add_user("dave", "Dave Reviewer", "dave@example.com")
    fake.add_token(admin, "alice", password=family == "bitbucket_cloud")
    fake.add_token(user, "bob", admin=False)
    readonly_scopes = {
        "github": None,  # a fine-grained token with read access: no scopes reported
        "gitlab": ("read_api", "read_repository"),
        "bitbucket_cloud": ("account", "repository", "pullrequest"),
        "bitbucket_server": None,
        "azure_devops": None,
        "gerrit": None,
        "aws_codecommit": None,
    }[family]
    fake.add_token(readonly, "carol", scopes=readonly_scopes, write=False, admin=False)
    scenario = Scenario(fake, admin, user, readonly)
    owner = fake.default_owner
    for short in ("app", "lib", "docs"):
        scenario.repos[short] = fake.create_repo(fake.repo_name(owner, short))
        scenario.works[short] = WorkRepo(work_root / f"{family}-{short}")
    _app(scenario)
    lib = scenario.works["lib"]
    scenario.shas["lib1"] = lib.commit("ABC-1 library support", {"lib.py": "x = 1\n"},
                                       date="2026-01-05T10:00:00Z")
    lib.publish(scenario.repos["lib"].bare)
    docs = scenario.works["docs"]
    scenario.shas["docs1"] = docs.commit("Docs without keys", {"README": "docs\n"},
                                         date="2026-01-06T10:00:00Z")
    docs.publish(scenario.repos["docs"].bare)
    return scenario


def _app(scenario: Scenario) -> None:
    work, shas = scenario.works["app"], scenario.shas
    shas["first"] = work.commit("ABC-1 first", {"a.txt": "one\n"}, date="2026-01-01T10:00:00Z")
    shas["second"] = work.commit("ABC-2 second, also ABC-1", {"a.txt": "one\ntwo\n",
                                                               "b.txt": "b\n"},
                                 date="2026-01-02T10:00:00Z")
    work.tag("v1.0", message="release 1.0")
    for branch, message, day in (
        ("feature/ABC-3-login", "login form", "03"),
        ("wip-draft", "draft work", "04"),
        ("merged-work", "more work", "05"),
        ("declined-idea", "an idea", "06"),
    ):
        work.checkout(branch, create=True, start="main")
        shas[branch] = work.commit(message, {f"{branch.replace('/', '_')}.txt": message + "\n"},
                                   date=f"2026-01-{day}T10:00:00Z")
        work.checkout("main")
    repo = scenario.repos["app"]
    work.publish(repo.bare)
    fake = scenario.fake
    fake.add_pull(repo.name, source="feature/ABC-3-login", title="Login form",
                  description="A login form.", state="open", author="bob",
                  updated_at="2026-01-10T10:00:00Z", reviewers=[("dave", True)])
    fake.add_pull(repo.name, source="wip-draft", title="ABC-4 Draft work", state="draft",
                  author="bob", updated_at="2026-01-11T10:00:00Z", reviewers=[("dave", False)])
    fake.add_pull(repo.name, source="merged-work", title="Merged work",
                  description="Implements ABC-5.", state="merged", author="alice",
                  updated_at="2026-01-12T10:00:00Z")
    fake.add_pull(repo.name, source="declined-idea", title="ABC-6 Declined idea",
                  state="declined", author="bob", updated_at="2026-01-13T10:00:00Z")
