"""Repositories the sandbox offers, and how they reach the app: real git repositories
under ``SANDBOX_DIR/repos`` (examples built with real commits that mention the
sandbox's issue keys) or a local repository the developer names, served read-only over
smart HTTP by ``git http-backend`` at ``/dev/git/sandbox/<name>.git``, and connected through the
app's own API (``POST /api/v1/integrations``, as the Manage repositories page does), so
the app clones and indexes them exactly as it would any git server.
"""

from __future__ import annotations

import json
import re
import shutil
import tempfile
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from app.indexing.gitcli import run_git

NAME = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")
ADA = ("Ada Admin", "ada@sandbox.example")
DEV = ("Dev Eloper", "dev@sandbox.example")
SAM = ("Sam Second", "sam@sandbox.example")


class Work:
    """A scratch working tree whose commits go to a bare repository."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.start = datetime.now(UTC) - timedelta(days=12)
        self.step = 0
        run_git(["init", "--quiet", "--initial-branch=main", str(path)])

    def git(self, *args: str, env: dict[str, str] | None = None) -> str:
        return run_git(list(args), cwd=self.path, env=env).stdout.decode()

    def commit(self, message: str, files: dict[str, str | None], who: tuple[str, str]) -> None:
        for name, content in files.items():
            target = self.path / name
            if content is None:
                self.git("rm", "--quiet", "--", name)
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(content)
            self.git("add", "--", name)
        self.step += 1
        run_git(["commit", "--quiet", "--allow-empty", "-F", "-"], cwd=self.path,
                env=self._identity(who), input=message.encode())

    def _identity(self, who: tuple[str, str]) -> dict[str, str]:
        when = (self.start + timedelta(hours=7 * self.step)).strftime("%Y-%m-%dT%H:%M:%SZ")
        return {"GIT_AUTHOR_NAME": who[0], "GIT_AUTHOR_EMAIL": who[1], "GIT_AUTHOR_DATE": when,
                "GIT_COMMITTER_NAME": who[0], "GIT_COMMITTER_EMAIL": who[1],
                "GIT_COMMITTER_DATE": when}

    def tag(self, name: str, message: str | None = None) -> None:
        args = ["tag", "-a", name, "-m", message] if message else ["tag", name]
        self.git(*args, env=self._identity(ADA))

    def publish(self, bare: Path) -> None:
        run_git(["init", "--quiet", "--bare", "--initial-branch=main", str(bare)])
        self.git("push", "--quiet", str(bare), "refs/heads/*:refs/heads/*",
                 "refs/tags/*:refs/tags/*")


LOGIN = "export function login(email, password) {\n  return post('/login', {email, password});\n}\n"
CHECKED = LOGIN.replace("{\n", "{\n  if (!/@/.test(email)) { throw new Error('email'); }\n", 1)
SMALL = (".login { display: grid; }\n"
         "@media (max-width: 480px) { .login { grid-template-columns: 1fr; } }\n")
RESET = "export function reset(email) {\n  return post('/reset', {email});\n}\n"
DEPLOY = "#!/bin/sh\nset -e\n./build && ./ship\n"


def _alpha_web(w: Work) -> None:
    w.commit("Start the Alpha web app",
             {"README.md": "# Alpha web app\n", "src/app.js": "// app\n"}, ADA)
    w.commit("ABC-1 Login page with email and password",
             {"src/login.js": LOGIN, "src/login.css": ".login { display: grid; }\n"}, DEV)
    w.commit("ABC-1 Validate the email address before sending\n\nEmpty or malformed addresses "
             "are refused in the form.", {"src/login.js": CHECKED}, DEV)
    w.tag("v1.0", "Release 1.0")
    w.commit("ABC-4 Login form fits small screens", {"src/login.css": SMALL}, SAM)
    w.commit("Tidy the README", {"README.md": "# Alpha web app\n\nThe Alpha web app.\n"}, ADA)
    w.git("checkout", "--quiet", "-b", "feature/ABC-3-password-reset")
    w.commit("ABC-3 Send a password reset link by email", {"src/reset.js": RESET}, SAM)
    w.commit("ABC-3 Expire reset links after an hour",
             {"src/reset.js": RESET.replace("{email}", "{email, ttl: 3600}")}, SAM)
    w.git("checkout", "--quiet", "main")
    w.commit("ABC-2 Remember me on this device\n\nABC-1 keeps working without it.",
             {"src/remember.js": "export const REMEMBER_DAYS = 30;\n",
              "src/app.js": "// app\nimport './remember.js';\n"}, DEV)
    w.commit("ABC-5 Slow down repeated failed logins",
             {"src/limits.js": "export const MAX_FAILURES = 5;\n", "src/old-limits.txt": "none\n"},
             DEV)
    w.commit("ABC-5 Drop the old notes #start #comment Nothing else read them #time 30m Tidying",
             {"src/old-limits.txt": None}, DEV)
    w.tag("v1.1")


def _ops_scripts(w: Work) -> None:
    w.commit("OPS-1 One-command deploy", {"deploy.sh": DEPLOY}, DEV)
    w.commit("OPS-2 Nightly database backups",
             {"backup.sh": "#!/bin/sh\npg_dump app > backup.sql\n"}, ADA)
    w.commit("OPS-1 Deploy the login page (ABC-1) too",
             {"deploy.sh": DEPLOY.replace("ship", "ship web")}, DEV)
    w.commit("HR-1 Onboarding: give new people deploy access", {"access.md": "Ask in #ops.\n"},
             ADA)


EXAMPLES: dict[str, tuple[str, Callable[[Work], None]]] = {
    "alpha-web": ("A web app for project ABC: commits on ABC-1 to ABC-5 by three people, "
                  "tags v1.0 and v1.1, an open feature branch.", _alpha_web),
    "ops-scripts": ("Deploy and backup scripts for OPS, one commit for ABC-1 and one for "
                    "HR (a project the developer may not browse).", _ops_scripts),
}


class Repositories:
    """The sandbox's served repositories: its examples and registered local ones."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def _locals(self) -> dict[str, str]:
        path = self.root / "local.json"
        data: dict[str, str] = json.loads(path.read_text()) if path.exists() else {}
        return data

    def ensure_example(self, name: str) -> Path:
        bare = self.root / f"{name}.git"
        if not (bare / "HEAD").exists():
            self.root.mkdir(parents=True, exist_ok=True)
            with tempfile.TemporaryDirectory(prefix="gitbridge-sandbox-") as tmp:
                work = Work(Path(tmp) / name)
                EXAMPLES[name][1](work)
                partial = self.root / f".{name}.tmp.git"
                shutil.rmtree(partial, ignore_errors=True)
                work.publish(partial)
                partial.rename(bare)
        return bare

    def add_local(self, path_text: str) -> str:
        """Serve a local repository (a working tree or a bare one) under a name; returns
        the name. Raises ValueError with the reason when it is not a git repository."""
        path = Path(path_text).expanduser()
        if not path.is_absolute() or not path.is_dir():
            raise ValueError(f"{path_text} is not an existing directory (give an absolute path)")
        git_dir = path / ".git" if (path / ".git").is_dir() else path
        result = run_git(["rev-parse", "--is-bare-repository"], git_dir=git_dir, check=False)
        if result.returncode != 0:
            raise ValueError(f"{path_text} is not a git repository")
        name = re.sub(r"[^a-z0-9._-]+", "-", path.name.lower().removesuffix(".git")).strip("-.")
        name = (name or "local")[:48]
        if name in EXAMPLES:
            name = f"local-{name}"
        locals_ = self._locals()
        locals_[name] = str(git_dir.resolve())
        self.root.mkdir(parents=True, exist_ok=True)
        (self.root / "local.json").write_text(json.dumps(locals_, indent=2))
        return name

    def git_dir(self, name: str) -> Path | None:
        """The git directory served as ``name``, or None."""
        if not NAME.match(name):
            return None
        if name in EXAMPLES:
            bare = self.root / f"{name}.git"
            return bare if (bare / "HEAD").exists() else None
        local = self._locals().get(name)
        return Path(local) if local and Path(local).is_dir() else None

    def listing(self) -> list[dict[str, Any]]:
        items = [{"name": n, "description": d, "example": True,
                  "built": (self.root / f"{n}.git" / "HEAD").exists()}
                 for n, (d, _) in EXAMPLES.items()]
        items += [{"name": n, "description": p, "example": False, "built": True}
                  for n, p in self._locals().items()]
        return items
