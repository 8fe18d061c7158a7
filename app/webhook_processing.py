"""What a stored delivery does, exactly once in effect.

A delivery is claimed with a conditional UPDATE (``queued`` -> ``processing``), so two
workers (or a replay racing the sweeper) never both process it; everything it writes
is an upsert, so a delivery re-processed after a worker died mid-way changes nothing
twice.

Two modes, as integrations have them:

* indexing triggers (``full``): re-index the connected repositories the payload names,
  through the normal de-duplicated queue (a burst of pushes merges into the pending
  index, so it gives one run, or two if one was already running);
* webhook indexing (``webhook``): no clone, no API; commits, branches, tags and pull
  requests are built from the payloads, a repository appears with its first event,
  and what a payload could not carry is recorded as a warning on the repository.
"""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

import sqlalchemy as sa

from app import jira_sync, providers
from app.extensions import db
from app.http import HttpClient
from app.indexing import models as git
from app.indexing.issue_keys import extract_branch_keys
from app.jobs import request_index
from app.models import (
    Branch,
    BranchKey,
    Commit,
    Delivery,
    DeliveryStatus,
    Integration,
    PullRequest,
    Repository,
    RepositoryStatus,
    Tag,
    utcnow,
)
from app.queue import WEBHOOK
from app.repository_urls import url_key
from app.store import pull_requests
from app.store.writer import DatabaseSink
from webhooks.hosts import events as ev
from webhooks.hosts import receiver_for
from webhooks.hosts.base import Incoming
from webhooks.sns import make_receiver

#: A delivery stuck in ``processing`` this long lost its worker and is queued again.
STUCK_AFTER = timedelta(minutes=10)
#: Warnings kept per repository.
MAX_WARNINGS = 20


def claim(delivery_id: int) -> bool:
    result = db.session.execute(
        sa.update(Delivery)
        .where(Delivery.id == delivery_id, Delivery.status == DeliveryStatus.QUEUED.value)
        .values(
            status=DeliveryStatus.PROCESSING.value,
            started_at=utcnow(),
            attempts=Delivery.attempts + 1,
        ),
        execution_options={"synchronize_session": False},
    )
    db.session.commit()
    return result.rowcount == 1  # type: ignore[attr-defined]


def process(delivery_id: int) -> str:
    if not claim(delivery_id):
        return "skipped"
    started = time.perf_counter()
    delivery = db.session.get(Delivery, delivery_id)
    assert delivery is not None
    integration = db.session.get(Integration, delivery.integration_id)
    try:
        receiver = make_receiver(receiver_for(delivery.host),
                                 integration.base_url if integration else None)
        events = receiver.parse(Incoming(headers=delivery.headers, body=delivery.body, query={}))
        if integration is None:
            status, outcome = DeliveryStatus.IGNORED, "the integration was removed"
        elif integration.mode == "webhook":
            status, outcome = apply_events(integration, events)
        else:
            status, outcome = trigger(integration, events)
    except Exception as exc:
        db.session.rollback()
        delivery = db.session.get(Delivery, delivery_id)
        assert delivery is not None
        delivery.status = (
            DeliveryStatus.QUEUED if delivery.attempts < 3 else DeliveryStatus.FAILED
        ).value
        delivery.outcome = f"failed: {type(exc).__name__}: {str(exc)[:300]}"
        db.session.commit()
        raise
    delivery.status = status.value
    delivery.outcome = outcome
    delivery.processed_at = utcnow()
    delivery.processing_ms = int((time.perf_counter() - started) * 1000)
    db.session.commit()
    return status.value


def _keys(repository: ev.RepositoryRef) -> set[str]:
    urls = [*repository.clone_urls, *([repository.web_url] if repository.web_url else [])]
    return {k for k in (url_key(u) for u in urls) if k}


def trigger(integration: Integration, events: list[Any]) -> tuple[DeliveryStatus, str]:
    """Re-index the connected repositories the events name."""
    confirmations = [e for e in events if isinstance(e, ev.SubscriptionConfirmation)]
    for confirmation in confirmations:
        confirm(integration, confirmation)
    named = [e.repository for e in events if hasattr(e, "repository")]
    wanted = set().union(*(_keys(ref) for ref in named))
    # Within its own (verified) integration a repository may be named rather than
    # addressed: CodeCommit's triggers give an ARN, its clones may use a VPC endpoint.
    names = {ref.full_name for ref in named if ref.full_name}
    matched = [
        r
        for r in integration.repositories
        if r.clone_url and ({url_key(r.clone_url), url_key(r.web_url or "")} & wanted
                            or r.name in names)
    ]
    for repository in matched:
        request_index(repository.id, WEBHOOK)
    if confirmations and not matched:
        return DeliveryStatus.PROCESSED, "subscription confirmed"
    if not matched:
        return DeliveryStatus.IGNORED, "no connected repository is named in the payload"
    return DeliveryStatus.PROCESSED, "re-index queued: " + ", ".join(r.name for r in matched)


def confirm(integration: Integration, confirmation: ev.SubscriptionConfirmation) -> None:
    """Confirm an SNS subscription: through the integration's own AWS credentials where it
    has them (the SDK's endpoint resolution), else by visiting the signed SubscribeURL."""
    if integration.mode == "full" and providers.is_service(integration.kind):
        provider = providers.for_integration(integration)
        if provider.confirm_subscription(confirmation.topic_arn, confirmation.subscribe_url):
            return
    HttpClient(confirmation.subscribe_url).request("GET", confirmation.subscribe_url)


