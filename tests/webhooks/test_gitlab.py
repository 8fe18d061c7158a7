from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from tests.webhooks.conftest import (
    SECRET,
    fixture,
    fixture_json,
    signed,
    standard_webhooks_signature,
)
from webhooks.hosts import (
    GitLabReceiver,
    Incoming,
    MalformedDelivery,
    PullRequest,
    Push,
    SignatureInvalid,
)


def parse(body: bytes, event: str = "Push Hook") -> list[Any]:
    return GitLabReceiver().parse(signed("gitlab", body, {"X-Gitlab-Event": event}))


def parse_json(payload: Any, event: str = "Push Hook") -> list[Any]:
    return parse(json.dumps(payload).encode(), event)


# ------------------------------------------------------------------- authentication


def test_standard_webhooks_vector() -> None:
    """The Standard Webhooks specification's test vector, verbatim (GitLab's signing
    token follows that scheme)."""
    vectors = fixture_json("signatures/signature_vectors.json")
    v = vectors["standard_webhooks_for_gitlab_signing_token"]
    incoming = Incoming(headers={
        "X-Gitlab-Event": "Push Hook", "webhook-id": v["webhook-id"],
        "webhook-timestamp": v["webhook-timestamp"],
        "webhook-signature": v["expected_webhook-signature"]}, body=v["payload"].encode())
    at_the_time = GitLabReceiver(clock=lambda: float(v["webhook-timestamp"]) + 10)
    at_the_time.verify(incoming, [v["secret"]])
    at_the_time.verify(incoming, ["older-key", v["secret"]])
    with pytest.raises(SignatureInvalid):
        at_the_time.verify(incoming, ["whsec_" + "A" * 32])
    # Replayed much later: refused although the signature is right.
    with pytest.raises(SignatureInvalid, match="window"):
        GitLabReceiver(clock=lambda: float(v["webhook-timestamp"]) + 3600).verify(
            incoming, [v["secret"]])
    assert at_the_time.delivery_id(incoming) == v["webhook-id"]


def signed_standard(body: bytes, secret: str, stamp: int, **extra: str) -> Incoming:
    headers = {"X-Gitlab-Event": "Push Hook", "webhook-id": "msg_1",
               "webhook-timestamp": str(stamp),
               "webhook-signature": "v1,bm90LXRoaXM= " + standard_webhooks_signature(
                   secret, "msg_1", str(stamp), body), **extra}
    return Incoming(headers=headers, body=body)


def test_signing_token_with_plain_secret_and_several_signatures() -> None:
    body = fixture("gitlab/payloads/push.json")
    now = 1_700_000_000
    receiver = GitLabReceiver(clock=lambda: now)
    receiver.verify(signed_standard(body, SECRET, now), [SECRET])
    tampered = Incoming(headers=signed_standard(body, SECRET, now).headers, body=body + b"\n")
    with pytest.raises(SignatureInvalid):
        receiver.verify(tampered, [SECRET])
    # A token that is sent must be right as well.
    with pytest.raises(SignatureInvalid, match="X-Gitlab-Token"):
        receiver.verify(signed_standard(body, SECRET, now, **{"X-Gitlab-Token": "x"}),
                        [SECRET])
    receiver.verify(signed_standard(body, SECRET, now, **{"X-Gitlab-Token": SECRET}),
                    [SECRET])
    missing_id = dict(signed_standard(body, SECRET, now).headers)
    del missing_id["webhook-id"]
    with pytest.raises(SignatureInvalid):
        receiver.verify(Incoming(headers=missing_id, body=body), [SECRET])


def test_secret_token() -> None:
    body = fixture("gitlab/payloads/push.json")
    receiver = GitLabReceiver()
    receiver.verify(Incoming(headers={"X-Gitlab-Event": "Push Hook",
                                      "X-Gitlab-Token": SECRET}, body=body), [SECRET])
    for token in ("", SECRET + " ", SECRET.upper(), "ünïcode"):
        with pytest.raises(SignatureInvalid):
            receiver.verify(Incoming(headers={"X-Gitlab-Event": "Push Hook",
                                              "X-Gitlab-Token": token}, body=body), [SECRET])


