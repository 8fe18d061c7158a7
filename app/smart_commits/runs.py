"""Smart commits of a repository: claiming newly indexed commits, running their commands.

*Marking* runs after every index (whatever the setting): each (site, commit, issue)
whose message may hold commands gets its ``smart_commit_runs`` row, inserted with
``ON CONFLICT DO NOTHING``. That insert is the claim: whichever repository, branch,
re-index, webhook replay or worker sees the commit again finds the row and does
nothing. A row is ``pending`` only if smart commits were on when the commit was first
seen, the commit is less than 14 days old then, and the issue's project is one the
repository is shown in; else ``skipped`` (with the reason) or ``none`` (no commands).

*Executing* takes pending rows one by one with a conditional ``pending -> running``
update (a second worker gets nothing) and records each command's result as it goes, so
a killed worker's successor resumes after the last recorded command. The command that
was in flight at the crash is not sent again (it may have happened); it is recorded as
interrupted, like a timeout whose outcome is unknown. Failures go to the repository's
warnings and the commit's entry in the issue pages.
"""

from __future__ import annotations

import time
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from app import repository_warnings as warnings
from app.devinfo.push import ClientFor, scope_of
from app.extensions import db
from app.models import Commit, CommitKey, Repository, SmartCommitRun, Tenant, as_utc, utcnow
from app.smart_commits.actions import Actions, CommitInfo, Result, RetryLater, Uncertain
from app.smart_commits.parser import Command, parse
from app.store.writer import bulk_insert_ignore
from app.weblinks import link

#: Commits older than this when first seen are linked but their commands do not run
#: (Git Integration for Jira's "max commit age", 1,209,600 s).
MAX_AGE = timedelta(days=14)
RUNS = SmartCommitRun.__table__
WARNING = "smart_commit_failed"
#: A ``running`` claim this old lost its worker.
STALE = timedelta(minutes=2)
INTERRUPTED = "interrupted before Jira answered; not sent again, as it may have run"


def mark(repository: Repository, enabled: bool, now: datetime | None = None) -> int:
    """Claim the repository's newly indexed commits; returns how many became pending."""
    now = now or utcnow()
    scope = scope_of(repository, repository.integration)
    run = sa.and_(RUNS.c.tenant_id == CommitKey.tenant_id, RUNS.c.sha == CommitKey.sha,
                  RUNS.c.issue_key == CommitKey.issue_key)
    found = db.session.execute(
        sa.select(Commit.sha, Commit.message, Commit.committed_at, CommitKey.issue_key)
        .join(CommitKey, sa.and_(CommitKey.repository_id == Commit.repository_id,
                                 CommitKey.sha == Commit.sha))
        .outerjoin(RUNS, run)
        .where(Commit.repository_id == repository.id, RUNS.c.sha.is_(None),
               Commit.message.contains("#", autoescape=True))
    ).all()
    parsed: dict[str, dict[str, list[Command]]] = {}
    rows, pending = [], 0
    for sha, message, committed_at, key in found:
        commands = (parsed[sha] if sha in parsed else parsed.setdefault(sha, parse(message))
                    ).get(key, [])
        status, reason = "pending", None
        if not commands:
            status = "none"
        elif not enabled:
            status, reason = "skipped", "smart commits were off when the commit was indexed"
        elif now - as_utc(committed_at) > MAX_AGE:
            status, reason = "skipped", "older than 14 days when first seen"
        elif not scope.allows(key):
            status, reason = "skipped", "the repository is not shown in this issue's project"
        pending += status == "pending"
        rows.append({"tenant_id": repository.tenant_id, "sha": sha, "issue_key": key,
                     "repository_id": repository.id, "committed_at": committed_at,
                     "status": status, "reason": reason,
                     "commands": [c.as_json() for c in commands], "results": [],
                     "created_at": now})
    bulk_insert_ignore(db.session.connection(), RUNS, rows)
    db.session.commit()
    return pending