# -- webhook indexing -------------------------------------------------------------------


def _repository(integration: Integration, ref: ev.RepositoryRef) -> Repository:
    """The repository the payload names, created on its first event."""
    keys = _keys(ref)
    for repository in integration.repositories:
        if url_key(repository.web_url or "") in keys or repository.name == (
            ref.full_name or ref.name
        ):
            return repository
    repository = Repository(
        tenant_id=integration.tenant_id,
        integration_id=integration.id,
        name=(ref.full_name or ref.name)[:512],
        web_url=ref.web_url,
        default_branch=ref.default_branch,
        status=RepositoryStatus.INDEXED.value,
        last_indexed_at=utcnow(),
        refs={},
        counts={},
        warnings=[],
    )
    db.session.add(repository)
    db.session.flush()
    return repository


def _warn(repository: Repository, code: str, message: str) -> None:
    warning = {"code": code, "message": message, "at": utcnow().isoformat()}
    repository.warnings = [*(repository.warnings or []), warning][-MAX_WARNINGS:]


def _as_commit(c: ev.PushedCommit) -> git.Commit:
    person = git.Person(c.author.name, c.author.email or "", c.timestamp)
    files = (
        *(git.FileChange(p, "added", None, None, None) for p in c.added),
        *(git.FileChange(p, "modified", None, None, None) for p in c.modified),
        *(git.FileChange(p, "deleted", None, None, None) for p in c.removed),
    )
    return git.Commit(
        sha=c.sha,
        parents=(),
        author=person,
        committer=person,
        message=c.message,
        files=files,
        issue_keys=c.issue_keys,
    )


def _set_ref(repository: Repository, ref: str, sha: str | None, deleted: bool) -> None:
    if ref.startswith("refs/heads/"):
        name, table = ref[len("refs/heads/") :], Branch
    elif ref.startswith("refs/tags/"):
        name, table = ref[len("refs/tags/") :], Tag
    else:
        return
    existing = db.session.execute(
        sa.select(table).where(table.repository_id == repository.id, table.name == name)
    ).scalar_one_or_none()
    if deleted:
        if existing is not None:
            db.session.delete(existing)
        return
    if not sha:
        return  # a "created" notice without its tip: the push that follows carries it
    if existing is not None:
        existing.sha = sha
        return
    if table is Tag:
        db.session.add(
            Tag(tenant_id=repository.tenant_id, repository_id=repository.id, name=name, sha=sha)
        )
        return
    keys = extract_branch_keys(name)
    branch = Branch(
        tenant_id=repository.tenant_id,
        repository_id=repository.id,
        name=name,
        sha=sha,
        is_main=name == repository.default_branch,
        issue_keys=list(keys),
    )
    db.session.add(branch)
    db.session.flush()
    for key in keys:
        db.session.add(
            BranchKey(tenant_id=repository.tenant_id, branch_id=branch.id, issue_key=key)
        )


def _set_pull_request(repository: Repository, pr: ev.PullRequest) -> None:
    pull_requests.upsert(
        repository, number=pr.number, title=pr.title, description=pr.description,
        state=pr.state, source_branch=pr.source_branch, target_branch=pr.target_branch,
        author=pr.author.name if pr.author else None,
        reviewers=[{"name": r.name, "approved": r.approved} for r in pr.reviewers],
        url=pr.url, updated_at=pr.updated_at,
    )


def apply_events(integration: Integration, events: list[Any]) -> tuple[DeliveryStatus, str]:
    """Build the index from the payload alone (webhook-indexing integrations)."""
    touched: dict[int, Repository] = {}
    commits = 0
    for event in events:
        if not hasattr(event, "repository"):
            continue
        repository = _repository(integration, event.repository)
        touched[repository.id] = repository
        if isinstance(event, ev.Push):
            batch = [_as_commit(c) for c in event.commits]
            db.session.commit()  # the sink writes on its own connection: let it see the row
            DatabaseSink(db.engine, repository.tenant_id, repository.id).add_commits(batch)
            commits += len(batch)
            _set_ref(repository, event.ref, event.after, event.deleted)
            if event.truncated:
                shown = len(event.commits)
                total = event.total_commits
                _warn(
                    repository,
                    "truncated_push",
                    f"A push to {event.ref} carried {shown} of "
                    f"{total if total is not None else 'more'} commits; webhook indexing "
                    "cannot fetch the others.",
                )
        elif isinstance(event, ev.RefChange):
            _set_ref(repository, event.ref, event.sha, event.deleted)
        elif isinstance(event, ev.PullRequest):
            _set_pull_request(repository, event)
        elif isinstance(event, ev.Trigger):
            _warn(
                repository,
                "no_content",
                "A delivery said this repository changed but carried no commits.",
            )
    for repository in touched.values():
        _refresh_counts(repository)
    db.session.commit()
    jira_sync.after_index(touched.values())
    if not touched:
        return DeliveryStatus.IGNORED, "nothing in the payload applies to a repository"
    names = ", ".join(r.name for r in touched.values())
    return DeliveryStatus.PROCESSED, f"{commits} commit(s) recorded in {names}"


def _refresh_counts(repository: Repository) -> None:
    def count(model: Any) -> int:
        return int(
            db.session.execute(
                sa.select(sa.func.count())
                .select_from(model)
                .where(model.repository_id == repository.id)
            ).scalar_one()
        )

    repository.counts = {
        "commits": count(Commit),
        "branches": count(Branch),
        "tags": count(Tag),
        "pull_requests": count(PullRequest),
    }
    repository.last_indexed_at = utcnow()
