"""One key per repository, whatever form its URL comes in.

Webhook payloads name repositories by https, ssh, scp-like or web URLs, with or
without ``.git``, with or without a user; connected repositories were added with any
of those. ``url_key`` maps them all to ``host/path`` (lower-cased: the hosts we match
treat paths case-insensitively) so they can be compared.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

_SCP = re.compile(r"^(?:[^@/]+@)?(?P<host>[^:/]+):(?P<path>[^/].*)$")
#: Path prefixes some hosts add to clone URLs but not to web URLs (Azure's ``_git``
#: stays: it is part of both); Gerrit's authenticated ``/a/`` prefix is dropped.
_DROP_PREFIXES = ("a/",)
_SAAS_HOSTS = {"github.com", "gitlab.com", "bitbucket.org"}


def url_key(url: str) -> str | None:
    url = url.strip()
    if not url:
        return None
    if "://" in url:
        parts = urlsplit(url)
        host, path = (parts.hostname or "").lower(), parts.path
    else:
        match = _SCP.match(url)
        if not match:
            return None
        host, path = match["host"].lower(), match["path"]
    path = path.strip("/")
    if path.endswith(".git"):
        path = path[:-4]
    if host not in _SAAS_HOSTS:  # there, "a" may be an organisation
        for prefix in _DROP_PREFIXES:
            if path.startswith(prefix):
                path = path[len(prefix) :]
    if path.startswith("v1/repos/") or path.startswith("scm/"):  # CodeCommit, Bitbucket Server
        path = path.split("/", 2)[-1] if path.startswith("v1/repos/") else path[4:]
    if not host or not path:
        return None
    return f"{host}/{path.lower()}"
