"""Links to a host's web pages for commits, branches and tags.

Each host's page layout is its registry entry's ``weblinks`` (``app.hosts``). A plain
git repository (kind ``git``) takes the layout of the well-known service its URL is on,
if any. For anything else the API says ``url: null`` rather than guess a page that may
not exist.
"""

from __future__ import annotations

from urllib.parse import quote, urlsplit

from app import hosts


def _guessed_kind(web_url: str) -> str | None:
    """The cloud service a plain clone URL's web page is on (``git`` integrations)."""
    host = (urlsplit(web_url).hostname or "").lower()
    if host == "github.com" or host.startswith("github."):
        return "github"
    if host == "gitlab.com" or host.startswith("gitlab."):
        return "gitlab"
    if host == "bitbucket.org":
        return "bitbucket_cloud"
    return None


def layout_for(web_url: str | None, host_kind: str | None = None) -> dict[str, str] | None:
    if not web_url:
        return None
    kind = host_kind if host_kind and host_kind != "git" else _guessed_kind(web_url)
    entry = hosts.get(kind) if kind else None
    return entry.weblinks if entry else None


def link(web_url: str | None, kind: str, *, sha: str = "", name: str = "",
         host_kind: str | None = None) -> str | None:
    """The page of a ``commit`` (``sha``), ``branch`` or ``tag`` (``name``), or ``None``."""
    layout = layout_for(web_url, host_kind)
    if layout is None or web_url is None or kind not in layout:
        return None
    path = layout[kind].format(sha=sha, name=quote(name, safe="/"))
    return web_url.rstrip("/") + path
