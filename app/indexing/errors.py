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

:func:`classify_error` maps git's stderr (always in the C locale) to a class.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from app.netguard import unresolved

__all__ = [
    "AddressBlocked",
    "AuthenticationFailed",
    "CertificateError",
    "GitError",
    "GitTimeout",
    "HostKeyMismatch",
    "HostNotFound",
    "HostUnreachable",
    "InvalidRepositoryUrl",
    "NotARepository",
    "RedirectRefused",
    "classify_error",
    "redact",
]

_FINGERPRINT = re.compile(r"SHA256:[A-Za-z0-9+/=]{43}")
#: git's and ssh's wording of a DNS failure, naming the host.
_UNRESOLVED = re.compile(r"Could not resolve host(?:name)?:? ([^\s:']+)")
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


class HostNotFound(HostUnreachable):
    """DNS has no such host: most often a typo in the URL, which the admin must fix
    (still retried in the background: a resolver outage looks the same)."""

    default_message = "The repository host could not be resolved: check the URL for a typo."

    @classmethod
    def named(cls, host: str, detail: str | None = None) -> HostNotFound:
        return cls(unresolved(host), detail=detail)


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


# -- mapping git's stderr (LC_ALL=C) to these classes ---------------------------

_PATTERNS: list[tuple[type[GitError], tuple[str, ...], str]] = [
    (
        HostKeyMismatch,
        ("REMOTE HOST IDENTIFICATION HAS CHANGED",),
        "The SSH host key of the server has changed since it was pinned. If the key was "
        "changed on purpose, update the integration's known hosts; otherwise the connection "
        "may be intercepted.",
    ),
    (
        HostKeyMismatch,
        ("Host key verification failed", "host key is known for", "No matching host key"),
        "The SSH server's host key is not among the pinned known hosts for this integration.",
    ),
    (
        AuthenticationFailed,
        ("Permission denied (publickey", "Permission denied, please try again",
         "Too many authentication failures"),
        "The SSH server rejected the key. Check that the public key is added as a deploy "
        "key or to a user with access to the repository.",
    ),
    (
        AuthenticationFailed,
        ("incorrect passphrase", "Load key", "invalid format", "bad passphrase"),
        "The SSH private key could not be loaded (wrong passphrase or not a private key).",
    ),
    (
        AuthenticationFailed,
        ("Authentication failed for", "could not read Username", "could not read Password",
         "terminal prompts disabled", "returned error: 401", "returned error: 403",
         "HTTP Basic: Access denied", "Invalid username or password"),
        "The server rejected the credentials (or requires credentials and none were given).",
    ),
    (
        CertificateError,
        ("SSL certificate problem", "server certificate verification failed",
         "certificate verify failed", "SSL: no alternative certificate subject name"),
        CertificateError.default_message,
    ),
    (
        RedirectRefused,
        ("returned error: 301", "returned error: 302", "returned error: 303",
         "returned error: 307", "returned error: 308"),
        RedirectRefused.default_message,
    ),
    (
        NotARepository,
        ("not found", "does not appear to be a git repository", "not a git repository",
         "is this a git repository", "returned error: 404", "could not be found"),
        "No git repository was found at this URL. Check the path (for example "
        "https://host/group/project.git); hosts also answer like this when the "
        "credentials cannot see a private repository.",
    ),
    (
        HostNotFound,
        ("Could not resolve host", "Could not resolve hostname", "Temporary failure in name",
         "Name or service not known", "nodename nor servname"),
        HostNotFound.default_message,
    ),
    (
        HostUnreachable,
        ("Connection refused",
         "Failed to connect to", "Connection timed out", "Operation timed out",
         "No route to host", "Network is unreachable", "Connection reset",
         "Connection closed by", "kex_exchange_identification", "timed out",
         "Empty reply from server", "returned error: 5", "Recv failure", "Operation too slow",
         "early EOF", "the remote end hung up unexpectedly"),
        "The repository host could not be reached (connection refused, network problem "
        "or server error).",
    ),
]


def classify_error(
    stderr: str, returncode: int, *, what: str = "git", secrets: Iterable[str | None] = ()
) -> GitError:
    """Turn a failed git run into the most specific :class:`GitError`.

    Patterns are checked in order, most specific first: ssh prints "Host key
    verification failed" *and* "Could not read from remote repository", and
    the former is the one the admin must act on.
    """
    clean = redact(stderr, secrets)
    for cls, needles, message in _PATTERNS:
        for needle in needles:
            if needle in clean:
                if cls is RedirectRefused:
                    code = clean.split("returned error: ", 1)[1][:3]
                    message = f"{message} (The server answered with HTTP {code}.)"
                elif cls is HostKeyMismatch and (fp := _FINGERPRINT.search(clean)):
                    message = f"{message} The server presented the key {fp.group(0)}."
                elif cls is HostNotFound and (name := _UNRESOLVED.search(clean)):
                    return HostNotFound.named(name.group(1), detail=clean)
                return cls(message, detail=clean)
    last = next((ln for ln in reversed(clean.strip().splitlines()) if ln.strip()), "")
    return GitError(f"{what} failed (exit code {returncode}): {last[:300]}", detail=clean)
