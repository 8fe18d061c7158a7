"""GitHub contract, webhooks: ours created (replacing an old one) and deleted."""

from __future__ import annotations

import pytest
import responses

from app.git_hosts import errors
from tests.git_hosts.github_shapes import (
    API,
    REPO,
    error,
    github,
)
from tests.git_hosts.support import body

# --- webhooks --------------------------------------------------------------------------------

HOOKS = f"{API}/repos/octocat/Hello-World/hooks"
OUR_HOOK = "https://gitbridge.example.com/webhooks/int-7"


def test_create_webhook_replaces_our_old_one(rsps: responses.RequestsMock) -> None:
    rsps.get(
        HOOKS,
        json=[
            {
                "type": "Repository",
                "id": 11,
                "name": "web",
                "active": True,
                "events": ["push"],
                "config": {
                    "url": "https://ci.example.com/hook",
                    "content_type": "json",
                    "insecure_ssl": "0",
                },
            },
            {
                "type": "Repository",
                "id": 12,
                "name": "web",
                "active": True,
                "events": ["push"],
                "config": {"url": OUR_HOOK, "content_type": "json", "secret": "********"},
            },
        ],
    )
    rsps.delete(f"{HOOKS}/12", status=204)
    rsps.post(
        HOOKS, status=201, json={"type": "Repository", "id": 13, "name": "web", "active": True}
    )
    assert github().create_webhook(REPO, OUR_HOOK, "s3cret") == "13"
    post = rsps.calls[2]
    assert body(post) == {
        "name": "web",
        "active": True,
        "events": ["push", "pull_request"],
        "config": {
            "url": OUR_HOOK,
            "content_type": "json",
            "secret": "s3cret",
            "insecure_ssl": "0",
        },
    }


def test_create_webhook_needs_admin(rsps: responses.RequestsMock) -> None:
    rsps.get(HOOKS, status=404, json=error("Not Found"))
    with pytest.raises(errors.NoWriteAccess, match="admin"):
        github().create_webhook(REPO, OUR_HOOK, "s3cret")


def test_delete_webhook_and_already_gone(rsps: responses.RequestsMock) -> None:
    rsps.delete(f"{HOOKS}/13", status=204)
    rsps.delete(f"{HOOKS}/14", status=404, json=error("Not Found"))
    github().delete_webhook(REPO, "13")
    github().delete_webhook(REPO, "14")
    assert [c.request.method for c in rsps.calls] == ["DELETE", "DELETE"]
