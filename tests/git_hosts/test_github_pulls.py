"""GitHub contract, pull requests: the incremental listing."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import responses

from tests.git_hosts.github_shapes import (
    API,
    PULLS_QUERY,
    REPO,
    gh_pull,
    github,
)
from tests.git_hosts.support import path, q1

# --- pull requests -------------------------------------------------------------------------


def test_pull_requests_incremental_with_all_states(rsps: responses.RequestsMock) -> None:
    since = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
    pulls = f"{API}/repos/octocat/Hello-World/pulls"
    rsps.get(
        pulls,
        json=[
            gh_pull(
                4,
                "2024-05-01T15:00:00Z",
                requested_reviewers=[{"login": "dave", "id": 4}],
            ),
            gh_pull(3, "2024-05-01T14:00:00Z", draft=True),
            gh_pull(2, "2024-05-01T13:00:00Z", state="closed", merged_at="2024-05-01T13:00:00Z"),
        ],
        headers={"Link": f'<{pulls}?{PULLS_QUERY}&page=2>; rel="next"'},
    )
    rsps.get(
        pulls,
        json=[
            gh_pull(1, "2024-05-01T12:30:00Z", state="closed", closed_at="2024-05-01T12:30:00Z"),
            gh_pull(0, "2024-04-30T09:00:00Z", state="closed"),  # older: listing stops here
        ],
        headers={"Link": f'<{pulls}?{PULLS_QUERY}&page=3>; rel="next"'},
    )
    reviews = {
        4: [
            {"id": 80, "user": {"login": "bob"}, "state": "CHANGES_REQUESTED"},
            {"id": 81, "user": {"login": "bob"}, "state": "APPROVED"},
            {"id": 82, "user": {"login": "carol"}, "state": "COMMENTED"},
            {"id": 83, "user": {"login": "octocat"}, "state": "COMMENTED"},
        ],
    }

    def review_list(request: Any) -> tuple[int, dict[str, str], str]:
        import json

        number = int(re.search(r"/pulls/(\d+)/reviews", request.url).group(1))  # type: ignore[union-attr]
        return 200, {}, json.dumps(reviews.get(number, []))

    rsps.add_callback(
        responses.GET,
        re.compile(rf"{API}/repos/octocat/Hello-World/pulls/\d+/reviews"),
        review_list,
    )

    prs = list(github().pull_requests(REPO, since))
    assert [(p.number, p.state) for p in prs] == [
        ("4", "open"),
        ("3", "draft"),
        ("2", "merged"),
        ("1", "declined"),
    ]
    first = prs[0]
    assert first.title == "ABC-4 Amazing new feature"
    assert first.description == "Please pull these awesome changes in!"
    assert (first.source_branch, first.target_branch) == ("feature/ABC-4", "main")
    assert first.author == "octocat"
    assert first.url == "https://github.com/octocat/Hello-World/pull/4"
    assert first.updated_at == datetime(2024, 5, 1, 15, tzinfo=UTC)
    assert first.reviewers_json() == [
        {"name": "bob", "approved": True},
        {"name": "carol", "approved": False},
        {"name": "dave", "approved": False},
    ]
    listing = [c for c in rsps.calls if path(c).endswith("/pulls")]
    assert len(listing) == 2  # page 3 is never fetched
    assert q1(listing[0]) == {
        "state": "all",
        "sort": "updated",
        "direction": "desc",
        "per_page": "100",
    }
    assert len([c for c in rsps.calls if path(c).endswith("/reviews")]) == 4
