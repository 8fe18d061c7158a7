"""Build real git repositories for tests and benchmarks, with the git CLI.

Everything goes through the ``git`` binary with an isolated environment (no
system/global config, fixed identity and dates), so tests see exactly what
production sees and are reproducible.  Nothing here imports app code except
where noted; these are the "remote side" of a test.
"""

from __future__ import annotations

import os
import random
import subprocess
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

__all__ = [
    "DEFAULT_DATE",
    "WorkRepo",
    "fast_import_history",
    "fast_import_stream",
    "git",
    "init_bare",
    "linear_history",
    "publish",
    "sync_mirror",
]

DEFAULT_DATE = "2024-01-02T03:04:05+02:00"
Identity = tuple[str, str]
ALICE: Identity = ("Alice Example", "alice@example.com")


def _env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env.update(
        GIT_CONFIG_NOSYSTEM="1",
        GIT_CONFIG_GLOBAL="/dev/null",
        LC_ALL="C",
        GIT_AUTHOR_NAME=ALICE[0],
        GIT_AUTHOR_EMAIL=ALICE[1],
        GIT_COMMITTER_NAME=ALICE[0],
        GIT_COMMITTER_EMAIL=ALICE[1],
        GIT_AUTHOR_DATE=DEFAULT_DATE,
        GIT_COMMITTER_DATE=DEFAULT_DATE,
    )
    if extra:
        env.update(extra)
    return env


def git(*args: str, cwd: Path | None = None, env: Mapping[str, str] | None = None,
        input: bytes | None = None) -> str:
    """Run git, fail loudly with its stderr, return stdout as text."""
    proc = subprocess.run(["git", *args], cwd=cwd, env=_env(env), input=input,
                          capture_output=True, check=False, timeout=300)
    if proc.returncode != 0:
        raise RuntimeError(f"git {' '.join(args)} failed: {proc.stderr.decode(errors='replace')}")
    return proc.stdout.decode("utf-8", "replace")


def init_bare(path: Path, head: str = "main") -> Path:
    """An empty bare repository whose HEAD points at ``head``."""
    git("init", "--bare", "--quiet", f"--initial-branch={head}", str(path))
    return path


class WorkRepo:
    """A non-bare repository where test histories are written."""

    def __init__(self, path: Path, branch: str = "main") -> None:
        self.path = path
        git("init", "--quiet", f"--initial-branch={branch}", str(path))

    def git(self, *args: str, env: Mapping[str, str] | None = None) -> str:
        return git(*args, cwd=self.path, env=env)

    def rev(self, ref: str = "HEAD") -> str:
        return self.git("rev-parse", "--verify", f"{ref}^{{commit}}").strip()

    def write(self, files: Mapping[str, str | bytes | None]) -> None:
        """Create/overwrite files (str or bytes) or delete them (None) and stage."""
        for name, content in files.items():
            target = self.path / name
            if content is None:
                self.git("rm", "--quiet", "-r", "--", name)
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, bytes):
                target.write_bytes(content)
            else:
                target.write_text(content, encoding="utf-8")
            self.git("add", "--", name)

    def commit(
        self,
        message: str,
        files: Mapping[str, str | bytes | None] | None = None,
        *,
        author: Identity = ALICE,
        committer: Identity | None = None,
        date: str = DEFAULT_DATE,
        committer_date: str | None = None,
    ) -> str:
        """Commit (empty if no files) with the given identities/dates; returns the sha."""
        if files:
            self.write(files)
        committer = committer or author
        env = {
            "GIT_AUTHOR_NAME": author[0], "GIT_AUTHOR_EMAIL": author[1],
            "GIT_COMMITTER_NAME": committer[0], "GIT_COMMITTER_EMAIL": committer[1],
            "GIT_AUTHOR_DATE": date, "GIT_COMMITTER_DATE": committer_date or date,
        }
        git("commit", "--quiet", "--allow-empty", "--no-verify", "--cleanup=verbatim",
            "-F", "-", cwd=self.path, env=env, input=message.encode("utf-8"))
        return self.rev()

    def rename(self, old: str, new: str) -> None:
        self.git("mv", "--", old, new)

    def branch(self, name: str, start: str = "HEAD") -> None:
        self.git("branch", "--", name, start)

    def checkout(self, name: str, *, create: bool = False, start: str = "HEAD") -> None:
        if create:
            self.git("checkout", "--quiet", "-b", name, start)
        else:
            self.git("checkout", "--quiet", name)

    def merge(self, branch: str, message: str, *, date: str = DEFAULT_DATE) -> str:
        """A real merge commit (``--no-ff``) of ``branch`` into the current branch."""
        self.git("merge", "--quiet", "--no-ff", "-m", message, branch,
                 env={"GIT_AUTHOR_DATE": date, "GIT_COMMITTER_DATE": date})
        return self.rev()

    def tag(self, name: str, ref: str = "HEAD", message: str | None = None, *,
            tagger: Identity = ALICE, date: str = DEFAULT_DATE) -> None:
        """Lightweight tag, or annotated when ``message`` is given."""
        if message is None:
            self.git("tag", name, ref)
        else:
            self.git("tag", "-a", name, "-m", message, ref,
                     env={"GIT_COMMITTER_NAME": tagger[0], "GIT_COMMITTER_EMAIL": tagger[1],
                          "GIT_COMMITTER_DATE": date})

    def delete_branch(self, name: str) -> None:
        self.git("branch", "--quiet", "-D", "--", name)

    def delete_tag(self, name: str) -> None:
        self.git("tag", "-d", name)

    def reset_hard(self, ref: str) -> None:
        """Rewind the current branch (followed by new commits = a force-push)."""
        self.git("reset", "--quiet", "--hard", ref)

    def publish(self, bare: Path) -> None:
        publish(self.path, bare)


