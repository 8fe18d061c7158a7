"""Storing pull/merge requests, from a host's API or from webhook payloads alike."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa

from app.extensions import db
from app.indexing.issue_keys import extract_branch_keys, extract_keys
from app.models import PullRequest, PullRequestKey, Repository, as_utc


def issue_keys(title: str, source_branch: str | None, description: str | None) -> list[str]:
    """Keys in the title, the source branch or the description, in that order."""
    found = [*extract_keys(title or ""), *extract_branch_keys(source_branch or ""),
             *extract_keys(description or "")]
    return list(dict.fromkeys(found))


def upsert(repository: Repository, *, number: str, title: str, description: str | None,
           state: str, source_branch: str | None, target_branch: str | None,
           author: str | None, reviewers: list[dict[str, Any]], url: str | None,
           updated_at: datetime | None) -> PullRequest:
    """Insert or update by (repository, number); an older update never undoes a newer."""
    row = db.session.execute(
        sa.select(PullRequest).where(PullRequest.repository_id == repository.id,
                                     PullRequest.number == number)
    ).scalar_one_or_none()
    if row is None:
        row = PullRequest(tenant_id=repository.tenant_id, repository_id=repository.id,
                          number=number)
        db.session.add(row)
    elif row.updated_at and updated_at and as_utc(updated_at) < as_utc(row.updated_at):
        return row
    keys = issue_keys(title, source_branch, description)
    row.title, row.description, row.state = title, description, state
    row.source_branch, row.target_branch, row.url = source_branch, target_branch, url
    row.author_name, row.reviewers, row.updated_at = author, reviewers, updated_at
    row.issue_keys = keys
    db.session.flush()
    db.session.execute(sa.delete(PullRequestKey).where(PullRequestKey.pull_request_id == row.id))
    db.session.add_all(PullRequestKey(pull_request_id=row.id, issue_key=key,
                                      tenant_id=repository.tenant_id) for key in keys)
    return row
