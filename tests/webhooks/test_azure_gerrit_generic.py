"""Hosts without signatures (Azure DevOps, Gerrit) and the generic CI trigger."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from tests.webhooks.conftest import SECRET, basic, fixture, fixture_json, hub, signed
from webhooks.hosts import (
    AzureDevOpsReceiver,
    GenericReceiver,
    GerritReceiver,
    GitHubReceiver,
    Incoming,
    MalformedDelivery,
    PullRequest,
    Push,
    SignatureInvalid,
    Trigger,
    identify,
)
from webhooks.hosts.azure_devops import ASSUMED_COMMIT_CAP

# ------------------------------------------------------------------- Azure DevOps


def azure(payload: Any) -> list[Any]:
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    return AzureDevOpsReceiver().parse(signed("azure_devops", body))


def test_azure_basic_auth_password_is_the_secret() -> None:
    body = fixture("azure_devops/payloads/git.push.json")
    receiver = AzureDevOpsReceiver()
    for user in ("", "anyone", "gitbridge"):
        receiver.verify(Incoming(headers={"Authorization": basic(SECRET, user)}, body=body),
                        [SECRET])
    for header in ("Basic !!!", "Bearer " + SECRET, basic(SECRET)[:-2], "Basic",
                   "Basic " + "Zm9v"):  # "foo": no colon, no password
        with pytest.raises(SignatureInvalid):
            receiver.verify(Incoming(headers={"Authorization": header}, body=body), [SECRET])


def test_azure_push() -> None:
    incoming = signed("azure_devops", fixture("azure_devops/payloads/git.push.json"))
    receiver = AzureDevOpsReceiver()
    assert receiver.delivery_id(incoming) == "03c164c2-8912-4d5e-8009-3707d5f83734"
    [push] = receiver.parse(incoming)
    assert isinstance(push, Push)
    assert (push.ref, push.before, push.after) == (
        "refs/heads/main", "aad331d8d3b131fa9ae03cf5e53965b51942618a",
        "33b55f7cb7e7e245323987634f960cf4a6e6bc74")
    assert not push.created and not push.deleted and not push.truncated
    repo = push.repository
    assert (repo.name, repo.full_name, repo.default_branch) == (
        "Fabrikam-Fiber-Git", "Fabrikam-Fiber-Git/Fabrikam-Fiber-Git", "main")
    assert repo.clone_urls[0] == (
        "https://dev.azure.com/fabrikam-fiber-inc/DefaultCollection/_git/Fabrikam-Fiber-Git")
    assert push.pusher is not None
    assert (push.pusher.name, push.pusher.email) == ("Jamal Hartnett", "fabrikamfiber4@hotmail.com")
    [commit] = push.commits
    assert commit.sha == "33b55f7cb7e7e245323987634f960cf4a6e6bc74"
    assert commit.message == "Fixed bug in web.config file"
    assert commit.timestamp == datetime(2015, 2, 25, 19, 1, tzinfo=UTC)
    assert commit.author.email == "fabrikamfiber4@hotmail.com"


def test_azure_clone_url_forms() -> None:
    payload = fixture_json("azure_devops/payloads/git.push.json")
    payload["resource"]["repository"].update(
        remoteUrl="https://contoso@dev.azure.com/contoso/Web%20Shop/_git/shop",
        sshUrl="git@ssh.dev.azure.com:v3/contoso/Web%20Shop/shop",
        webUrl="https://dev.azure.com/contoso/Web%20Shop/_git/shop")
    [push] = azure(payload)
    assert push.repository.clone_urls == (
        "https://contoso@dev.azure.com/contoso/Web%20Shop/_git/shop",
        "https://dev.azure.com/contoso/Web%20Shop/_git/shop",
        "git@ssh.dev.azure.com:v3/contoso/Web%20Shop/shop")
    assert push.repository.web_url == "https://dev.azure.com/contoso/Web%20Shop/_git/shop"


def test_azure_truncation_rules() -> None:
    payload = fixture_json("azure_devops/payloads/git.push.json")
    commit = payload["resource"]["commits"][0]
    payload["resource"]["commits"] = [
        dict(commit, commitId=f"{i:040x}") for i in range(ASSUMED_COMMIT_CAP, 0, -1)]
    payload["resource"]["refUpdates"][0]["newObjectId"] = f"{ASSUMED_COMMIT_CAP:040x}"
    [push] = azure(payload)
    assert push.truncated and len(push.commits) == ASSUMED_COMMIT_CAP
    assert push.commits[0].sha == f"{1:040x}"  # oldest first
    payload["resource"]["commits"] = [dict(commit, commentTruncated=True)]
    payload["resource"]["refUpdates"][0]["newObjectId"] = commit["commitId"]
    [cut] = azure(payload)
    assert cut.truncated  # the message was cut: keys after the cut are unseen


def test_azure_push_of_two_refs() -> None:
    payload = fixture_json("azure_devops/payloads/git.push.json")
    payload["resource"]["refUpdates"].append({
        "name": "refs/tags/v1", "oldObjectId": "0" * 40,
        "newObjectId": "aad331d8d3b131fa9ae03cf5e53965b51942618a"})
    payload["resource"]["refUpdates"].append({
        "name": "refs/heads/gone", "oldObjectId": "1" * 40, "newObjectId": "0" * 40})
    main, tag, gone = azure(payload)
    assert len(main.commits) == 1 and not main.truncated
    assert (tag.ref, tag.created, tag.commits, tag.truncated) == ("refs/tags/v1", True, (), True)
    assert (gone.deleted, gone.after, gone.truncated) == (True, None, False)


@pytest.mark.parametrize(("name", "state", "action"), [
    ("git.pullrequest.created", "open", "created"),
    ("git.pullrequest.updated", "merged", "updated"),  # status completed
    ("git.pullrequest.merged", "merged", "merged"),
])
def test_azure_pull_requests(name: str, state: str, action: str) -> None:
    [pr] = azure(fixture(f"azure_devops/payloads/{name}.json"))
    assert isinstance(pr, PullRequest)
    assert (pr.number, pr.state, pr.action) == ("1", state, action)
    assert (pr.source_branch, pr.target_branch) == ("mytopic", "master")
    assert pr.title == "my first pull request"
    assert pr.url == "https://dev.azure.com/fabrikam/DefaultCollection/_git/Fabrikam/pullrequest/1"
    assert pr.author is not None and pr.author.email == "fabrikamfiber4@hotmail.com"
    assert [(r.name, r.approved) for r in pr.reviewers] == [("[Mobile]\\Mobile Team", False)]
    assert pr.repository.full_name == "Fabrikam/Fabrikam"
    assert pr.updated_at is not None and pr.updated_at.year == 2016


@pytest.mark.parametrize(("changes", "state"), [
    ({"status": "active", "isDraft": True}, "draft"),
    ({"status": "abandoned"}, "declined"),
    ({"status": "active"}, "open"),
])
def test_azure_pull_request_states_and_votes(changes: dict[str, Any], state: str) -> None:
    payload = fixture_json("azure_devops/payloads/git.pullrequest.created.json")
    payload["resource"].update(changes, title="AZ-1 first", sourceRefName="refs/heads/az-2")
    payload["resource"]["reviewers"][0]["vote"] = 10
    [pr] = azure(payload)
    assert pr.state == state and pr.issue_keys == ("AZ-1", "AZ-2")
    assert pr.reviewers[0].approved


def test_azure_claims_only_its_own_shape() -> None:
    body = fixture("azure_devops/payloads/git.push.json")
    assert identify(Incoming(headers={}, body=body)) is AzureDevOpsReceiver
    payload = json.loads(body)
    payload["publisherId"] = "someone-else"
    assert not AzureDevOpsReceiver.claims(Incoming(headers={}, body=json.dumps(payload).encode()))
    assert not AzureDevOpsReceiver.claims(Incoming(headers={}, body=b'{"eventType": "x", '
                                                   b'"resource": '))
    assert azure({"eventType": "workitem.updated", "publisherId": "tfs", "resource": {}}) == []


# -------------------------------------------------------------------------- Gerrit


def gerrit(payload: Any, base_url: str | None = None) -> list[Any]:
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    return GerritReceiver(base_url=base_url).parse(signed("gerrit", body))


def test_gerrit_secret_in_the_url() -> None:
    body = fixture("gerrit/openstack_glance_patchset_created.json")
    receiver = GerritReceiver()
    receiver.verify(Incoming(headers={}, body=body, query={"secret": SECRET}), [SECRET])
    with pytest.raises(SignatureInvalid):
        receiver.verify(Incoming(headers={"Authorization": f"Bearer {SECRET}"}, body=body),
                        [SECRET])


def test_gerrit_patchset_created() -> None:
    incoming = signed("gerrit", fixture("gerrit/openstack_glance_patchset_created.json"))
    receiver = GerritReceiver()
    assert receiver.delivery_id(incoming) == (
        "sha256:cba5e8741bfae6821960bc120db2e0a71ab699d06a41101d79cbcca3d4108ba8")
    [pr] = receiver.parse(incoming)
    assert isinstance(pr, PullRequest)
    assert (pr.number, pr.state, pr.action) == ("280713", "open", "patchset-created")
    assert pr.title == "Reuse encodeutils.to_utf8()"
    assert pr.description is not None and pr.description.startswith("Reuse encodeutils")
    assert (pr.source_branch, pr.target_branch) == (None, "master")
    assert pr.author is not None and pr.author.email == "vstinner@redhat.com"
    assert pr.url == "https://review.openstack.org/280713"
    assert pr.updated_at == datetime(2016, 2, 22, 12, 27, 44, tzinfo=UTC)
    assert pr.repository.full_name == "openstack/glance"
    assert pr.repository.clone_urls == ("https://review.openstack.org/openstack/glance",
                                        "https://review.openstack.org/a/openstack/glance")


@pytest.mark.parametrize(("kind", "status", "state"), [
    ("change-merged", "MERGED", "merged"),
    ("change-abandoned", "ABANDONED", "declined"),
    ("change-restored", "NEW", "open"),
    ("wip-state-changed", "NEW", "open"),
])
def test_gerrit_change_states(kind: str, status: str, state: str) -> None:
    payload = fixture_json("gerrit/openstack_glance_patchset_created.json")
    payload.update(type=kind)
    payload["change"]["status"] = status
    [pr] = gerrit(payload)
    assert (pr.state, pr.action) == (state, kind)


def test_gerrit_draft_keys_and_new_style_urls() -> None:
    payload = fixture_json("gerrit/openstack_glance_patchset_created.json")
    payload["change"].update(wip=True, subject="GLANCE-12 reuse", topic="glance-13",
                             url="https://review.example.com/gerrit/c/openstack/glance/+/280713")
    [pr] = gerrit(payload)
    assert pr.state == "draft"
    assert pr.issue_keys == ("GLANCE-12", "GLANCE-13")
    assert pr.repository.clone_urls[:2] == (
        "https://review.example.com/gerrit/openstack/glance",
        "https://review.example.com/gerrit/a/openstack/glance")


def test_gerrit_ref_updated() -> None:
    event = {"type": "ref-updated", "eventCreatedOn": 1456144064,
             "submitter": {"name": "Jane", "email": "jane@example.com"},
             "refUpdate": {"oldRev": "a" * 40, "newRev": "b" * 40,
                           "refName": "refs/heads/master", "project": "tools/build"}}
    [push] = gerrit(event, base_url="https://review.example.com/")
    assert (push.ref, push.before, push.after, push.truncated) == (
        "refs/heads/master", "a" * 40, "b" * 40, True)
    assert push.repository.clone_urls == ("https://review.example.com/tools/build",
                                          "https://review.example.com/a/tools/build")
    assert push.pusher is not None and push.pusher.name == "Jane"
    event["refUpdate"]["refName"] = "stable"  # very old Gerrit: short branch name
    [short] = gerrit(event)
    assert short.ref == "refs/heads/stable" and short.repository.clone_urls == ()
    event["refUpdate"]["refName"] = "refs/changes/13/280713/3"
    assert gerrit(event) == []


def test_gerrit_unused_and_malformed() -> None:
    assert gerrit({"type": "comment-added", "change": {}, "eventCreatedOn": 1}) == []
    with pytest.raises(MalformedDelivery):
        gerrit({"type": "patchset-created", "change": {"project": "x"}})
    with pytest.raises(MalformedDelivery):
        gerrit({"type": "ref-updated", "refUpdate": {"refName": "refs/heads/x"}})
    assert not GerritReceiver.claims(Incoming(headers={}, body=b'{"type": "car"}'))


# ------------------------------------------------------------------ generic trigger


def test_generic_trigger_with_bearer_token() -> None:
    body = b'{"origin": "https://git.example.com/team/app.git"}'
    incoming = signed("generic", body)
    assert identify(incoming) is GenericReceiver
    receiver = GenericReceiver()
    receiver.verify(incoming, [SECRET])
    assert receiver.event(incoming) == "trigger"
    assert receiver.delivery_id(incoming) is None
    [trigger] = receiver.parse(incoming)
    assert trigger == Trigger(repository=trigger.repository)
    assert trigger.repository.clone_urls == ("https://git.example.com/team/app.git",)
    assert trigger.repository.name == "app"


def test_generic_trigger_with_a_github_style_signature() -> None:
    body = b'{"origin": "git@git.example.com:team/app.git"}'
    incoming = Incoming(headers={"X-Hub-Signature-256": hub(body)}, body=body)
    assert identify(incoming) is GenericReceiver  # no X-GitHub-Event: not GitHub
    GenericReceiver().verify(incoming, [SECRET])
    [trigger] = GenericReceiver().parse(incoming)
    assert trigger.repository.name == "app"
    with pytest.raises(SignatureInvalid):
        GenericReceiver().verify(Incoming(headers={"X-Hub-Signature-256": hub(body, "x")},
                                          body=body), [SECRET])
    with pytest.raises(SignatureInvalid):
        GenericReceiver().verify(Incoming(headers={"Authorization": "Bearer nope"}, body=body),
                                 [SECRET])
    # The same body with GitHub's event header belongs to GitHub.
    assert identify(Incoming(headers={"X-GitHub-Event": "ping"}, body=body)) is GitHubReceiver


@pytest.mark.parametrize("body", [
    b'{"origin": ""}', b'{"origin": "   "}', b'{"origin": "https://x/a b"}',
    b'{"origin": "https://x/\\u0000"}', b'{"origin": "' + b"a" * 3000 + b'"}',
])
def test_generic_trigger_refuses_junk_origins(body: bytes) -> None:
    with pytest.raises(MalformedDelivery):
        GenericReceiver().parse(signed("generic", body))


def test_unknown_senders_are_not_claimed() -> None:
    for body in (b'{"origin": 5}', b'{"hello": "world"}', b"[]", b"not json", b""):
        assert identify(Incoming(headers={}, body=body)) is None
