"""The host registry is the one table of hosts: everything else agrees with it."""

from __future__ import annotations

import pytest

from app import hosts, oauth, providers, weblinks
from app.config import _oauth_clients
from app.git_hosts import provider_for, supports
from webhooks.endpoint import KEPT_HEADERS, receiver_class_for
from webhooks.hosts import GenericReceiver, GitHubReceiver, GitLabReceiver
from webhooks.hosts.base import Incoming


def test_one_entry_per_kind_and_providers_take_their_facts_from_it() -> None:
    kinds = [h.kind for h in hosts.HOSTS]
    assert len(kinds) == len(set(kinds))
    for host in hosts.HOSTS:
        assert host.hints.monogram and host.name
        assert supports(host.kind) is host.api
        if host.provider is not None:
            cls = provider_for(host.kind)
            assert (cls.kind, cls.auth_types, cls.self_managed) == (
                host.kind, host.auth_types, host.self_managed)
    assert providers.SELF_MANAGED == {h.kind for h in hosts.HOSTS if h.self_managed and h.api}


def test_oauth_tables_come_from_the_registry() -> None:
    assert set(oauth.HOSTS) == {h.kind for h in hosts.HOSTS if h.oauth}
    env = {"GITBRIDGE_GITLAB_CLIENT_ID": "id", "GITBRIDGE_GITLAB_CLIENT_SECRET": "s"}
    assert _oauth_clients(env) == {"gitlab": ("id", "s"), "gitlab_self_managed": ("id", "s")}


def test_kept_headers_are_each_hosts_own_and_never_credentials() -> None:
    for host in hosts.HOSTS:
        assert set(host.kept_headers) <= set(KEPT_HEADERS.values())
    lowered = set(KEPT_HEADERS)
    assert not lowered & {"authorization", "x-hub-signature-256", "x-gitlab-token", "cookie"}


def test_the_receiver_follows_the_integrations_kind() -> None:
    github_push = Incoming({"X-GitHub-Event": "push"}, b"{}")
    trigger = Incoming({"Authorization": "Bearer s"}, b'{"origin": "https://h/r.git"}')
    assert receiver_class_for("github", github_push) is GitHubReceiver
    # a GitHub-looking delivery to a GitLab integration is not guessed into GitHub's receiver
    assert receiver_class_for("gitlab", github_push) is None
    assert receiver_class_for("gitlab", Incoming({"X-Gitlab-Event": "Push Hook"}, b"{}")) is (
        GitLabReceiver)
    assert receiver_class_for("gitlab", trigger) is GenericReceiver
    # only plain git integrations guess the sender
    assert receiver_class_for("git", github_push) is GitHubReceiver
    assert receiver_class_for("git", trigger) is GenericReceiver


@pytest.mark.parametrize(("kind", "web", "link"), [
    ("github", "https://github.com/a/b", "https://github.com/a/b/commit/abc"),
    ("github_enterprise", "https://ghe.example.com/a/b", "https://ghe.example.com/a/b/commit/abc"),
    ("gitlab_self_managed", "https://git.example.com/g/p", "https://git.example.com/g/p/-/commit/abc"),
    ("git", "https://bitbucket.org/w/r", "https://bitbucket.org/w/r/commits/abc"),
    ("git", "https://git.example.com/w/r", None),
])
def test_web_links_follow_the_kinds_layout(kind: str, web: str, link: str | None) -> None:
    assert weblinks.link(web, "commit", sha="abc", host_kind=kind) == link


def test_host_json_carries_the_pages_hints() -> None:
    data = hosts.BY_KIND["bitbucket_cloud"].as_json(oauth_configured=True)
    assert data["oauth"] is True and data["account"] is True
    assert data["hints"]["password_label"] == "App password"
    assert data["hints"]["webhook_steps"]
    assert hosts.BY_KIND["git"].as_json()["account"] is False
    assert hosts.BY_KIND["gitlab"].as_json()["pull_request_term"] == "merge request"
