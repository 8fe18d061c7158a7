"""The Connect query string hash (qsh), computed by Atlassian's ``atlassian_jwt``.

The library canonicalises and hashes (``METHOD&path&sorted-encoded-query``, ``jwt``
dropped, repeated values joined, SHA-256); Atlassian's 79 interoperability vectors
check it in the tests. This module adds only what the library lacks:

* the base path: ``hash_url`` wants a URL relative to the app's (or the Jira site's)
  base URL, but requests reach us, and leave for Jira, with it still on the path;
* ``context-qsh``, the literal qsh of ``AP.context.getToken`` tokens;
* two guards where the library's ``urlparse`` reads a path other than Atlassian's
  reference (``HttpRequestCanonicalizer``) does: after stripping leading slashes it
  takes a first segment with a colon for a scheme (``/foo:bar`` would hash as ``/bar``),
  so the URL it is given carries a placeholder origin; and it escapes ``&`` only before
  a ``;``, so ``&`` in the path is escaped here first.

Two differences remain, and are harmless: the library drops a leading ``//`` and a
``/`` before ``;`` where the reference keeps them. Jira's paths have neither, and
Werkzeug routes ``//pages/x`` to the view of ``/pages/x``, the path the library hashes.

Verification stays in ``app.connect.tokens`` (PyJWT with the algorithm pinned): the
library's ``Authenticator`` accepts a token without ``exp`` and takes the token's own
``aud`` as the expected audience.
"""

from __future__ import annotations

import hashlib
from urllib.parse import urlsplit

from atlassian_jwt.url_utils import canonicalize_request, hash_url

CONTEXT_QSH = "context-qsh"

#: Put in front of every path the library parses; never hashed (only path and query
#: are), and ``.invalid`` can never resolve (RFC 2606).
_ORIGIN = "https://qsh.invalid"


def library_url(path: str, query: str = "", base_path: str = "") -> str:
    """The URL to give ``atlassian_jwt`` for a request to ``path``: relative to
    ``base_path``, ``&`` escaped, behind a placeholder origin."""
    base_path = base_path.rstrip("/")
    if base_path and (path == base_path or path.startswith(base_path + "/")):
        path = path[len(base_path) :]
    if not path.startswith("/"):
        path = "/" + path
    path = path.replace("&", "%26")
    return f"{_ORIGIN}{path}?{query}" if query else _ORIGIN + path


def canonical_request(method: str, path: str, query: str, base_path: str = "") -> str:
    return str(canonicalize_request(method, library_url(path, query, base_path)))


def hash_canonical(canonical: str) -> str:
    """The qsh of a canonical request the caller already holds (as the vectors do)."""
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def qsh(method: str, path: str, query: str = "", base_path: str = "") -> str:
    return str(hash_url(method, library_url(path, query, base_path)))


def qsh_for_url(method: str, url: str, base_path: str = "") -> str:
    """qsh of an absolute or relative URL whose path is relative to ``base_path``."""
    parts = urlsplit(url)
    return qsh(method, parts.path, parts.query, base_path)
