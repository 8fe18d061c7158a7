"""What every webhook receiver shares: the request, the errors, the receiver contract,
and defensive readers for untrusted JSON (the secret checks: ``webhooks.hosts.secrets``).

Everything here is plain Python (no Flask, no database) so that receivers can be
tested with nothing but bytes, and so the HTTP layer decides what to do with the
result (store it, answer 202, ...).

Two rules hold throughout:

* A secret never appears in an exception message, a log line or a repr.  Errors
  say *what* was wrong ("signature does not match"), never with which value.
* Hostile input can only ever produce :class:`MalformedDelivery`.  The readers
  below (:func:`get_str`, :func:`get_dict`, ...) return ``None`` / empty values for
  wrong types instead of raising ``TypeError`` or ``KeyError``, and the public
  :meth:`Receiver.parse` turns any slip that still gets through into a 400, not a
  500.
"""

from __future__ import annotations

import json
import re
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, ClassVar

import msgspec

from webhooks.hosts.secrets import body_digest

if TYPE_CHECKING:
    from webhooks.hosts.events import Event

__all__ = [
    "Incoming",
    "MalformedDelivery",
    "Receiver",
    "SignatureInvalid",
    "WebhookError",
    "ZERO_SHA",
]

#: What hosts send as "before" for a new ref and "after" for a deleted one.
ZERO_SHA = "0" * 40

#: Longest string we treat as a timestamp; anything longer is not a date.
_MAX_TIME_TEXT = 64


# --------------------------------------------------------------------------- errors


class WebhookError(Exception):
    """A delivery we refuse.  ``status`` and ``code`` go straight into the HTTP answer
    (``{"error": {"code", "message"}}``); ``message`` is safe to show: it never
    contains a secret or a signature value."""

    status: ClassVar[int] = 400
    code: ClassVar[str] = "webhook_error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class SignatureInvalid(WebhookError):
    """Missing or wrong signature / token / password: the sender is not proven."""

    status = 401
    code = "bad_signature"


class MalformedDelivery(WebhookError):
    """The body is not what the host documents (bad JSON, missing required fields)."""

    status = 400
    code = "malformed"


# ------------------------------------------------------------------------- request


@dataclass(frozen=True)
class Incoming:
    """One HTTP delivery as the receivers see it: headers, raw body, query string.

    ``body`` must be the exact bytes received: signatures are computed over them,
    so never re-serialise JSON before verifying.  Header lookups through
    :meth:`header` are case-insensitive whatever mapping is passed in (a plain
    ``dict`` in tests, Werkzeug's ``Headers`` in the app).
    """

    headers: Mapping[str, str]
    body: bytes
    query: Mapping[str, str] = field(default_factory=dict)
    _lower: dict[str, str] = field(init=False, repr=False, compare=False)
    _json: list[Any] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        lower: dict[str, str] = {}
        for name, value in self.headers.items():
            if isinstance(name, str) and isinstance(value, str):
                lower.setdefault(name.lower(), value)
        object.__setattr__(self, "_lower", lower)
        object.__setattr__(self, "_json", [])

    def header(self, name: str) -> str | None:
        """The header's value (first one if repeated), or ``None``."""
        return self._lower.get(name.lower())

    def among(self, names: Mapping[str, str]) -> dict[str, str]:
        """The headers the request has of ``names`` (``{lower-case name: name}``), by
        the names given: one lookup each, where :meth:`header` lower-cases first."""
        lower = self._lower
        return {name: lower[low] for low, name in names.items() if low in lower}

    def has_header(self, name: str) -> bool:
        return name.lower() in self._lower

    def query_value(self, name: str) -> str | None:
        value = self.query.get(name)
        return value if isinstance(value, str) else None

    def json(self) -> Any:
        """The body decoded as strict UTF-8 JSON, parsed once and cached.

        Raises :class:`MalformedDelivery` for anything a host would never send:
        invalid UTF-8, invalid JSON, ``NaN``/``Infinity``, integers beyond Python's
        digit limit, or nesting deep enough to exhaust the recursion limit.
        """
        if not self._json:
            self._json.append(decode_json(self.body))
        return self._json[0]

    def json_object(self) -> dict[str, Any]:
        """:meth:`json`, required to be a JSON object."""
        data = self.json()
        if not isinstance(data, dict):
            raise MalformedDelivery("the body is not a JSON object")
        return data


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


#: The fast decoder (a fifth of the standard library's time on a push); it refuses
#: everything the standard library's strict reading below refuses, and a few inputs
#: that reading accepts (numbers that overflow to infinity, lone surrogate escapes),
#: so a body it refuses is decided by the standard library, and the result is the same.
_FAST = msgspec.json.Decoder()
_STRICT = json.JSONDecoder(parse_constant=_reject_constant)


def decode_json(raw: bytes | str) -> Any:
    """Strict JSON decoding that fails only with :class:`MalformedDelivery`."""
    try:
        return _FAST.decode(raw)
    except (msgspec.DecodeError, RecursionError):
        pass
    try:
        text = raw.decode("utf-8") if isinstance(raw, bytes | bytearray) else raw
        return _STRICT.decode(text)
    except UnicodeDecodeError:
        raise MalformedDelivery("the body is not UTF-8") from None
    except (ValueError, RecursionError):  # JSONDecodeError, int digit limit, depth
        raise MalformedDelivery("the body is not valid JSON") from None


# ------------------------------------------------------------------------ receiver