def publish(source: Path, bare: Path, head: str | None = None) -> None:
    """Make ``bare`` an exact copy of ``source``'s branches and tags (force, prune)."""
    if not (bare / "HEAD").exists():
        init_bare(bare)
    git("push", "--quiet", "--force", "--prune", str(bare),
        "+refs/heads/*:refs/heads/*", "+refs/tags/*:refs/tags/*", cwd=source)
    if head:
        git("--git-dir", str(bare), "symbolic-ref", "HEAD", f"refs/heads/{head}")


def sync_mirror(source: Path, mirror: Path, head: str = "main") -> None:
    """Update a mirror from a local repository without the network code path.

    Engine tests use this so they exercise indexing, not transports; it
    fetches the same refspecs as ``Mirror.fetch``.
    """
    if not (mirror / "HEAD").exists():
        git("init", "--bare", "--quiet", str(mirror))
    git("--git-dir", str(mirror), "fetch", "--quiet", "--prune", "--no-tags", str(source),
        "+refs/heads/*:refs/heads/*", "+refs/tags/*:refs/tags/*")
    git("--git-dir", str(mirror), "symbolic-ref", "HEAD", f"refs/heads/{head}")


# -- synthetic histories (benchmarks) -----------------------------------------------------


def _data(payload: bytes) -> bytes:
    return b"data %d\n%s\n" % (len(payload), payload)


