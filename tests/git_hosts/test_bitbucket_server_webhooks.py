"""Bitbucket Server / Data Center contract, webhooks: ours created and deleted."""

from __future__ import annotations

import responses

from tests.git_hosts.bitbucket_server_shapes import (
    REPO,
    REPO_API,
    bbs_errors,
    server,
)
from tests.git_hosts.support import body

# --- webhooks --------------------------------------------------------------------------------


def test_create_and_delete_webhook(rsps: responses.RequestsMock) -> None:
    url = "https://gitbridge.example.com/webhooks/int-5"
    rsps.get(f"{REPO_API}/webhooks", json={"isLastPage": True, "values": []})
    rsps.post(
        f"{REPO_API}/webhooks",
        status=201,
        json={"id": 10, "name": "Gitbridge for Jira", "url": url, "active": True},
    )
    rsps.delete(f"{REPO_API}/webhooks/10", status=204)
    rsps.delete(
        f"{REPO_API}/webhooks/11",
        status=404,
        json=bbs_errors(
            "No webhook with id 11 exists.",
            "com.atlassian.bitbucket.webhook.NoSuchWebhookException",
        ),
    )
    provider = server()
    assert provider.create_webhook(REPO, url, "s3cret") == "10"
    assert body(rsps.calls[1]) == {
        "name": "Gitbridge for Jira",
        "url": url,
        "active": True,
        "events": [
            "repo:refs_changed",
            "pr:opened",
            "pr:modified",
            "pr:from_ref_updated",
            "pr:merged",
            "pr:declined",
            "pr:deleted",
        ],
        "configuration": {"secret": "s3cret"},
    }
    provider.delete_webhook(REPO, "10")
    provider.delete_webhook(REPO, "11")
