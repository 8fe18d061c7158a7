"""Entities and requests as Jira's schema and limits want them (no database, no HTTP):
every body built here passes the fake Jira's validator, which encodes the documented
schema."""

from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

from app.devinfo import jira_api, limits, payloads
from app.devinfo.payloads import RepositoryInfo
from tests.support.fake_devinfo import DevinfoStore

INFO = RepositoryInfo(id="42", name="team/app", url="https://git.example.com/team/app",
                      commit_url=lambda sha: f"https://git.example.com/team/app/commit/{sha}",
                      branch_url=lambda name: None if name == "x" else
                      f"https://git.example.com/team/app/tree/{name}")


def commit(**overrides: Any) -> SimpleNamespace:
    values: dict[str, Any] = {
        "sha": "a" * 40, "parents": "b" * 40, "author_name": "Alice", "author_email": "a@x.io",
        "authored_at": datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC), "message": "ABC-1 change",
        "files": [{"path": "f.py", "change_type": "modified", "added": 3, "removed": 1}],
        "stats_done": False}
    values.update(overrides)
    return SimpleNamespace(**values)


def pull_request(**overrides: Any) -> SimpleNamespace:
    values: dict[str, Any] = {
        "number": "7", "state": "merged", "title": "ABC-1 login", "author_name": "Bob",
        "source_branch": "feature/ABC-1", "target_branch": "main",
        "url": "https://git.example.com/team/app/pull/7",
        "updated_at": datetime(2024, 1, 3, tzinfo=UTC),
        "reviewers": [{"name": "Carol", "approved": True}, {"name": "Dan", "approved": False}]}
    values.update(overrides)
    return SimpleNamespace(**values)


def valid(body: dict[str, Any]) -> None:
    assert DevinfoStore.refusal(body) is None, DevinfoStore.refusal(body)


def test_commit_entity() -> None:
    entity = payloads.commit_entity(commit(), ["ABC-1"], INFO, 5)
    assert entity == {
        "id": "a" * 40, "issueKeys": ["ABC-1"], "updateSequenceId": 5, "hash": "a" * 40,
        "displayId": "aaaaaaa", "message": "ABC-1 change",
        "author": {"name": "Alice", "email": "a@x.io"},
        "authorTimestamp": "2024-01-02T03:04:05+00:00", "fileCount": 1,
        "url": f"https://git.example.com/team/app/commit/{'a' * 40}",
        "files": [{"path": "f.py", "url": f"https://git.example.com/team/app/commit/{'a' * 40}",
                   "changeType": "MODIFIED", "linesAdded": 3, "linesRemoved": 1}]}


def test_files_need_their_line_counts_and_at_most_ten_go() -> None:
    uncounted = commit(files=[{"path": "f.py", "change_type": "added", "added": None,
                               "removed": None}])
    entity = payloads.commit_entity(uncounted, ["ABC-1"], INFO, 1)
    assert "files" not in entity and entity["fileCount"] == 1
    many = commit(files=[{"path": f"{n}.py", "change_type": "renamed", "added": 1,
                          "removed": 0} for n in range(25)], parents="b" * 40 + " " + "c" * 40)
    entity = payloads.commit_entity(many, ["ABC-1"], INFO, 1)
    assert entity["fileCount"] == 25 and len(entity["files"]) == limits.MAX_FILES
    assert entity["files"][0]["changeType"] == "MOVED"
    assert entity["flags"] == ["MERGE_COMMIT"]


def test_lengths_are_cut_and_long_urls_fall_back() -> None:
    long = commit(message="ABC-1 " + "x" * 5000, author_name="N" * 400,
                  author_email="e" * 300 + "@x.io")
    info = RepositoryInfo("42", "r" * 300, "https://jira.example/page",
                          commit_url=lambda sha: "https://h/" + "p" * 2000,
                          branch_url=lambda name: None)
    entity = payloads.commit_entity(long, ["ABC-1"], info, 1)
    assert len(entity["message"]) == limits.MAX_MESSAGE and entity["message"].endswith("…")
    assert len(entity["author"]["name"]) == 255 and len(entity["author"]["email"]) == 255
    assert entity["url"] == "https://jira.example/page"
    header = info.header(1)
    assert len(header["name"]) == limits.MAX_NAME
    valid(payloads.bulk_body(header, [("commit", entity, "1")], 1, backfill=False,
                             properties={"gitbridgeIntegration": "3"}))


def test_ids_use_only_the_characters_jira_allows() -> None:
    assert limits.entity_id("main") == "main"
    assert limits.entity_id("release-1.2_x~y") == "release-1.2_x~y"
    for name in ("feature/ABC-1-login", "ümlaut", "x" * 300):
        made = limits.entity_id(name)
        assert made.startswith("~") and limits.ID_PATTERN.match(made) and len(made) == 41
    assert limits.entity_id("feature/a") != limits.entity_id("feature/b")