def test_delivery_id_prefers_the_idempotency_key() -> None:
    receiver = GitLabReceiver()
    headers = {"X-Gitlab-Event": "Push Hook", "X-Gitlab-Event-UUID": "event-uuid"}
    assert receiver.delivery_id(Incoming(headers=headers, body=b"")) == "event-uuid"
    headers["Idempotency-Key"] = "idem"
    assert receiver.delivery_id(Incoming(headers=headers, body=b"")) == "idem"
    assert receiver.delivery_id(Incoming(headers={}, body=b"")) is None


# -------------------------------------------------------------------------- pushes


def test_push_is_truncated_when_total_exceeds_the_list() -> None:
    [push] = parse(fixture("gitlab/payloads/push.json"))
    assert isinstance(push, Push)
    assert push.ref == "refs/heads/master"
    assert push.before == "95790bf891e76fee5e1747ab589903a6a1f80f22"
    assert push.after == "da1560886d4f094c3e6c9ef40349f7d38b5d27d7"
    assert (push.created, push.deleted) == (False, False)
    assert push.total_commits == 4 and len(push.commits) == 2 and push.truncated
    assert push.pusher is not None
    assert (push.pusher.name, push.pusher.email) == ("John Smith", "john@example.com")
    repo = push.repository
    assert (repo.name, repo.full_name, repo.default_branch) == ("Diaspora", "mike/diaspora",
                                                                "master")
    assert repo.clone_urls == ("http://example.com/mike/diaspora.git",
                               "git@example.com:mike/diaspora.git",
                               "http://example.com/mike/diaspora")
    first, second = push.commits
    assert first.sha == "b6568db1bc1dcd7f8b4d5a946b0b91f9dacd7327"
    assert first.message.startswith("Merge branch 'some-feature' into 'master'")
    assert (first.author.name, first.author.email) == ("Jordi Mallach", "jordi@softcatala.org")
    assert first.timestamp == datetime(2011, 12, 12, 14, 27, 31,
                                       tzinfo=timezone(timedelta(hours=2)))
    assert first.added == ("CHANGELOG",)
    assert first.modified == ("app/controller/application.rb",)
    assert second.sha == "da1560886d4f094c3e6c9ef40349f7d38b5d27d7"
    assert second.message == "fixed readme\n"


def test_complete_push_is_not_truncated_and_keys_are_found() -> None:
    payload = fixture_json("gitlab/payloads/push.json")
    payload["total_commits_count"] = 2
    payload["commits"][1]["message"] = "JRA-9 fixed readme"
    payload["user_email"] = "[REDACTED]"
    [push] = parse_json(payload)
    assert not push.truncated and push.total_commits == 2
    assert push.commits[1].issue_keys == ("JRA-9",)
    assert push.pusher is not None and push.pusher.email is None


@pytest.mark.parametrize("path", ["gitlab/payloads/tag_push.json",
                                  "gitlab/payloads_go_playground/tag-event.json"])
def test_tag_push(path: str) -> None:
    [push] = parse(fixture(path), "Tag Push Hook")
    assert push.ref == "refs/tags/v1.0.0"
    assert (push.before, push.after) == (None, "82b3d5ae55f7080f1e6022629cdb57bfae7cccc7")
    assert push.created and not push.deleted and not push.truncated
    assert push.repository.clone_urls == ("http://example.com/jsmith/example.git",
                                          "git@example.com:jsmith/example.git",
                                          "http://example.com/jsmith/example")


def test_deleted_branch() -> None:
    payload = fixture_json("gitlab/payloads/push.json")
    payload.update(after="0" * 40, checkout_sha=None, commits=[], total_commits_count=0)
    [push] = parse_json(payload)
    assert push.deleted and push.after is None and not push.created
    assert push.commits == () and not push.truncated


def test_system_hooks() -> None:
    [push] = parse(fixture("gitlab/payloads_go_playground/system-push-event.json"), "System Hook")
    assert push.ref == "refs/heads/master" and len(push.commits) == 1
    assert push.commits[0].added == () and not push.truncated
    [tag] = parse(fixture("gitlab/payloads_go_playground/system-tag-event.json"), "System Hook")
    assert tag.ref == "refs/tags/v1.0.0"
    update = {
        "event_name": "repository_update", "user_id": 1, "user_name": "John Smith",
        "project_id": 1, "project": fixture_json("gitlab/payloads/tag_push.json")["project"],
        "changes": [{"before": "8205ea8d81ce0c6b90fbe8280d118cc9fdad6130",
                     "after": "4045ea7a3df38697b3730a20fb73c8bed8a3e69e",
                     "ref": "refs/heads/master"},
                    {"before": "0" * 40, "after": "4045ea7a3df38697b3730a20fb73c8bed8a3e69e",
                     "ref": "refs/merge-requests/1/head"}],
        "refs": ["refs/heads/master"]}
    [moved] = parse_json(update, "System Hook")
    assert moved.ref == "refs/heads/master" and moved.commits == () and moved.truncated


