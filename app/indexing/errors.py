"""Errors raised by the git indexing engine.

Every failure of a ``git`` child process is turned into one of these classes so
that callers (the integration form, the background worker) can react without
parsing git's stderr themselves:

* ``str(exc)`` is a human message meant for an administrator.  It never
  contains a secret: messages are built from fixed text plus git's stderr,
  and that stderr is scrubbed of the secrets of the run and of any
  ``user:password@`` part of a URL (see :func:`redact`).
* ``exc.permanent`` tells a scheduler whether retrying can help.  Wrong
  credentials, a URL that is not a repository, a bad URL or a changed host key
  will fail again in exactly the same way, so they are permanent; a host that
  does not answer or a timeout may well work on the next attempt.
* ``exc.detail`` keeps the (scrubbed, shortened) stderr for the indexing log.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

__all__ = [
    "AddressBlocked",
    "AuthenticationFailed",
    "CertificateError",
    "GitError",
    "GitTimeout",
    "HostKeyMismatch",
    "HostUnreachable",
    "InvalidRepositoryUrl",
    "NotARepository",
    "RedirectRefused",
    "redact",
]

_URL_USERINFO = re.compile(r"(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*://)[^/@\s]*@")
_MAX_DETAIL = 2000


def redact(text: str, secrets: Iterable[str | None] = ()) -> str:
    """Remove secrets and URL credentials from ``text``.

    Git never prints our credentials (they only travel through askpass), but a
    user may paste ``https://user:token@host/repo`` as a URL, and a remote can
    echo anything back; scrubbing at the single place where stderr becomes a
    message makes the "never show a secret" rule hold regardless.
    """
    for secret in secrets:
        if secret and len(secret) >= 3:
            text = text.replace(secret, "***")
    return _URL_USERINFO.sub(r"\g<scheme>***@", text)


class GitError(Exception):
    """Base class: a git operation failed.

    ``permanent`` defaults to False: an unrecognised failure is retried, which
    is the safe choice for a background job.
    """

    permanent: bool = False
    default_message = "The git command failed."

    def __init__(self, message: str | None = None, *, detail: str | None = None) -> None:
        self.message = message or self.default_message
        self.detail = (detail or "").strip()[-_MAX_DETAIL:] or None
        super().__init__(self.message)

    def __str__(self) -> str:
        return self.message


class InvalidRepositoryUrl(GitError):
    """The URL cannot be used: unsupported scheme, local path, malformed."""

    permanent = True
    default_message = "The repository URL is not valid."


class AddressBlocked(InvalidRepositoryUrl):
    """The host resolves to a private/loopback/... address and those are refused."""

    default_message = "The repository host resolves to an address that is not allowed."


class HostUnreachable(GitError):
    """DNS failure, connection refused, network down, server error (5xx)."""

    permanent = False
    default_message = "The repository host could not be reached."


class AuthenticationFailed(GitError):
    """The server refused the credentials (or wanted some and got none)."""

    permanent = True
    default_message = "The repository server rejected the credentials."


class NotARepository(GitError):
    """The server answered, but there is no git repository at that path."""

    permanent = True
    default_message = "No git repository was found at this URL."


class HostKeyMismatch(GitError):
    """The SSH host key is not the one that was pinned for this integration."""

    permanent = True
    default_message = (
        "The SSH host key of the server does not match the pinned known_hosts entry. "
        "If the server's key was changed on purpose, update the integration's known hosts."
    )


class CertificateError(GitError):
    """TLS certificate verification failed (self-signed, expired, wrong name)."""

    permanent = True
    default_message = (
        "The server's TLS certificate could not be verified. Fix the certificate or, "
        "for a trusted internal server, disable SSL verification for this integration."
    )


class RedirectRefused(GitError):
    """The server answered with an HTTP redirect; redirects are not followed.

    Following a redirect would let a public server send the fetch to an
    internal address after the SSRF check, so the admin must enter the final URL.
    """

    permanent = True
    default_message = (
        "The server answered with an HTTP redirect, and redirects are not followed. "
        "Enter the repository's final URL instead."
    )


class GitTimeout(GitError):
    """The git process did not finish in time and was killed."""

    permanent = False
    default_message = "The git command took too long and was stopped."
