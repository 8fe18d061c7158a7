"""AWS CodeCommit, whose repository triggers publish to an Amazon SNS topic that
is subscribed to the app's webhook URL.

Two locks must both open:

* the SNS signature: SNS signs every message with an RSA key whose certificate it
  serves from ``https://sns.<region>.amazonaws.com/...``.  The certificate is
  fetched through the injected ``fetch_certificate`` (the app's HTTP client, with
  its timeouts and cache); without one, nothing verifies;
* the app's own secret, carried in the subscription URL (``?secret=...``),
  because SNS cannot send custom headers.  The signature alone proves only that
  *some* SNS topic sent the message, and anyone can create a topic.

A trigger says which refs moved and to which commit, nothing more, so every push
arrives truncated and the app reads the commits from CodeCommit itself.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Callable, Collection, Sequence
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from webhooks.hosts.base import (
    Incoming,
    MalformedDelivery,
    Receiver,
    SignatureInvalid,
    decode_json,
    get_bool,
    get_dict,
    get_list,
    get_str,
    sha_or_none,
)
from webhooks.hosts.events import (
    Event,
    Push,
    RepositoryRef,
    SubscriptionConfirmation,
    Trigger,
    full_ref,
    is_history_ref,
    unique,
)
from webhooks.hosts.secrets import secret_matches

#: SNS's own hosts: ``sns.us-east-1.amazonaws.com``, ``sns.cn-north-1.amazonaws.com.cn``.
SNS_HOST = re.compile(r"^sns\.(?P<region>[a-z]{2}(?:-[a-z]+)+-\d+)\.amazonaws\.com(?:\.cn)?$")

#: Fields signed, in order, per message type.
SIGNED_FIELDS = {
    "Notification": ("Message", "MessageId", "Subject", "Timestamp", "TopicArn", "Type"),
    "SubscriptionConfirmation": ("Message", "MessageId", "SubscribeURL", "Timestamp",
                                 "Token", "TopicArn", "Type"),
    "UnsubscribeConfirmation": ("Message", "MessageId", "SubscribeURL", "Timestamp",
                                "Token", "TopicArn", "Type"),
}

HASHES: dict[str, Callable[[], hashes.HashAlgorithm]] = {
    "1": hashes.SHA1,
    "2": hashes.SHA256,
}

_ARN = re.compile(
    r"^arn:(?P<partition>aws(?:-cn|-us-gov)?):(?P<service>[a-z0-9-]+):"
    r"(?P<region>[a-z0-9-]+):(?P<account>\d{12}):(?P<resource>[A-Za-z0-9._-]+)$")

FetchCertificate = Callable[[str], bytes]


# https://docs.aws.amazon.com/sns/latest/dg/sns-verify-signature-of-message.html
# https://docs.aws.amazon.com/sns/latest/dg/sns-message-and-json-formats.html
# https://docs.aws.amazon.com/codecommit/latest/userguide/how-to-notify.html
class CodeCommitReceiver(Receiver):
    """``fetch_certificate(url) -> PEM bytes`` is called only with an https URL on an
    SNS host.  ``topic_arns``, if given, are the only topics accepted ("reject any
    message with an unexpected TopicArn")."""

    host = "aws_codecommit"

    def __init__(self, fetch_certificate: FetchCertificate | None = None,
                 topic_arns: Collection[str] | None = None,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self._fetch = fetch_certificate
        self._topics = frozenset(topic_arns) if topic_arns is not None else None
        self._clock = clock

    @classmethod
    def claims(cls, incoming: Incoming) -> bool:
        return bool(incoming.header("x-amz-sns-message-type"))

    def verify(self, incoming: Incoming, secrets: Sequence[str]) -> None:
        # The cheap check first: no certificate is fetched for a stranger.
        if not secret_matches(incoming.query_value("secret"), secrets):
            raise SignatureInvalid("the URL's secret is missing or does not match")
        message = incoming.json_object()
        kind = get_str(message, "Type") or ""
        if kind not in SIGNED_FIELDS or incoming.header("x-amz-sns-message-type") != kind:
            raise SignatureInvalid("unknown or inconsistent SNS message type")
        topic = get_str(message, "TopicArn") or ""
        if self._topics is not None and topic not in self._topics:
            raise SignatureInvalid("the message comes from an unexpected topic")
        algorithm = HASHES.get(get_str(message, "SignatureVersion") or "")
        if algorithm is None:
            raise SignatureInvalid("unsupported SignatureVersion")
        cert_url = get_str(message, "SigningCertURL") or ""
        region = sns_region(cert_url)
        if region is None or not cert_url.endswith(".pem"):
            raise SignatureInvalid("SigningCertURL is not an Amazon SNS certificate URL")
        if _arn_region(topic) != region:
            raise SignatureInvalid("the certificate's region is not the topic's region")
        try:
            signature = base64.b64decode(get_str(message, "Signature") or "", validate=True)
        except (binascii.Error, ValueError):
            raise SignatureInvalid("Signature is not base64") from None
        public_key = self._public_key(cert_url)
        try:
            public_key.verify(signature, string_to_sign(message), padding.PKCS1v15(),
                              algorithm())
        except InvalidSignature:
            raise SignatureInvalid("the SNS signature does not match") from None

    def _public_key(self, cert_url: str) -> rsa.RSAPublicKey:
        if self._fetch is None:
            raise SignatureInvalid("no way to fetch SNS certificates is configured")
        try:
            certificate = x509.load_pem_x509_certificate(self._fetch(cert_url))
        except Exception:  # network errors, HTTP errors, not a PEM certificate
            raise SignatureInvalid("the SNS signing certificate could not be loaded") from None
        now = self._clock()
        if not certificate.not_valid_before_utc <= now <= certificate.not_valid_after_utc:
            raise SignatureInvalid("the SNS signing certificate is not valid now")
        key = certificate.public_key()
        if not isinstance(key, rsa.RSAPublicKey):
            raise SignatureInvalid("the SNS signing certificate has no RSA key")
        return key

    def event(self, incoming: Incoming) -> str:
        return incoming.header("x-amz-sns-message-type") or ""

    def delivery_id(self, incoming: Incoming) -> str | None:
        header = incoming.header("x-amz-sns-message-id")
        if header:
            return header
        try:
            return get_str(incoming.json_object(), "MessageId")
        except MalformedDelivery:
            return None

    def _parse(self, incoming: Incoming) -> list[Event]:
        message = incoming.json_object()
        kind = get_str(message, "Type")
        if kind == "SubscriptionConfirmation":
            return [_confirmation(message)]
        if kind != "Notification":
            return []  # UnsubscribeConfirmation: nothing to do
        text = get_str(message, "Message")
        if text is None:
            raise MalformedDelivery("Message is missing")
        try:
            inner = decode_json(text)
        except MalformedDelivery:
            return []  # "Publish message" test text from the console
        if not isinstance(inner, dict):
            return []
        if "Records" in inner:
            return _trigger_records(inner)
        if get_str(inner, "source") == "aws.codecommit":
            return _eventbridge(inner)
        return []


def sns_region(url: str) -> str | None:
    """The region of an https URL on an SNS host (default port, no user info)."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    if parts.scheme != "https" or port not in (None, 443) or "@" in parts.netloc:
        return None
    match = SNS_HOST.match(parts.hostname or "")
    return match.group("region") if match else None


def string_to_sign(message: dict[str, Any]) -> bytes:
    """``Key\\nValue\\n`` for each signed field present, in the documented order."""
    kind = get_str(message, "Type") or ""
    lines: list[str] = []
    for name in SIGNED_FIELDS.get(kind, ()):
        value = message.get(name)
        if name == "Subject" and value is None:
            continue  # signed only when present
        if not isinstance(value, str):
            raise SignatureInvalid(f"{name} is missing")
        lines += [name, value]
    return ("\n".join(lines) + "\n").encode("utf-8")


def _arn_region(arn: str) -> str | None:
    match = _ARN.match(arn)
    return match.group("region") if match else None


def _confirmation(message: dict[str, Any]) -> SubscriptionConfirmation:
    """The app will GET ``SubscribeURL``: it must be on the SNS host of the topic's
    region, or a forged body could make the app call anywhere."""
    url = get_str(message, "SubscribeURL")
    topic = get_str(message, "TopicArn")
    if not url or not topic:
        raise MalformedDelivery("SubscribeURL or TopicArn is missing")
    if sns_region(url) is None or sns_region(url) != _arn_region(topic):
        raise MalformedDelivery("SubscribeURL is not on the topic's SNS host")
    return SubscriptionConfirmation(subscribe_url=url, topic_arn=topic)


def repository_ref(arn: str | None, name: str | None = None) -> RepositoryRef:
    """``arn:aws:codecommit:<region>:<account>:<repo>`` -> the repository's https,
    ssh and git-remote-codecommit URLs."""
    match = _ARN.match(arn or "")
    if not match or match.group("service") != "codecommit":
        raise MalformedDelivery("not a CodeCommit repository ARN")
    region, repo = match.group("region"), name or match.group("resource")
    suffix = ".amazonaws.com.cn" if match.group("partition") == "aws-cn" else ".amazonaws.com"
    host = f"git-codecommit.{region}{suffix}"
    return RepositoryRef(
        name=repo, full_name=repo,
        clone_urls=unique(f"https://{host}/v1/repos/{repo}", f"ssh://{host}/v1/repos/{repo}",
                          f"codecommit::{region}://{repo}"),
        web_url=(f"https://{region}.console.aws.amazon.com/codesuite/codecommit/"
                 f"repositories/{repo}/browse?region={region}"),
        default_branch=None)


def _reference_push(repository: RepositoryRef, ref: str, commit: str | None,
                    created: bool, deleted: bool, old: str | None = None) -> Push:
    return Push(repository=repository, ref=ref,
                before=commit if deleted else old, after=None if deleted else commit,
                created=created, deleted=deleted, commits=(), total_commits=None,
                truncated=not deleted, pusher=None)


def _trigger_records(inner: dict[str, Any]) -> list[Event]:
    """Repository trigger: ``Records[].codecommit.references[]`` with ``ref``,
    ``commit`` and optional ``created``/``deleted`` flags."""
    events: list[Event] = []
    for record in get_list(inner, "Records"):
        if get_str(record, "eventSource") != "aws:codecommit":
            continue
        repository = repository_ref(get_str(record, "eventSourceARN"))
        references = get_list(get_dict(record, "codecommit"), "references")
        for reference in references:
            ref = get_str(reference, "ref")
            if not ref or not is_history_ref(ref):
                continue
            events.append(_reference_push(
                repository, ref, sha_or_none(get_str(reference, "commit")),
                created=get_bool(reference, "created"),
                deleted=get_bool(reference, "deleted")))
        if not references:
            events.append(Trigger(repository=repository))
    return events


def _eventbridge(inner: dict[str, Any]) -> list[Event]:
    """Notification rules deliver the EventBridge event instead: reference events
    become pushes, pull request events a re-index trigger."""
    detail = get_dict(inner, "detail")
    resources = [r for r in get_list(inner, "resources") if isinstance(r, str)]
    repository = repository_ref(resources[0] if resources else None,
                                get_str(detail, "repositoryName"))
    kind = get_str(detail, "event") or ""
    if kind in ("referenceCreated", "referenceUpdated", "referenceDeleted"):
        ref = get_str(detail, "referenceFullName") or full_ref(
            get_str(detail, "referenceName") or "",
            "tag" if get_str(detail, "referenceType") == "tag" else "branch")
        if not is_history_ref(ref):
            return []
        deleted = kind == "referenceDeleted"
        commit = sha_or_none(get_str(detail, "oldCommitId" if deleted else "commitId"))
        return [_reference_push(repository, ref, commit, created=kind == "referenceCreated",
                                deleted=deleted,
                                old=sha_or_none(get_str(detail, "oldCommitId")))]
    return [Trigger(repository=repository)]
