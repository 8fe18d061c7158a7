"""The one way the read side runs git on a repository's mirror.

The Repository Browser, Compare and Roll Up ask git what the database does not hold
(branch histories, net diffs between two refs, file diffs). Every such call goes
through :func:`mirror_git` or :func:`mirror_git_lines`, so what a mirror needs to answer
is decided in one place.

A blobless (partial) mirror may lack the blobs a diff reads until the line-count pass
has fetched them. Calls that read blobs pass ``remote`` (:func:`lazy_remote`): the run
is tried on what the mirror holds first (no URL is stored, so git cannot fetch), and
only when git reports a missing object is it run again with the remote's URL and
credentials, letting git fetch exactly the blobs it needs.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager
from pathlib import Path

from app.indexing.credentials import GitAuth
from app.indexing.errors import GitError
from app.indexing.gitcli import GitResult, classify_error, run_git, stream_git
from app.indexing.mirror import remote_options

__all__ = ["GitError", "Remote", "lazy_remote", "mirror_git", "mirror_git_lines", "resolve"]

#: What a caller may name as a revision: a branch or tag name, or a (short) sha.
REF_NAME = re.compile(r"^(?!-)(?!.*\.\.)(?!.*[\x00-\x20~^:?*\[\\])[^\x00]{1,255}$")
SHA_PREFIX = re.compile(r"^[0-9a-fA-F]{4,64}$")
#: git's words when a partial mirror could not fetch an object it needs.
_MISSING = "from promisor remote"

#: Opens the auth for one git run against the mirror's remote (built only when needed).
Remote = Callable[[], AbstractContextManager[GitAuth]]


def lazy_remote(repository_id: int) -> Remote:
    """The remote of the repository, for blobs its mirror does not have yet."""
    from app import index_runs  # the credentials side of the app; only when needed

    return lambda: index_runs.remote_auth(repository_id)


def mirror_git(
    mirror: Path, args: Sequence[str], *, input: bytes | None = None, timeout: float = 30,
    check: bool = True, remote: Remote | None = None,
) -> GitResult:
    """Run ``git args`` against ``mirror`` to completion; with ``remote``, fetching the
    objects the mirror lacks."""
    result = run_git(args, git_dir=mirror, input=input, timeout=timeout,
                     check=check and remote is None)
    if remote is None or result.returncode == 0:
        return result
    if _MISSING in result.stderr:
        with remote() as auth:
            return run_git(args, git_dir=mirror, input=input, timeout=timeout, check=check,
                           config=remote_options(auth), env=auth.env, secrets=auth.secrets)
    if check:
        raise classify_error(result.stderr, result.returncode, what=f"git {args[0]}")
    return result


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
