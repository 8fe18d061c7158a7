"""Which issues a branch belongs to, the way the app's own panel decides it.

The issue panel lists a branch when its name carries the key, or when it holds one of
the issue's commits that the main branch does not have yet. Jira's panel shows a branch
on the issues in its ``issueKeys``, so a branch is sent with the keys of its name plus
the keys of the commits in ``main..branch``. Branches already merged into main add
nothing (their ``main..branch`` is empty), so git is asked about the unmerged ones only:
one ``for-each-ref --no-merged`` and one ``rev-list`` per unmerged branch.
"""

from __future__ import annotations

from pathlib import Path

from app.indexing.errors import GitError
from app.indexing.gitcli import run_git

#: Commits of one branch looked at (newest first); beyond them keys would pass Jira's
#: 500-per-entity cap anyway.
MAX_COMMITS_PER_BRANCH = 5000


def unmerged_commits(mirror: Path, main: str | None) -> dict[str, list[str]]:
    """Branch name -> shas of its commits main lacks, for each branch not merged into
    main. Empty without a mirror (webhook indexing) or a main branch."""
    if not main or not mirror.exists():
        return {}
    main_ref = f"refs/heads/{main}"
    try:
        listed = run_git(["for-each-ref", "--format=%(refname)", f"--no-merged={main_ref}",
                          "refs/heads/"], git_dir=mirror, timeout=60).stdout.decode("utf-8",
                                                                                     "replace")
    except GitError:
        return {}
    found: dict[str, list[str]] = {}
    for ref in listed.splitlines():
        if not ref.startswith("refs/heads/") or ref == main_ref:
            continue
        try:
            out = run_git(["rev-list", f"--max-count={MAX_COMMITS_PER_BRANCH}", f"^{main_ref}",
                           ref, "--"], git_dir=mirror, timeout=60).stdout.decode()
        except GitError:
            continue
        found[ref[len("refs/heads/"):]] = out.split()
    return found
