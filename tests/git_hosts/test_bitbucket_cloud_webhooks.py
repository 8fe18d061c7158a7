"""Bitbucket Cloud contract, webhooks: ours created and deleted."""

from __future__ import annotations

import responses

from tests.git_hosts.bitbucket_cloud_shapes import (
    REPO,
    REPO_API,
    bb_error,
    bitbucket,
)
from tests.git_hosts.support import body

# --- webhooks --------------------------------------------------------------------------------


def test_create_webhook_with_secret_replacing_ours(rsps: responses.RequestsMock) -> None:
    url = "https://gitbridge.example.com/webhooks/int-3"
    rsps.get(
        f"{REPO_API}/hooks",
        json={
            "pagelen": 10,
            "values": [
                {
                    "type": "webhook_subscription",
                    "uuid": "{11111111-aaaa-4bbb-8ccc-000000000001}",
                    "url": url,
                    "active": True,
                    "events": ["repo:push"],
                }
            ],
        },
    )
    rsps.delete(f"{REPO_API}/hooks/%7B11111111-aaaa-4bbb-8ccc-000000000001%7D", status=204)
    rsps.post(
        f"{REPO_API}/hooks",
        status=201,
        json={
            "type": "webhook_subscription",
            "uuid": "{22222222-aaaa-4bbb-8ccc-000000000002}",
            "url": url,
        },
    )
    assert (
        bitbucket().create_webhook(REPO, url, "s3cret") == "{22222222-aaaa-4bbb-8ccc-000000000002}"
    )
    assert body(rsps.calls[2]) == {
        "description": "Gitbridge for Jira",
        "url": url,
        "active": True,
        "secret": "s3cret",
        "events": [
            "repo:push",
            "pullrequest:created",
            "pullrequest:updated",
            "pullrequest:fulfilled",
            "pullrequest:rejected",
        ],
    }


def test_delete_webhook_already_gone(rsps: responses.RequestsMock) -> None:
    rsps.delete(f"{REPO_API}/hooks/%7Bgone%7D", status=404, json=bb_error("Resource not found"))
    bitbucket().delete_webhook(REPO, "{gone}")
