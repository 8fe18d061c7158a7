"""Each git host provider against its fake host, over real HTTP and real git.

These pin down that the fakes speak the way the providers expect (so the end-to-end
tests through the app mean something), and exercise the providers' paging, incremental
listing, refusals, rate limits and user-token attribution without ``responses``.
"""

from __future__ import annotations

import subprocess
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote, urlsplit

import pytest

from app.git_hosts import errors
from app.git_hosts.base import HostRepository, Provider
from tests.support.fake_hosts import FAKES, provider_for_fake
from tests.support.fake_hosts.scenario import Scenario

FAMILIES = list(FAKES)
HOOK_URL = "https://gitbridge.example.com/webhooks/7"
ALL = pytest.mark.parametrize("host", FAMILIES, indirect=True)


def admin(host: Scenario, **options: object) -> Provider:
    if host.fake.family == "bitbucket_cloud":
        return provider_for_fake(host.fake, auth_type="basic", username="alice",
                                 password=host.admin_token, **options)  # type: ignore[arg-type]
    return provider_for_fake(host.fake, token=host.admin_token, **options)  # type: ignore[arg-type]


def repo_of(provider: Provider, name: str) -> HostRepository:
    return next(r for r in provider.list_repositories() if r.name == name)


@ALL
def test_check_credentials(host: Scenario) -> None:
    account = admin(host).check_credentials()
    assert account.login == "alice"
    assert account.name == "Alice Admin"
    user = provider_for_fake(host.fake, token=host.user_token).check_credentials()
    assert user.login == "bob"
    with pytest.raises(errors.WrongToken):
        provider_for_fake(host.fake, token="not-a-token").check_credentials()
    host.fake.add_token("expired-token-1", "alice", expired=True)
    expected = errors.WrongToken if host.fake.family == "github" else errors.ExpiredToken
    with pytest.raises(expected):  # GitHub answers "Bad credentials" to both
        provider_for_fake(host.fake, token="expired-token-1").check_credentials()
    assert all(r.token in (host.admin_token, host.user_token, "expired-token-1", None)
               for r in host.fake.calls())


@pytest.mark.parametrize("host", ["github", "gitlab"], indirect=True)
def test_cloud_kinds_reach_the_fake_too(host: Scenario) -> None:
    cloud = provider_for_fake(host.fake, token=host.admin_token, kind=host.fake.kinds[0])
    assert cloud.check_credentials().login == "alice"
    assert {r.name for r in cloud.list_repositories()} == {
        host.name("app"), host.name("lib"), host.name("docs")}


@pytest.mark.parametrize("host", ["github", "gitlab", "bitbucket_cloud"], indirect=True)
def test_missing_scope_is_reported(host: Scenario) -> None:
    wanted = {"github": ("read:org",), "gitlab": ("read_user",), "bitbucket_cloud": ("account",)}
    host.fake.add_token("narrow-token", "carol", scopes=wanted[host.fake.family])
    with pytest.raises(errors.MissingScope):
        provider_for_fake(host.fake, token="narrow-token").check_credentials()


@ALL
def test_list_repositories_follows_every_page(host: Scenario) -> None:
    host.fake.page_size_cap = 1
    repos = list(admin(host).list_repositories())
    assert sorted(r.name for r in repos) == sorted(host.name(s) for s in ("app", "lib", "docs"))
    app = next(r for r in repos if r.name == host.name("app"))
    parts = urlsplit(app.clone_https)
    assert (parts.hostname, parts.port, parts.username) == ("127.0.0.1", host.fake.port, None)
    assert app.web_url.startswith(host.fake.url)
    expected_default = None if host.fake.family == "bitbucket_server" else "main"
    assert app.default_branch == expected_default
    listing = [c for c in host.fake.calls("GET") if c.path.endswith(("/repos", "/projects",
                                                                     "/repositories"))]
    assert len(listing) == 3, [c.query for c in listing]