# ----------------------------------------------------------------- merge requests


def test_merge_request_fixture() -> None:
    [pr] = parse(fixture("gitlab/payloads/merge_request.json"), "Merge Request Hook")
    assert isinstance(pr, PullRequest)
    assert (pr.number, pr.state, pr.action) == ("1", "open", "open")
    assert (pr.title, pr.description) == ("MS-Viewport", None)
    assert (pr.source_branch, pr.target_branch) == ("ms-viewport", "master")
    assert pr.url == "http://example.com/diaspora/merge_requests/1"
    assert pr.updated_at == datetime(2013, 12, 3, 17, 23, 34, tzinfo=UTC)
    assert [(r.name, r.approved) for r in pr.reviewers] == [("User1", False)]
    assert pr.author is None  # the acting user (id 1) is not the author (id 51)
    assert pr.issue_keys == ()
    assert pr.repository.full_name == "gitlabhq/gitlab-test"


def test_merge_request_in_a_system_hook_ignores_a_foreign_repository_block() -> None:
    [pr] = parse(fixture("gitlab/payloads_go_playground/system-merge-request-event.json"),
                 "System Hook")
    assert pr.repository.full_name == "jsmith/example"
    assert "git@example.com:awesome_space/awesome_project.git" not in pr.repository.clone_urls
    assert pr.updated_at is not None and pr.updated_at.year == 2017


def test_gitlab_time_format_and_author_detection() -> None:
    [pr] = parse(fixture("gitlab/payloads/service_merge_request.json"), "Merge Request Hook")
    assert pr.updated_at == datetime(2021, 9, 27, 5, 1, 21, tzinfo=UTC)
    assert pr.author is not None and pr.author.name == "the test"
    assert pr.title == "Update client.go 🎉"


@pytest.mark.parametrize(("changes", "state"), [
    ({"state": "opened"}, "open"),
    ({"state": "opened", "draft": True}, "draft"),
    ({"state": "opened", "work_in_progress": True}, "draft"),
    ({"state": "locked"}, "open"),
    ({"state": "merged", "action": "merge"}, "merged"),
    ({"state": "closed", "action": "close"}, "declined"),
    ({"state": "opened", "action": "reopen"}, "open"),
])
def test_merge_request_states(changes: dict[str, Any], state: str) -> None:
    payload = fixture_json("gitlab/payloads/merge_request.json")
    payload["object_attributes"].update(changes)
    [pr] = parse_json(payload, "Merge Request Hook")
    assert pr.state == state
    assert pr.action == changes.get("action", "open")


def test_merge_request_keys_and_approval() -> None:
    payload = fixture_json("gitlab/payloads/merge_request.json")
    payload["object_attributes"].update(
        title="Viewport for PROJ-5", source_branch="proj-6-viewport",
        description="See PROJ-5, ABC-1", action="approved")
    [pr] = parse_json(payload, "Merge Request Hook")
    assert pr.issue_keys == ("PROJ-5", "PROJ-6", "ABC-1")
    assert [(r.name, r.approved) for r in pr.reviewers] == [("User1", True)]


def test_broken_merge_request_is_malformed() -> None:
    """go-gitlab's group_merge_request fixture has keys with trailing spaces
    (``"iid "``): there is no merge request number in it."""
    with pytest.raises(MalformedDelivery, match="iid"):
        parse(fixture("gitlab/payloads/group_merge_request.json"), "Merge Request Hook")


def test_unused_events() -> None:
    assert parse(fixture("gitlab/payloads/note_commit.json"), "Note Hook") == []
    assert parse_json({"object_kind": "pipeline"}, "Pipeline Hook") == []
    assert parse_json({"object_kind": "push", "ref": "refs/merge-requests/1/head",
                       "project": {"name": "x"}}) == []


def test_missing_required_fields() -> None:
    with pytest.raises(MalformedDelivery):
        parse_json({"object_kind": "push"})
    with pytest.raises(MalformedDelivery):
        parse_json({"object_kind": "push", "ref": "refs/heads/x", "project": {}})
