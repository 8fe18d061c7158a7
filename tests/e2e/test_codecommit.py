"""AWS CodeCommit through the whole app, against a fake CodeCommit and SNS over real
HTTP (``AWS_ENDPOINT_URL_CODECOMMIT``/``_SNS`` point the SDK at it): JSON 1.1 and Query
requests SigV4-verified, git over HTTPS with SigV4-signed passwords, SNS deliveries
signed as SNS signs them."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from tests.e2e.flow import DEV, DEV2, Flow, error_of
from tests.e2e.flow_creating import check_create_as_the_app
from tests.support.connect import ConnectActions
from tests.support.fake_hosts import FakeCodeCommit
from tests.support.fake_hosts.scenario import Scenario, seed
from webhooks import sns


@pytest.fixture
def host(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Scenario]:
    fake = FakeCodeCommit(tmp_path / "codecommit").start()
    fake.page_size_cap = 2  # repository names and pull request ids come in pages
    for name in ("AWS_ENDPOINT_URL_CODECOMMIT", "AWS_ENDPOINT_URL_SNS"):
        monkeypatch.setenv(name, fake.url)
    for name in ("AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE"):
        monkeypatch.setenv(name, "/dev/null")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    # the app fetches SNS's signing certificate from sns.<region>.amazonaws.com
    monkeypatch.setitem(sns._CERTIFICATES, fake.certificate_url, fake.certificate_pem)
    try:
        yield seed(fake, tmp_path / "work")
    finally:
        fake.stop()


@pytest.fixture
def flow(connect: ConnectActions, redis_conn: redis.Redis, host: Scenario,
         monkeypatch: pytest.MonkeyPatch) -> Flow:
    return Flow.start(connect, redis_conn, host, "aws_codecommit", monkeypatch)


def test_connect_index_and_sync(flow: Flow) -> None:
    host, fake = flow.host, flow.fake
    preview = flow.ok("POST", "/api/v1/integrations/preview", flow.body())
    assert preview["account"]["login"] == host.admin_token
    assert {r["name"] for r in preview["repositories"]} == {"app", "lib", "docs"}
    created = flow.create()
    assert fake.secret_of(host.admin_token) not in json.dumps(created)
    flow.drain()
    repos = flow.repositories(created)
    assert {r["status"] for r in repos.values()} == {"indexed"}, repos
    assert repos["app"]["counts"] == {"commits": 6, "branches": 5, "tags": 1,
                                      "pull_requests": 4}
    three = flow.dev("ABC-3")
    (pr,) = three["pull_requests"]
    assert (pr["state"], pr["source"], pr["target"]) == ("open", "feature/ABC-3-login", "main")
    assert [r["approved"] for r in pr["reviewers"]] == [True]
    assert "console.aws.amazon.com" in pr["url"]
    for key, state in (("ABC-4", "open"), ("ABC-5", "merged"), ("ABC-6", "declined")):
        assert [p["state"] for p in flow.dev(key)["pull_requests"]] == [state], key
    # every call was signed with the key; git took the SigV4 password, never the secret
    assert all(c.status == 200 and c.token == host.admin_token for c in fake.calls())
    clones = [c for c in fake.calls(kind="git") if c.status == 200]
    assert clones and {c.login for c in clones} == {host.admin_token}
    listing = [c.body.get("nextToken") for c in fake.calls("POST", "/ListRepositories")]
    assert "2" in listing  # the second page, after two names
    # indexing triggers: one topic, a pending HTTPS subscription, a trigger per repository
    (topic,) = fake.topics
    (subscription,) = fake.subscriptions
    assert subscription.endpoint == created["webhook"]["url_with_secret"]
    assert {r: [h.url for h in fake.repos[r].hooks] for r in fake.repos} == {
        "app": [topic], "lib": [topic], "docs": [topic]}


def test_subscription_confirmed_push_reindexes_and_disconnect_removes_all(flow: Flow) -> None:
    host, fake = flow.host, flow.fake
    created = flow.create()
    flow.drain()
    (confirmation,) = fake.deliver_confirmations(flow.send)
    assert confirmation.status == 202
    flow.drain()
    (subscription,) = fake.subscriptions
    assert subscription.confirmed  # through the SDK, with the integration's key
    assert [c.token for c in fake.calls("POST", "/ConfirmSubscription")] == [host.admin_token]

    before, after = host.push("app", "ABC-8 pushed later", {"late.txt": "late\n"})
    (delivery,) = fake.deliver_push("app", "refs/heads/main", before, after, flow.send)
    assert delivery.status == 202
    forged = delivery.body.replace(after.encode(), b"0" * 40)
    assert flow.send(delivery.url, delivery.headers, forged) == 401
    flow.drain()
    assert [c["sha"] for c in flow.dev("ABC-8")["commits"]] == [after]

    assert flow.api("DELETE", f"/api/v1/integrations/{created['id']}").status_code == 204
    assert fake.all_hooks() == [] and fake.topics == {} and fake.subscriptions == []


def test_a_regenerated_secret_gets_a_new_subscription(flow: Flow) -> None:
    """The subscription's endpoint carries the secret: regenerating it subscribes the new
    endpoint, and the old subscription goes once SNS's confirmation of the new one came."""
    host, fake = flow.host, flow.fake
    created = flow.create()
    flow.drain()
    fake.deliver_confirmations(flow.send)
    flow.drain()
    (old,) = fake.subscriptions
    url = f"/api/v1/integrations/{created['id']}"
    webhook = flow.ok("POST", f"{url}/webhook/regenerate")["webhook"]
    flow.drain()
    assert [(s.endpoint, s.confirmed) for s in fake.subscriptions] == [
        (old.endpoint, True), (webhook["url_with_secret"], False)]  # the old one delivers
    (confirmation,) = fake.deliver_confirmations(flow.send)
    assert confirmation.status == 202
    flow.drain()
    (subscription,) = fake.subscriptions
    assert (subscription.endpoint, subscription.confirmed) == (webhook["url_with_secret"], True)
    before, after = host.push("app", "ABC-8 pushed later", {"late.txt": "late\n"})
    (delivery,) = fake.deliver_push("app", "refs/heads/main", before, after, flow.send)
    assert delivery.status == 202
    flow.drain()
    assert [c["sha"] for c in flow.dev("ABC-8")["commits"]] == [after]

    fake.tokens[host.admin_token].admin = False  # no longer may manage SNS
    flow.ok("POST", f"{url}/webhook/regenerate")
    flow.drain()
    app = flow.repositories(created)["app"]["webhook"]
    assert app["installed"] is False
    assert "could not give this repository's webhook the new secret" in app["manual_steps"]
    assert "sns:CreateTopic" in app["manual_steps"]