@ALL
def test_pull_requests_states_and_incremental_listing(host: Scenario) -> None:
    host.fake.page_size_cap = 1
    provider = admin(host)
    app = repo_of(provider, host.name("app"))
    pulls = {p.number: p for p in provider.pull_requests(app, None)}
    assert {n: (p.state, p.source_branch, p.target_branch) for n, p in pulls.items()} == {
        "1": ("open", "feature/ABC-3-login", "main"),
        "2": ("draft", "wip-draft", "main"),
        "3": ("merged", "merged-work", "main"),
        "4": ("declined", "declined-idea", "main"),
    }
    assert "ABC-4" in pulls["2"].title and "ABC-5" in (pulls["3"].description or "")
    assert pulls["1"].reviewers == (("Dave Reviewer", True),) or pulls["1"].reviewers == (
        ("dave", True),)
    assert pulls["1"].url and pulls["1"].url.startswith(host.fake.url)
    host.fake.reset_calls()
    since = datetime(2026, 1, 12, 0, 0, tzinfo=UTC)
    recent = [p.number for p in provider.pull_requests(app, since)]
    assert recent == ["4", "3"]
    listing = [c for c in host.fake.calls("GET") if c.path.endswith(
        ("/pulls", "/merge_requests", "/pullrequests", "/pull-requests"))]
    first = listing[0].query
    if host.fake.family == "gitlab":
        assert first["updated_after"] == ["2026-01-12T00:00:00Z"]
    elif host.fake.family == "bitbucket_cloud":
        assert first["q"] == ["updated_on >= 2026-01-12T00:00:00+00:00"]
    # newest first, so the listing stops at the first older one (or the host filters):
    # never all four pages of one
    assert 2 <= len(listing) <= 3


@ALL
def test_create_branch_as_app_and_as_user(host: Scenario) -> None:
    provider = admin(host)
    app = repo_of(provider, host.name("app"))
    main = host.repos["app"].sha("main")
    branch = provider.create_branch(app, "ABC-7-new-thing", "main")
    assert branch.name == "ABC-7-new-thing"
    assert host.repos["app"].sha("ABC-7-new-thing") == main
    (created,) = host.repos["app"].created_branches
    assert (created.name, created.login, created.sha) == ("ABC-7-new-thing", "alice", main)
    with pytest.raises(errors.BranchExists):
        provider.create_branch(app, "ABC-7-new-thing", "main")
    with pytest.raises(errors.SourceBranchUnknown):
        provider.create_branch(app, "ABC-7-other", "no-such-branch")
    provider.create_branch(app, "ABC-8-bobs", "feature/ABC-3-login", token=host.user_token)
    assert host.repos["app"].created_branches[-1].login == "bob"
    assert host.repos["app"].sha("ABC-8-bobs") == host.shas["feature/ABC-3-login"]
    with pytest.raises(errors.NoWriteAccess):
        provider.create_branch(app, "ABC-9-carols", "main", token=host.readonly_token)
    assert "ABC-9-carols" not in host.repos["app"].branches()


@ALL
def test_create_pull_request_and_refusals(host: Scenario) -> None:
    provider = admin(host)
    app = repo_of(provider, host.name("app"))
    pr = provider.create_pull_request(app, source="declined-idea", target="main",
                                      title="ABC-6 Second try", description="Again, ABC-6.",
                                      token=host.user_token)
    assert pr.state == "open" and pr.source_branch == "declined-idea"
    assert pr.url and pr.url.startswith(host.fake.url)
    made = host.repos["app"].pulls[-1]
    assert (made.author.login, made.created_with) == ("bob", host.user_token)
    assert made.title.endswith("Second try")
    with pytest.raises(errors.PullRequestExists):
        provider.create_pull_request(app, source="declined-idea", target="main",
                                     title="Once more", description="")
    provider.create_branch(app, "ABC-7-empty", "main")
    with pytest.raises(errors.NothingToMerge):
        provider.create_pull_request(app, source="ABC-7-empty", target="main",
                                     title="ABC-7 nothing", description="")
    with pytest.raises((errors.SourceBranchUnknown, errors.TargetBranchUnknown)):
        provider.create_pull_request(app, source="no-such-branch", target="main",
                                     title="ABC-7 nothing", description="")
    with pytest.raises(errors.NoWriteAccess):
        provider.create_pull_request(app, source="wip-draft", target="merged-work",
                                     title="Carol's", description="",
                                     token=host.readonly_token)
    assert len(host.repos["app"].pulls) == 5


