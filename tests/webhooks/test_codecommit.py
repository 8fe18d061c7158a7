"""AWS CodeCommit through Amazon SNS.  No published SNS vector is in the fixture set,
so each test signs messages exactly as SNS documents it, with a throwaway RSA key
and a self-signed certificate, and serves that certificate through a fake
``fetch_certificate``."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID

from tests.webhooks.conftest import SECRET
from webhooks.hosts import (
    CodeCommitReceiver,
    Incoming,
    MalformedDelivery,
    Push,
    SignatureInvalid,
    SubscriptionConfirmation,
    Trigger,
    identify,
)
from webhooks.hosts.codecommit import string_to_sign

REGION = "us-east-2"
TOPIC = f"arn:aws:sns:{REGION}:123456789012:codecommit-pushes"
CERT_URL = (f"https://sns.{REGION}.amazonaws.com/"
            "SimpleNotificationService-9c6465fa7f48f5cacd23014631ec1136.pem")
REPO_ARN = f"arn:aws:codecommit:{REGION}:123456789012:MyDemoRepo"


def _key_and_cert(not_after: timedelta = timedelta(days=1)) -> tuple[rsa.RSAPrivateKey, bytes]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "sns.amazonaws.com")])
    now = datetime.now(UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(days=1)).not_valid_after(now + not_after)
            .sign(key, hashes.SHA256()))
    return key, cert.public_bytes(serialization.Encoding.PEM)


KEY, CERT = _key_and_cert()


class Fetcher:
    """A fake ``fetch_certificate`` that records what it was asked for."""

    def __init__(self, pem: bytes = CERT) -> None:
        self.pem = pem
        self.urls: list[str] = []

    def __call__(self, url: str) -> bytes:
        self.urls.append(url)
        return self.pem


def trigger_message(*references: dict[str, Any], arn: str = REPO_ARN) -> str:
    """A CodeCommit trigger payload as the CodeCommit user guide shows it."""
    return json.dumps({"Records": [{
        "awsRegion": REGION, "codecommit": {"references": list(references)},
        "customData": None, "eventId": "5a824061-17ca-46a9-bbf9-114edeadbeef",
        "eventName": "ReferenceChanges", "eventPartNumber": 1, "eventSource": "aws:codecommit",
        "eventSourceARN": arn, "eventTime": "2016-02-09T00:08:11.743+0000",
        "eventTotalParts": 1, "eventTriggerConfigId": "0b3ad6ea-1d54-4d2a-a0cb-2f7ecdeadbeef",
        "eventTriggerName": "gitbridge", "eventVersion": "1.0",
        "userIdentityARN": "arn:aws:iam::123456789012:user/dev"}]})


def sns(kind: str = "Notification", message: str | None = None, version: str = "1",
        key: rsa.RSAPrivateKey = KEY, **overrides: Any) -> dict[str, Any]:
    """An SNS HTTP(S) delivery body, signed as SNS signs it."""
    body: dict[str, Any] = {
        "Type": kind, "MessageId": "22b80b92-fdea-4c2c-8f9d-bdfb0c7bf324", "TopicArn": TOPIC,
        "Message": message if message is not None else trigger_message(
            {"commit": "5c4ef1049f1d27deadbeeff313e0730018be182b", "ref": "refs/heads/main"}),
        "Timestamp": "2026-05-02T00:54:06.655Z", "SignatureVersion": version,
        "SigningCertURL": CERT_URL,
    }
    if kind == "Notification":
        body["Subject"] = "CodeCommit trigger"
        body["UnsubscribeURL"] = (f"https://sns.{REGION}.amazonaws.com/?Action=Unsubscribe"
                                  f"&SubscriptionArn={TOPIC}:c9135db0")
    else:
        body["Token"] = "2336412f37fb687f5d51e6e241d09c805a5a57b30d712f794cc5f6a988666d92768dd6"
        body["SubscribeURL"] = (f"https://sns.{REGION}.amazonaws.com/?Action=ConfirmSubscription"
                                f"&TopicArn={TOPIC}&Token=2336412f37fb")
        body["Message"] = f"You have chosen to subscribe to the topic {TOPIC}."
    body.update({k: v for k, v in overrides.items() if k != "Signature"})
    for name in [k for k, v in overrides.items() if v is None]:
        del body[name]
    algorithm: Callable[[], hashes.HashAlgorithm] = hashes.SHA1 if version == "1" else hashes.SHA256
    signature = key.sign(string_to_sign(body), padding.PKCS1v15(), algorithm())
    body["Signature"] = overrides.get("Signature") or base64.b64encode(signature).decode()
    return body


def deliver(body: dict[str, Any], secret: str | None = SECRET,
            kind: str | None = None) -> Incoming:
    headers = {"x-amz-sns-message-type": kind or body["Type"],
               "x-amz-sns-message-id": body.get("MessageId", ""),
               "x-amz-sns-topic-arn": body["TopicArn"],
               "Content-Type": "text/plain; charset=UTF-8",
               "User-Agent": "Amazon Simple Notification Service Agent"}
    return Incoming(headers=headers, body=json.dumps(body).encode(),
                    query={"secret": secret} if secret is not None else {})


@pytest.mark.parametrize("version", ["1", "2"])
def test_signed_notification(version: str) -> None:
    fetch = Fetcher()
    incoming = deliver(sns(version=version))
    assert identify(incoming) is CodeCommitReceiver
    receiver = CodeCommitReceiver(fetch_certificate=fetch)
    receiver.verify(incoming, ["old", SECRET])
    assert fetch.urls == [CERT_URL]
    assert receiver.event(incoming) == "Notification"
    assert receiver.delivery_id(incoming) == "22b80b92-fdea-4c2c-8f9d-bdfb0c7bf324"
    [push] = receiver.parse(incoming)
    assert isinstance(push, Push)
    assert (push.ref, push.after, push.before) == (
        "refs/heads/main", "5c4ef1049f1d27deadbeeff313e0730018be182b", None)
    assert push.commits == () and push.truncated and not push.deleted
    assert push.repository.name == "MyDemoRepo"
    assert push.repository.clone_urls == (
        f"https://git-codecommit.{REGION}.amazonaws.com/v1/repos/MyDemoRepo",
        f"ssh://git-codecommit.{REGION}.amazonaws.com/v1/repos/MyDemoRepo",
        f"codecommit::{REGION}://MyDemoRepo")


def test_notification_without_subject() -> None:
    CodeCommitReceiver(fetch_certificate=Fetcher()).verify(deliver(sns(Subject=None)), [SECRET])


@pytest.mark.parametrize("tamper", [
    lambda b: b.update(Message=b["Message"].replace("main", "evil")),
    lambda b: b.update(TopicArn=TOPIC + "x"),
    lambda b: b.update(Timestamp="2026-05-02T00:54:07.655Z"),
    lambda b: b.update(Subject="other"),
    lambda b: b.update(Signature=base64.b64encode(b"\0" * 256).decode()),
    lambda b: b.update(Signature="not base64!"),
    lambda b: b.update(SignatureVersion="3"),
    lambda b: b.pop("MessageId"),
])
def test_tampered_messages_fail(tamper: Callable[[dict[str, Any]], Any]) -> None:
    body = sns()
    tamper(body)
    with pytest.raises(SignatureInvalid):
        CodeCommitReceiver(fetch_certificate=Fetcher()).verify(deliver(body, kind="Notification"),
                                                               [SECRET])


@pytest.mark.parametrize("url", [
    "https://sns.us-east-2.amazonaws.com.evil.example/cert.pem",
    "https://evil.example/sns.us-east-2.amazonaws.com/cert.pem",
    "http://sns.us-east-2.amazonaws.com/cert.pem",
    "https://sns.us-east-2.amazonaws.com:8443/cert.pem",
    "https://user@sns.us-east-2.amazonaws.com/cert.pem",
    "https://sns.us-east-2.amazonaws.com/cert.txt",
    "https://sqs.us-east-2.amazonaws.com/cert.pem",
    "https://sns.eu-west-1.amazonaws.com/cert.pem",  # not the topic's region
])
def test_certificate_urls_off_sns_are_never_fetched(url: str) -> None:
    fetch = Fetcher()
    with pytest.raises(SignatureInvalid):
        CodeCommitReceiver(fetch_certificate=fetch).verify(deliver(sns(SigningCertURL=url)),
                                                           [SECRET])
    assert fetch.urls == []


def test_china_regions_are_sns_hosts_too() -> None:
    topic = "arn:aws-cn:sns:cn-north-1:123456789012:pushes"
    body = sns(TopicArn=topic, SigningCertURL="https://sns.cn-north-1.amazonaws.com.cn/c.pem",
               message=trigger_message({"commit": "a" * 40, "ref": "refs/heads/main"},
                                       arn="arn:aws-cn:codecommit:cn-north-1:123456789012:r"))
    receiver = CodeCommitReceiver(fetch_certificate=Fetcher())
    receiver.verify(deliver(body), [SECRET])
    [push] = receiver.parse(deliver(body))
    assert push.repository.clone_urls[0] == (
        "https://git-codecommit.cn-north-1.amazonaws.com.cn/v1/repos/r")


def test_the_app_secret_is_required_too() -> None:
    fetch = Fetcher()
    receiver = CodeCommitReceiver(fetch_certificate=fetch)
    for secret in (None, "", "wrong"):
        with pytest.raises(SignatureInvalid):
            receiver.verify(deliver(sns(), secret=secret), [SECRET])
    assert fetch.urls == []  # refused before any certificate is fetched


def test_fails_closed_without_a_certificate_fetcher() -> None:
    with pytest.raises(SignatureInvalid, match="fetch"):
        CodeCommitReceiver().verify(deliver(sns()), [SECRET])


def test_wrong_unusable_or_expired_certificates() -> None:
    _, other = _key_and_cert()
    for fetch in (Fetcher(other), Fetcher(b"not a certificate")):
        with pytest.raises(SignatureInvalid):
            CodeCommitReceiver(fetch_certificate=fetch).verify(deliver(sns()), [SECRET])

    def broken(url: str) -> bytes:
        raise OSError("connection refused")

    with pytest.raises(SignatureInvalid):
        CodeCommitReceiver(fetch_certificate=broken).verify(deliver(sns()), [SECRET])
    expired_key, expired = _key_and_cert(not_after=timedelta(days=-0.5))
    with pytest.raises(SignatureInvalid, match="not valid now"):
        CodeCommitReceiver(fetch_certificate=Fetcher(expired)).verify(
            deliver(sns(key=expired_key)), [SECRET])


def test_topic_allow_list_and_type_header() -> None:
    receiver = CodeCommitReceiver(fetch_certificate=Fetcher(), topic_arns=[TOPIC])
    receiver.verify(deliver(sns()), [SECRET])
    with pytest.raises(SignatureInvalid, match="topic"):
        CodeCommitReceiver(fetch_certificate=Fetcher(), topic_arns=["arn:aws:sns:x"]).verify(
            deliver(sns()), [SECRET])
    with pytest.raises(SignatureInvalid):
        receiver.verify(deliver(sns(), kind="SubscriptionConfirmation"), [SECRET])


def test_subscription_confirmation() -> None:
    body = sns("SubscriptionConfirmation", version="2")
    incoming = deliver(body)
    receiver = CodeCommitReceiver(fetch_certificate=Fetcher())
    receiver.verify(incoming, [SECRET])
    [confirm] = receiver.parse(incoming)
    assert confirm == SubscriptionConfirmation(subscribe_url=body["SubscribeURL"], topic_arn=TOPIC)
    forged = sns("SubscriptionConfirmation", SubscribeURL="https://evil.example/confirm")
    with pytest.raises(MalformedDelivery):
        receiver.parse(deliver(forged))
    with pytest.raises(SignatureInvalid):  # Token is signed
        receiver.verify(deliver(dict(body, Token="other")), [SECRET])
    unsubscribe = sns("UnsubscribeConfirmation")
    receiver.verify(deliver(unsubscribe), [SECRET])
    assert receiver.parse(deliver(unsubscribe)) == []


def test_trigger_references() -> None:
    message = trigger_message(
        {"commit": "a" * 40, "ref": "refs/heads/feature/PROJ-1", "created": True},
        {"commit": "b" * 40, "ref": "refs/tags/v2"},
        {"commit": "c" * 40, "ref": "refs/heads/old", "deleted": True},
        {"commit": "d" * 40, "ref": "refs/notes/commits"})
    new, tag, old = CodeCommitReceiver().parse(deliver(sns(message=message)))
    assert (new.ref, new.created, new.after, new.truncated) == (
        "refs/heads/feature/PROJ-1", True, "a" * 40, True)
    assert (tag.ref, tag.after) == ("refs/tags/v2", "b" * 40)
    assert (old.deleted, old.after, old.before, old.truncated) == (True, None, "c" * 40, False)
    [trigger] = CodeCommitReceiver().parse(deliver(sns(message=trigger_message())))
    assert isinstance(trigger, Trigger)


def test_eventbridge_shaped_notifications() -> None:
    event = {"version": "0", "detail-type": "CodeCommit Repository State Change",
             "source": "aws.codecommit", "account": "123456789012", "region": REGION,
             "resources": [REPO_ARN],
             "detail": {"event": "referenceUpdated", "repositoryName": "MyDemoRepo",
                        "referenceType": "branch", "referenceName": "main",
                        "referenceFullName": "refs/heads/main", "commitId": "e" * 40,
                        "oldCommitId": "f" * 40}}
    [push] = CodeCommitReceiver().parse(deliver(sns(message=json.dumps(event))))
    assert (push.ref, push.before, push.after, push.truncated) == (
        "refs/heads/main", "f" * 40, "e" * 40, True)
    event["detail"] = {"event": "pullRequestCreated", "repositoryNames": ["MyDemoRepo"]}
    [trigger] = CodeCommitReceiver().parse(deliver(sns(message=json.dumps(event))))
    assert isinstance(trigger, Trigger) and trigger.repository.name == "MyDemoRepo"


def test_other_messages() -> None:
    assert CodeCommitReceiver().parse(deliver(sns(message="Hello from the console"))) == []
    assert CodeCommitReceiver().parse(deliver(sns(message="[1, 2]"))) == []
    with pytest.raises(MalformedDelivery):
        CodeCommitReceiver().parse(deliver(sns(message=trigger_message(
            {"commit": "a" * 40, "ref": "refs/heads/x"}, arn="arn:aws:s3:::bucket"))))
    with pytest.raises(MalformedDelivery):
        CodeCommitReceiver(fetch_certificate=Fetcher()).verify(
            Incoming(headers={"x-amz-sns-message-type": "Notification"}, body=b"{",
                     query={"secret": SECRET}), [SECRET])
