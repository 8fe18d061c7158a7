"""Each command runs once per commit and issue, whatever sees the commit again: a
re-index, another branch, a webhook and its replay, webhook indexing replayed, a fork
indexed by two workers at once, two executors racing without Redis locks."""

from __future__ import annotations

import copy
import hashlib
import hmac
import json
import os
import subprocess
import sys
import threading
from datetime import timedelta
from pathlib import Path

from flask import Flask

from app.atlassian import jira_for
from app.extensions import db
from app.models import Repository, SmartCommitRun, utcnow
from app.smart_commits import runs
from tests.smart_commits.test_commands import days_ago
from tests.support.jira_site import JiraSite

FIXTURES = Path(__file__).parent.parent / "fixtures/webhooks"


def activity_count(jira: JiraSite) -> int:
    return jira.site.activity.count()


def test_reindex_branch_webhook_and_replay_run_nothing_twice(jira: JiraSite) -> None:
    work = jira.repository()
    work.commit("ABC-20 #comment once #time 1h", {"a.txt": "a\n"}, date=days_ago(1))
    jira.publish()
    integration = jira.connect_repository()
    jira.drain()
    assert activity_count(jira) == 2
    (repo,) = jira.repositories(integration)
    jira.reindex(repo["id"])
    jira.drain()
    work.branch("also-here")  # the same commit on another branch
    jira.publish()
    secret = integration["webhook"]["secret"]
    response = jira.connect.client.post(
        f"/webhooks/{integration['id']}", json={"origin": jira.served.url("app.git")},
        headers={"Authorization": f"Bearer {secret}"})
    assert response.status_code == 202
    jira.drain()
    (delivery,) = jira.ok("GET", f"/api/v1/integrations/{integration['id']}/deliveries")[
        "deliveries"]
    jira.ok("POST", f"/api/v1/deliveries/{delivery['id']}/replay", status=202)
    jira.drain()
    (repo,) = jira.repositories(integration)
    assert repo["counts"]["branches"] == 2
    assert activity_count(jira) == 2
    assert len(jira.site.activity.comments["ABC-20"]) == 1


def test_webhook_indexing_replayed_runs_once(jira: JiraSite) -> None:
    integration = jira.ok("POST", "/api/v1/integrations",
                          {"kind": "github", "mode": "webhook"}, status=201)
    payload = json.loads((FIXTURES / "github/payloads/push.with-new-branch.json").read_text())
    payload = copy.deepcopy(payload)
    for commit in (payload["commits"][0], payload["head_commit"]):
        commit["message"] = "ABC-21 #comment from a webhook"
        commit["timestamp"] = days_ago(0.5)
    body = json.dumps(payload).encode()
    secret = integration["webhook"]["secret"]
    signature = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    for delivery in ("first", "redelivered-with-a-new-id"):
        response = jira.connect.client.post(
            f"/webhooks/{integration['id']}", data=body, headers={
                "X-GitHub-Event": "push", "X-GitHub-Delivery": delivery,
                "X-Hub-Signature-256": signature, "Content-Type": "application/json"})
        assert response.status_code == 202
        jira.drain()
    deliveries = jira.ok("GET", f"/api/v1/integrations/{integration['id']}/deliveries")[
        "deliveries"]
    jira.ok("POST", f"/api/v1/deliveries/{deliveries[0]['id']}/replay", status=202)
    jira.drain()
    assert len(jira.site.activity.comments["ABC-21"]) == 1


def test_a_fork_indexed_by_two_workers_runs_once(
        app: Flask, migrated: dict[str, str], jira: JiraSite) -> None:
    work = jira.repository("app")
    for n in range(1, 31):
        work.commit(f"ABC-{n} #comment change {n}", {f"{n}.txt": f"{n}\n"}, date=days_ago(1))
    jira.publish("app")
    work.publish(jira.root / "served" / "fork.git")
    jira.connect_repository("app")
    jira.connect_repository("fork")
    env = {**os.environ, **migrated, "GITBRIDGE_DATA_DIR": app.config["DATA_DIR"]}
    workers = [subprocess.Popen([sys.executable, "-m", "app.cli", "worker", "--burst"],
                                env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
               for _ in range(2)]
    for worker in workers:
        assert worker.wait(timeout=300) == 0
    jira.drain()
    comments = jira.site.activity.comments
    assert sorted(comments) == sorted(f"ABC-{n}" for n in range(1, 31))
    assert {len(v) for v in comments.values()} == {1}
    owners = db.session.execute(db.select(SmartCommitRun.repository_id).distinct()).scalars()
    assert len(list(owners)) in (1, 2)  # whichever repository saw each commit first


def test_racing_executors_claim_each_commit_once(app: Flask, jira: JiraSite) -> None:
    """No Redis lock at all: the conditional update alone keeps commands single."""
    work = jira.repository()
    for n in range(1, 21):
        work.commit(f"ABC-{n} #comment race {n}", {f"{n}.txt": f"{n}\n"}, date=days_ago(1))
    jira.publish()
    integration = jira.connect_repository(smart_commits=False)
    jira.drain()  # indexed and pushed; commands marked skipped (off)
    db.session.execute(db.update(SmartCommitRun).values(status="pending"))
    db.session.commit()
    repository_id = jira.repositories(integration)[0]["id"]
    errors: list[BaseException] = []
    start = threading.Barrier(3)

    def executor() -> None:
        with app.app_context():
            try:
                start.wait()
                repository = db.session.get(Repository, repository_id)
                runs.execute(repository, jira_for)
            except BaseException as exc:  # surfaced below
                errors.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=executor) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    comments = jira.site.activity.comments
    assert len(comments) == 20 and {len(v) for v in comments.values()} == {1}
    statuses = db.session.execute(db.select(SmartCommitRun.status)).scalars().all()
    assert set(statuses) == {"done"}


def test_a_dead_workers_command_is_not_repeated(app: Flask, jira: JiraSite) -> None:
    """A row left running: while its claim is fresh nobody touches it (a worker may be
    on it); once stale, the command in flight is recorded as interrupted, never sent
    again, and the commands after it run."""
    work = jira.repository()
    work.commit("ABC-30 #comment maybe sent #time 1h", {"a.txt": "a\n"}, date=days_ago(1))
    jira.publish()
    integration = jira.connect_repository(smart_commits=False)
    jira.drain()
    repository_id = jira.repositories(integration)[0]["id"]
    db.session.execute(db.update(SmartCommitRun).values(status="running",
                                                        claimed_at=utcnow()))
    db.session.commit()
    repository = db.session.get(Repository, repository_id)
    assert runs.execute(repository, jira_for) == ("deferred", runs.STALE.total_seconds())
    assert jira.site.activity.count() == 0
    db.session.execute(db.update(SmartCommitRun).values(
        claimed_at=utcnow() - timedelta(minutes=10)))
    db.session.commit()
    assert runs.execute(repository, jira_for) == ("done", None)
    assert "ABC-30" not in jira.site.activity.comments
    assert [w["timeSpent"] for w in jira.site.activity.worklogs["ABC-30"]] == ["1h"]
    (run,) = db.session.execute(db.select(SmartCommitRun)).scalars().all()
    assert run.status == "failed"
    assert [(r["ok"], r["message"]) for r in run.results] == [
        (False, runs.INTERRUPTED), (True, "logged 1h")]
