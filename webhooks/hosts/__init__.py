"""Webhook receivers, one per git host family, and :func:`identify`, which picks the
one that sent a delivery.

Usage by the HTTP layer::

    incoming = Incoming(headers=request.headers, body=request.get_data(),
                        query=request.args)
    receiver_class = identify(incoming)          # None -> 400, unknown sender
    receiver = receiver_class()                  # CodeCommitReceiver(fetch_certificate=...)
    receiver.verify(incoming, secrets)           # SignatureInvalid -> 401
    event, delivery = receiver.event(incoming), receiver.delivery_id(incoming)
    ...store durably, answer 202...
    events = receiver.parse(incoming)            # MalformedDelivery -> 400
"""

from __future__ import annotations

from webhooks.hosts.azure_devops import AzureDevOpsReceiver
from webhooks.hosts.base import (
    Incoming,
    MalformedDelivery,
    Receiver,
    SignatureInvalid,
    WebhookError,
)
from webhooks.hosts.bitbucket_cloud import BitbucketCloudReceiver
from webhooks.hosts.bitbucket_server import BitbucketServerReceiver
from webhooks.hosts.codecommit import CodeCommitReceiver
from webhooks.hosts.events import (
    Event,
    Person,
    PullRequest,
    Push,
    PushedCommit,
    RefChange,
    RepositoryRef,
    Reviewer,
    SubscriptionConfirmation,
    Trigger,
)
from webhooks.hosts.generic import GenericReceiver
from webhooks.hosts.gerrit import GerritReceiver
from webhooks.hosts.github import GitHubReceiver
from webhooks.hosts.gitlab import GitLabReceiver

__all__ = [
    "RECEIVERS",
    "AzureDevOpsReceiver",
    "BitbucketCloudReceiver",
    "BitbucketServerReceiver",
    "CodeCommitReceiver",
    "Event",
    "GenericReceiver",
    "GerritReceiver",
    "GitHubReceiver",
    "GitLabReceiver",
    "Incoming",
    "MalformedDelivery",
    "Person",
    "PullRequest",
    "Push",
    "PushedCommit",
    "Receiver",
    "RefChange",
    "RepositoryRef",
    "Reviewer",
    "SignatureInvalid",
    "SubscriptionConfirmation",
    "Trigger",
    "WebhookError",
    "identify",
    "receiver_for",
]

#: In the order :func:`identify` asks them.  Hosts that name themselves in a header
#: come first (Bitbucket Cloud before Server: both send ``X-Event-Key``, Cloud also
#: its own headers), then hosts recognised by their body's shape, the generic
#: trigger last because its shape is the loosest.
RECEIVERS: tuple[type[Receiver], ...] = (
    GitHubReceiver,
    GitLabReceiver,
    BitbucketCloudReceiver,
    BitbucketServerReceiver,
    CodeCommitReceiver,
    AzureDevOpsReceiver,
    GerritReceiver,
    GenericReceiver,
)


def identify(incoming: Incoming) -> type[Receiver] | None:
    """The receiver class for the host that sent ``incoming``, or ``None``."""
    for receiver in RECEIVERS:
        if receiver.claims(incoming):
            return receiver
    return None


def receiver_for(host: str) -> type[Receiver]:
    """The receiver class for a stored delivery's ``host``; ``KeyError`` if none."""
    for receiver in RECEIVERS:
        if receiver.host == host:
            return receiver
    raise KeyError(host)
