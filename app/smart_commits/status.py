"""What the issue pages show of a commit's smart commands: ran, failed (and why), or
skipped (and why)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from app.extensions import db
from app.models import SmartCommitRun


def attach(tenant_id: int, issue_key: str, commits: list[dict[str, Any]]) -> None:
    """Set ``smart_commit`` on each commit JSON of ``issue_key`` that had commands:
    ``{status, reason, results: [{command, ok, message}]}``; ``None`` on the others."""
    shas = [c["sha"] for c in commits]
    found: dict[str, dict[str, Any]] = {}
    for start in range(0, len(shas), 500):
        for run in db.session.execute(sa.select(SmartCommitRun).where(
                SmartCommitRun.tenant_id == tenant_id, SmartCommitRun.issue_key == issue_key,
                SmartCommitRun.sha.in_(shas[start:start + 500]),
                SmartCommitRun.status != "none")).scalars():
            found[run.sha] = {"status": run.status, "reason": run.reason,
                              "commands": [f"#{c['name']}" for c in run.commands or []],
                              "results": list(run.results or [])}
    for commit in commits:
        commit["smart_commit"] = found.get(commit["sha"])
