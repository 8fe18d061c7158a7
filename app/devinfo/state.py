"""The durable per-repository push state: requests, sequence numbers, completion.

A push is *requested* by writing ``wanted_at`` (indexing, a settings change, "resend");
the job *finishes* by clearing it only if it still holds the value the job started
from, so a request that arrives while a push runs is never swallowed. Sequence numbers
are handed out (and committed) before each request to Jira: every request carries a
higher ``updateSequenceId`` than any earlier one for the repository, whatever worker or
clock sends it, and Jira never ignores a newer update as out of order.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from datetime import datetime, timedelta

import sqlalchemy as sa

from app.extensions import db
from app.models import DevinfoState, Repository, utcnow


def get(repository: Repository) -> DevinfoState:
    state = db.session.get(DevinfoState, repository.id)
    if state is None:
        state = DevinfoState(repository_id=repository.id, tenant_id=repository.tenant_id,
                             last_seq=0, attempts=0, totals={}, unknown_issue_keys=[])
        db.session.add(state)
        db.session.flush()
    return state


def request(repositories: Iterable[Repository], *, smart: bool = False,
            now: datetime | None = None) -> list[int]:
    """Mark a push (and, with ``smart``, a smart-commit run) due; committed here, so the
    scheduler finds it even if queueing the job fails. Returns the repository ids."""
    now = now or utcnow()
    ids = []
    for repository in repositories:
        state = get(repository)
        state.wanted_at = now
        if smart:
            state.smart_wanted_at = now
        ids.append(repository.id)
    db.session.commit()
    return ids


def allocate(state: DevinfoState, floor: int = 0) -> int:
    """The next ``updateSequenceId`` (epoch milliseconds, strictly increasing)."""
    seq = max(int(time.time() * 1000), state.last_seq + 1, floor)
    state.last_seq = seq
    db.session.commit()
    return seq


def finish(repository_id: int, wanted: datetime | None, column: str = "wanted_at") -> bool:
    """Clear the request the job served; False if a newer one arrived meanwhile."""
    target = getattr(DevinfoState, column)
    values: dict[str, object] = {column: None}
    if column == "wanted_at":
        values.update(attempts=0, next_attempt_at=None)
    condition = target.is_(None) if wanted is None else target == wanted
    result = db.session.execute(
        sa.update(DevinfoState).where(DevinfoState.repository_id == repository_id, condition)
        .values(**values), execution_options={"synchronize_session": False})
    db.session.commit()
    return bool(result.rowcount)  # type: ignore[attr-defined]


def defer(state: DevinfoState, seconds: float, error: str | None) -> datetime:
    """Try again later (Retry-After, back-off, no token yet); the request stays."""
    state.next_attempt_at = utcnow() + timedelta(seconds=max(1.0, seconds))
    state.last_error = error
    db.session.commit()
    return state.next_attempt_at


def backoff(state: DevinfoState) -> float:
    """60 s, 3 min, 9 min ... up to an hour, by consecutive failures."""
    state.attempts = (state.attempts or 0) + 1
    return float(min(60 * 3 ** (state.attempts - 1), 3600))
