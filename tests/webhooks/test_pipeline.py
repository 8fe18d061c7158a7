"""Every fixture payload of every host through the whole chain the endpoint runs:
identify -> verify (signed here with a known secret, the host's way) -> event ->
delivery_id -> parse.  Field-level assertions live in the per-host test modules."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.webhooks.conftest import FIXTURES, OLD_SECRET, SECRET, fixture, signed
from webhooks.hosts import (
    RECEIVERS,
    AzureDevOpsReceiver,
    BitbucketCloudReceiver,
    BitbucketServerReceiver,
    GerritReceiver,
    GitHubReceiver,
    GitLabReceiver,
    PullRequest,
    Push,
    RefChange,
    SignatureInvalid,
    Trigger,
    identify,
    receiver_for,
)
from webhooks.hosts.base import Receiver

BB_CLOUD = {"X-Request-UUID": "7b4f9d8e-0c1a-4e2b-9a55-3c1f2e4d5a6b",
            "X-Hook-UUID": "{e2a7b7f2-1d2c-4c1e-8f55-0a1b2c3d4e5f}",
            "User-Agent": "Bitbucket-Webhooks/2.0"}
BB_SERVER = {"X-Request-Id": "4c5f6a7b-8c9d-4e0f-a1b2-c3d4e5f6a7b8",
             "User-Agent": "Atlassian HttpClient 4.2.0 / Bitbucket-9.4.0 (9004000)"}

# path, receiver, headers (besides authentication), event name, expected event kinds
CASES: list[tuple[str, type[Receiver], dict[str, str], str, list[type]]] = [
    *[(f"github/payloads/{name}.json", GitHubReceiver,
       {"X-GitHub-Event": event, "X-GitHub-Delivery": "72d3162e-cc78-11e3-81ab-4c9367dc0958"},
       event, kinds)
      for name, event, kinds in [
          ("create", "create", [RefChange]),
          ("create.with-description", "create", [RefChange]),
          ("delete", "delete", [RefChange]),
          ("ping", "ping", []),
          ("ping.with-app_id", "ping", []),
          ("pull_request.closed", "pull_request", [PullRequest]),
          ("pull_request.closed.with-organization", "pull_request", [PullRequest]),
          ("pull_request.opened", "pull_request", [PullRequest]),
          ("pull_request.reopened", "pull_request", [PullRequest]),
          ("pull_request.synchronize", "pull_request", [PullRequest]),
          ("push.1", "push", [Push]),
          ("push", "push", [Push]),
          ("push.with-new-branch", "push", [Push]),
          ("push.with-no-username-committer", "push", [Push]),
      ]],
    *[(f"gitlab/{path}.json", GitLabReceiver,
       {"X-Gitlab-Event": event, "X-Gitlab-Event-UUID": "13792a34-cac6-4fda-95a8-c58e00a3954e"},
       event, kinds)
      for path, event, kinds in [
          ("payloads/merge_request", "Merge Request Hook", [PullRequest]),
          ("payloads/note_commit", "Note Hook", []),
          ("payloads/push", "Push Hook", [Push]),
          ("payloads/service_merge_request", "Merge Request Hook", [PullRequest]),
          ("payloads/tag_push", "Tag Push Hook", [Push]),
          ("payloads_go_playground/merge-request-event", "Merge Request Hook", [PullRequest]),
          ("payloads_go_playground/push-event", "Push Hook", [Push]),
          ("payloads_go_playground/system-merge-request-event", "System Hook", [PullRequest]),
          ("payloads_go_playground/system-push-event", "System Hook", [Push]),
          ("payloads_go_playground/system-tag-event", "System Hook", [Push]),
          ("payloads_go_playground/tag-event", "Tag Push Hook", [Push]),
      ]],
    *[(f"bitbucket_cloud/{path}.json", BitbucketCloudReceiver,
       {**BB_CLOUD, "X-Event-Key": event}, event, kinds)
      for path, event, kinds in [
          ("payloads/pull-request-created", "pullrequest:created", [PullRequest]),
          ("payloads/pull-request-declined", "pullrequest:rejected", [PullRequest]),
          ("payloads/pull-request-merged", "pullrequest:fulfilled", [PullRequest]),
          ("payloads/pull-request-updated", "pullrequest:updated", [PullRequest]),
          ("payloads/repo-push", "repo:push", [Push]),
          ("payloads_jenkins/annotated_tag_created", "repo:push", [Push]),
          ("payloads_jenkins/branch_created", "repo:push", [Push]),
          ("payloads_jenkins/branch_deleted", "repo:push", [Push]),
          ("payloads_jenkins/commit_created", "repo:push", [Push]),
          ("payloads_jenkins/pr_event.createPayloadFork", "pullrequest:created", [PullRequest]),
          ("payloads_jenkins/pr_event.createPayloadOrigin", "pullrequest:created",
           [PullRequest]),
          ("payloads_jenkins/pr_event.fulfilledPayload", "pullrequest:fulfilled",
           [PullRequest]),
          ("payloads_jenkins/pr_event.rejectedPayload", "pullrequest:rejected", [PullRequest]),
          ("payloads_jenkins/pr_event.updatePayload_newCommit", "pullrequest:updated",
           [PullRequest]),
          ("payloads_jenkins/pullrequest_created", "pullrequest:created", [PullRequest]),
          ("payloads_jenkins/pullrequest_rejected", "pullrequest:rejected", [PullRequest]),
          ("payloads_jenkins/pullrequest_updated", "pullrequest:updated", [PullRequest]),
          ("payloads_jenkins/push_event.createPayload", "repo:push", [Push]),
          ("payloads_jenkins/push_event.emptyPayload", "repo:push", []),
          ("payloads_jenkins/push_event.multipleChangesPayload", "repo:push",
           [Push, Push, Push]),
          ("payloads_jenkins/push_event.newTagPayload", "repo:push", [Push]),
          ("payloads_jenkins/push_event.updatePayload", "repo:push", [Push]),
          ("payloads_jenkins/signed_payload", "repo:push", [Push]),
          ("payloads_jenkins/tag_created", "repo:push", [Push]),
          ("payloads_jenkins/tag_deleted", "repo:push", [Push]),
      ]],
    *[(f"bitbucket_server/{path}.json", BitbucketServerReceiver,
       {**BB_SERVER, "X-Event-Key": event}, event, kinds)
      for path, event, kinds in [
          ("payloads/pr-declined", "pr:declined", [PullRequest]),
          ("payloads/pr-deleted", "pr:deleted", [PullRequest]),
          ("payloads/pr-merged", "pr:merged", [PullRequest]),
          ("payloads/pr-modified", "pr:modified", [PullRequest]),
          ("payloads/pr-opened", "pr:opened", [PullRequest]),
          ("payloads/repo-refs-changed", "repo:refs_changed", [Push]),
          ("payloads_jenkins/annotated_tag_created", "repo:refs_changed", [Push]),
          ("payloads_jenkins/branch_deleted", "repo:refs_changed", [Push]),
          ("payloads_jenkins/mirrorSynchronized", "mirror:repo_synchronized", [Push]),
          ("payloads_jenkins/mirrorSynchronized_refLimitExceeded", "mirror:repo_synchronized",
           [Trigger]),
          ("payloads_jenkins/ping", "diagnostics:ping", []),
          ("payloads_jenkins/prOpenFromTagPayload", "pr:opened", [PullRequest]),
          ("payloads_jenkins/pr_event.deletePRPayload", "pr:deleted", [PullRequest]),
          ("payloads_jenkins/pr_event.newPRPayload", "pr:opened", [PullRequest]),
          ("payloads_jenkins/pr_event.updatePayload", "pullrequest:updated", [PullRequest]),
          ("payloads_jenkins/pushPayload", "repo:refs_changed", [Push]),
          ("payloads_jenkins/pushPayload_v10", "repo:refs_changed", [Push]),
          ("payloads_jenkins/push_event.updatePayload", "repo:push", [Push]),
          ("payloads_jenkins/signed_payload", "repo:refs_changed", [Push]),
          ("payloads_jenkins/tag_created", "repo:refs_changed", [Push]),
          ("payloads_jenkins/tag_deleted", "repo:refs_changed", [Push]),
      ]],
    *[(f"azure_devops/payloads/{event}.json", AzureDevOpsReceiver, {}, event, kinds)
      for event, kinds in [
          ("git.push", [Push]),
          ("git.pullrequest.created", [PullRequest]),
          ("git.pullrequest.updated", [PullRequest]),
          ("git.pullrequest.merged", [PullRequest]),
      ]],
    ("gerrit/openstack_glance_patchset_created.json", GerritReceiver, {}, "patchset-created",
     [PullRequest]),
]


def test_every_fixture_is_covered() -> None:
    """A fixture added later must get a row here (or be a known-bad one below)."""
    on_disk = {str(p.relative_to(FIXTURES)) for p in FIXTURES.rglob("*.json")
               if not str(p.relative_to(FIXTURES)).startswith("signatures/")}
    listed = {case[0] for case in CASES} | {"gitlab/payloads/group_merge_request.json"}
    assert on_disk == listed


@pytest.mark.parametrize(("path", "receiver", "headers", "event", "kinds"), CASES,
                         ids=[c[0] for c in CASES])
def test_pipeline(path: str, receiver: type[Receiver], headers: dict[str, str], event: str,
                  kinds: list[type]) -> None:
    body = fixture(path)
    incoming = signed(receiver.host, body, headers)
    assert identify(incoming) is receiver
    assert receiver_for(receiver.host) is receiver
    instance = receiver()
    instance.verify(incoming, [SECRET])
    instance.verify(incoming, [OLD_SECRET, SECRET])  # rotation: the new one is second
    assert instance.event(incoming) == event
    delivery = instance.delivery_id(incoming)
    assert delivery
    assert instance.delivery_id(incoming) == delivery  # stable
    events = instance.parse(incoming)
    assert [type(e) for e in events] == kinds
    # What the processing side does: parse again from the stored body alone.
    assert receiver().parse(incoming) == events


@pytest.mark.parametrize(("path", "receiver", "headers", "event", "kinds"), CASES,
                         ids=[c[0] for c in CASES])
def test_wrong_and_missing_credentials(path: str, receiver: type[Receiver],
                                       headers: dict[str, str], event: str,
                                       kinds: list[type]) -> None:
    body = fixture(path)
    instance = receiver()
    with pytest.raises(SignatureInvalid):
        instance.verify(signed(receiver.host, body, headers, secret="not-the-secret"),
                        [SECRET])
    with pytest.raises(SignatureInvalid):
        instance.verify(signed(receiver.host, body, headers), [OLD_SECRET])
    unsigned = signed(receiver.host, body, headers)
    bare = type(unsigned)(headers=headers, body=body, query={})
    with pytest.raises(SignatureInvalid):
        instance.verify(bare, [SECRET])
    with pytest.raises(SignatureInvalid):  # no secret configured: fail closed
        instance.verify(unsigned, [])
    with pytest.raises(SignatureInvalid):  # an empty secret is never a secret
        instance.verify(signed(receiver.host, body, headers, secret=""), [""])


@pytest.mark.parametrize("path", [
    "github/payloads/push.json", "bitbucket_cloud/payloads/repo-push.json",
    "bitbucket_server/payloads/repo-refs-changed.json",
])
def test_tampered_body_fails(path: str) -> None:
    case = next(c for c in CASES if c[0] == path)
    receiver, headers = case[1], case[2]
    incoming = signed(receiver.host, fixture(path), headers)
    tampered = type(incoming)(headers=incoming.headers, body=incoming.body + b" ",
                              query=incoming.query)
    with pytest.raises(SignatureInvalid):
        receiver().verify(tampered, [SECRET])


def test_receivers_have_distinct_hosts_and_docs() -> None:
    hosts = [r.host for r in RECEIVERS]
    assert len(set(hosts)) == len(hosts) == 8
    assert hosts[-1] == "generic"
    for receiver in RECEIVERS:
        source = Path(__import__(receiver.__module__, fromlist=["x"]).__file__ or "")
        text = source.read_text()
        line = text.splitlines()[text.splitlines().index(
            next(s for s in text.splitlines() if s.startswith(f"class {receiver.__name__}"))) - 1]
        assert line.startswith("#"), f"{receiver.__name__} needs a docs URL comment above it"
    with pytest.raises(KeyError):
        receiver_for("sourceforge")
