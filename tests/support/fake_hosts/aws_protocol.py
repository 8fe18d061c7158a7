"""What the fake AWS services share: SigV4 verification of requests (and of CodeCommit
git passwords), and the two wire protocols: JSON 1.1 (CodeCommit: ``X-Amz-Target``,
``{"__type", "message"}`` errors) and Query (SNS: form bodies, XML answers).

Written from the SigV4 and protocol documentation, independently of the SDK the app
uses, so a signature the app gets wrong is refused here.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote
from xml.sax.saxutils import escape

from werkzeug.wrappers import Request, Response

ACCOUNT = "123456789012"
_AUTH = re.compile(r"^AWS4-HMAC-SHA256 Credential=(?P<key>[^/]+)/(?P<date>\d{8})/(?P<region>"
                   r"[a-z0-9-]+)/(?P<service>[a-z0-9-]+)/aws4_request, ?SignedHeaders=(?P<signed>"
                   r"[a-z0-9;-]+), ?Signature=(?P<signature>[0-9a-f]{64})$")


class AwsRefusal(Exception):
    def __init__(self, code: str, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.code, self.message, self.status = code, message, status


def _hmac(key: bytes, text: str) -> bytes:
    return hmac.new(key, text.encode(), hashlib.sha256).digest()


def signing_key(secret: str, date: str, region: str, service: str) -> bytes:
    key = _hmac(_hmac(_hmac(("AWS4" + secret).encode(), date), region), service)
    return _hmac(key, "aws4_request")


def verify_request(request: Request, body: bytes, secrets: dict[str, str], service: str,
                   region: str) -> str:
    """The access key id that signed ``request``, or ``AwsRefusal`` as AWS answers."""
    match = _AUTH.match(request.headers.get("Authorization", ""))
    if not match:
        raise AwsRefusal("MissingAuthenticationTokenException", "Missing Authentication Token")
    key = match["key"]
    if key not in secrets:
        raise AwsRefusal("UnrecognizedClientException",
                         "The security token included in the request is invalid.")
    if (match["service"], match["region"]) != (service, region):
        raise AwsRefusal("InvalidSignatureException", "Credential should be scoped to a "
                         f"valid region and service ({region}/{service}).")
    stamp = request.headers.get("X-Amz-Date", "")
    signed = match["signed"].split(";")
    headers = "".join(f"{name}:{' '.join(request.headers.get(name, '').split())}\n"
                      for name in signed)
    query = "&".join(f"{quote(k, safe='-_.~')}={quote(v, safe='-_.~')}"
                     for k, v in sorted(request.args.items(multi=True)))
    payload = request.headers.get("X-Amz-Content-SHA256") or hashlib.sha256(body).hexdigest()
    canonical = "\n".join((request.method, quote(request.path, safe="/-_.~"), query, headers,
                           match["signed"], payload))
    scope = f"{match['date']}/{region}/{service}/aws4_request"
    to_sign = "\n".join(("AWS4-HMAC-SHA256", stamp, scope,
                         hashlib.sha256(canonical.encode()).hexdigest()))
    expected = hmac.new(signing_key(secrets[key], match["date"], region, service),
                        to_sign.encode(), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, match["signature"]):
        raise AwsRefusal("InvalidSignatureException", "The request signature we calculated "
                         "does not match the signature you provided. Check your AWS Secret "
                         "Access Key and signing method.")
    return key


def verify_git_password(host: str, path: str, key: str, password: str, secret: str,
                        region: str) -> bool:
    """CodeCommit's git password ``<stamp>Z<SigV4 of "GIT <path>" for host>``, fresh."""
    stamp, _, signature = password.partition("Z")
    try:
        when = datetime.strptime(stamp, "%Y%m%dT%H%M%S").replace(tzinfo=UTC)
    except ValueError:
        return False
    if abs(datetime.now(UTC) - when) > timedelta(minutes=15):
        return False
    canonical = f"GIT\n{path}\n\nhost:{host}\n\nhost\n"
    to_sign = "\n".join(("AWS4-HMAC-SHA256", stamp, f"{stamp[:8]}/{region}/codecommit/"
                         "aws4_request", hashlib.sha256(canonical.encode()).hexdigest()))
    expected = hmac.new(signing_key(secret, stamp[:8], region, "codecommit"),
                        to_sign.encode(), hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, signature)


# --- JSON 1.1 (CodeCommit) ------------------------------------------------------------


def json_answer(body: Any) -> Response:
    return Response(json.dumps(body, default=_epoch), 200,
                    mimetype="application/x-amz-json-1.1",
                    headers={"x-amzn-RequestId": str(uuid.uuid4())})


def json_error(refusal: AwsRefusal) -> Response:
    return Response(json.dumps({"__type": refusal.code, "message": refusal.message}),
                    refusal.status, mimetype="application/x-amz-json-1.1",
                    headers={"x-amzn-RequestId": str(uuid.uuid4()),
                             "x-amzn-ErrorType": refusal.code})


def _epoch(value: Any) -> float:
    if isinstance(value, datetime):
        return value.timestamp()
    raise TypeError(value)


# --- Query (SNS) ----------------------------------------------------------------------


def _xml(value: Any) -> str:
    if isinstance(value, dict):
        return "".join(f"<{k}>{_xml(v)}</{k}>" for k, v in value.items() if v is not None)
    if isinstance(value, list):
        return "".join(f"<member>{_xml(v)}</member>" for v in value)
    return escape(str(value))


def query_answer(action: str, result: dict[str, Any] | None) -> Response:
    inner = f"<{action}Result>{_xml(result)}</{action}Result>" if result is not None else ""
    body = (f'<{action}Response xmlns="http://sns.amazonaws.com/doc/2010-03-31/">{inner}'
            f"<ResponseMetadata><RequestId>{uuid.uuid4()}</RequestId></ResponseMetadata>"
            f"</{action}Response>")
    return Response(body, 200, mimetype="text/xml")


def query_error(refusal: AwsRefusal) -> Response:
    kind = "Sender" if refusal.status < 500 else "Receiver"
    body = (f'<ErrorResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><Error><Type>'
            f"{kind}</Type><Code>{refusal.code}</Code><Message>{escape(refusal.message)}"
            f"</Message></Error><RequestId>{uuid.uuid4()}</RequestId></ErrorResponse>")
    return Response(body, refusal.status, mimetype="text/xml")
