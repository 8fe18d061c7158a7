"""GitLab contract, merge requests: the incremental listing."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from typing import Any

import responses

from tests.git_hosts.gitlab_shapes import (
    PROJECT,
    REPO,
    gitlab,
    gl_mr,
)
from tests.git_hosts.support import q1

# --- merge requests ------------------------------------------------------------------------


def test_merge_requests_incremental_with_all_states(rsps: responses.RequestsMock) -> None:
    since = datetime(2024, 5, 1, 12, tzinfo=UTC)
    rsps.get(
        f"{PROJECT}/merge_requests",
        json=[
            gl_mr(
                5,
                "2024-05-01T16:00:00.000Z",
                reviewers=[
                    {"id": 2, "username": "bob", "name": "Bob"},
                    {"id": 3, "username": "eve", "name": "Eve"},
                ],
            ),
            gl_mr(4, "2024-05-01T15:00:00.000Z", draft=True, title="Draft: ABC-4"),
            gl_mr(3, "2024-05-01T14:00:00.000Z", state="merged"),
            gl_mr(2, "2024-05-01T13:00:00.000Z", state="closed"),
            gl_mr(1, "2024-05-01T12:30:00.000Z", state="locked"),
        ],
        headers={"X-Next-Page": ""},
    )
    approvals = {5: [{"user": {"id": 2, "username": "bob", "name": "Bob"}}]}

    def approvals_for(request: Any) -> tuple[int, dict[str, str], str]:
        iid = int(re.search(r"/merge_requests/(\d+)/approvals", request.url).group(1))  # type: ignore[union-attr]
        return (
            200,
            {},
            json.dumps(
                {
                    "id": 1,
                    "iid": iid,
                    "approved": iid in approvals,
                    "approved_by": approvals.get(iid, []),
                }
            ),
        )

    rsps.add_callback(
        responses.GET, re.compile(rf"{PROJECT}/merge_requests/\d+/approvals"), approvals_for
    )
    mrs = list(gitlab().pull_requests(REPO, since))
    assert [(m.number, m.state) for m in mrs] == [
        ("5", "open"),
        ("4", "draft"),
        ("3", "merged"),
        ("2", "declined"),
        ("1", "open"),
    ]
    assert mrs[0].reviewers_json() == [
        {"name": "Bob", "approved": True},
        {"name": "Eve", "approved": False},
    ]
    assert mrs[0].author == "Administrator"
    assert mrs[0].url == "https://gitlab.com/diaspora/diaspora-client/-/merge_requests/5"
    assert mrs[0].updated_at == datetime(2024, 5, 1, 16, tzinfo=UTC)
    assert q1(rsps.calls[0]) == {
        "state": "all",
        "order_by": "updated_at",
        "sort": "desc",
        "per_page": "100",
        "updated_after": "2024-05-01T12:00:00Z",
    }
