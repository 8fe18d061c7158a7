"""What can go wrong when the app talks to a git host's API, as the admin should read it.

Providers raise only these classes (never ``requests`` or ``app.http`` errors), so the
API layer, the jobs and the wizard each need one ``except GitHostError``:

* ``str(exc)`` / ``exc.message`` is a sentence for a Jira admin or developer: it names
  the problem and what to do about it. It never contains a credential; the host's own
  explanation is quoted when it helps (it never echoes our token).
* ``exc.code`` is a stable snake_case code for JSON errors (``{"error": {"code"}}``).
* ``exc.http_status`` is the status the app's own API should answer with.
* ``exc.permanent`` tells a job whether retrying the same call can help.

``RateLimited`` carries ``reset_at`` so the job layer can reschedule the work at that
time instead of spending a retry (and a worker) on waiting.
"""

from __future__ import annotations

from datetime import UTC, datetime

from app.netguard import unresolved

__all__ = [
    "ActionError",
    "BranchExists",
    "CredentialsError",
    "ExpiredToken",
    "GitHostError",
    "HostError",
    "HostNotAllowed",
    "HostNotFound",
    "HostTimeout",
    "HostUnreachable",
    "InvalidBranchName",
    "InvalidSetting",
    "IpAllowListRefused",
    "MissingScope",
    "NoAccess",
    "NoWriteAccess",
    "NotFound",
    "NothingToMerge",
    "PullRequestExists",
    "RateLimited",
    "SelfSignedCertificate",
    "SourceBranchUnknown",
    "SsoRequired",
    "TargetBranchUnknown",
    "TokenRefreshFailed",
    "UnsupportedHost",
    "UnsupportedOperation",
    "WrongToken",
]


class GitHostError(Exception):
    """Base class: a call to a git host failed."""

    code = "host_error"
    http_status = 502
    permanent = False
    default_message = "The git host refused or failed the request."

    def __init__(self, message: str | None = None, *, status: int | None = None) -> None:
        self.message = message or self.default_message
        #: The host's HTTP status, when there was an answer.
        self.status = status
        super().__init__(self.message)

    def __str__(self) -> str:
        return self.message


class HostError(GitHostError):
    """The host answered in a way we cannot use (5xx, unexpected body, unknown 4xx)."""


class InvalidSetting(GitHostError, ValueError):
    """A setting (base URL, custom API path, JMESPath filter, credentials) is unusable."""

    code = "invalid_setting"
    http_status = 400
    permanent = True
    default_message = "An integration setting is not valid."


class UnsupportedHost(InvalidSetting):
    """No provider implements this host kind (or this auth type for it)."""

    code = "unsupported_host"


class UnsupportedOperation(GitHostError):
    """The host (or this kind of credentials) cannot do what was asked."""

    code = "unsupported_operation"
    http_status = 400
    permanent = True


class NotFound(GitHostError):
    """The repository (or hook, or pull request) does not exist or is not visible."""

    code = "not_found"
    http_status = 404
    permanent = True
    default_message = "The git host says this repository does not exist or is not visible."


class NoAccess(GitHostError):
    """The credentials work, but may not read this resource."""

    code = "no_access"
    http_status = 403
    permanent = True
    default_message = "The credentials may not read this resource on the git host."


# --- credentials ---------------------------------------------------------------------


class CredentialsError(GitHostError):
    """The host refused the credentials, or could not be asked at all."""

    code = "credentials"
    http_status = 400
    permanent = True
    default_message = "The git host refused the credentials."


class WrongToken(CredentialsError):
    code = "wrong_token"
    default_message = (
        "The git host does not accept these credentials. Check that the token (or "
        "password) was copied completely and has not been revoked."
    )


class ExpiredToken(CredentialsError):
    code = "expired_token"
    default_message = "The token has expired. Create a new one on the git host and enter it here."


class TokenRefreshFailed(ExpiredToken):
    """The OAuth refresh token was refused: the admin must reconnect."""

    code = "token_refresh_failed"
    default_message = (
        "The git host refused to renew the OAuth authorization. Reconnect the integration."
    )


class MissingScope(CredentialsError):
    """The token lacks a scope (or fine-grained permission) that the app needs."""

    code = "missing_scope"

    def __init__(
        self, scope: str, message: str | None = None, *, status: int | None = None
    ) -> None:
        self.scope = scope
        super().__init__(
            message
            or f"The token lacks the '{scope}' scope. Create a token with that scope and "
            "enter it here.",
            status=status,
        )


