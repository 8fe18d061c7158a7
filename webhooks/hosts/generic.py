"""The generic trigger for CI systems and scripts: ``POST {"origin": "<clone url>"}``.

It says only "this repository changed, look at it", so it becomes a
:class:`~webhooks.hosts.events.Trigger`.  Two ways to authenticate, whichever the
sender can do: ``Authorization: Bearer <secret>``, or GitHub's
``X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the body>``.  A GitHub delivery
always has ``X-GitHub-Event`` and is claimed by the GitHub receiver first, so a
signed trigger cannot be mistaken for one (and a trigger has no such header).
"""

from __future__ import annotations

from collections.abc import Sequence

from webhooks.hosts.base import Incoming, MalformedDelivery, Receiver, SignatureInvalid, get_str
from webhooks.hosts.events import Event, RepositoryRef, Trigger
from webhooks.hosts.secrets import bearer_token, hub_signature_matches, secret_matches

#: Longer than any real clone URL; refusing more keeps junk out of storage and logs.
MAX_ORIGIN_LENGTH = 2048


# Gitbridge's own contract (no provider docs): ../shared/CONTRACT.md, "Webhooks".
class GenericReceiver(Receiver):
    """Tried last: it claims any JSON object with a string ``origin`` that no host
    receiver claimed."""

    host = "generic"
    #: A CI job sends the same body for every build: two identical triggers are two
    #: requests to look again (coalesced by the index queue, never dropped).
    repeated_body_is_retry = False

    @classmethod
    def claims(cls, incoming: Incoming) -> bool:
        if incoming.header("X-GitHub-Event") or b'"origin"' not in incoming.body:
            return False
        try:
            payload = incoming.json()
        except MalformedDelivery:
            return False
        return isinstance(payload, dict) and isinstance(payload.get("origin"), str)

    def verify(self, incoming: Incoming, secrets: Sequence[str]) -> None:
        token = bearer_token(incoming.header("Authorization"))
        if token is not None and secret_matches(token, secrets):
            return
        signature = incoming.header("X-Hub-Signature-256")
        if signature is not None and hub_signature_matches(
                signature, incoming.body, secrets, "sha256"):
            return
        raise SignatureInvalid("Bearer token or X-Hub-Signature-256 is missing or wrong")

    def event(self, incoming: Incoming) -> str:
        return "trigger"

    def delivery_id(self, incoming: Incoming) -> str | None:
        """Only an id the sender gives (its retries repeat it)."""
        return incoming.header("Idempotency-Key") or incoming.header("X-Request-Id") or None

    def _parse(self, incoming: Incoming) -> list[Event]:
        origin = get_str(incoming.json_object(), "origin")
        if origin is None:
            raise MalformedDelivery("origin is missing")
        origin = origin.strip()
        if (not origin or len(origin) > MAX_ORIGIN_LENGTH
                or any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 for ch in origin)):
            raise MalformedDelivery("origin is not a clone URL")
        path = origin.rstrip("/").rsplit("/", 1)[-1].rsplit(":", 1)[-1]
        name = path[:-4] if path.endswith(".git") else path
        return [Trigger(repository=RepositoryRef(
            name=name or origin, full_name=None, clone_urls=(origin,), web_url=None,
            default_branch=None))]
