"""In-test git hosts over real HTTP: GitHub (and Enterprise), GitLab, Bitbucket Cloud and
Bitbucket Server, each serving its REST API and smart-HTTP git for real bare
repositories. See ``base.py`` for what they share and each module for the host's ways.

Usage::

    with FakeGitHub(tmp_path / "gh") as fake:
        fake.add_token("ghp_admin", "alice")
        repo = fake.create_repo("acme/app")
        work.publish(repo.bare)
        provider = provider_for_fake(fake, token="ghp_admin")
        list(provider.list_repositories())
"""

from __future__ import annotations

from typing import Any

import pytest

from app.git_hosts import provider_for
from app.git_hosts.base import Provider
from tests.support.fake_hosts.azure_devops import FakeAzureDevOps
from tests.support.fake_hosts.base import FakeHost
from tests.support.fake_hosts.bitbucket_cloud import FakeBitbucketCloud
from tests.support.fake_hosts.bitbucket_server import FakeBitbucketServer
from tests.support.fake_hosts.codecommit import FakeCodeCommit
from tests.support.fake_hosts.gerrit import FakeGerrit
from tests.support.fake_hosts.github import FakeGitHub
from tests.support.fake_hosts.gitlab import FakeGitLab
from tests.support.fake_hosts.state import FakeRepo, Hook, Pull, Recorded, Token

__all__ = [
    "FAKES",
    "FakeAzureDevOps",
    "FakeBitbucketCloud",
    "FakeBitbucketServer",
    "FakeCodeCommit",
    "FakeGerrit",
    "FakeGitHub",
    "FakeGitLab",
    "FakeHost",
    "FakeRepo",
    "Hook",
    "Pull",
    "Recorded",
    "Token",
    "patch_cloud_roots",
    "provider_for_fake",
]

FAKES: dict[str, type[FakeHost]] = {
    "github": FakeGitHub,
    "gitlab": FakeGitLab,
    "bitbucket_cloud": FakeBitbucketCloud,
    "bitbucket_server": FakeBitbucketServer,
}
#: Azure DevOps (``FakeAzureDevOps``), Gerrit (``FakeGerrit``) and CodeCommit + SNS
#: (``FakeCodeCommit``) are not in ``FAKES``: their credentials, git addresses and hooks
#: differ from the token-and-REST hosts the shared provider tests (``test_fakes``) drive;
#: each has its own end-to-end module.


def _cloud_class(fake: FakeHost, kind: str) -> type[Provider]:
    """The provider class for a cloud ``kind`` with its fixed roots moved to ``fake``."""
    base = provider_for(kind)
    return type(f"Fake{base.__name__}", (base,), _cloud_roots(base, fake))


def _cloud_roots(cls: type[Provider], fake: FakeHost) -> dict[str, str]:
    """Every fixed ``cloud_*_root`` of the provider, on the fake (Azure's profile root
    too)."""
    roots = {name: fake.url for name in dir(cls)
             if name.startswith("cloud_") and name.endswith("_root")}
    return {**roots, "cloud_web_root": fake.web_root, "cloud_api_root": fake.api_root}


def provider_for_fake(fake: FakeHost, *, token: str | None = None, kind: str | None = None,
                      auth_type: str = "pat", username: str | None = None,
                      password: str | None = None, **options: Any) -> Provider:
    """A provider talking to ``fake``: the self-managed kind with ``base_url`` when the
    family has one (unless ``kind`` says otherwise), else the cloud kind re-rooted."""
    cloud, managed = fake.kinds
    kind = kind or managed or cloud
    assert kind is not None
    cls = provider_for(kind)
    base_url = fake.web_root if cls.self_managed else None
    if not cls.self_managed:
        cls = _cloud_class(fake, kind)
    credentials: dict[str, str] = {}
    if token is not None:
        credentials["token"] = token
    if username is not None:
        credentials["username"] = username
    if password is not None:
        credentials["password"] = password
    options.setdefault("allow_private", True)
    return cls(base_url=base_url, credentials=credentials, auth_type=auth_type, **options)


def patch_cloud_roots(monkeypatch: pytest.MonkeyPatch, fake: FakeHost) -> None:
    """Point the cloud provider of ``fake``'s family (github.com, gitlab.com,
    bitbucket.org) at the fake, for tests that go through the whole app."""
    assert fake.kinds[0] is not None, f"{fake.family} has no cloud service"
    cls = provider_for(fake.kinds[0])
    for name, root in _cloud_roots(cls, fake).items():
        monkeypatch.setattr(cls, name, root)
