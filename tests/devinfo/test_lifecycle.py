"""What leaves Jira: switching devinfo off (and on again), disconnecting a repository or
an integration (durably, even with Jira down at that moment), and resending."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from app import scheduler
from app.extensions import db
from app.models import DevinfoDeletion, utcnow
from tests.devinfo.test_push import entities, sent
from tests.support.jira_site import JiraSite


def connected(jira: JiraSite, name: str = "app", commits: int = 3) -> dict[str, Any]:
    work = jira.repository(name)
    for n in range(1, commits + 1):
        work.commit(f"ABC-{n} {name} change {n}", {f"{name}{n}.txt": f"{n}\n"})
    jira.publish(name)
    integration = jira.connect_repository(name)
    jira.drain()
    return integration


def deletes(jira: JiraSite) -> list[tuple[str, dict[str, Any]]]:
    return [(c["path"], c["query"]) for c in jira.connect.fake.calls
            if c["method"] == "DELETE" and "/devinfo/" in c["path"]]


def test_switching_devinfo_off_deletes_and_on_resends(jira: JiraSite) -> None:
    integration = connected(jira)
    (repo,) = jira.repositories(integration)
    assert len(entities(jira)) == 3
    url = f"/api/v1/integrations/{integration['id']}"
    jira.ok("PATCH", url, {"settings": {"devinfo": False}})
    jira.drain()
    assert jira.site.devinfo.repositories == {}
    ((path, query),) = deletes(jira)
    assert path == f"/rest/devinfo/0.10/repository/{repo['id']}"
    assert int(query["_updateSequenceId"]) > 0
    (repo,) = jira.repositories(integration)
    assert repo["devinfo"]["status"] == "off" and repo["devinfo"]["sent"]["commits"] == 0
    # New commits while off are not sent.
    jira.work["app"].commit("ABC-4 while off", {"off.txt": "x\n"})
    jira.publish()
    jira.reindex(repo["id"])
    jira.drain()
    assert jira.site.devinfo.repositories == {}
    jira.ok("PATCH", url, {"settings": {"devinfo": True}})
    jira.drain()
    assert len(entities(jira)) == 4
    assert jira.site.devinfo.bodies[-1]["operationType"] == "BACKFILL"


def test_disabling_the_integration_clears_jira_too(jira: JiraSite) -> None:
    integration = connected(jira)
    jira.ok("PATCH", f"/api/v1/integrations/{integration['id']}",
            {"settings": {"enabled": False}})
    jira.drain()
    assert jira.site.devinfo.repositories == {}


def test_project_keys_narrow_what_jira_holds(jira: JiraSite) -> None:
    work = jira.repository()
    work.commit("ABC-1 and XYZ-1 together", {"a.txt": "a\n"})
    work.commit("XYZ-2 only", {"b.txt": "b\n"})
    jira.publish()
    integration = jira.connect_repository()
    jira.drain()
    assert len(entities(jira)) == 2
    jira.ok("PATCH", f"/api/v1/integrations/{integration['id']}",
            {"settings": {"project_keys": ["ABC"]}})
    jira.drain()
    (only,) = entities(jira).values()
    assert only["issueKeys"] == ["ABC-1"]


def test_removing_a_repository_deletes_it_from_jira(jira: JiraSite) -> None:
    first = connected(jira, "app")
    connected(jira, "lib")
    (app_repo,) = jira.repositories(first)
    assert len(jira.site.devinfo.repositories) == 2
    assert jira.api("DELETE", f"/api/v1/repositories/{app_repo['id']}").status_code == 204
    jira.drain()
    assert list(jira.site.devinfo.repositories) != [str(app_repo["id"])]
    assert len(jira.site.devinfo.repositories) == 1
    assert db.session.execute(db.select(DevinfoDeletion)).first() is None


def test_disconnect_with_jira_down_deletes_later(jira: JiraSite) -> None:
    integration = connected(jira)
    other = connected(jira, "lib")
    jira.connect.fake.script(503, {}, path="/rest/devinfo/", times=10)
    assert jira.api("DELETE", f"/api/v1/integrations/{integration['id']}").status_code == 204
    jira.drain()
    (owed,) = db.session.execute(db.select(DevinfoDeletion)).scalars().all()
    assert owed.scope == "integration" and owed.attempts == 1
    assert len(jira.site.devinfo.repositories) == 2  # still there: Jira was down
    jira.connect.fake.reset_scripts()
    owed.next_attempt_at = utcnow() - timedelta(seconds=1)
    owed.created_at = utcnow() - timedelta(minutes=5)
    owed_id = owed.id
    db.session.commit()
    jira.redis.delete(scheduler.tick_key())
    assert scheduler.tick()["devinfo_deletions"] == [owed_id]
    jira.drain()
    (left,) = jira.site.devinfo.repositories
    (other_repo,) = jira.repositories(other)
    assert left == str(other_repo["id"])
    assert ("/rest/devinfo/0.10/bulkByProperties",
            {"gitbridgeIntegration": str(integration["id"])}) in deletes(jira)
    assert db.session.execute(db.select(DevinfoDeletion)).first() is None


def test_resend_sends_everything_again(jira: JiraSite) -> None:
    integration = connected(jira)
    (repo,) = jira.repositories(integration)
    before = len(sent(jira))
    answer = jira.ok("POST", f"/api/v1/repositories/{repo['id']}/devinfo/resend", status=202)
    assert answer["id"] == repo["id"]
    jira.drain()
    assert len(sent(jira)) == 2 * before == 6
    assert jira.site.devinfo.bodies[-1]["operationType"] == "BACKFILL"
    refused = jira.api("POST", f"/api/v1/repositories/{repo['id']}/devinfo/resend",
                       sub="dev-1")
    assert refused.status_code == 403
    jira.ok("PATCH", f"/api/v1/integrations/{integration['id']}",
            {"settings": {"devinfo": False}})
    off = jira.api("POST", f"/api/v1/repositories/{repo['id']}/devinfo/resend")
    assert off.status_code == 409 and off.get_json()["error"]["code"] == "devinfo_off"
