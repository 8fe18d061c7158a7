"""The git hosts the app connects to, as the API and the wizard list them."""

from __future__ import annotations

from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class HostKind:
    kind: str
    name: str
    auth_types: tuple[str, ...]
    webhook_mode: bool
    self_managed: bool


HOSTS: tuple[HostKind, ...] = (
    HostKind("github", "GitHub.com", ("pat", "oauth"), True, False),
    HostKind("github_enterprise", "GitHub Enterprise Server", ("pat",), True, True),
    HostKind("gitlab", "GitLab.com", ("pat", "oauth"), True, False),
    HostKind("gitlab_self_managed", "GitLab CE/EE", ("pat",), True, True),
    HostKind("bitbucket_cloud", "Bitbucket Cloud", ("basic", "oauth"), True, False),
    HostKind("bitbucket_server", "Bitbucket Server / Data Center", ("pat", "basic"), True, True),
    HostKind("azure_devops", "Azure DevOps", ("pat", "oauth"), True, False),
    HostKind("azure_devops_server", "Azure DevOps Server / TFS", ("pat", "basic"), True, True),
    HostKind("aws_codecommit", "AWS CodeCommit", ("aws",), False, False),
    HostKind("gerrit", "Gerrit", ("basic",), True, True),
    HostKind("git", "Any git repository (clone URL)", ("none", "basic", "ssh"), False, True),
)

BY_KIND = {h.kind: h for h in HOSTS}


def as_json(host: HostKind, oauth: bool = False) -> dict[str, object]:
    """The API's view of a host; ``oauth``: the wizard may connect it with an OAuth app."""
    data = asdict(host)
    data["auth_types"] = list(host.auth_types)
    data["oauth"] = oauth
    return data
