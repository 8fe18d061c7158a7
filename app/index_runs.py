"""One indexing run of one repository: fetch, index, record what people see.

Called by the job layer with a repository id. Knows nothing of Redis; the lock and
retries live in ``app.jobs``. An index run makes the commits visible with their files;
the line-count pass (:func:`run_line_counts`, its own job) adds line counts and renames
afterwards. Permanent failures (bad credentials, not a repository,
changed host key) put the repository in ``error`` with the reason; transient ones
raise ``TransientIndexError`` so the job can be retried.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path

import sqlalchemy as sa
from flask import current_app

from app import credentials, metrics, providers
from app.extensions import db
from app.git_hosts.base import Provider
from app.git_hosts.errors import GitHostError
from app.indexing.credentials import GitAuth, GitCredentials, git_auth
from app.indexing.engine import Indexer
from app.indexing.errors import GitError
from app.indexing.line_counts import BlobFetcher, LineCounter
from app.indexing.mirror import Mirror
from app.models import Integration, PullRequest, Repository, RepositoryStatus, as_utc, utcnow
from app.store import pull_requests
from app.store.writer import DatabaseSink

#: Adaptive polling: next check after a quarter of the time since the last change,
#: between these bounds.
POLL_MIN = timedelta(minutes=7.5)
POLL_MAX = timedelta(hours=24)
#: With webhooks arriving (one seen in the last day), polling is only a safety net.
POLL_WITH_WEBHOOKS = timedelta(hours=1)
WEBHOOKS_LIVE_FOR = timedelta(hours=24)
#: A line-count pass that failed is tried again after this long.
LINES_RETRY = timedelta(minutes=15)


class TransientIndexError(Exception):
    """The run failed in a way that may succeed later (host down, timeout)."""


def next_poll(
    now: datetime, last_changed: datetime | None, webhook_seen: datetime | None = None
) -> datetime:
    since = now - as_utc(last_changed) if last_changed else POLL_MIN
    interval = min(max(since / 4, POLL_MIN), POLL_MAX)
    if webhook_seen and now - as_utc(webhook_seen) < WEBHOOKS_LIVE_FOR:
        interval = max(interval, POLL_WITH_WEBHOOKS)
    return now + interval


def mirror_for(repository: Repository) -> Mirror:
    data_dir = Path(current_app.config["DATA_DIR"])
    return Mirror(data_dir / str(repository.tenant_id) / f"{repository.id}.git")


def git_credentials_for(integration: Integration, provider: Provider | None,
                        clone_url: str | None = None) -> GitCredentials:
    if provider is not None:
        login = provider.git_credentials(clone_url)
        return GitCredentials(username=login["username"], password=login["password"],
                              ssl_verify=bool(integration.setting("ssl_verify")))
    return credentials.git_credentials(
        integration.auth_type,
        credentials.load(integration.credentials),
        integration.known_hosts,
        bool(integration.setting("ssl_verify")),
    )


def set_status(repository: Repository, status: RepositoryStatus, error: str | None = None) -> None:
    repository.status = status.value
    repository.error = error
    db.session.commit()


def run_index(repository_id: int) -> str:
    """Index the repository; returns what happened (``indexed``, ``error``, ``skipped``)."""
    repository = db.session.get(Repository, repository_id)
    if repository is None:
        return "skipped"
    integration = repository.integration
    if not integration.setting("enabled") or repository.status == RepositoryStatus.DISABLED:
        return "skipped"
    if not repository.clone_url:
        return "skipped"  # webhook-mode repositories are built from payloads
    started = time.perf_counter()
    repository.progress_done = repository.progress_total = 0
    set_status(repository, RepositoryStatus.INDEXING)
    sink = DatabaseSink(db.engine, repository.tenant_id, repository.id)
    sink.log("fetching")
    mirror = mirror_for(repository)
    # One provider per run: git credentials and the pull-request sync share it.
    provider = _service_provider(integration)
    try:
        report = mirror.fetch(
            repository.clone_url,
            git_credentials_for(integration, provider, repository.clone_url),
            allow_private=current_app.config["ALLOW_PRIVATE_HOSTS"],
        )
        if report.get("cloned"):
            sink.log("cloned without blobs (partial clone); line counts follow in the "
                     "background" if report.get("partial") else
                     "the server does not support partial clone (filters): made a full clone")
        if report.get("known_hosts") and not integration.known_hosts:
            integration.known_hosts = report["known_hosts"]  # trust on first use
        previous = dict(repository.refs or {})
        if report.get("cloned"):
            # Ahead/behind, the commit walk and the API's containment questions all
            # read the commit-graph; a clone does not write one (later fetches do).
            mirror.write_commit_graph()
        result = Indexer(mirror, sink, previous_refs=previous).run()
    except GitError as exc:
        sink.log(f"failed: {exc.message}")
        if exc.permanent:
            set_status(repository, RepositoryStatus.ERROR, exc.message)
            metrics.index_run("error", 0, time.perf_counter() - started)
            return "error"
        metrics.index_run("transient_error", 0, time.perf_counter() - started)
        raise TransientIndexError(exc.message) from exc
    now = utcnow()
    if provider is not None:
        sync_pull_requests(repository, provider, sink)
    changed = result.refs != previous
    repository.refs = result.refs
    repository.default_branch = result.main_branch
    repository.counts = {**sink.counts(), "pull_requests": count_pull_requests(repository)}
    repository.last_indexed_at = now
    if changed or repository.last_changed_at is None:
        repository.last_changed_at = now
    if result.commits_added:
        if repository.lines_due_at is None:
            repository.lines_done, repository.lines_total = 0, result.commits_added
        else:
            repository.lines_total += result.commits_added
        repository.lines_due_at = now
    repository.next_poll_at = next_poll(
        now, repository.last_changed_at, integration.webhook_seen_at
    )
    set_status(repository, RepositoryStatus.INDEXED)
    sink.log(f"indexed: {result.commits_added} new, {result.commits_removed} removed commits")
    metrics.index_run("indexed", result.commits_added, time.perf_counter() - started)
    return "indexed"


def count_pull_requests(repository: Repository) -> int:
    return int(db.session.execute(
        sa.select(sa.func.count()).select_from(PullRequest)
        .where(PullRequest.repository_id == repository.id)).scalar_one())


def sync_pull_requests(repository: Repository, provider: Provider, sink: DatabaseSink
                       ) -> None:
    """Pull/merge requests changed since the last sync, from the host's API.

    A rate limit does not fail the index: the commits are in; pull requests catch up
    at the next run, and the repository says so.
    """
    started = utcnow()
    synced = 0
    try:
        for pr in provider.pull_requests(providers.host_repository(repository),
                                         repository.prs_synced_at):
            pull_requests.upsert(
                repository, number=pr.number, title=pr.title, description=pr.description,
                state=pr.state, source_branch=pr.source_branch,
                target_branch=pr.target_branch, author=pr.author,
                reviewers=pr.reviewers_json(), url=pr.url, updated_at=pr.updated_at)
            synced += 1
    except GitHostError as exc:
        db.session.commit()  # keep what was synced
        sink.log(f"pull requests: {exc.message}")
        repository.warnings = [*(repository.warnings or []), {
            "code": exc.code, "message": f"Pull requests not fully synced: {exc.message}",
            "at": started.isoformat()}][-20:]
        return
    repository.prs_synced_at = started
    # Caught up: earlier "not fully synced" warnings no longer hold.
    repository.warnings = [w for w in repository.warnings or []
                           if not str(w.get("message", "")).startswith("Pull requests not fully")]
    db.session.commit()
    sink.log(f"pull requests: {synced} new or updated")


def _service_provider(integration: Integration) -> Provider | None:
    return (providers.for_integration(integration)
            if providers.is_service(integration.kind) else None)


def _credentials(repository: Repository) -> GitCredentials:
    integration = repository.integration
    return git_credentials_for(integration, _service_provider(integration),
                               repository.clone_url)


@contextmanager
def remote_auth(repository_id: int) -> Iterator[GitAuth]:
    """The auth for one git run against the repository's host: what a partial mirror's
    lazy blob fetch needs when a diff is asked for before the line-count pass got there."""
    repository = db.session.get(Repository, repository_id)
    if repository is None or not repository.clone_url:
        raise GitError("The repository has no remote to fetch missing objects from.")
    with git_auth(repository.clone_url, _credentials(repository),
                  allow_private=current_app.config["ALLOW_PRIVATE_HOSTS"]) as auth:
        yield auth


def run_line_counts(repository_id: int) -> str:
    """Count the lines of the repository's pending commits (``done``; ``continue`` when
    an index run added commits meanwhile; ``skipped``). A failure is logged and the pass
    tried again after ``LINES_RETRY``."""
    repository = db.session.get(Repository, repository_id)
    if repository is None or not repository.clone_url:
        return "skipped"
    mirror = mirror_for(repository)
    if not mirror.exists():
        return "skipped"
    due = repository.lines_due_at
    sink = DatabaseSink(db.engine, repository.tenant_id, repository.id)
    fetch: BlobFetcher | None = None
    if mirror.is_partial():
        url, creds = repository.clone_url, _credentials(repository)
        allow_private = current_app.config["ALLOW_PRIVATE_HOSTS"]

        def fetch(oids: Sequence[str] | None) -> None:
            mirror.fetch_blobs(url, creds, oids, allow_private=allow_private)

    db.session.commit()  # end the read transaction: the pass writes on its own connections
    started = time.monotonic()
    try:
        counted = LineCounter(mirror, sink, fetch).run()
    except GitError as exc:
        said = (exc.detail or "").strip().splitlines()[-1:]  # git's own words, scrubbed
        sink.log(f"line counts failed (tried again in {LINES_RETRY.seconds // 60} min): "
                 f"{exc.message}{f' (git: {said[0][:200]})' if said else ''}")
        db.session.execute(sa.update(Repository).where(Repository.id == repository_id)
                           .values(lines_due_at=utcnow() + LINES_RETRY))
        db.session.commit()
        return "error"
    sink.log(f"line counts: {counted} commits counted in {time.monotonic() - started:.1f} s")
    # Done unless an index run asked again meanwhile (it moved ``lines_due_at``).
    finished = db.session.execute(
        sa.update(Repository)
        .where(Repository.id == repository_id,
               Repository.lines_due_at.is_(None) if due is None
               else Repository.lines_due_at == due)
        .values(lines_due_at=None).returning(Repository.id)).first() is not None
    db.session.commit()
    return "done" if finished else "continue"
