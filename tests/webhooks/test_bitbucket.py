"""Bitbucket Cloud and Bitbucket Server / Data Center."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from tests.webhooks.conftest import fixture, fixture_json, signed
from tests.webhooks.test_pipeline import BB_CLOUD, BB_SERVER
from webhooks.hosts import (
    BitbucketCloudReceiver,
    BitbucketServerReceiver,
    Incoming,
    MalformedDelivery,
    PullRequest,
    Push,
    SignatureInvalid,
    Trigger,
    identify,
)

VECTORS = fixture_json("signatures/signature_vectors.json")


def cloud(key: str, body: bytes) -> list[Any]:
    return BitbucketCloudReceiver().parse(
        signed("bitbucket_cloud", body, {**BB_CLOUD, "X-Event-Key": key}))


def server(key: str, body: bytes) -> list[Any]:
    return BitbucketServerReceiver().parse(
        signed("bitbucket_server", body, {**BB_SERVER, "X-Event-Key": key}))


# ------------------------------------------------------------ published signatures


def test_cloud_vector_from_the_jenkins_plugin() -> None:
    v = VECTORS["bitbucket_cloud_jenkins"]
    body = fixture(v["payload_file_in_holdout"])
    headers = {**BB_CLOUD, "X-Event-Key": "repo:push",
               "X-Hub-Signature": v["headers"]["X-Hub-Signature"]}
    incoming = Incoming(headers=headers, body=body)
    assert identify(incoming) is BitbucketCloudReceiver
    BitbucketCloudReceiver().verify(incoming, [v["secret"]])
    bad = Incoming(headers={**headers, "X-Hub-Signature": v["negative_case_header"]}, body=body)
    with pytest.raises(SignatureInvalid):
        BitbucketCloudReceiver().verify(bad, [v["secret"]])


@pytest.mark.parametrize("case", [
    c for c in VECTORS["bitbucket_server_go_playground"]["cases"] if c["payload_file_in_holdout"]
], ids=lambda c: c["headers"]["X-Event-Key"])
def test_server_vectors_from_go_playground(case: dict[str, Any]) -> None:
    body = fixture(case["payload_file_in_holdout"])
    incoming = Incoming(headers={**BB_SERVER, **case["headers"]}, body=body)
    assert identify(incoming) is BitbucketServerReceiver
    receiver = BitbucketServerReceiver()
    receiver.verify(incoming, [case["secret"]])
    receiver.verify(incoming, ["rotated-out", case["secret"]])
    with pytest.raises(SignatureInvalid):
        receiver.verify(incoming, ["Secret"])
    assert receiver.event(incoming) == case["headers"]["X-Event-Key"]
    assert len(receiver.parse(incoming)) == 1


def test_cloud_and_server_are_told_apart() -> None:
    body = fixture("bitbucket_cloud/payloads_jenkins/push_event.updatePayload.json")
    assert identify(Incoming(headers={"X-Event-Key": "repo:push", "X-Hook-UUID": "h"},
                             body=body)) is BitbucketCloudReceiver
    assert identify(Incoming(headers={"X-Event-Key": "repo:push",
                                      "User-Agent": "Bitbucket-Webhooks/2.0"},
                             body=body)) is BitbucketCloudReceiver
    assert identify(Incoming(headers={"X-Event-Key": "pr:opened", "X-Request-Id": "r"},
                             body=body)) is BitbucketServerReceiver


# ---------------------------------------------------------------- Bitbucket Cloud

CLOUD_URLS = ("https://bitbucket.org/amuniz/test-repos.git",
              "git@bitbucket.org:amuniz/test-repos.git",
              "ssh://git@bitbucket.org/amuniz/test-repos.git",
              "https://bitbucket.org/amuniz/test-repos")


def test_cloud_push_with_more_than_five_commits_is_truncated() -> None:
    [push] = cloud("repo:push", fixture("bitbucket_cloud/payloads_jenkins/commit_created.json"))
    assert isinstance(push, Push)
    assert push.repository.clone_urls == CLOUD_URLS
    assert push.repository.full_name == "amuniz/test-repos"
    assert push.ref == "refs/heads/feature/issue-819"
    assert push.before == "a10199272451f4c7c5edced2d40b5d6f2f6f5fa3"
    assert push.after == "5ecffa3874e96920f24a2b3c0d0038e47d5cd1a4"
    assert push.truncated and len(push.commits) == 5 and push.total_commits is None
    newest = push.commits[-1]  # reversed: Bitbucket lists newest first
    assert newest.sha == "5ecffa3874e96920f24a2b3c0d0038e47d5cd1a4"
    assert newest.issue_keys == ("JENKINS-75182",)
    assert (newest.author.name, newest.author.email) == ("Nikolas Falco", "email@domain.com")
    assert newest.url == ("https://bitbucket.org/amuniz/test-repos/commits/"
                          "5ecffa3874e96920f24a2b3c0d0038e47d5cd1a4")
    assert [c.timestamp for c in push.commits] == sorted(c.timestamp for c in push.commits)


def test_cloud_push_of_several_refs() -> None:
    main, manchu, tag = cloud("repo:push", fixture(
        "bitbucket_cloud/payloads_jenkins/push_event.multipleChangesPayload.json"))
    assert (main.ref, main.created, main.truncated, len(main.commits)) == (
        "refs/heads/main", False, False, 1)
    assert main.commits[0].timestamp == datetime(2017, 3, 6, 16, 9, 28, tzinfo=UTC)
    assert (manchu.ref, manchu.created, manchu.truncated, len(manchu.commits)) == (
        "refs/heads/manchu", True, True, 5)
    assert (tag.ref, tag.created, tag.commits, tag.truncated) == (
        "refs/tags/v0.1", True, (), False)
    assert main.pusher is not None and main.pusher.name == "Stephen Connolly"


def test_cloud_deleted_branch_and_tag() -> None:
    [branch] = cloud("repo:push", fixture("bitbucket_cloud/payloads_jenkins/branch_deleted.json"))
    assert (branch.ref, branch.deleted, branch.after, branch.truncated) == (
        "refs/heads/feature/test", True, None, False)
    assert branch.before == "174561d625c9623b60d8aba09b7f08ddc9df45cd"
    [tag] = cloud("repo:push", fixture("bitbucket_cloud/payloads_jenkins/tag_deleted.json"))
    assert (tag.ref, tag.deleted) == ("refs/tags/test", True)
    [annotated] = cloud("repo:push",
                        fixture("bitbucket_cloud/payloads_jenkins/annotated_tag_created.json"))
    assert (annotated.ref, annotated.created) == ("refs/tags/test-tag", True)


def test_cloud_docs_example_commits_without_dates() -> None:
    """The documentation's example commits have no ``date``: they are left for the
    app to fetch and the push says so."""
    [push] = cloud("repo:push", fixture("bitbucket_cloud/payloads/repo-push.json"))
    assert push.commits == () and push.truncated
    assert push.repository.clone_urls[0] == "https://bitbucket.org/team_name/repo_name.git"


@pytest.mark.parametrize(("path", "key", "state"), [
    ("payloads/pull-request-created", "pullrequest:created", "open"),
    ("payloads/pull-request-updated", "pullrequest:updated", "open"),
    ("payloads/pull-request-merged", "pullrequest:fulfilled", "merged"),
    ("payloads/pull-request-declined", "pullrequest:rejected", "declined"),
    ("payloads_jenkins/pr_event.createPayloadFork", "pullrequest:created", "open"),
    ("payloads_jenkins/pr_event.fulfilledPayload", "pullrequest:fulfilled", "merged"),
    ("payloads_jenkins/pr_event.rejectedPayload", "pullrequest:rejected", "declined"),
    ("payloads_jenkins/pullrequest_created", "pullrequest:created", "open"),
    ("payloads_jenkins/pullrequest_rejected", "pullrequest:rejected", "declined"),
    ("payloads_jenkins/pullrequest_updated", "pullrequest:updated", "open"),
])
def test_cloud_pull_request_states(path: str, key: str, state: str) -> None:
    [pr] = cloud(key, fixture(f"bitbucket_cloud/{path}.json"))
    assert isinstance(pr, PullRequest)
    assert pr.state == state and pr.action == key.partition(":")[2]


def test_cloud_pull_request_fields() -> None:
    [pr] = cloud("pullrequest:updated",
                 fixture("bitbucket_cloud/payloads_jenkins/pullrequest_updated.json"))
    assert (pr.number, pr.title) == ("1", "Release/release 1")
    assert (pr.source_branch, pr.target_branch) == ("release/release-1", "master")
    assert pr.description == "* Add license\r\n\r\n* [CI] Release version 1.0.0"
    assert pr.url == "https://bitbucket.org/nfalco79/test-repos/pull-requests/1"
    assert pr.updated_at == datetime(2026, 7, 30, 1, 35, 49, 207341, tzinfo=UTC)
    # An approving participant counts as an approving reviewer.
    assert [(r.name, r.approved) for r in pr.reviewers] == [("Former user", True)]
    [fork] = cloud("pullrequest:created",
                   fixture("bitbucket_cloud/payloads_jenkins/pr_event.createPayloadFork.json"))
    assert fork.repository.full_name == "cloudbeers/temp"  # the destination repository
    assert fork.author is not None and fork.author.name == "Stephen Q. Connolly"


def test_cloud_draft_and_keys() -> None:
    payload = fixture_json("bitbucket_cloud/payloads_jenkins/pullrequest_created.json")
    payload["pullrequest"].update(draft=True, title="BUILD-12 test")
    payload["pullrequest"]["source"]["branch"]["name"] = "feature/ops-3"
    [pr] = cloud("pullrequest:created", json.dumps(payload).encode())
    assert pr.state == "draft" and pr.issue_keys == ("BUILD-12", "OPS-3")


def test_cloud_unused_and_malformed() -> None:
    body = fixture("bitbucket_cloud/payloads_jenkins/pullrequest_created.json")
    assert cloud("pullrequest:comment_created", body) == []
    assert cloud("repo:commit_status_updated", body) == []
    assert cloud("repo:push", fixture(
        "bitbucket_cloud/payloads_jenkins/push_event.emptyPayload.json")) == []
    with pytest.raises(MalformedDelivery):
        cloud("repo:push", b'{"repository": {"name": "x"}, "push": {"changes": []}}')
    with pytest.raises(MalformedDelivery):
        cloud("pullrequest:created", b'{"repository": {"full_name": "a/b"}, "pullrequest": {}}')


# -------------------------------------------------------------- Bitbucket Server

SERVER_URLS = ("http://localhost:7990/bitbucket/scm/amuniz/test-repos.git",
               "ssh://git@localhost:7999/amuniz/test-repos.git",
               "http://localhost:7990/bitbucket/projects/AMUNIZ/repos/test-repos")


def test_server_refs_changed_without_commits() -> None:
    [push] = server("repo:refs_changed",
                    fixture("bitbucket_server/payloads/repo-refs-changed.json"))
    assert push.ref == "refs/heads/feature/wip" and push.deleted and not push.truncated
    assert push.repository.full_name == "~gopher/webhook-test"
    assert push.repository.clone_urls == (
        "ssh://git@server.bitbucket.local:7999/~gopher/webhook-test.git",
        "https://server.bitbucket.local/scm/~gopher/webhook-test.git",
        "https://server.bitbucket.local/users/gopher/repos/webhook-test")
    payload = fixture_json("bitbucket_server/payloads/repo-refs-changed.json")
    payload["changes"][0].update(type="UPDATE", toHash="b" * 40)
    [moved] = server("repo:refs_changed", json.dumps(payload).encode())
    # No commit list at all: the app must fetch fromHash..toHash itself.
    assert moved.commits == () and moved.truncated and moved.after == "b" * 40
    assert moved.pusher is not None and moved.pusher.email == "foo@bar.com"


def test_server_refs_changed_with_a_complete_commit_list() -> None:
    """Data Center 9+ lists up to 5 commits; these four reach the root commit."""
    [push] = server("repo:refs_changed",
                    fixture("bitbucket_server/payloads_jenkins/pushPayload_v10.json"))
    assert push.repository.clone_urls == SERVER_URLS
    assert push.repository.full_name == "AMUNIZ/test-repos"
    assert (push.ref, push.created, push.before) == ("refs/heads/feature/BB-1", True, None)
    assert [c.sha[:7] for c in push.commits] == ["8d0fa14", "bf4f4ce", "ae995d7", "fb522a6"]
    assert not push.truncated
    head = push.commits[-1]
    assert head.message == "Suppress echo command part"
    assert head.timestamp == datetime(2018, 9, 21, 14, 9, 51, tzinfo=UTC)
    assert (head.author.name, head.author.email) == ("Antonio Muniz", "amuniz@example.com")


def test_server_refs_changed_with_a_partial_commit_list() -> None:
    [push] = server("repo:refs_changed",
                    fixture("bitbucket_server/payloads_jenkins/pushPayload.json"))
    [commit] = push.commits
    assert commit.sha == "9fdd7b96d3f5c276d0b9e0bf38c879eb112d889a"
    assert commit.timestamp == datetime(2024, 11, 13, 11, 54, 36, tzinfo=UTC)  # epoch ms
    assert push.truncated  # its parent is not fromHash: commits in between are unknown
    payload = fixture_json("bitbucket_server/payloads_jenkins/pushPayload.json")
    payload["changes"][0]["fromHash"] = "dda75d7e95568d3493a9d976a6702506bbf9b495"
    [complete] = server("repo:refs_changed", json.dumps(payload).encode())
    assert not complete.truncated


def test_server_tags() -> None:
    [tag] = server("repo:refs_changed",
                   fixture("bitbucket_server/payloads_jenkins/tag_created.json"))
    assert (tag.ref, tag.created, tag.after) == (
        "refs/tags/simple-tag", True, "fb522a6f08c7c7df337312e4e65ec1b57710672e")
    [annotated] = server("repo:refs_changed",
                         fixture("bitbucket_server/payloads_jenkins/annotated_tag_created.json"))
    assert annotated.after == "118cc36527dd376b94de5b0e6424b1dfbd4717ff"  # the tag object
    assert not annotated.truncated  # checked from toCommit, the tagged commit
    [gone] = server("repo:refs_changed",
                    fixture("bitbucket_server/payloads_jenkins/tag_deleted.json"))
    assert (gone.ref, gone.deleted, gone.after) == ("refs/tags/simple-tag", True, None)


def test_server_commits_go_to_the_ref_they_belong_to() -> None:
    payload = fixture_json("bitbucket_server/payloads_jenkins/pushPayload_v10.json")
    payload["changes"].append({"ref": {"id": "refs/heads/other", "type": "BRANCH"},
                               "refId": "refs/heads/other", "fromHash": "1" * 40,
                               "toHash": "2" * 40, "type": "UPDATE"})
    feature, other = server("repo:refs_changed", json.dumps(payload).encode())
    assert len(feature.commits) == 4 and not feature.truncated
    assert other.commits == () and other.truncated


def test_server_mirror_synchronized() -> None:
    [push] = server("mirror:repo_synchronized",
                    fixture("bitbucket_server/payloads_jenkins/mirrorSynchronized.json"))
    assert (push.ref, push.truncated, push.commits) == ("refs/heads/main", True, ())
    [trigger] = server("mirror:repo_synchronized", fixture(
        "bitbucket_server/payloads_jenkins/mirrorSynchronized_refLimitExceeded.json"))
    assert isinstance(trigger, Trigger)
    assert trigger.repository.full_name == "AMUNIZ/test-repos"


@pytest.mark.parametrize(("path", "key", "state", "number"), [
    ("payloads/pr-opened", "pr:opened", "open", "5"),
    ("payloads/pr-modified", "pr:modified", "open", "3"),
    ("payloads/pr-merged", "pr:merged", "merged", "5"),
    ("payloads/pr-declined", "pr:declined", "declined", "2"),
    ("payloads/pr-deleted", "pr:deleted", "declined", "2"),
    ("payloads_jenkins/pr_event.newPRPayload", "pr:opened", "open", "1"),
    ("payloads_jenkins/pr_event.deletePRPayload", "pr:deleted", "declined", "1"),
    ("payloads_jenkins/prOpenFromTagPayload", "pr:opened", "open", "1"),
])
def test_server_pull_request_states(path: str, key: str, state: str, number: str) -> None:
    [pr] = server(key, fixture(f"bitbucket_server/{path}.json"))
    assert (pr.state, pr.number, pr.action) == (state, number, key.partition(":")[2])


def test_server_pull_request_fields() -> None:
    [pr] = server("pr:merged", fixture("bitbucket_server/payloads/pr-merged.json"))
    assert (pr.title, pr.description) == ("Update README", "yada yada yada")
    assert (pr.source_branch, pr.target_branch) == ("feature/wip", "master")
    assert pr.author is not None and (pr.author.name, pr.author.email) == ("Foo Bar",
                                                                           "gopher@foo.bar")
    assert [(r.name, r.approved) for r in pr.reviewers] == [("Cain Piper", True)]
    assert pr.url == "https://server.bitbucket.local/users/gopher/repos/webhook-test/pull-requests/5"
    assert pr.updated_at == datetime(2019, 3, 1, 9, 37, 14, 286000, tzinfo=UTC)
    assert pr.repository.web_url == "https://server.bitbucket.local/users/gopher/repos/webhook-test"
    [iso] = server("pr:opened",
                   fixture("bitbucket_server/payloads_jenkins/pr_event.newPRPayload.json"))
    assert iso.updated_at == datetime(2026, 8, 19, 17, 27, 55, 266000, tzinfo=UTC)
    payload = fixture_json("bitbucket_server/payloads/pr-opened.json")
    payload["pullRequest"].update(draft=True, title="[DEMO-4] readme")
    [draft] = server("pr:opened", json.dumps(payload).encode())
    assert draft.state == "draft" and draft.issue_keys == ("DEMO-4",)


def test_server_add_on_payloads_in_the_cloud_shape() -> None:
    [push] = server("repo:push",
                    fixture("bitbucket_server/payloads_jenkins/push_event.updatePayload.json"))
    assert (push.ref, push.truncated, push.commits) == ("refs/heads/main", True, ())
    assert push.repository.full_name == "PROJECT_1/rep_1"
    assert push.repository.clone_urls == (
        "http://local.example.com:7990/bitbucket/scm/project_1/rep_1.git",
        "http://local.example.com:7990/bitbucket/projects/PROJECT_1/repos/rep_1")
    [pr] = server("pullrequest:updated",
                  fixture("bitbucket_server/payloads_jenkins/pr_event.updatePayload.json"))
    assert (pr.number, pr.state, pr.title) == ("1", "open", "Markdown formatting")


def test_server_unused_and_malformed() -> None:
    assert server("diagnostics:ping", fixture("bitbucket_server/payloads_jenkins/ping.json")) == []
    assert server("pr:comment:added", b"{}") == []
    with pytest.raises(MalformedDelivery):
        server("repo:refs_changed", b'{"repository": {}, "changes": []}')
    with pytest.raises(MalformedDelivery):
        server("pr:opened", b'{"pullRequest": {"title": "no id"}}')
