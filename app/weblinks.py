"""Links to a host's web pages for commits, branches and tags.

Only hosts whose URL layout is known get links; for anything else the API says
``url: null`` rather than guess a page that may not exist.
"""

from __future__ import annotations

from urllib.parse import quote, urlsplit

LAYOUTS = {
    "github": {"commit": "/commit/{sha}", "branch": "/tree/{name}", "tag": "/releases/tag/{name}"},
    "gitlab": {"commit": "/-/commit/{sha}", "branch": "/-/tree/{name}", "tag": "/-/tags/{name}"},
    "bitbucket": {"commit": "/commits/{sha}", "branch": "/branch/{name}", "tag": "/src/{name}"},
}


def layout_for(web_url: str | None) -> str | None:
    if not web_url:
        return None
    host = (urlsplit(web_url).hostname or "").lower()
    if host == "github.com" or host.startswith("github."):
        return "github"
    if host == "gitlab.com" or host.startswith("gitlab."):
        return "gitlab"
    if host == "bitbucket.org":
        return "bitbucket"
    return None


def link(web_url: str | None, kind: str, *, sha: str = "", name: str = "") -> str | None:
    layout = layout_for(web_url)
    if layout is None or web_url is None:
        return None
    path = LAYOUTS[layout][kind].format(sha=sha, name=quote(name, safe="/"))
    return web_url.rstrip("/") + path