def test_create_branch_and_pull_request(flow: Flow) -> None:
    check_create_as_the_app(flow)
    (branch,) = flow.fake.calls("POST", "/CreateBranch")[:1]
    assert branch.body["commitId"] == flow.host.shas["second"]


def test_require_user_pat_is_the_users_own_key_pair(flow: Flow) -> None:
    host, fake = flow.host, flow.fake
    created = flow.create(require_user_pat=True, indexing_triggers=False)
    flow.drain()
    app_id = int(flow.repositories(created)["app"]["id"])
    body = {"repository_id": app_id, "source": "main", "name": "ABC-9-bobs-branch"}
    assert error_of(flow.api("POST", "/api/v1/issues/ABC-9/branches", body, DEV))[:2] == (
        403, "user_pat_required")
    url = f"/api/v1/me/tokens/{created['id']}"
    assert error_of(flow.api("PUT", url, {"token": "x"}, DEV))[:2] == (400, "invalid_request")
    bob = host.aws_auth(host.user_token)
    wrong = flow.api("PUT", url, {"access_key_id": host.user_token,
                                  "secret_access_key": "not-it"}, DEV)
    assert error_of(wrong)[:2] == (400, "wrong_token") and "not-it" not in error_of(wrong)[2]
    stored = flow.ok("PUT", url, {"access_key_id": bob["access_key_id"],
                                  "secret_access_key": bob["secret_access_key"]}, DEV)
    assert stored["login"] == host.user_token
    flow.ok("POST", "/api/v1/issues/ABC-9/branches", body, DEV, 201)
    made = fake.repos["app"].created_branches[-1]
    assert (made.login, made.created_with) == ("bob", host.user_token)
    host.push("app", "bob's work", {"bob.txt": "bob\n"}, branch="ABC-9-bobs-branch")
    flow.ok("POST", "/api/v1/issues/ABC-9/pull-requests", {
        "repository_id": app_id, "source": "ABC-9-bobs-branch", "target": "main",
        "title": "Bob's change"}, DEV, 201)
    assert fake.repos["app"].pulls[-1].created_with == host.user_token

    carol = host.aws_auth(host.readonly_token)
    flow.ok("PUT", url, {k: carol[k] for k in ("access_key_id", "secret_access_key")}, DEV2)
    denied = flow.api("POST", "/api/v1/issues/ABC-9/branches", {**body, "name": "ABC-9-c"}, DEV2)
    status, code, message = error_of(denied)
    assert (status, code) == (403, "no_write_access") and "codecommit:CreateBranch" in message


def test_missing_iam_actions_are_named(flow: Flow) -> None:
    host, fake = flow.host, flow.fake
    fake.tokens[host.admin_token].admin = False  # may read and write, not manage SNS
    created = flow.create()
    flow.drain()
    app = flow.repositories(created)["app"]
    assert app["status"] == "indexed" and app["webhook"]["installed"] is False
    assert "sns:CreateTopic" in app["webhook"]["manual_steps"]


def test_host_trouble(flow: Flow) -> None:
    host, fake = flow.host, flow.fake
    wrong = flow.api("POST", "/api/v1/integrations",
                     flow.body(auth=host.aws_auth(host.admin_token, "wrong-secret")))
    status, code, message = error_of(wrong)
    assert (status, code) == (400, "wrong_token") and "wrong-secret" not in message
    region = flow.api("POST", "/api/v1/integrations", flow.body(auth={
        **host.admin_auth, "region": "moon-1"}))
    assert error_of(region)[:2] == (400, "invalid_setting")
    fake.rate_limit(calls=1000, path_contains="ListPullRequests")
    created = flow.create(repositories=["app"], indexing_triggers=False)
    flow.drain()
    (app,) = flow.repositories(created).values()
    assert app["status"] == "indexed" and app["counts"]["commits"] == 6
    assert [w["code"] for w in app["warnings"]] == ["rate_limited"], app["warnings"]
    fake.rate_limit(calls=0)
    fake.tokens[host.admin_token].expired = True  # the key was deactivated
    flow.ok("POST", f"/api/v1/integrations/{created['id']}/scan", status=202)
    flow.drain()
    integration = flow.ok("GET", f"/api/v1/integrations/{created['id']}")
    assert integration["status"] == "error" and "access key" in integration["error"]


#: A host's whole flow over the fakes; the SQLite pass runs it (see the Makefile).
pytestmark = pytest.mark.host_flow
