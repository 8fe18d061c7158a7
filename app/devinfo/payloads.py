"""Jira devinfo entities from our index rows: plain functions, no database, no HTTP.

Shapes follow the devinfo 0.10 schema (see ``limits``): a commit carries its hash,
short id, message, author, author date, file count, link and (when the line counts are
known) up to ten files; a branch carries its tip as ``lastCommit``; a pull request its
state, branches, author and reviewers. Every text is cut to Jira's length and every id
made of the characters Jira allows. ``fingerprint`` is what the push compares to decide
whether Jira already holds an entity as it is now.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from app.devinfo import limits
from app.devinfo.limits import clip

#: Our file change types -> Jira's ``File.changeType``.
CHANGE_TYPES = {
    "added": "ADDED",
    "modified": "MODIFIED",
    "deleted": "DELETED",
    "renamed": "MOVED",
    "copied": "COPIED",
    "type_changed": "MODIFIED",
}
#: Our pull request states -> Jira's ``PullRequest.status``.
PR_STATUS = {"open": "OPEN", "draft": "DRAFT", "merged": "MERGED", "declined": "DECLINED"}

Entity = dict[str, Any]
#: ``(kind, entity, fingerprint)``: one entity to send and what to remember it by.
Item = tuple[str, Entity, str]


@dataclass(frozen=True)
class RepositoryInfo:
    """What every entity of one repository links to.

    ``commit_url``/``branch_url`` give the host's page where its layout is known, else
    ``None``: the entity then links to the repository's page (``url``), which is our
    repository browser inside Jira when the host has no page we can link to.
    """

    id: str
    name: str
    url: str
    commit_url: Callable[[str], str | None]
    branch_url: Callable[[str], str | None]

    def header(self, seq: int) -> Entity:
        return {"id": self.id, "name": clip(self.name, limits.MAX_NAME),
                "url": self.url, "updateSequenceId": seq}


def iso(value: datetime) -> str:
    """UTC ISO 8601, as the schema asks (``2016-10-31T23:27:25+00:00``)."""
    aware = value if value.tzinfo else value.replace(tzinfo=UTC)
    return aware.astimezone(UTC).isoformat(timespec="seconds")


def counts_known(commit: Any) -> bool:
    """Whether the commit's line counts are in: counted with the walk (text files have
    numbers; binary ones never do) or by the later line-count pass (``stats_done``)."""
    return bool(commit.stats_done or any(f.get("added") is not None for f in commit.files or []))


def _files(commit: Any, url: str) -> list[Entity] | None:
    """Up to ten files, only once the line counts are in (they are required fields)."""
    if not counts_known(commit):
        return None
    return [
        {
            "path": clip(f.get("path"), limits.MAX_PATH),
            "url": url,
            "changeType": CHANGE_TYPES.get(f.get("change_type") or "", "UNKNOWN"),
            "linesAdded": int(f.get("added") or 0),
            "linesRemoved": int(f.get("removed") or 0),
        }
        for f in (commit.files or [])[: limits.MAX_FILES]
    ]


def commit_entity(commit: Any, keys: list[str], info: RepositoryInfo, seq: int) -> Entity:
    """A commit row (``commits`` table columns) as Jira's ``Commit``."""
    url = limits.url_or(info.commit_url(commit.sha), info.url)
    entity: Entity = {
        "id": commit.sha,
        "issueKeys": keys,
        "updateSequenceId": seq,
        "hash": commit.sha,
        "displayId": commit.sha[:7],
        "message": clip(commit.message, limits.MAX_MESSAGE),
        "author": {"name": clip(commit.author_name or "Unknown", limits.MAX_NAME)},
        "authorTimestamp": iso(commit.authored_at),
        "fileCount": len(commit.files or []),
        "url": url,
    }
    if commit.author_email:
        entity["author"]["email"] = clip(commit.author_email, limits.MAX_NAME)
    files = _files(commit, url)
    if files:
        entity["files"] = files
    if len((commit.parents or "").split()) > 1:
        entity["flags"] = ["MERGE_COMMIT"]
    return entity