class SsoRequired(CredentialsError):
    """GitHub: the organisation enforces SAML SSO and the token is not authorized for it."""

    code = "sso_required"

    def __init__(
        self, url: str | None = None, message: str | None = None, *, status: int | None = None
    ) -> None:
        self.url = url
        text = message or (
            "The organization uses SAML single sign-on and this token has not been "
            "authorized for it. On GitHub open Settings > Developer settings > Personal "
            "access tokens, choose 'Configure SSO' and authorize the organization"
        )
        if url and not message:
            text += f" (GitHub gives this link: {url})"
        super().__init__(text + ("" if message else "."), status=status)


class IpAllowListRefused(CredentialsError):
    code = "ip_allow_list"
    default_message = (
        "The git host refused the call because of an IP allow list. Add this app's "
        "outgoing IP addresses to the organization's allow list."
    )


class HostUnreachable(CredentialsError):
    """No usable answer: DNS, refused connection, timeout, 5xx."""

    code = "host_unreachable"
    http_status = 502
    permanent = False
    default_message = "The git host could not be reached. Check the URL and try again later."


class HostNotFound(HostUnreachable):
    """DNS has no such host: a mistyped URL is the admin's to fix (4xx, not 502)."""

    code = "host_not_found"
    http_status = 422

    @classmethod
    def named(cls, host: str) -> HostNotFound:
        return cls(unresolved(host))


def no_answer_advice(what: str, seconds: float) -> str:
    """What to tell an admin whose host accepts connections (or swallows them) and never
    answers: the wording is the same for the API and for git."""
    return (
        f"{what} did not answer within {seconds:g} seconds. A firewall is most likely "
        "dropping or holding the connection: allow this app's outgoing IP addresses "
        "through it (or on the server's IP allow list), or, if the server cannot be opened "
        "to the app, connect it with webhook indexing instead, where the server sends its "
        "pushes to the app."
    )


class HostTimeout(HostUnreachable):
    """The host took the connection (or swallowed it) and did not answer in time."""

    code = "host_timeout"
    http_status = 504


class HostNotAllowed(HostUnreachable):
    """The SSRF guard refused the host (private/loopback address, wrong scheme)."""

    code = "host_not_allowed"
    http_status = 400
    permanent = True


class SelfSignedCertificate(CredentialsError):
    code = "tls_certificate"
    http_status = 502
    default_message = (
        "The git host's TLS certificate could not be verified (self-signed, or signed by "
        "a private CA). Fix the certificate, or, for a server you trust, turn off the "
        "ssl_verify setting of this integration."
    )


class RateLimited(CredentialsError):
    """The host's rate limit is used up until ``reset_at`` (raised by every method)."""

    code = "rate_limited"
    http_status = 429
    permanent = False

    def __init__(
        self, reset_at: datetime, message: str | None = None, *, status: int | None = None
    ) -> None:
        self.reset_at = reset_at if reset_at.tzinfo else reset_at.replace(tzinfo=UTC)
        super().__init__(
            message
            or "The git host's API rate limit is used up until "
            f"{self.reset_at:%Y-%m-%d %H:%M:%S} UTC; the work will continue then.",
            status=status,
        )

    @property
    def retry_after(self) -> float:
        """Seconds from now until ``reset_at`` (never negative)."""
        return max(0.0, (self.reset_at - datetime.now(UTC)).total_seconds())


# --- branch and pull request creation ---------------------------------------------------


class ActionError(GitHostError):
    """Creating a branch or pull request was refused for a reason the user can fix."""

    code = "action_refused"
    http_status = 409
    permanent = True


class NoWriteAccess(ActionError):
    code = "no_write_access"
    http_status = 403
    default_message = (
        "The credentials may not write to this repository. Ask for write access on the "
        "git host (or, with Require User PAT, use a token with write scope)."
    )


class BranchExists(ActionError):
    code = "branch_exists"
    default_message = "A branch with this name already exists in the repository."


class SourceBranchUnknown(ActionError):
    code = "source_branch_unknown"
    http_status = 422
    default_message = "The source branch does not exist in the repository."


class TargetBranchUnknown(ActionError):
    code = "target_branch_unknown"
    http_status = 422
    default_message = "The target branch does not exist in the repository."


class InvalidBranchName(ActionError):
    code = "invalid_branch_name"
    http_status = 422
    default_message = (
        "This is not a valid git branch name (no spaces, '..', '~', '^', ':', '?', '*', "
        "'[', '\\', and it may not start with '-' or end with '/', '.' or '.lock')."
    )


class PullRequestExists(ActionError):
    code = "pull_request_exists"
    default_message = "An open pull request from this source to this target already exists."


class NothingToMerge(ActionError):
    code = "nothing_to_merge"
    http_status = 422
    default_message = (
        "The source branch has no commits that the target branch lacks, so there is "
        "nothing to merge. Push commits to the source branch first."
    )