def fast_import_stream(
    n_commits: int, n_branches: int, key_ratio: float = 0.8, *, seed: int = 1,
    n_files: int = 2000,
) -> Iterator[bytes]:
    """Yield a ``git fast-import`` stream, one commit at a time.

    Shape: a ``main`` line with ``n_branches`` feature branches forking off at
    evenly spaced points, each ~1/10 of the commits in total, every other
    branch merged back into main; a lightweight tag every 1,000 main commits
    and an annotated one every 5,000.  ``key_ratio`` of the messages mention
    an issue key; branch names carry keys too.  Nothing is accumulated: the
    only state is a few marks per branch.
    """
    rng = random.Random(seed)
    branch_total = n_commits // 10 if n_branches else 0
    per_branch = max(1, branch_total // n_branches) if n_branches else 0
    main_total = n_commits - per_branch * n_branches
    forks = {max(1, (i + 1) * main_total // (n_branches + 1)): i for i in range(n_branches)}
    ts = 1_600_000_000
    mark = 0
    main_mark = 0
    pending_merges: list[tuple[int, int, str]] = []  # (merge at main index, mark, branch)

    def commit(ref: str, parent: int, message: str, merge: int = 0) -> bytes:
        nonlocal mark, ts
        mark += 1
        ts += 37
        who = rng.choice(("Alice <alice@example.com>", "Bob <bob@example.com>",
                          "Chloé <chloe@example.com>"))
        ident = b"%s %d +0100\n" % (who.encode(), ts)
        out = [b"commit %s\nmark :%d\n" % (ref.encode(), mark),
               b"author " + ident, b"committer " + ident, _data(message.encode())]
        if parent:
            out.append(b"from :%d\n" % parent)
        if merge:
            out.append(b"merge :%d\n" % merge)
        for _ in range(rng.randint(1, 3)):
            path = f"src/mod{rng.randrange(40)}/file{rng.randrange(n_files // 40)}.py"
            body = "".join(f"value_{mark}_{i} = {rng.random()}\n" for i in range(rng.randint(1, 8)))
            out.append(b"M 100644 inline %s\n" % path.encode() + _data(body.encode()))
        return b"".join(out)

    def message(i: int) -> str:
        if rng.random() < key_ratio:
            return f"PROJ-{rng.randint(1, 5000)} change number {i}\n\nDetails for change {i}.\n"
        return f"Change number {i} without key\n"

    for i in range(1, main_total + 1):
        merge_mark = 0
        for pm in [p for p in pending_merges if p[0] == i]:
            pending_merges.remove(pm)
            merge_mark = pm[1]
            yield commit("refs/heads/main", main_mark, f"Merge branch '{pm[2]}'\n", merge_mark)
            main_mark = mark
        yield commit("refs/heads/main", main_mark, message(i))
        main_mark = mark
        if i % 1000 == 0:
            yield b"reset refs/tags/v%d\nfrom :%d\n\n" % (i // 1000, main_mark)
        if i % 5000 == 0:
            yield (b"tag release-%d\nfrom :%d\ntagger Alice <alice@example.com> %d +0100\n"
                   % (i // 5000, main_mark, ts)) + _data(b"Release %d" % (i // 5000))
        if i in forks:
            b = forks[i]
            name = f"feature/proj-{b + 1}-work-{b}"
            parent = main_mark
            for j in range(per_branch):
                yield commit(f"refs/heads/{name}", parent, message(j))
                parent = mark
            if b % 2 == 0 and i + 10 <= main_total:
                pending_merges.append((i + 10, parent, name))
    yield b"done\n"


def linear_history(path: Path, messages: Sequence[str],
                   tags: Mapping[int, str] | None = None) -> Path:
    """A bare repository at ``path`` whose main is one commit per message, oldest first, a
    second apart, each rewriting ``f.txt`` (Bob's); ``tags`` names the n-th commit (from
    1). Through ``git fast-import``, so a thousand commits take well under a second."""
    init_bare(path)
    stream = []
    for i, text in enumerate(messages, 1):
        message = text.encode()
        stream.append(b"commit refs/heads/main\nmark :%d\n" % i)
        stream.append(b"committer Bob <bob@example.com> %d +0000\n" % (1_700_000_000 + i))
        stream.append(_data(message))
        if i > 1:
            stream.append(b"from :%d\n" % (i - 1))
        stream.append(b"M 100644 inline f.txt\n" + _data(b"%d\n" % i))
    for i, name in (tags or {}).items():
        stream.append(b"reset refs/tags/%s\nfrom :%d\n\n" % (name.encode(), i))
    subprocess.run(["git", "--git-dir", str(path), "fast-import", "--quiet"],
                   input=b"".join(stream), check=True, env=_env())
    return path


def fast_import_history(
    path: Path, n_commits: int, n_branches: int, key_ratio: float = 0.8, *, seed: int = 1
) -> Path:
    """Create a bare repository at ``path`` from :func:`fast_import_stream`.

    The stream is written to ``git fast-import`` as it is generated, so a
    100,000-commit history never exists in Python memory.
    """
    init_bare(path)
    proc = subprocess.Popen(["git", "--git-dir", str(path), "fast-import", "--quiet", "--done"],
                            stdin=subprocess.PIPE, env=_env())
    assert proc.stdin is not None
    try:
        for chunk in fast_import_stream(n_commits, n_branches, key_ratio, seed=seed):
            proc.stdin.write(chunk)
        proc.stdin.close()
    finally:
        if proc.wait(timeout=3600) != 0:
            raise RuntimeError("git fast-import failed")
    return path
