"""GitLab contract, webhooks: ours created and deleted."""

from __future__ import annotations

import responses

from tests.git_hosts.gitlab_shapes import (
    PROJECT,
    REPO,
    gitlab,
)
from tests.git_hosts.support import body

# --- webhooks --------------------------------------------------------------------------------


def test_create_and_delete_webhook(rsps: responses.RequestsMock) -> None:
    url = "https://gitbridge.example.com/webhooks/int-9"
    rsps.get(
        f"{PROJECT}/hooks", json=[{"id": 1, "url": "https://ci.example.com/x", "push_events": True}]
    )
    rsps.post(
        f"{PROJECT}/hooks",
        status=201,
        json={"id": 2, "url": url, "project_id": 4, "push_events": True},
    )
    rsps.delete(f"{PROJECT}/hooks/2", status=204)
    rsps.delete(f"{PROJECT}/hooks/3", status=404, json={"message": "404 Not found"})
    provider = gitlab()
    assert provider.create_webhook(REPO, url, "tok3n") == "2"
    assert body(rsps.calls[1]) == {
        "url": url,
        "token": "tok3n",
        "push_events": True,
        "merge_requests_events": True,
        "tag_push_events": True,
        "enable_ssl_verification": True,
    }
    provider.delete_webhook(REPO, "2")
    provider.delete_webhook(REPO, "3")
