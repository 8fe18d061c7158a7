from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from tests.webhooks.conftest import SECRET, fixture, fixture_json, hub, signed
from webhooks.hosts import (
    GitHubReceiver,
    Incoming,
    MalformedDelivery,
    PullRequest,
    Push,
    RefChange,
    SignatureInvalid,
)
from webhooks.hosts.github import MAX_PUSH_COMMITS

REPO_URLS = (
    "https://github.com/Codertocat/Hello-World.git",
    "git@github.com:Codertocat/Hello-World.git",
    "git://github.com/Codertocat/Hello-World.git",
    "https://github.com/Codertocat/Hello-World",
)


def parse(event: str, body: bytes) -> list[Any]:
    return GitHubReceiver().parse(signed("github", body, {"X-GitHub-Event": event}))


def parse_json(event: str, payload: Any) -> list[Any]:
    return parse(event, json.dumps(payload).encode())


def test_docs_signature_vector() -> None:
    """GitHub Docs, "Validating webhook deliveries": the published test values."""
    vectors = fixture_json("signatures/signature_vectors.json")["github_docs"]
    body = vectors["payload"].encode()
    headers = {"X-GitHub-Event": "push",
               "X-Hub-Signature-256": vectors["expected_X-Hub-Signature-256"]}
    GitHubReceiver().verify(Incoming(headers=headers, body=body), [vectors["secret"]])
    # The legacy SHA-1 header alone (very old Enterprise servers) is accepted too...
    legacy = {"X-GitHub-Event": "push",
              "X-Hub-Signature": vectors["legacy_X-Hub-Signature_sha1_computed_by_helper"]}
    GitHubReceiver().verify(Incoming(headers=legacy, body=body), [vectors["secret"]])
    # ...but never instead of a SHA-256 signature that is present and wrong.
    with pytest.raises(SignatureInvalid):
        GitHubReceiver().verify(Incoming(headers={**legacy, "X-Hub-Signature-256": "sha256=00"},
                                         body=body), [vectors["secret"]])


def test_header_names_are_case_insensitive() -> None:
    body = fixture("github/payloads/push.json")
    incoming = Incoming(headers={"x-github-event": "push", "x-hub-signature-256": hub(body),
                                 "x-github-delivery": "abc"}, body=body)
    receiver = GitHubReceiver()
    receiver.verify(incoming, [SECRET])
    assert receiver.event(incoming) == "push"
    assert receiver.delivery_id(incoming) == "abc"


def test_signature_errors_never_echo_the_secret() -> None:
    body = fixture("github/payloads/push.json")
    with pytest.raises(SignatureInvalid) as caught:
        GitHubReceiver().verify(signed("github", body, {"X-GitHub-Event": "push"},
                                       secret="wrong"), [SECRET])
    assert SECRET not in str(caught.value) and caught.value.status == 401
    assert caught.value.code == "bad_signature"


def test_push_new_branch() -> None:
    [push] = parse("push", fixture("github/payloads/push.with-new-branch.json"))
    assert isinstance(push, Push)
    assert push.repository.name == "Hello-World"
    assert push.repository.full_name == "Codertocat/Hello-World"
    assert push.repository.clone_urls == REPO_URLS
    assert push.repository.web_url == "https://github.com/Codertocat/Hello-World"
    assert push.repository.default_branch == "master"
    assert push.ref == "refs/heads/master"
    assert push.before is None
    assert push.after == "6113728f27ae82c7b1a177c8d03f9e96e0adf246"
    assert (push.created, push.deleted, push.truncated) == (True, False, False)
    assert push.total_commits is None
    assert push.pusher is not None and push.pusher.name == "Codertocat"
    [commit] = push.commits
    assert commit.sha == "6113728f27ae82c7b1a177c8d03f9e96e0adf246"
    assert commit.message == "Initial commit"
    assert commit.author.name == "Codertocat"
    assert commit.author.email == "21031067+Codertocat@users.noreply.github.com"
    assert commit.timestamp == datetime(2019, 5, 15, 15, 19, 25, tzinfo=UTC)
    assert commit.url == ("https://github.com/Codertocat/Hello-World/commit/"
                          "6113728f27ae82c7b1a177c8d03f9e96e0adf246")
    assert commit.added == ("README.md",) and commit.modified == () and commit.removed == ()
    assert commit.issue_keys == ()


def test_push_tag_deleted() -> None:
    [push] = parse("push", fixture("github/payloads/push.json"))
    assert push.ref == "refs/tags/simple-tag"
    assert push.before == "6113728f27ae82c7b1a177c8d03f9e96e0adf246"
    assert push.after is None
    assert (push.created, push.deleted, push.commits, push.truncated) == (False, True, (), False)


def test_push_issue_keys_and_order() -> None:
    payload = fixture_json("github/payloads/push.with-new-branch.json")
    first = dict(payload["commits"][0], id="a" * 40, message="PROJ-1 start\n\nrefs ABC-22")
    second = dict(payload["commits"][0], id="b" * 40, message="fix proj-9 and DEF-3")
    payload["commits"] = [first, second]
    [push] = parse_json("push", payload)
    assert [c.sha[0] for c in push.commits] == ["a", "b"]
    assert push.commits[0].issue_keys == ("PROJ-1", "ABC-22")
    assert push.commits[1].issue_keys == ("DEF-3",)