class Receiver(ABC):
    """One git host family.  The HTTP layer calls, in order: :meth:`claims` (via
    :func:`webhooks.hosts.identify`), :meth:`verify`, :meth:`event`,
    :meth:`delivery_id`, then stores the delivery, and later :meth:`parse`.

    Receivers are stateless apart from constructor options, so one instance may
    serve many deliveries and threads.
    """

    #: Stable host name stored with each delivery.
    host: ClassVar[str]

    @classmethod
    @abstractmethod
    def claims(cls, incoming: Incoming) -> bool:
        """True if the headers (or, for hosts that send none, the body's shape) say
        this host sent the delivery.  Must not raise and must not verify."""

    @abstractmethod
    def verify(self, incoming: Incoming, secrets: Sequence[str]) -> None:
        """Prove the sender knows one of ``secrets`` (several during rotation).
        Raises :class:`SignatureInvalid`; comparisons are constant-time."""

    @abstractmethod
    def event(self, incoming: Incoming) -> str:
        """The host's own name for the event (``push``, ``repo:refs_changed``...)."""

    #: Whether a body repeated byte for byte is a retry of one delivery, so that
    #: without an id from the host a digest of the body identifies it. Not so for
    #: the generic CI trigger: a CI job sends the same body every time.
    repeated_body_is_retry: ClassVar[bool] = True

    @abstractmethod
    def delivery_id(self, incoming: Incoming) -> str | None:
        """The host's id for this delivery, stable across its retries, if it has one."""

    def delivery_key(self, incoming: Incoming) -> str | None:
        """What two copies of one delivery share: the host's id, else (where a repeated
        body is a retry) a digest of the body; ``None`` if every request is new."""
        given = self.delivery_id(incoming)
        if given or not self.repeated_body_is_retry:
            return given
        return body_digest(incoming.body)

    def parse(self, incoming: Incoming) -> list[Event]:
        """Normalised events; ``[]`` for events the app does not use.

        Raises :class:`MalformedDelivery` for a body that is not what the host
        documents.  Any other exception a hostile body might still provoke is
        reported the same way: a sender must get a 400, never a 500.
        """
        try:
            return self._parse(incoming)
        except WebhookError:
            raise
        except (KeyError, IndexError, TypeError, AttributeError, ValueError,
                OverflowError, RecursionError) as exc:
            raise MalformedDelivery(
                f"unexpected payload shape ({type(exc).__name__})") from None

    @abstractmethod
    def _parse(self, incoming: Incoming) -> list[Event]:
        """The host-specific part of :meth:`parse`."""


# ------------------------------------------------------------ untrusted JSON readers


def get_dict(data: Any, *path: str) -> dict[str, Any]:
    """The object at ``path`` (``{}`` if anything on the way is not an object)."""
    current = data
    for key in path:
        if not isinstance(current, dict):
            return {}
        current = current.get(key)
    return current if isinstance(current, dict) else {}


def get_list(data: Any, key: str) -> list[Any]:
    value = data.get(key) if isinstance(data, dict) else None
    return value if isinstance(value, list) else []


def get_str(data: Any, key: str) -> str | None:
    """A string field; ``None`` if absent, empty or not a string."""
    value = data.get(key) if isinstance(data, dict) else None
    return value if isinstance(value, str) and value else None


def get_id(data: Any, key: str) -> str | None:
    """An identifier hosts send as a string or an integer (``"12"`` or ``12``)."""
    value = data.get(key) if isinstance(data, dict) else None
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return str(value) if -(10**18) < value < 10**18 else None
    if isinstance(value, str) and value.strip() and len(value) <= 256:
        return value.strip()
    return None


def get_bool(data: Any, key: str) -> bool:
    value = data.get(key) if isinstance(data, dict) else None
    return value is True


def str_items(values: Any) -> tuple[str, ...]:
    """The strings of a list (file paths...), anything else dropped."""
    if not isinstance(values, list):
        return ()
    return tuple(v for v in values if isinstance(v, str))


def require_str(data: Any, key: str, what: str) -> str:
    value = get_str(data, key)
    if value is None:
        raise MalformedDelivery(f"{what} is missing")
    return value


def require_id(data: Any, key: str, what: str) -> str:
    value = get_id(data, key)
    if value is None:
        raise MalformedDelivery(f"{what} is missing")
    return value


def sha_or_none(value: str | None) -> str | None:
    """A commit id, with git's all-zero "no object" turned into ``None``."""
    if not value or not value.strip("0"):
        return None
    return value


def parse_time(value: Any) -> datetime | None:
    """A timezone-aware datetime from what hosts send, or ``None``.

    Accepted: ISO 8601 (``Z``, ``+01:00``, ``+0100``, any fraction digits),
    GitLab's ``2015-05-17 18:08:09 UTC``, and Unix time as a number in seconds or
    (Bitbucket Server) milliseconds.  A time without a zone is taken as UTC.
    """
    if isinstance(value, bool):
        return None
    try:
        if isinstance(value, int | float):
            seconds = value / 1000 if abs(value) > 100_000_000_000 else value
            return datetime.fromtimestamp(seconds, tz=UTC)
        if isinstance(value, str) and 0 < len(value) <= _MAX_TIME_TEXT:
            text = value.strip()
            if text.endswith(" UTC"):
                text = text[:-4] + "+00:00"
            parsed = datetime.fromisoformat(text)
            return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    except (ValueError, OverflowError, OSError):
        return None
    return None


_NAME_EMAIL = re.compile(r"^\s*(?P<name>.*?)\s*<(?P<email>[^<>]*)>\s*$")


def split_name_email(raw: str) -> tuple[str, str | None]:
    """``"Jane Doe <jane@example.com>"`` as git writes it -> name and email."""
    match = _NAME_EMAIL.match(raw)
    if not match:
        return raw.strip(), None
    return match.group("name") or match.group("email"), match.group("email") or None
