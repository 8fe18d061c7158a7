"""What the HostClient tests share: a GitHub provider and GitHub's rate-limit answers."""

from __future__ import annotations

from typing import Any

from app.git_hosts.base import HostRepository
from app.git_hosts.github import GitHubProvider

API = "https://api.github.com"
SHA = "aa218f56b14c9653891f9e74264a383fa43fefbd"
TOKEN = "ghp_pacingtoken000000000000000000000000"

REPO = HostRepository(
    name="octocat/Hello-World",
    clone_https="https://github.com/octocat/Hello-World.git",
    clone_ssh=None,
    web_url="https://github.com/octocat/Hello-World",
    default_branch="main",
    host_id="1",
)


def github(token: str = TOKEN, **kwargs: Any) -> GitHubProvider:
    return GitHubProvider(base_url=None, credentials={"token": token}, auth_type="pat", **kwargs)


def limit_headers(remaining: int, reset: float) -> dict[str, str]:
    return {
        "X-RateLimit-Limit": "5000",
        "X-RateLimit-Remaining": str(remaining),
        "X-RateLimit-Used": str(5000 - remaining),
        "X-RateLimit-Reset": str(int(reset)),
        "X-RateLimit-Resource": "core",
    }


USER = {"login": "octocat", "id": 1}
PRIMARY = {
    "message": "API rate limit exceeded for user ID 1.",
    "documentation_url": "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api",
}
SECONDARY = {
    "message": "You have exceeded a secondary rate limit. Please wait a few minutes before you "
    "try again. If you reach out to GitHub Support for help, please include the request ID.",
    "documentation_url": "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api",
}
