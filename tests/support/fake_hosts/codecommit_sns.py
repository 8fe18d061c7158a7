"""The Amazon SNS half of the fake CodeCommit (``codecommit.py``): topics, HTTPS
subscriptions confirmed with the token SNS sends, and HTTP(S) deliveries signed as SNS
signs them (SignatureVersion 2: RSA SHA256 over the documented fields), with the
signing certificate at an ``sns.<region>.amazonaws.com`` URL the test serves to the app
(``certificate_url``/``certificate_pem``)."""

from __future__ import annotations

import base64
import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID
from werkzeug.wrappers import Response

from tests.support.fake_hosts.aws_protocol import (
    ACCOUNT,
    AwsRefusal,
    query_answer,
    query_error,
)
from tests.support.fake_hosts.state import Delivery, FakeRepo, Token

_SIGNED = {"Notification": ("Message", "MessageId", "Subject", "Timestamp", "TopicArn", "Type"),
           "SubscriptionConfirmation": ("Message", "MessageId", "SubscribeURL", "Timestamp",
                                        "Token", "TopicArn", "Type")}


@dataclass
class Subscription:
    arn: str
    topic: str
    endpoint: str
    token: str
    confirmed: bool = False
    delivered: bool = False


class FakeSns:
    region: str
    repos: dict[str, FakeRepo]
    deliveries: list[Delivery]

    def sns_init(self) -> None:
        self.topics: dict[str, str] = {}  # arn -> name
        self.subscriptions: list[Subscription] = []
        self._key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "sns.amazonaws.com")])
        stamp = datetime.now(UTC)
        self.certificate_pem = (
            x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(self._key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(stamp - timedelta(days=1)).not_valid_after(stamp + timedelta(days=1))
            .sign(self._key, hashes.SHA256()).public_bytes(serialization.Encoding.PEM))
        self.certificate_url = (f"https://sns.{self.region}.amazonaws.com/"
                                f"SimpleNotificationService-{uuid.uuid4().hex}.pem")

    def sns_error(self, refusal: AwsRefusal) -> Response:
        if refusal.code == "UnrecognizedClientException":
            refusal = AwsRefusal("InvalidClientTokenId", "The security token included in the "
                                 "request is invalid.", 403)
        if refusal.code == "AccessDeniedException":
            refusal = AwsRefusal("AuthorizationError", refusal.message, 403)
        return query_error(refusal)

    def sns_call(self, action: str, form: dict[str, str], token: Token) -> Response:
        if action != "ConfirmSubscription" and not token.admin:
            raise AwsRefusal("AccessDeniedException", f"User: arn:aws:iam::{ACCOUNT}:user/"
                             f"{token.login} is not authorized to perform: sns:{action} on "
                             "resource: *")
        if action == "CreateTopic":
            arn = f"arn:aws:sns:{self.region}:{ACCOUNT}:{form['Name']}"
            self.topics[arn] = form["Name"]
            return query_answer(action, {"TopicArn": arn})
        if action == "ListTopics":
            return query_answer(action, {"Topics": [{"TopicArn": a} for a in self.topics]})
        if action == "DeleteTopic":
            self.topics.pop(form["TopicArn"], None)
            self.subscriptions = [s for s in self.subscriptions if s.topic != form["TopicArn"]]
            return query_answer(action, None)
        if action == "Subscribe":
            return self._subscribe(form)
        if action == "ListSubscriptionsByTopic":
            # one per page, so callers must follow NextToken
            mine = [s for s in self.subscriptions if s.topic == form.get("TopicArn")]
            start = int(form.get("NextToken") or 0)
            more = start + 1 < len(mine)
            return query_answer(action, {"Subscriptions": [{
                "SubscriptionArn": s.arn if s.confirmed else "PendingConfirmation",
                "Owner": ACCOUNT, "Protocol": "https", "Endpoint": s.endpoint,
                "TopicArn": s.topic} for s in mine[start:start + 1]],
                **({"NextToken": str(start + 1)} if more else {})})
        if action == "Unsubscribe":
            if not any(s.arn == form.get("SubscriptionArn") for s in self.subscriptions):
                raise AwsRefusal("NotFound", "Subscription does not exist", 404)
            self.subscriptions = [s for s in self.subscriptions
                                  if s.arn != form.get("SubscriptionArn")]
            return query_answer(action, None)
        if action == "ConfirmSubscription":
            for sub in self.subscriptions:
                if sub.topic == form.get("TopicArn") and sub.token == form.get("Token"):
                    sub.confirmed = True
                    return query_answer(action, {"SubscriptionArn": sub.arn})
            raise AwsRefusal("InvalidParameter", "Invalid token", 400)
        raise AwsRefusal("InvalidAction", f"The action {action} is not valid for this "
                         "endpoint.", 400)

    def _subscribe(self, form: dict[str, str]) -> Response:
        topic = form.get("TopicArn", "")
        if topic not in self.topics:
            raise AwsRefusal("NotFound", "Topic does not exist", 404)
        if form.get("Protocol") != "https":
            raise AwsRefusal("InvalidParameter", "Invalid parameter: Protocol", 400)
        existing = next((s for s in self.subscriptions
                         if (s.topic, s.endpoint) == (topic, form.get("Endpoint"))), None)
        if existing is None:
            existing = Subscription(f"{topic}:{uuid.uuid4()}", topic, form["Endpoint"],
                                    uuid.uuid4().hex * 4)
            self.subscriptions.append(existing)
        pending = not existing.confirmed and form.get("ReturnSubscriptionArn") != "true"
        return query_answer("Subscribe", {
            "SubscriptionArn": "pending confirmation" if pending else existing.arn})

    # -- deliveries -------------------------------------------------------------------

    def _signed(self, message: dict[str, Any]) -> dict[str, Any]:
        message = {**message, "SignatureVersion": "2", "SigningCertURL": self.certificate_url,
                   "Timestamp": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")}
        lines: list[str] = []
        for name in _SIGNED[message["Type"]]:
            if name in message:
                lines += [name, message[name]]
        text = ("\n".join(lines) + "\n").encode()
        signature = self._key.sign(text, padding.PKCS1v15(), hashes.SHA256())
        return {**message, "Signature": base64.b64encode(signature).decode()}

    def _post(self, sub: Subscription, message: dict[str, Any], send: Any) -> Delivery:
        body = json.dumps(message).encode()
        headers = {"x-amz-sns-message-type": message["Type"],
                   "x-amz-sns-message-id": message["MessageId"],
                   "x-amz-sns-topic-arn": sub.topic, "x-amz-sns-subscription-arn": sub.arn,
                   "Content-Type": "text/plain; charset=UTF-8",
                   "User-Agent": "Amazon Simple Notification Service Agent"}
        delivery = Delivery(sub.endpoint, headers, body, message["Type"])
        delivery.status = send(sub.endpoint, headers, body)
        self.deliveries.append(delivery)
        return delivery

    def deliver_confirmations(self, send: Any) -> list[Delivery]:
        """SNS asks each new HTTPS endpoint to confirm its subscription."""
        out = []
        for sub in self.subscriptions:
            if sub.confirmed or sub.delivered:
                continue
            sub.delivered = True
            query = urlencode({"Action": "ConfirmSubscription", "TopicArn": sub.topic,
                               "Token": sub.token})
            out.append(self._post(sub, self._signed({
                "Type": "SubscriptionConfirmation", "MessageId": str(uuid.uuid4()),
                "Token": sub.token, "TopicArn": sub.topic,
                "Message": f"You have chosen to subscribe to the topic {sub.topic}.\nTo "
                           "confirm the subscription, visit the SubscribeURL included in "
                           "this message.",
                "SubscribeURL": f"https://sns.{self.region}.amazonaws.com/?{query}"}), send))
        return out

    def deliver_push(self, repo_name: str, ref: str, before: str, after: str, send: Any
                     ) -> list[Delivery]:
        """The repository's triggers publish the reference change to their topics, which
        deliver it to every confirmed subscription."""
        repo = self.repos[repo_name]
        record = {"awsRegion": self.region, "codecommit": {"references": [
            {"commit": after, "ref": ref, **({"created": True} if set(before) == {"0"}
                                             else {})}]},
            "customData": "", "eventId": str(uuid.uuid4()), "eventName": "ReferenceChanges",
            "eventPartNumber": 1, "eventSource": "aws:codecommit",
            "eventSourceARN": f"arn:aws:codecommit:{self.region}:{ACCOUNT}:{repo.name}",
            "eventTime": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.000+0000"),
            "eventTotalParts": 1, "eventTriggerConfigId": str(uuid.uuid4()),
            "eventTriggerName": "gitbridge", "eventVersion": "1.0",
            "userIdentityARN": f"arn:aws:iam::{ACCOUNT}:user/alice"}
        out = []
        for hook in repo.hooks:
            for sub in self.subscriptions:
                if sub.topic == hook.url and sub.confirmed:
                    out.append(self._post(sub, self._signed({
                        "Type": "Notification", "MessageId": str(uuid.uuid4()),
                        "TopicArn": sub.topic,
                        "Message": json.dumps({"Records": [record]})}), send))
        return out
