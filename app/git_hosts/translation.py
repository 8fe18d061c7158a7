"""How a provider turns ``app.http`` errors into ``app.git_hosts.errors`` classes.

``translate_error`` handles what every host shares (rate limits, blocked or unreachable
hosts, TLS, 401/403/404/5xx); hosts override ``_unauthorized`` and ``_forbidden`` for
their own signals (GitHub's SSO header, GitLab's expired-token text, ...).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

from app.git_hosts import errors
from app.git_hosts.client import HostBlocked, HostRateLimited
from app.git_hosts.helpers import host_message
from app.http import (
    ApiDnsError,
    ApiError,
    ApiHostError,
    ApiRateLimited,
    ApiTimeout,
    ApiTlsError,
    HttpClient,
)


class ErrorTranslation:
    """Mixed into ``Provider``."""

    @contextmanager
    def _translated(self, *, write: bool = False) -> Iterator[None]:
        """Turn ``app.http`` errors raised inside the block into ``errors`` classes."""
        try:
            yield
        except errors.GitHostError:
            raise
        except ApiError as exc:
            raise self.translate_error(exc, write=write) from exc

    def translate_error(self, exc: ApiError, *, write: bool = False) -> errors.GitHostError:
        """The ``errors`` class for a transport or HTTP error from ``HostClient``."""
        status = exc.status
        if isinstance(exc, HostRateLimited):
            return errors.RateLimited(exc.reset_at, status=status)
        if isinstance(exc, ApiRateLimited) and status == 429:
            wait = exc.retry_after if exc.retry_after is not None else 60.0
            return errors.RateLimited(datetime.now(UTC) + timedelta(seconds=wait), status=status)
        if isinstance(exc, HostBlocked):
            return errors.HostNotAllowed(f"The git host was not contacted: {exc.message}")
        if isinstance(exc, ApiTlsError):
            return errors.SelfSignedCertificate(
                errors.SelfSignedCertificate.default_message + f" ({exc.message})"
            )
        if isinstance(exc, ApiTimeout):
            seconds = max(getattr(getattr(self, "client", None), "timeout", HttpClient.timeout))
            return errors.HostTimeout(errors.no_answer_advice(
                f"The git host ({exc.message})", seconds))
        if isinstance(exc, ApiDnsError):
            return errors.HostNotFound.named(exc.host)
        if isinstance(exc, ApiHostError):
            return errors.HostUnreachable(
                f"The git host could not be reached ({exc.message}). Check the URL, "
                "and that the server accepts connections from this app."
            )
        said = host_message(exc.payload) or exc.body[:200]
        if status == 401:
            return self._unauthorized(exc, said)
        if status == 403:
            if re.search(r"\bIP\b.*\b(allow ?list|whitelist|allowlist)", said, re.I):
                return errors.IpAllowListRefused(
                    errors.IpAllowListRefused.default_message + f" The host said: {said}",
                    status=status,
                )
            return self._forbidden(exc, said, write=write)
        if status == 404:
            if write:
                return errors.NoWriteAccess(
                    "The git host answered 'not found' to a write: either the repository is "
                    "gone, or the credentials may not write to it. "
                    + (f"The host said: {said}" if said else ""),
                    status=status,
                )
            return errors.NotFound(status=status)
        if status is not None and status >= 500:
            return errors.HostUnreachable(
                f"The git host answered {status}; it may be down or overloaded. Try again later.",
                status=status,
            )
        return errors.HostError(
            f"The git host answered {status}" + (f": {said}" if said else "."), status=status
        )

    def _unauthorized(self, exc: ApiError, said: str) -> errors.GitHostError:
        if "expired" in said.lower():
            return errors.ExpiredToken(
                errors.ExpiredToken.default_message + f" The host said: {said}", status=401
            )
        suffix = f" The host said: {said}" if said else ""
        return errors.WrongToken(errors.WrongToken.default_message + suffix, status=401)

    def _forbidden(self, exc: ApiError, said: str, *, write: bool) -> errors.GitHostError:
        suffix = f" The host said: {said}" if said else ""
        if write:
            return errors.NoWriteAccess(errors.NoWriteAccess.default_message + suffix, status=403)
        return errors.NoAccess(errors.NoAccess.default_message + suffix, status=403)