@ALL
def test_webhooks_are_idempotent_and_deletable(host: Scenario) -> None:
    provider = admin(host)
    app = repo_of(provider, host.name("app"))
    first = provider.create_webhook(app, HOOK_URL, "s3cret")
    second = provider.create_webhook(app, HOOK_URL, "s3cret")
    (hook,) = host.repos["app"].hooks
    assert hook.id == second != first
    assert (hook.url, hook.secret) == (HOOK_URL, "s3cret")
    assert hook.created_with == host.admin_token
    provider.delete_webhook(app, second)
    assert host.repos["app"].hooks == []
    provider.delete_webhook(app, second)  # already gone: fine
    with pytest.raises(errors.NoWriteAccess):
        provider_for_fake(host.fake, token=host.user_token).create_webhook(app, HOOK_URL, "x")


@ALL
def test_rate_limits_short_are_waited_out_long_are_raised(host: Scenario) -> None:
    provider = admin(host)
    host.fake.rate_limit(calls=1, wait=1)
    assert provider.check_credentials().login == "alice"
    first, retry = host.fake.calls("GET")[:2]
    assert first.status in (403, 429) and retry.status == 200 and first.path == retry.path
    host.fake.rate_limit(calls=5, wait=3600)
    with pytest.raises(errors.RateLimited) as caught:
        provider.check_credentials()
    assert caught.value.retry_after > 3000


@ALL
def test_host_error_bodies_are_quoted(host: Scenario) -> None:
    provider = admin(host)
    app = repo_of(provider, host.name("app"))
    host.fake.script("POST", "branches" if host.fake.family != "github" else "git/refs", 500,
                     {"message": "boom"})
    with pytest.raises(errors.HostUnreachable):
        provider.create_branch(app, "ABC-7-x", "main")


def _clone(url: str, username: str, password: str, target: Path) -> subprocess.CompletedProcess:
    parts = urlsplit(url)
    netloc = f"{quote(username, safe='')}:{quote(password, safe='')}@{parts.netloc}"
    return subprocess.run(
        ["git", "clone", "--quiet", "--bare", parts._replace(netloc=netloc).geturl(),
         str(target)],
        capture_output=True, text=True, check=False, timeout=60,
        env={"PATH": "/usr/bin:/bin", "GIT_CONFIG_NOSYSTEM": "1", "GIT_TERMINAL_PROMPT": "0",
             "HOME": str(target.parent)},
    )


@ALL
def test_git_clone_with_the_providers_git_credentials(host: Scenario, tmp_path: Path) -> None:
    provider = admin(host)
    provider.check_credentials()
    app = repo_of(provider, host.name("app"))
    creds = provider.git_credentials()
    done = _clone(app.clone_https, creds["username"], creds["password"], tmp_path / "c1.git")
    assert done.returncode == 0, done.stderr
    heads = subprocess.run(["git", "--git-dir", str(tmp_path / "c1.git"), "for-each-ref",
                            "--format=%(refname:short)", "refs/heads"],
                           capture_output=True, text=True, check=True).stdout.split()
    assert set(heads) == {"main", "feature/ABC-3-login", "wip-draft", "merged-work",
                          "declined-idea"}
    git_calls = host.fake.calls(kind="git")
    assert any(c.status == 401 for c in git_calls)  # challenged first, as real hosts do
    assert any(c.login == creds["username"] and c.status == 200 for c in git_calls)
    wrong = _clone(app.clone_https, creds["username"], "wrong", tmp_path / "c2.git")
    assert wrong.returncode != 0
    user = provider_for_fake(host.fake, token=host.user_token)
    user.check_credentials()
    ucreds = user.git_credentials()
    done = _clone(app.clone_https, ucreds["username"], ucreds["password"], tmp_path / "c3.git")
    assert done.returncode == 0, done.stderr
