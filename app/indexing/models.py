"""Plain value objects produced by the indexing engine.

They are frozen and slotted: the engine streams hundreds of thousands of
them, and immutability lets a sink keep or hash them without copying.  They
carry no database or Flask types so the engine stays independent of storage.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

__all__ = ["CHANGE_TYPES", "Branch", "Commit", "FileChange", "IndexResult", "Person", "Tag"]

#: Allowed values of :attr:`FileChange.change_type`.
CHANGE_TYPES = frozenset(
    {"added", "modified", "deleted", "renamed", "copied", "type_changed", "unknown"}
)

#: git's one-letter diff status -> our change type.
STATUS_TO_CHANGE = {
    "A": "added",
    "M": "modified",
    "D": "deleted",
    "R": "renamed",
    "C": "copied",
    "T": "type_changed",
}


@dataclass(frozen=True, slots=True)
class Person:
    """Author, committer or tagger; ``time`` is tz-aware with the original offset."""

    name: str
    email: str
    time: datetime


@dataclass(frozen=True, slots=True)
class FileChange:
    """One file of a commit's diff against its first parent.

    ``lines_added``/``lines_removed`` are None until the numstat pass fills
    them in, and stay None for binary files.
    """

    path: str
    change_type: str
    old_path: str | None = None
    lines_added: int | None = None
    lines_removed: int | None = None


@dataclass(frozen=True, slots=True)
class Commit:
    """A commit with its changed files and the issue keys of its message."""

    sha: str
    parents: tuple[str, ...]
    author: Person
    committer: Person
    message: str
    files: tuple[FileChange, ...]
    issue_keys: tuple[str, ...]
    #: The files' line counts are final (binary files keep None); False when they come
    #: later (a second pass) or never (webhook payloads).
    stats_done: bool = False


@dataclass(frozen=True, slots=True)
class Branch:
    """A branch tip.  ``ahead``/``behind`` are relative to the main branch
    (None when there is no main branch); the main branch itself is 0/0."""

    name: str
    sha: str
    issue_keys: tuple[str, ...]
    ahead: int | None
    behind: int | None
    is_main: bool


@dataclass(frozen=True, slots=True)
class Tag:
    """A tag; ``sha`` is the commit it points to (annotated tags are peeled)."""

    name: str
    sha: str
    annotation: str | None
    tagger: Person | None


@dataclass(frozen=True, slots=True)
class IndexResult:
    """Outcome of one indexing run.

    ``refs`` (full refname -> object sha, heads and tags) must be stored by the
    caller and passed as ``previous_refs`` to the next run, but only after
    the run succeeded: it is what makes the next run incremental.
    """

    refs: dict[str, str]
    commits_added: int
    commits_removed: int
    main_branch: str | None
