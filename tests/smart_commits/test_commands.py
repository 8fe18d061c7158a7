"""Smart commits end to end: commits indexed for real, commands run on the fake Jira over
HTTP, results on the repository's warnings and on the commit in the issue pages; the
age limit; the setting."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from tests.support.gitrepo import ALICE
from tests.support.jira_site import JiraSite

BOB = ("Bob Builder", "bob@example.com")
STRANGER = ("Nobody Known", "nobody@nowhere.example")


def days_ago(days: float) -> str:
    return (datetime.now(UTC) - timedelta(days=days)).strftime("%Y-%m-%dT%H:%M:%S+00:00")


def commit_on(jira: JiraSite, key: str, sha: str) -> dict[str, Any]:
    return next(c for c in jira.dev(key)["commits"] if c["sha"] == sha)


def test_commands_run_and_name_the_author(jira: JiraSite) -> None:
    work = jira.repository()
    recent = days_ago(1)
    work.commit("ABC-1 ABC-2 Fix it #comment looks good #time 1h 30m investigating "
                "#label backend ui", {"a.txt": "a\n"}, date=recent)
    work.commit("ABC-3 #start fixing it", {"b.txt": "b\n"}, author=BOB, date=recent)
    work.commit("ABC-4 hand over\n\n#assign bob@example.com #done", {"c.txt": "c\n"},
                author=STRANGER, date=recent)
    jira.publish()
    jira.connect_repository()
    jira.drain()
    activity = jira.site.activity
    for key in ("ABC-1", "ABC-2"):
        (comment,) = activity.comments[key]
        assert comment["text"].startswith("looks good\n— @Alice Example in commit ")
        mention = comment["body"]["content"][1]["content"][1]
        assert mention == {"type": "mention", "attrs": {"id": "acc-alice",
                                                        "text": "@Alice Example"}}
        (worklog,) = activity.worklogs[key]
        assert worklog["timeSpent"] == "1h 30m" and worklog["text"].startswith("investigating")
        assert activity.labels[key] == ["backend", "ui"]
    assert activity.transitions["ABC-3"] == ["Start Progress"]
    assert activity.comments["ABC-3"][0]["text"].startswith("fixing it\n— @Bob Builder")
    assert activity.assignees["ABC-4"] == "acc-bob"
    assert activity.transitions["ABC-4"] == ["Done"]
    # Not a Jira user: named by git identity in what the app posts.
    assert "Nobody Known <nobody@nowhere.example>" in activity.comments["ABC-4"][0]["text"]
    assert jira.site.issues["ABC-4"]["fields"]["status"] == {"name": "Done"}
    shown = commit_on(jira, "ABC-1", work.rev("HEAD~2"))["smart_commit"]
    assert shown["status"] == "done" and [r["ok"] for r in shown["results"]] == [True] * 3
    assert commit_on(jira, "ABC-3", work.rev("HEAD~1"))["smart_commit"]["results"][0][
        "message"] == "transitioned to In Progress"


def test_failures_are_warnings_and_shown_on_the_commit(jira: JiraSite) -> None:
    work = jira.repository()
    recent = days_ago(2)
    ambiguous = work.commit("ABC-5 #send it somewhere", {"a.txt": "a\n"}, date=recent)
    work.commit("ABC-6 #archive it", {"b.txt": "b\n"}, date=recent)
    work.commit("ABC-999 #comment nobody home", {"c.txt": "c\n"}, date=recent)
    work.commit("ABC-7 #time 2h #comment still commented", {"d.txt": "d\n"}, date=recent)
    jira.site.activity.time_tracking = False
    jira.publish()
    integration = jira.connect_repository()
    jira.drain()
    (repo,) = jira.repositories(integration)
    failed = [w["message"] for w in repo["warnings"] if w["code"] == "smart_commit_failed"]
    assert len(failed) == 4, failed
    assert any("matches several transitions (Send back, Send to QA)" in m for m in failed)
    assert any("no transition matches #archive" in m for m in failed)
    assert any("ABC-999" in m and "does not exist" in m for m in failed)
    assert any("ABC-7" in m and "Time Tracking is disabled" in m for m in failed)
    assert jira.site.activity.comments["ABC-7"][0]["text"].startswith("still commented")
    shown = commit_on(jira, "ABC-5", ambiguous)["smart_commit"]
    assert shown["status"] == "failed" and not shown["results"][0]["ok"]
    assert "write more of it" in shown["results"][0]["message"]
    assert repo["devinfo"]["smart_commits"] == {"done": 0, "failed": 4, "pending": 0}


def test_old_commits_are_linked_but_not_acted_on(jira: JiraSite) -> None:
    work = jira.repository()
    old = work.commit("ABC-8 #comment from long ago", {"a.txt": "a\n"}, date=days_ago(20))
    young = work.commit("ABC-9 #comment from last week", {"b.txt": "b\n"}, date=days_ago(13))
    jira.publish()
    jira.connect_repository()
    jira.drain()
    assert "ABC-8" not in jira.site.activity.comments
    assert len(jira.site.activity.comments["ABC-9"]) == 1
    shown = commit_on(jira, "ABC-8", old)["smart_commit"]
    assert shown == {"status": "skipped", "reason": "older than 14 days when first seen",
                     "commands": ["#comment"], "results": []}
    assert commit_on(jira, "ABC-9", young)["smart_commit"]["status"] == "done"


def test_switched_off_commands_never_run_later(jira: JiraSite) -> None:
    work = jira.repository()
    work.commit("ABC-10 #comment while off", {"a.txt": "a\n"}, date=days_ago(1))
    jira.publish()
    integration = jira.connect_repository(smart_commits=False)
    jira.drain()
    assert jira.site.activity.comments == {}
    jira.ok("PATCH", f"/api/v1/integrations/{integration['id']}",
            {"settings": {"smart_commits": True}})
    work.commit("ABC-11 #comment once on", {"b.txt": "b\n"}, date=days_ago(0))
    jira.publish()
    (repo,) = jira.repositories(integration)
    jira.reindex(repo["id"])
    jira.drain()
    assert list(jira.site.activity.comments) == ["ABC-11"]


def test_projects_the_repository_is_not_shown_in_are_left_alone(jira: JiraSite) -> None:
    work = jira.repository()
    work.commit("XYZ-1 ABC-12 #comment both", {"a.txt": "a\n"}, date=days_ago(1),
                author=ALICE)
    jira.publish()
    jira.connect_repository(project_keys=["ABC"])
    jira.drain()
    assert list(jira.site.activity.comments) == ["ABC-12"]