def test_issue_keys_are_unique_and_capped() -> None:
    keys, cut = limits.issue_keys(["ABC-1", "ABC-1", "ABC-2"])
    assert (keys, cut) == (["ABC-1", "ABC-2"], False)
    keys, cut = limits.issue_keys(f"ABC-{n}" for n in range(1, 700))
    assert len(keys) == limits.MAX_ISSUE_KEYS and cut


def test_branch_and_pull_request_entities() -> None:
    branch = payloads.branch_entity("feature/ABC-1", commit(), ["ABC-1"], INFO, 3)
    assert branch["name"] == "feature/ABC-1" and branch["id"].startswith("~")
    assert branch["url"] == "https://git.example.com/team/app/tree/feature/ABC-1"
    assert branch["lastCommit"]["issueKeys"] == ["ABC-1"]
    pr = payloads.pull_request_entity(pull_request(), ["ABC-1"], INFO, 3)
    assert (pr["status"], pr["displayId"], pr["commentCount"]) == ("MERGED", "#7", 0)
    assert pr["sourceBranchUrl"].endswith("/tree/feature/ABC-1")
    assert pr["reviewers"] == [{"name": "Carol", "approvalStatus": "APPROVED"},
                               {"name": "Dan", "approvalStatus": "UNAPPROVED"}]
    draft = payloads.pull_request_entity(pull_request(state="draft", source_branch="x",
                                                      author_name=None), ["ABC-1"], INFO, 3)
    assert draft["status"] == "DRAFT" and "sourceBranchUrl" not in draft
    assert draft["author"] == {"name": "Unknown"}
    valid(payloads.bulk_body(INFO.header(3), [("branch", branch, "f"),
                                              ("pull_request", pr, "f")], 3,
                             backfill=True, properties={}))


def test_fingerprints_ignore_the_sequence_number() -> None:
    one = payloads.branch_entity("main", commit(), ["ABC-1"], INFO, 1)
    two = payloads.branch_entity("main", commit(), ["ABC-1"], INFO, 99)
    assert payloads.fingerprint(one) == payloads.fingerprint(two)
    moved = payloads.branch_entity("main", commit(sha="c" * 40), ["ABC-1"], INFO, 1)
    assert payloads.fingerprint(moved) != payloads.fingerprint(one)


def test_batches_stay_within_jira_limits() -> None:
    items = [*(("commit", {"id": str(n)}, "1") for n in range(1000)),
             *(("branch", {"id": f"b{n}"}, "f") for n in range(450)),
             *(("pull_request", {"id": f"p{n}"}, "f") for n in range(10))]
    batches = list(payloads.batches(items))
    assert sum(len(b) for b in batches) == 1460
    for batch in batches:
        assert len(batch) <= limits.MAX_ENTITIES_PER_REQUEST
        for kind in ("commit", "branch", "pull_request"):
            assert sum(1 for item in batch if item[0] == kind) <= limits.MAX_ENTITIES_PER_TYPE


def test_a_body_stamps_every_entity_and_says_what_kind_of_push() -> None:
    entity = payloads.branch_entity("main", commit(), ["ABC-1"], INFO, 0)
    body = payloads.bulk_body(INFO.header(77), [("branch", entity, "f")], 77, backfill=False,
                              properties={"gitbridgeIntegration": "1"})
    (repository,) = body["repositories"]
    (branch,) = repository["branches"]
    assert branch["updateSequenceId"] == branch["lastCommit"]["updateSequenceId"] == 77
    assert entity["updateSequenceId"] == 0  # the original is untouched
    assert (body["operationType"], body["preventTransitions"]) == ("NORMAL", True)


def test_reading_jiras_answer() -> None:
    answer = {
        "acceptedDevinfoEntities": {"42": {"commits": ["a"]}},
        "failedDevinfoEntities": {"42": {
            "commits": [{"id": "b", "errorMessages": [{"message": "bad commit"}]}],
            "branches": [{"id": "~x", "errorMessages": []}]}},
        "unknownIssueKeys": ["UTF-8"]}
    result = jira_api.outcome(answer, "42")
    assert result.failed == {("commit", "b"): "bad commit", ("branch", "~x"): "refused"}
    assert result.unknown_issue_keys == ["UTF-8"] and result.repository_errors == []
    whole = jira_api.outcome({"failedDevinfoEntities": {"42": {
        "errorMessages": [{"message": "repository url invalid"}]}}}, "42")
    assert whole.repository_errors == ["repository url invalid"]
    assert jira_api.error_text({"errorMessages": [{"message": "x"}, {"message": "y"}]}) == "x; y"
