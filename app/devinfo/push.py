"""One push of a repository's development information to Jira, resumable at any point.

The job layer calls ``run`` with a repository id; everything it decides comes from the
database, so a run killed half-way leaves a state the next run continues from:

1. devinfo off for the repository (setting, integration disabled): whatever was sent
   is deleted from Jira (``DELETE /repository/{id}``) and the records go with it;
2. otherwise changed branches and pull requests go out, then commits Jira does not
   have yet, 400 per request (Jira's limit), newest first, then deletions of what left
   our index. After each accepted request its entities are recorded as held, so at
   most the one request in flight at a crash is sent again (same content: harmless).

The first complete push of a repository is a ``BACKFILL`` (Jira's higher rate limit for
history), later ones ``NORMAL``. A run stops after its time budget and asks to be run
again, so one large backfill does not hold a worker for long.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable
from datetime import datetime, timedelta

import sqlalchemy as sa

from app import repository_warnings as warnings
from app.atlassian import page_url
from app.devinfo import jira_api, limits, payloads, sending, source
from app.devinfo import state as states
from app.devinfo.branch_keys import unmerged_commits
from app.devinfo.payloads import RepositoryInfo
from app.devinfo.sending import Run, Sender
from app.devinfo.source import Scope
from app.extensions import db
from app.http import (
    ApiError,
    ApiForbidden,
    ApiNotFound,
    ApiRateLimited,
    ApiUnauthorized,
    HttpClient,
)
from app.index_runs import mirror_for
from app.models import (
    DevinfoEntity,
    Integration,
    Repository,
    RepositoryStatus,
    Tenant,
    as_utc,
    utcnow,
)
from app.weblinks import layout_for, link

#: Seconds of work per run before it hands the rest to a fresh job.
BUDGET_SECONDS = 60.0
#: How long a first backfill waits after ``indexed`` for the line-count pass, so that
#: commits go to Jira once, with their files. Past it they go without files and again
#: with them when the pass is done: on a large history the pass takes minutes (Kafka,
#: 20,833 commits: 224 s after ``indexed``, against a 64 s ``clone --mirror``, on two
#: loaded cores), and the panel should not stay empty that long.
FILES_WAIT = timedelta(seconds=60)
#: Property every submission is tagged with: one ``bulkByProperties`` delete removes an
#: integration's data.
PROPERTY = "gitbridgeIntegration"
ENTITIES = DevinfoEntity.__table__
#: Warning codes this module owns.
REJECTED, UNKNOWN_KEYS, TRUNCATED, JIRA_REFUSED = (
    "devinfo_rejected", "devinfo_unknown_issue_keys", "devinfo_issue_keys_truncated",
    "devinfo_refused")

ClientFor = Callable[[Tenant], HttpClient]


def active(integration: Integration, repository: Repository) -> bool:
    """Whether the repository's data belongs in Jira's panel (as in ours)."""
    return (bool(integration.setting("enabled")) and bool(integration.setting("devinfo"))
            and repository.status != RepositoryStatus.DISABLED.value)


def scope_of(repository: Repository, integration: Integration) -> Scope:
    keys = (repository.project_keys if repository.project_keys is not None
            else integration.setting("project_keys"))
    return Scope(repository.id, None if keys is None else frozenset(keys))


def repository_info(repository: Repository, tenant: Tenant) -> RepositoryInfo:
    """Links: the host's pages where their layout is known, else (the repository's own
    link) the repository browser as a page of the site, which opens inside Jira from
    Jira's own panel (Connect: ``/plugins/servlet/ac/{app}/repository-browser?
    ac.repository=<id>``, opened on the repository; Forge: the app's global page). No
    host link means no ``sourceBranchUrl``: Jira matches pull requests to branches by
    it, and one shared fallback would match them all."""
    page = page_url(tenant, "repository-browser", {"repository": str(repository.id)})
    web = repository.web_url if layout_for(repository.web_url) else None
    return RepositoryInfo(
        id=str(repository.id), name=repository.name,
        url=limits.url_or(repository.web_url, page),
        commit_url=lambda sha: link(web, "commit", sha=sha),
        branch_url=lambda name: link(web, "branch", name=name))


def config_hash(info: RepositoryInfo, scope: Scope) -> str:
    keys = sorted(scope.project_keys) if scope.project_keys is not None else None
    raw = json.dumps([info.id, info.name, info.url, info.commit_url("0" * 40),
                      info.branch_url("b"), keys])
    return hashlib.sha1(raw.encode()).hexdigest()


def run(repository_id: int, client_for: ClientFor,
        budget: float = BUDGET_SECONDS) -> str:
    """Push what is due; returns ``done``, ``off``, ``cleared``, ``continue`` (call again),
    ``deferred`` (just told to wait until ``next_attempt_at``), ``waiting`` (still
    waiting: a job for that time is queued already), ``held`` (a first backfill waiting
    for line counts until :func:`files_wait_until`; the pass asks again when done) or
    ``gone``."""
    repository = db.session.get(Repository, repository_id)
    if repository is None:
        return "gone"
    state = states.get(repository)
    wanted = state.wanted_at
    if state.next_attempt_at and as_utc(state.next_attempt_at) > utcnow():
        return "waiting"
    integration = repository.integration
    tenant = db.session.get(Tenant, repository.tenant_id)
    assert tenant is not None
    try:
        client = client_for(tenant)
    except Exception as exc:  # e.g. a Forge installation without a valid system token yet
        states.defer(state, 60, f"Jira cannot be reached yet: {exc}")
        return "deferred"
    info = repository_info(repository, tenant)
    job = Run(repository, state, client, info, scope_of(repository, integration),
              {PROPERTY: str(integration.id)}, time.monotonic() + budget)
    session = db.session()
    # The run commits after every request; reloading its few objects after each commit
    # cost more than building the next request. Nothing else writes them meanwhile.
    session.expire_on_commit = False
    try:
        outcome = push(job) if active(integration, repository) else clear(job)
    except jira_api.Disconnected:
        db.session.rollback()
        return "gone"
    except ApiRateLimited as exc:
        states.defer(state, exc.retry_after or 60, f"Jira asked to wait ({exc.status})")
        return "deferred"
    except (ApiUnauthorized, ApiForbidden, ApiNotFound) as exc:
        # The site refused the app (uninstalled, no devinfo module); no point hammering.
        warnings.put(repository_id, JIRA_REFUSED, f"Jira refused the development "
                     f"information: {exc.message}. Gitbridge tries again in an hour.")
        states.defer(state, 3600, exc.message)
        return "deferred"
    except ApiError as exc:
        states.defer(state, states.backoff(state), exc.message)
        return "deferred"
    finally:
        session.expire_on_commit = True
    if outcome == "continue":
        return outcome
    return outcome if states.finish(repository_id, wanted) else "continue"


def files_wait_until(repository: Repository) -> datetime | None:
    """When a first backfill stops waiting for the line-count pass (:data:`FILES_WAIT`
    after the index run that asked for it)."""
    if repository.last_indexed_at is None:
        return None
    return as_utc(repository.last_indexed_at) + FILES_WAIT


def clear(job: Run) -> str:
    """devinfo is off here: delete what Jira holds of the repository, once."""
    state = job.state
    held = db.session.execute(sa.select(ENTITIES.c.kind).where(
        ENTITIES.c.repository_id == job.repository.id).limit(1)).first()
    if state.config_hash is None and held is None:
        return "off"
    jira_api.delete_repository(job.client, job.info.id, states.allocate(state))
    db.session.execute(ENTITIES.delete().where(ENTITIES.c.repository_id == job.repository.id))
    state.config_hash, state.backfilled_at, state.totals = None, None, {}
    state.unknown_issue_keys, state.last_error = [], None
    db.session.commit()
    warnings.clear(job.repository.id, REJECTED, UNKNOWN_KEYS, TRUNCATED, JIRA_REFUSED)
    return "cleared"


def push(job: Run) -> str:
    state, repository = job.state, job.repository
    counting = repository.lines_due_at is not None
    if counting and state.backfilled_at is None:
        until = files_wait_until(repository)
        if until is not None and until > utcnow():
            # A first index whose line counts are still coming: the backfill goes once,
            # with files, when the pass is done (it asks for this push again) ...
            return "held"
        counting = False  # ... or now, without the files not counted yet
    config = config_hash(job.info, job.scope)
    if state.config_hash != config:
        # Built from other links or project keys: everything Jira holds is out of date.
        db.session.execute(ENTITIES.update().where(ENTITIES.c.repository_id == repository.id)
                           .values(fingerprint=source.STALE))
        if state.config_hash is not None:
            state.backfilled_at = None
        state.config_hash = config
        db.session.commit()
    keyed = source.keyed_commits(job.scope)
    branches = _branches(job, keyed)
    pulls = {e["id"]: (e, payloads.fingerprint(e)) for e in _pull_requests(job)}
    wanted = {**{("branch", i): v for i, v in branches.items()},
              **{("pull_request", i): v for i, v in pulls.items()}}
    held = source.held(repository.id, ("branch", "pull_request"))
    plan = source.commit_plan(job.scope, keyed, counting=counting)
    state.totals = {"commits": len(keyed), "branches": len(branches),
                    "pull_requests": len(pulls)}
    db.session.commit()
    with Sender(job) as sender:
        sender.send((kind, entity, fp) for (kind, _), (entity, fp) in wanted.items()
                    if held.get((kind, entity["id"])) != fp)
        page = limits.MAX_ENTITIES_PER_TYPE
        for start in range(0, len(plan.due), page):
            if time.monotonic() > job.deadline:
                return "continue"
            rows = source.commits_by_sha(repository.id, plan.due[start:start + page])
            sender.send(("commit", payloads.commit_entity(rows[sha], job.keys(keyed[sha]),
                                                          job.info, 0),
                         source.WITH_FILES if payloads.counts_known(rows[sha])
                         else source.WITHOUT_FILES)
                        for sha in plan.due[start:start + page] if sha in rows)
    sending.delete(job, [("commit", sha) for sha in plan.gone])
    sending.delete(job, [key for key in held if key not in wanted])
    _finish(job)
    return "done"


def _branches(job: Run, keyed: dict[str, list[str]]) -> dict[str, tuple[payloads.Entity, str]]:
    """Branch id -> (entity, fingerprint) for branches with at least one allowed key."""
    repository = job.repository
    rows = source.branches(repository.id)
    unmerged = unmerged_commits(mirror_for(repository).path, repository.default_branch)
    tips = source.commits_by_sha(repository.id, (b.sha for b in rows))
    found = {}
    for branch in rows:
        keys = job.keys([*branch.issue_keys,
                         *(k for sha in unmerged.get(branch.name, ()) for k in
                           keyed.get(sha, ()))])
        tip = tips.get(branch.sha)
        if keys and tip is not None:  # a tip not indexed (yet): nothing to date it by
            entity = payloads.branch_entity(branch.name, tip, keys, job.info, 0)
            found[entity["id"]] = (entity, payloads.fingerprint(entity))
    return found


def _pull_requests(job: Run) -> list[payloads.Entity]:
    entities = []
    for pr in source.pull_requests(job.repository.id):
        keys = job.keys(pr.issue_keys or [])
        if keys:
            entities.append(payloads.pull_request_entity(pr, keys, job.info, 0))
    return entities


def _finish(job: Run) -> None:
    state = job.state
    state.backfilled_at = state.backfilled_at or utcnow()
    state.last_push_at, state.last_error = utcnow(), None
    db.session.commit()
    _warn(job, source.held_counts(job.repository.id)["failed"])


def _warn(job: Run, failed: int) -> None:
    """The repository's warnings say what Jira refused or does not know, and clear once
    that is no longer so."""
    repository_id, state = job.repository.id, job.state
    warnings.clear(repository_id, JIRA_REFUSED)
    if failed:
        first = db.session.execute(sa.select(ENTITIES.c.kind, ENTITIES.c.entity_id,
                                             ENTITIES.c.error)
                                   .where(ENTITIES.c.repository_id == repository_id,
                                          ENTITIES.c.status == "failed").limit(1)).first()
        detail = f" (first: {first.kind} {first.entity_id}: {first.error})" if first else ""
        warnings.put(repository_id, REJECTED, f"Jira refused {failed} of the entities sent to "
                     f"its Development panel{detail}. They are not sent again unless they change.")
    else:
        warnings.clear(repository_id, REJECTED)
    if state.unknown_issue_keys:
        shown = ", ".join(state.unknown_issue_keys[:10])
        more = len(state.unknown_issue_keys) - 10
        warnings.put(repository_id, UNKNOWN_KEYS,
                     f"Jira does not know these issue keys, so its Development panel shows "
                     f"nothing for them: {shown}{f' and {more} more' if more > 0 else ''}.")
    if job.truncated:
        warnings.put(repository_id, TRUNCATED, f"{job.truncated} commits, branches or pull "
                     f"requests mention more than {limits.MAX_ISSUE_KEYS} issue keys; Jira "
                     "takes the first ones only.")
