"""The Development-panel push against the fake Jira over HTTP, driven by real indexing
and a real worker: backfill then live pushes, branches and pull requests, what Jira
refuses or does not know, rate limits, switching devinfo off, disconnecting."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from rq import SimpleWorker

from app import scheduler
from app.devinfo.push import FILES_WAIT
from app.extensions import db
from app.jobs.jira_sync import push_devinfo
from app.models import DevinfoState, Repository, utcnow
from app.queue import QUEUE_NAMES, get_queue
from tests.support.jira_site import JiraSite


def entities(jira: JiraSite, plural: str = "commits") -> dict[str, dict[str, Any]]:
    return {i: e for held in jira.site.devinfo.repositories.values()
            for i, e in held[plural].items()}


def sent(jira: JiraSite, plural: str = "commits") -> list[str]:
    """Every id sent in any bulk body, in order (repeats included)."""
    return [e["id"] for body in jira.site.devinfo.bodies for r in body["repositories"]
            for e in r.get(plural, [])]


def setup_repository(jira: JiraSite, commits: int = 5) -> dict[str, Any]:
    work = jira.repository()
    for n in range(1, commits + 1):
        work.commit(f"ABC-{n} change {n}", {f"f{n}.txt": f"{n}\n"})
    work.commit("no key here", {"plain.txt": "x\n"})
    jira.publish()
    integration = jira.connect_repository()
    jira.drain()
    return integration


def test_backfill_then_live_pushes_send_each_entity_once(jira: JiraSite) -> None:
    integration = setup_repository(jira, commits=5)
    (repo,) = jira.repositories(integration)
    assert repo["status"] == "indexed"
    held = entities(jira)
    assert len(held) == 5
    first = jira.site.devinfo.bodies[0]
    assert first["operationType"] == "BACKFILL" and first["preventTransitions"] is True
    assert first["properties"] == {"gitbridgeIntegration": str(integration["id"])}
    (repository,) = first["repositories"]
    assert repository["id"] == str(repo["id"]) and repository["name"] == repo["name"]
    one = next(e for e in held.values() if e["issueKeys"] == ["ABC-1"])
    assert one["message"] == "ABC-1 change 1" and one["author"]["email"] == "alice@example.com"
    assert one["fileCount"] == 1 and one["files"][0]["path"] == "f1.txt"
    assert one["files"][0]["linesAdded"] == 1 and one["files"][0]["changeType"] == "ADDED"
    assert repo["devinfo"]["status"] == "up_to_date"
    assert repo["devinfo"]["sent"]["commits"] == 5 and repo["devinfo"]["totals"]["commits"] == 5

    # A new commit, re-indexed: one NORMAL request with just it; nothing sent twice.
    jira.work["app"].commit("ABC-6 later", {"later.txt": "later\n"})
    jira.publish()
    jira.reindex(repo["id"])
    jira.drain()
    last = jira.site.devinfo.bodies[-1]
    assert last["operationType"] == "NORMAL"
    assert [e["message"] for e in last["repositories"][0]["commits"]] == ["ABC-6 later"]
    assert len(sent(jira)) == len(set(sent(jira))) == 6
    # A re-index that finds nothing new sends nothing.
    bodies = len(jira.site.devinfo.bodies)
    jira.reindex(repo["id"])
    jira.drain()
    assert len(jira.site.devinfo.bodies) == bodies


def test_update_sequence_ids_increase(jira: JiraSite) -> None:
    setup_repository(jira, commits=3)
    jira.work["app"].commit("ABC-9 more", {"more.txt": "m\n"})
    jira.publish()
    repo_id = db.session.execute(db.select(Repository.id)).scalar_one()
    jira.reindex(repo_id)
    jira.drain()
    seqs = [r["updateSequenceId"] for body in jira.site.devinfo.bodies
            for r in body["repositories"]]
    assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs)


def test_refused_entities_and_unknown_keys_are_recorded_not_retried(jira: JiraSite) -> None:
    work = jira.repository()
    bad = work.commit("ABC-1 Jira will refuse this one", {"a.txt": "a\n"})
    work.commit("NOPE-77 a key of no issue", {"b.txt": "b\n"})
    jira.publish()
    jira.site.devinfo.refuse[bad] = "commit refused by the test"
    integration = jira.connect_repository()
    jira.drain()
    (repo,) = jira.repositories(integration)
    codes = {w["code"]: w["message"] for w in repo["warnings"]}
    assert "commit refused by the test" in codes["devinfo_rejected"]
    assert "NOPE-77" in codes["devinfo_unknown_issue_keys"]
    assert repo["devinfo"]["sent"] == {"commits": 1, "branches": 0, "pull_requests": 0,
                                       "failed": 1}
    assert repo["devinfo"]["failures"][0]["id"] == bad
    assert repo["devinfo"]["unknown_issue_keys"] == ["NOPE-77"]
    # Stored against nothing, but stored: Jira keeps entities with unknown keys.
    assert len(entities(jira)) == 1
    # The next push does not send the refused commit again.
    count = sent(jira).count(bad)
    jira.reindex(repo["id"])
    jira.drain()
    assert sent(jira).count(bad) == count == 1


def test_rate_limits_are_waited_out(jira: JiraSite) -> None:
    jira.connect.fake.script(429, {"Retry-After": "1"}, path="/rest/devinfo/", times=2)
    setup_repository(jira, commits=3)
    assert len(entities(jira)) == 3  # retried in line after one second, twice

    # A long Retry-After: the push waits (no worker blocked), then completes.
    jira.work["app"].commit("ABC-7 while limited", {"x.txt": "x\n"})
    jira.publish()
    jira.connect.fake.script(503, {"Retry-After": "3600"}, path="/rest/devinfo/", times=1)
    repo_id = db.session.execute(db.select(Repository.id)).scalar_one()
    jira.reindex(repo_id)
    jira.drain()
    db.session.remove()
    state = db.session.get(DevinfoState, repo_id)
    assert state is not None and state.wanted_at is not None
    assert state.next_attempt_at is not None
    assert (state.next_attempt_at.replace(tzinfo=None) - utcnow().replace(tzinfo=None)
            ).total_seconds() > 3000
    assert len(entities(jira)) == 3
    status = jira.ok("GET", f"/api/v1/repositories/{repo_id}")["devinfo"]["status"]
    assert status == "waiting"
    # The hour passes; the scheduler finds the request waiting and queues it.
    state = db.session.get(DevinfoState, repo_id)
    state.next_attempt_at = utcnow()
    state.wanted_at = utcnow() - timedelta(minutes=5)
    db.session.commit()
    jira.redis.delete(scheduler.tick_key())
    assert scheduler.tick()["devinfo"] == [repo_id]
    jira.drain()
    assert len(entities(jira)) == 4


def test_branches_follow_names_and_unmerged_commits(jira: JiraSite) -> None:
    work = jira.repository()
    work.commit("ABC-1 base", {"a.txt": "a\n"})
    work.checkout("feature/ABC-2-login", create=True)
    work.commit("ABC-3 on the feature branch", {"b.txt": "b\n"})
    work.checkout("main")
    work.checkout("topic", create=True)
    work.commit("ABC-4 unmerged work", {"c.txt": "c\n"})
    work.checkout("main")
    work.branch("plain")  # no key, nothing unmerged: not sent
    jira.publish()
    jira.connect_repository()
    jira.drain()
    branches = entities(jira, "branches")
    by_name = {b["name"]: b for b in branches.values()}
    assert set(by_name) == {"feature/ABC-2-login", "topic"}
    assert by_name["feature/ABC-2-login"]["issueKeys"] == ["ABC-2", "ABC-3"]
    assert by_name["topic"]["issueKeys"] == ["ABC-4"]
    feature = by_name["feature/ABC-2-login"]
    assert feature["id"].startswith("~") and feature["lastCommit"]["message"] == (
        "ABC-3 on the feature branch")

    # Merged into main: the topic branch no longer holds unmerged work; the feature
    # branch is deleted. Jira follows.
    work.git("merge", "--quiet", "--ff-only", "topic")
    work.delete_branch("feature/ABC-2-login")
    jira.publish()
    (repo,) = jira.repositories({"id": db.session.execute(
        db.select(Repository.integration_id)).scalar_one()})
    jira.reindex(repo["id"])
    jira.drain()
    assert entities(jira, "branches") == {}
    assert repo["devinfo"]["sent"]["branches"] == 2
    assert jira.ok("GET", f"/api/v1/repositories/{repo['id']}")["devinfo"]["sent"][
        "branches"] == 0


def test_rewritten_history_is_deleted_from_jira(jira: JiraSite) -> None:
    work = jira.repository()
    work.commit("ABC-1 keep", {"a.txt": "a\n"})
    base = work.rev()
    work.commit("ABC-2 to be rewritten away", {"b.txt": "b\n"})
    jira.publish()
    integration = jira.connect_repository()
    jira.drain()
    assert len(entities(jira)) == 2
    work.reset_hard(base)
    work.commit("ABC-3 instead", {"c.txt": "c\n"})
    jira.publish()
    (repo,) = jira.repositories(integration)
    jira.reindex(repo["id"])
    jira.drain()
    assert sorted(e["message"] for e in entities(jira).values()) == ["ABC-1 keep",
                                                                    "ABC-3 instead"]


def test_first_backfill_waits_a_bounded_time_for_line_counts(jira: JiraSite) -> None:
    work = jira.repository()
    work.commit("ABC-1 change", {"f.txt": "one\ntwo\n"})
    jira.publish()
    jira.connect_repository()
    queues = [get_queue(name, jira.redis) for name in QUEUE_NAMES]
    repository = None
    while repository is None or repository.status != "indexed":  # the index run, alone
        assert SimpleWorker(queues, connection=jira.redis).work(burst=True, max_jobs=1)
        db.session.remove()
        repository = db.session.execute(db.select(Repository)).scalar_one_or_none()
    assert repository.lines_due_at is not None  # the line-count pass has not run yet
    # Within the bound: the backfill waits for the pass (which asks for it again).
    assert push_devinfo(repository.id) == "held"
    assert entities(jira) == {}
    # Past it: the commits go now, without files ...
    repository = db.session.get(Repository, repository.id)
    repository.last_indexed_at = utcnow() - FILES_WAIT - timedelta(seconds=1)
    db.session.commit()
    assert push_devinfo(repository.id) == "done"
    (early,) = entities(jira).values()
    assert early["fileCount"] == 1 and "files" not in early
    # ... and again, with them, once the pass has counted.
    jira.drain()
    (counted,) = entities(jira).values()
    assert counted["files"][0]["linesAdded"] == 2
