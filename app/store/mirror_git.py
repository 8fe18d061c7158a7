"""The one way the read side runs git on a repository's mirror.

The Repository Browser, Compare and Roll Up ask git what the database does not hold
(branch histories, net diffs between two refs, file diffs). Every such call goes
through :func:`mirror_git` or :func:`mirror_git_lines`, so what a mirror needs to answer
(for a blobless partial clone: credentials for the blobs git fetches lazily) is
decided in one place.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from pathlib import Path

from app.indexing.errors import GitError
from app.indexing.gitcli import GitResult, run_git, stream_git

__all__ = ["GitError", "mirror_git", "mirror_git_lines", "resolve"]

#: What a caller may name as a revision: a branch or tag name, or a (short) sha.
REF_NAME = re.compile(r"^(?!-)(?!.*\.\.)(?!.*[\x00-\x20~^:?*\[\\])[^\x00]{1,255}$")
SHA_PREFIX = re.compile(r"^[0-9a-fA-F]{4,64}$")


def mirror_git(
    mirror: Path, args: Sequence[str], *, input: bytes | None = None, timeout: float = 30,
    check: bool = True,
) -> GitResult:
    """Run ``git args`` against ``mirror`` to completion."""
    return run_git(args, git_dir=mirror, input=input, timeout=timeout, check=check)


def mirror_git_lines(mirror: Path, args: Sequence[str], *, timeout: float = 60,
                     sep: bytes = b"\n") -> Iterator[bytes]:
    """``git args`` against ``mirror``, its output streamed record by record."""
    return stream_git(args, git_dir=mirror, timeout=timeout, sep=sep)


def resolve(mirror: Path, name: str) -> str | None:
    """The commit ``name`` stands for: a branch, else a tag, else a sha (prefix); None
    when it names nothing. Only those three forms are looked up, never git's revision
    syntax (``HEAD~3``, ``@{...}``, ``a..b``), and always after ``--end-of-options``."""
    candidates = []
    if REF_NAME.match(name):
        candidates += [f"refs/heads/{name}", f"refs/tags/{name}"]
    if SHA_PREFIX.match(name):
        candidates.append(name.lower())
    for candidate in candidates:
        result = mirror_git(mirror, ["rev-parse", "--verify", "--quiet", "--end-of-options",
                                     f"{candidate}^{{commit}}"], check=False)
        sha = result.stdout.decode().strip()
        if result.returncode == 0 and sha:
            return sha
    return None
