"""What the CodeCommit provider needs from AWS besides the SDK calls: git passwords
signed with the access keys, and AWS errors as ``app.git_hosts.errors``.

**Git over HTTPS without a git user.** CodeCommit takes, instead of an IAM user's
HTTPS git credentials, a SigV4 signature of the repository's path made with the access
keys (what ``git-remote-codecommit`` does, studied here, not copied): the user name is
the access key id (``%<session token>`` appended for temporary keys) and the password
``<timestamp>Z<signature>``, where the signature is SigV4 over the canonical request
``GIT\\n<path>\\n\\nhost:<host>\\n\\nhost\\n`` (method ``GIT``, no query, the host as
the only signed header, an empty payload hash) for the service ``codecommit`` in the
repository's region. The signing-key derivation is SigV4's
(https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-create-signed-request.html).

**Errors.** AWS names the IAM action a key lacks in the message ("... is not
authorized to perform: codecommit:CreateBranch on resource: ..."), which the admin sees.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

from app.git_hosts import errors

SERVICE = "codecommit"
_ACTION = re.compile(r"not authorized to perform:? (?P<action>[a-z0-9-]+:[A-Za-z0-9]+)")


def _hmac(key: bytes, text: str) -> bytes:
    return hmac.new(key, text.encode("utf-8"), hashlib.sha256).digest()


def signing_key(secret: str, date: str, region: str, service: str) -> bytes:
    """SigV4: ``HMAC(HMAC(HMAC(HMAC("AWS4" + secret, date), region), service), "aws4_request")``."""
    key = _hmac(("AWS4" + secret).encode("utf-8"), date)
    return _hmac(_hmac(_hmac(key, region), service), "aws4_request")


def git_password(clone_url: str, region: str, secret: str, now: datetime | None = None) -> str:
    """The SigV4 password for git over HTTPS to ``clone_url`` (valid for a few minutes)."""
    parts = urlsplit(clone_url)
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%S")
    canonical = f"GIT\n{parts.path}\n\nhost:{parts.netloc}\n\nhost\n"
    scope = f"{stamp[:8]}/{region}/{SERVICE}/aws4_request"
    to_sign = "\n".join(("AWS4-HMAC-SHA256", stamp, scope,
                         hashlib.sha256(canonical.encode("utf-8")).hexdigest()))
    signature = hmac.new(signing_key(secret, stamp[:8], region, SERVICE),
                         to_sign.encode("utf-8"), hashlib.sha256).hexdigest()
    return f"{stamp}Z{signature}"


def translate(exc: Exception, *, write: bool = False) -> errors.GitHostError:
    """An SDK exception (``botocore``) as the ``errors`` class the app answers with."""
    from botocore import exceptions as aws

    if isinstance(exc, aws.ClientError):
        error = exc.response.get("Error") or {}
        code = str(error.get("Code") or "")
        message = str(error.get("Message") or code)
        status = int((exc.response.get("ResponseMetadata") or {}).get("HTTPStatusCode") or 400)
        return _client_error(code, message, status, write=write)
    if isinstance(exc, aws.SSLError):
        return errors.SelfSignedCertificate(
            errors.SelfSignedCertificate.default_message + f" ({exc})")
    if isinstance(exc, aws.EndpointConnectionError | aws.ConnectTimeoutError
                  | aws.ReadTimeoutError | aws.ConnectionClosedError):
        return errors.HostUnreachable(f"AWS could not be reached ({exc}). Try again later.")
    if isinstance(exc, aws.NoRegionError | aws.ParamValidationError):
        return errors.InvalidSetting(f"The AWS request was not valid: {exc}")
    return errors.HostError(f"AWS answered unexpectedly: {exc}")


def _client_error(code: str, message: str, status: int, *, write: bool
                  ) -> errors.GitHostError:
    if code in ("UnrecognizedClientException", "InvalidClientTokenId",
                "InvalidSignatureException", "SignatureDoesNotMatch", "IncompleteSignature",
                "InvalidAccessKeyId", "AuthFailure"):
        return errors.WrongToken(
            "AWS does not accept this access key: the key id or the secret access key is "
            f"wrong, or the key was deactivated or deleted. AWS said: {message}", status=401)
    if code in ("ExpiredTokenException", "ExpiredToken", "RequestExpired"):
        return errors.ExpiredToken(f"The AWS credentials have expired. AWS said: {message}",
                                   status=401)
    if code in ("ThrottlingException", "Throttling", "TooManyRequestsException",
                "RequestLimitExceeded"):
        return errors.RateLimited(datetime.now(UTC) + timedelta(seconds=60), status=429)
    if code in ("AccessDeniedException", "AccessDenied", "AuthorizationError"):
        match = _ACTION.search(message)
        action = match.group("action") if match else None
        needed = f"the IAM permission {action}" if action else "an IAM permission"
        text = (f"The access key lacks {needed}: add it to the IAM user's or role's policy. "
                f"AWS said: {message}")
        if write:
            return errors.NoWriteAccess(text, status=403)
        return errors.MissingScope(action or "codecommit", text, status=403)
    if code == "RepositoryDoesNotExistException":
        if write:
            return errors.NoWriteAccess(f"The repository is gone, or the key may not write "
                                        f"to it. AWS said: {message}", status=404)
        return errors.NotFound(status=404)
    return errors.HostError(f"AWS answered {code or status}: {message}", status=status)


__all__ = ["git_password", "signing_key", "translate"]