def execute(repository: Repository, client_for: ClientFor, budget: float = 60.0
            ) -> tuple[str, float | None]:
    """Run pending commands; ``(done|continue|deferred, seconds to wait)``."""
    if _recover(repository.id):  # another worker runs some now, or died doing so
        return "deferred", STALE.total_seconds()
    tenant = db.session.get(Tenant, repository.tenant_id)
    assert tenant is not None
    deadline = time.monotonic() + budget
    client = None
    while True:
        run = db.session.execute(
            sa.select(SmartCommitRun).where(SmartCommitRun.repository_id == repository.id,
                                            SmartCommitRun.status == "pending")
            .order_by(SmartCommitRun.committed_at, SmartCommitRun.sha).limit(1)
        ).scalar_one_or_none()
        if run is None:
            return ("deferred", STALE.total_seconds()) if _running(repository.id) else (
                "done", None)
        if time.monotonic() > deadline:
            return "continue", None
        if client is None:
            try:
                client = client_for(tenant)
            except Exception:  # no token yet (Forge): the rows stay pending
                return "deferred", 60.0
        if not _claim(run):
            continue
        try:
            _execute(repository, run, client)
        except RetryLater as exc:
            _set(run, status="pending")
            return "deferred", exc.wait or 60.0


def _claim(run: SmartCommitRun) -> bool:
    result = db.session.execute(
        sa.update(SmartCommitRun).where(
            SmartCommitRun.tenant_id == run.tenant_id, SmartCommitRun.sha == run.sha,
            SmartCommitRun.issue_key == run.issue_key, SmartCommitRun.status == "pending")
        .values(status="running", claimed_at=utcnow()),
        execution_options={"synchronize_session": False})
    db.session.commit()
    return bool(result.rowcount)  # type: ignore[attr-defined]


def _set(run: SmartCommitRun, **values: Any) -> None:
    db.session.execute(
        sa.update(SmartCommitRun).where(
            SmartCommitRun.tenant_id == run.tenant_id, SmartCommitRun.sha == run.sha,
            SmartCommitRun.issue_key == run.issue_key).values(**values),
        execution_options={"synchronize_session": False})
    db.session.commit()


def _running(repository_id: int) -> int:
    return int(db.session.execute(sa.select(sa.func.count()).select_from(SmartCommitRun).where(
        SmartCommitRun.repository_id == repository_id,
        SmartCommitRun.status == "running")).scalar_one())


def _recover(repository_id: int) -> bool:
    """Rows left ``running`` by a worker that died: the command that was in flight is
    recorded as interrupted, the rest will run. A row is taken as abandoned only once
    its claim is ``STALE`` (a worker takes seconds per commit), so a live worker's row
    is never touched, lock or no lock. True while rows are still running."""
    before = utcnow() - STALE
    for run in db.session.execute(sa.select(SmartCommitRun).where(
            SmartCommitRun.repository_id == repository_id, SmartCommitRun.status == "running",
            sa.or_(SmartCommitRun.claimed_at.is_(None), SmartCommitRun.claimed_at < before))
    ).scalars().all():
        results = list(run.results or [])
        if len(results) < len(run.commands or []):
            command = Command.from_json(run.commands[len(results)])
            results.append({"command": command.label()[:200], "ok": False,
                            "message": INTERRUPTED})
            warnings.add(repository_id, WARNING,
                         f"{run.sha[:7]} {run.issue_key} {command.label()[:60]}: {INTERRUPTED}")
        _set(run, status="pending", results=results)
    return _running(repository_id) > 0


def _execute(repository: Repository, run: SmartCommitRun, client: Any) -> None:
    commit = db.session.execute(sa.select(Commit).where(
        Commit.repository_id == repository.id, Commit.sha == run.sha)).scalar_one_or_none()
    if commit is None:
        _set(run, status="skipped", reason="the commit left the repository before its "
             "commands ran", finished_at=utcnow())
        return
    actions = Actions(client, CommitInfo(
        sha=commit.sha, author_name=commit.author_name, author_email=commit.author_email,
        committed_at=commit.committed_at, repository=repository.name,
        url=link(repository.web_url, "commit", sha=commit.sha)))
    results = list(run.results or [])
    commands = [Command.from_json(c) for c in run.commands or []]
    for command in commands[len(results):]:
        try:
            result = actions.run(run.issue_key, command)
        except Uncertain:
            result = Result(False, INTERRUPTED)
        results.append({"command": command.label()[:200], "ok": result.ok,
                        "message": result.message})
        _set(run, results=results)
        if not result.ok:
            warnings.add(repository.id, WARNING,
                         f"Smart commit {commit.sha[:7]} on {run.issue_key}: "
                         f"{command.label()[:60]} failed: {result.message}")
    failed = any(not r["ok"] for r in results)
    _set(run, status="failed" if failed else "done", finished_at=utcnow())