def branch_entity(name: str, tip: Any, keys: list[str], info: RepositoryInfo,
                  seq: int) -> Entity:
    """A branch and its tip commit. The tip carries the branch's keys: ``lastCommit``
    needs at least one, and it dates the branch rather than linking the commit."""
    return {
        "id": limits.entity_id(name),
        "issueKeys": keys,
        "updateSequenceId": seq,
        "name": clip(name, limits.MAX_NAME),
        "url": limits.url_or(info.branch_url(name), info.url),
        "lastCommit": commit_entity(tip, keys, info, seq),
    }


def pull_request_entity(pr: Any, keys: list[str], info: RepositoryInfo, seq: int) -> Entity:
    """A pull request row (``pull_requests`` columns) as Jira's ``PullRequest``.

    ``commentCount`` is required; hosts' pull-request lists do not give it, so it is 0.
    """
    entity: Entity = {
        "id": limits.entity_id(str(pr.number)),
        "issueKeys": keys,
        "updateSequenceId": seq,
        "status": PR_STATUS.get(pr.state, "UNKNOWN"),
        "title": clip(pr.title, limits.MAX_TITLE),
        "author": {"name": clip(pr.author_name or "Unknown", limits.MAX_NAME)},
        "commentCount": 0,
        "sourceBranch": clip(pr.source_branch, limits.MAX_NAME),
        "displayId": clip(f"#{pr.number}", limits.MAX_NAME),
        "lastUpdate": iso(pr.updated_at or datetime.now(UTC)),
        "url": limits.url_or(pr.url, info.url),
        "reviewers": [
            {"name": clip(r.get("name") or "Unknown", limits.MAX_NAME),
             "approvalStatus": "APPROVED" if r.get("approved") else "UNAPPROVED"}
            for r in (pr.reviewers or [])
        ],
    }
    source_url = info.branch_url(pr.source_branch) if pr.source_branch else None
    if source_url and len(source_url) <= limits.MAX_URL:
        entity["sourceBranchUrl"] = source_url
    if pr.target_branch:
        entity["destinationBranch"] = clip(pr.target_branch, limits.MAX_NAME)
    return entity


def fingerprint(entity: Entity) -> str:
    """What the entity says, without its sequence number (which changes every send)."""

    def strip(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: strip(v) for k, v in value.items() if k != "updateSequenceId"}
        if isinstance(value, list):
            return [strip(v) for v in value]
        return value

    canonical = json.dumps(strip(entity), sort_keys=True, separators=(",", ":"))
    return hashlib.sha1(canonical.encode("utf-8")).hexdigest()


def batches(items: Iterable[Item]) -> Iterator[list[Item]]:
    """Items in requests Jira accepts: at most 400 of a kind and 1,000 in all per
    request (one repository per request)."""
    batch: list[Item] = []
    per_kind: dict[str, int] = {}
    for item in items:
        kind = item[0]
        if (len(batch) >= limits.MAX_ENTITIES_PER_REQUEST
                or per_kind.get(kind, 0) >= limits.MAX_ENTITIES_PER_TYPE):
            yield batch
            batch, per_kind = [], {}
        batch.append(item)
        per_kind[kind] = per_kind.get(kind, 0) + 1
    if batch:
        yield batch


def stamped(entity: Entity, seq: int) -> Entity:
    """A copy of ``entity`` (and its ``lastCommit``) carrying ``seq``."""
    copy = {**entity, "updateSequenceId": seq}
    if isinstance(copy.get("lastCommit"), dict):
        copy["lastCommit"] = {**copy["lastCommit"], "updateSequenceId": seq}
    return copy


def bulk_body(header: Entity, batch: list[Item], seq: int, *, backfill: bool,
              properties: dict[str, str]) -> Entity:
    """The body of one ``POST /rest/devinfo/0.10/bulk``.

    ``preventTransitions`` is always true: the app runs smart commits itself (with its
    own claims, so each command runs once), and Jira's processor would run the same
    commands a second time (see docs/jira-development-panel.md).
    """
    repository = dict(header)
    for kind, entity, _ in batch:
        repository.setdefault(limits.KINDS[kind], []).append(stamped(entity, seq))
    return {
        "repositories": [repository],
        "preventTransitions": True,
        "operationType": "BACKFILL" if backfill else "NORMAL",
        "properties": properties,
        "providerMetadata": {"product": "Gitbridge for Jira"},
    }