def test_push_truncation_at_the_documented_cap() -> None:
    payload = fixture_json("github/payloads/push.with-new-branch.json")
    commit = payload["commits"][0]
    payload["commits"] = [dict(commit, id=f"{i:040x}") for i in range(MAX_PUSH_COMMITS)]
    [push] = parse_json("push", payload)
    assert push.truncated and len(push.commits) == MAX_PUSH_COMMITS
    payload["commits"] = payload["commits"][:-1]
    [push] = parse_json("push", payload)
    assert not push.truncated


def test_commit_without_a_date_is_left_for_the_fetch() -> None:
    payload = fixture_json("github/payloads/push.with-new-branch.json")
    payload["commits"][0]["timestamp"] = "not a date"
    [push] = parse_json("push", payload)
    assert push.commits == () and push.truncated


def test_enterprise_urls_come_from_the_payload() -> None:
    text = fixture("github/payloads/push.with-new-branch.json").decode()
    text = text.replace("github.com", "ghe.example.com")
    [push] = parse("push", text.encode())
    assert "https://ghe.example.com/Codertocat/Hello-World.git" in push.repository.clone_urls
    assert "git@ghe.example.com:Codertocat/Hello-World.git" in push.repository.clone_urls


def test_push_to_a_non_history_ref_is_ignored() -> None:
    payload = fixture_json("github/payloads/push.with-new-branch.json")
    payload["ref"] = "refs/pull/2/head"
    assert parse_json("push", payload) == []


@pytest.mark.parametrize(("path", "created"), [
    ("github/payloads/create.json", True), ("github/payloads/delete.json", False)])
def test_create_and_delete(path: str, created: bool) -> None:
    event = "create" if created else "delete"
    [change] = parse(event, fixture(path))
    assert change == RefChange(repository=change.repository, ref="refs/tags/simple-tag",
                               sha=None, created=created, deleted=not created)
    assert change.repository.clone_urls == REPO_URLS
    payload = fixture_json(path)
    payload.update(ref="feature/PROJ-7", ref_type="branch")
    [branch] = parse_json(event, payload)
    assert branch.ref == "refs/heads/feature/PROJ-7"
    payload["ref_type"] = "repository"
    assert parse_json(event, payload) == []


@pytest.mark.parametrize(("name", "state", "action"), [
    ("opened", "open", "opened"),
    ("reopened", "open", "reopened"),
    ("synchronize", "open", "synchronize"),
    ("closed", "declined", "closed"),
    ("closed.with-organization", "declined", "closed"),
])
def test_pull_request_fixtures(name: str, state: str, action: str) -> None:
    [pr] = parse("pull_request", fixture(f"github/payloads/pull_request.{name}.json"))
    assert isinstance(pr, PullRequest)
    assert (pr.number, pr.state, pr.action) == ("2", state, action)
    assert pr.title == "Update the README with new information."
    assert pr.description == "This is a pretty simple change that we need to pull into master."
    assert (pr.source_branch, pr.target_branch) == ("changes", "master")
    assert pr.author is not None and pr.author.name == "Codertocat"
    assert [(r.name, r.approved) for r in pr.reviewers] == [("octocat", False)]
    assert pr.url == "https://github.com/Codertocat/Hello-World/pull/2"
    assert pr.updated_at is not None and pr.updated_at.tzinfo is not None
    assert pr.repository.clone_urls == REPO_URLS


@pytest.mark.parametrize(("action", "changes", "state"), [
    ("closed", {"merged": True, "merged_at": "2019-05-15T15:21:18Z"}, "merged"),
    ("closed", {"merged": False}, "declined"),
    ("converted_to_draft", {"draft": True}, "draft"),
    ("opened", {"draft": True}, "draft"),
    ("ready_for_review", {"draft": False}, "open"),
    ("edited", {}, "open"),
])
def test_pull_request_states(action: str, changes: dict[str, Any], state: str) -> None:
    base = "closed" if action == "closed" else "opened"
    payload = fixture_json(f"github/payloads/pull_request.{base}.json")
    payload["action"] = action
    payload["pull_request"].update(changes)
    [pr] = parse_json("pull_request", payload)
    assert (pr.state, pr.action) == (state, action)


def test_pull_request_issue_keys_from_title_branch_description() -> None:
    payload = fixture_json("github/payloads/pull_request.opened.json")
    payload["pull_request"]["title"] = "PROJ-12: better README"
    payload["pull_request"]["head"]["ref"] = "feature/abc-7-readme"
    payload["pull_request"]["body"] = "Also closes XYZ-3 and PROJ-12."
    [pr] = parse_json("pull_request", payload)
    assert pr.issue_keys == ("PROJ-12", "ABC-7", "XYZ-3")


def test_unused_events_and_actions_give_nothing() -> None:
    assert parse("ping", fixture("github/payloads/ping.json")) == []
    assert parse("issues", b"{not even json") == []  # never parsed: not an event we use
    payload = fixture_json("github/payloads/pull_request.opened.json")
    payload["action"] = "labeled"
    assert parse_json("pull_request", payload) == []


@pytest.mark.parametrize("body", [b"{", b"[]", b"null", b'{"ref": 5}', b"\xff\xfe"])
def test_malformed_bodies(body: bytes) -> None:
    with pytest.raises(MalformedDelivery) as caught:
        parse("push", body)
    assert caught.value.status == 400 and caught.value.code == "malformed"


def test_pull_request_without_number_is_malformed() -> None:
    payload = fixture_json("github/payloads/pull_request.opened.json")
    del payload["pull_request"]["number"], payload["number"]
    with pytest.raises(MalformedDelivery):
        parse_json("pull_request", payload)
