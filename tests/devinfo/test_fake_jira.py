"""The fake Jira's devinfo store behaves as Jira documents it (so tests against it mean
something): schema and limits, ordering by updateSequenceId, deletes."""

from __future__ import annotations

from typing import Any

from tests.support.fake_devinfo import DevinfoStore


def commit(sha: str, seq: int, message: str = "ABC-1 x", keys: tuple[str, ...] = ("ABC-1",)
           ) -> dict[str, Any]:
    return {"id": sha, "issueKeys": list(keys), "updateSequenceId": seq, "hash": sha,
            "displayId": sha[:7], "message": message, "author": {"name": "A"},
            "authorTimestamp": "2024-01-01T00:00:00+00:00", "fileCount": 0,
            "url": "https://h/c"}


def body(*commits: dict[str, Any], seq: int = 1, **extra: Any) -> dict[str, Any]:
    return {"repositories": [{"id": "1", "name": "r", "url": "https://h", "updateSequenceId": seq,
                              "commits": list(commits)}],
            "properties": {"gitbridgeIntegration": "7"}, **extra}


def test_lower_sequence_numbers_are_ignored() -> None:
    store = DevinfoStore(lambda key: key == "ABC-1")
    assert store.bulk(body(commit("a" * 40, 5, "new")))[0] == 202
    status, answer = store.bulk(body(commit("a" * 40, 4, "old", ("ABC-1", "NOPE-1"))))
    assert status == 202 and answer["unknownIssueKeys"] == ["NOPE-1"]
    assert store.repositories["1"]["commits"]["a" * 40]["message"] == "new"


def test_schema_and_limits() -> None:
    store = DevinfoStore(lambda key: True)
    bad_id = commit("not/allowed", 1)
    assert store.bulk(body(bad_id))[0] == 400
    too_many_keys = commit("b" * 40, 1, keys=tuple(f"ABC-{n}" for n in range(1, 502)))
    assert store.bulk(body(too_many_keys))[0] == 400
    assert store.bulk(body(*(commit(f"{n:040d}", 1) for n in range(401))))[0] == 400
    assert store.bulk({**body(commit("c" * 40, 1)), "properties": {"_x": "1"}})[0] == 400
    many = {"repositories": [
        {"id": str(r), "name": "r", "url": "https://h", "updateSequenceId": 1,
         "commits": [commit(f"{r:02d}{n:038d}", 1) for n in range(400)]} for r in range(3)]}
    assert store.bulk(many)[0] == 413
    assert store.bulk(body(commit("d" * 40, 1), commit("d" * 40, 1)))[0] == 400
    assert store.bodies == []


def test_deletes() -> None:
    store = DevinfoStore(lambda key: True)
    store.bulk(body(commit("a" * 40, 5), commit("b" * 40, 9)))
    store.delete_entity("1", "commit", "b" * 40, {"_updateSequenceId": "8"})
    assert set(store.repositories["1"]["commits"]) == {"a" * 40, "b" * 40}  # newer: kept
    store.delete_repository("1", {"_updateSequenceId": "6"})
    assert set(store.repositories["1"]["commits"]) == {"b" * 40}
    store.delete_by_properties({"gitbridgeIntegration": "7"})
    assert store.repositories == {}
    assert store.delete_by_properties({})[0] == 400
