"""Checks of a host that a person waits on: the wizard's test of a clone URL or of a
host account, and a user's own token.

Why their own module: in the background a slow host may take its time (a fetch has an
hour), but an admin in the wizard gives up after a few seconds and then reads whatever
git said. So these checks run under ``HOST_CHECK_TIMEOUT`` (15 s unless configured), for
git's ``ls-remote`` and for each API call alike, and every failure is answered with the
admin's next step: a typo in the host name is theirs to fix (4xx, not 502), and a host
that takes the connection and never answers gets the advice that fits (firewall,
allow-list, webhook indexing) instead of git's wording.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from flask import current_app

from app import credentials
from app.errors import Problem
from app.git_hosts.errors import no_answer_advice
from app.indexing import errors as git_errors
from app.indexing.mirror import Mirror

#: How each probe failure is answered: (status, code); subclasses before their bases.
PROBE_ERRORS: dict[type[git_errors.GitError], tuple[int, str]] = {
    git_errors.AddressBlocked: (400, "address_blocked"),
    git_errors.InvalidRepositoryUrl: (400, "invalid_url"),
    git_errors.AuthenticationFailed: (422, "authentication_failed"),
    git_errors.NotARepository: (422, "not_a_repository"),
    git_errors.HostKeyMismatch: (422, "host_key_mismatch"),
    git_errors.CertificateError: (422, "certificate_error"),
    git_errors.RedirectRefused: (422, "redirect_refused"),
    git_errors.HostNotFound: (422, "host_not_found"),
    git_errors.HostUnreachable: (502, "host_unreachable"),
    git_errors.GitTimeout: (504, "host_timeout"),
}


def timeout() -> float:
    """Seconds a check may take (``GITBRIDGE_HOST_CHECK_TIMEOUT``, read by the factory)."""
    return float(current_app.config["HOST_CHECK_TIMEOUT"])


def _host(url: str) -> str:
    if "://" in url:
        return urlsplit(url).hostname or url
    return url.partition("@")[2].partition(":")[0] or url


def probe(url: str, auth_type: str, fields: dict[str, str], ssl_verify: bool) -> dict[str, Any]:
    """Check the repository can be read with these credentials, or raise a Problem."""
    creds = credentials.git_credentials(auth_type, fields, None, ssl_verify)
    scratch = Path(tempfile.mkdtemp(prefix="gitbridge-probe-"))
    seconds = timeout()
    mirror = Mirror(scratch / "probe.git", probe_timeout=seconds,
                    connect_timeout=max(1, min(20, int(seconds))))
    try:
        return mirror.probe(url, creds, allow_private=current_app.config["ALLOW_PRIVATE_HOSTS"])
    except git_errors.GitError as exc:
        status, code = next(
            (v for k, v in PROBE_ERRORS.items() if isinstance(exc, k)), (502, "git_error")
        )
        message = exc.message
        if isinstance(exc, git_errors.GitTimeout):
            message = no_answer_advice(f"The repository host {_host(url)}", seconds)
        raise Problem(status, code, message) from exc
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
