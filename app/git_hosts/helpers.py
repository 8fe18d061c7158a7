"""Small pure functions every provider uses: time parsing, the host's error text,
branch-name and URL checks, page shapes."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from app.git_hosts import errors
from app.http import ApiError


def as_utc(value: datetime | None) -> datetime | None:
    """Aware UTC datetime; naive values (SQLite gives those) are taken as UTC."""
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


_FRACTION = re.compile(r"\.(\d{6})\d+")


def parse_time(value: Any) -> datetime | None:
    """ISO 8601 (``Z``, offsets, any fraction length) or epoch seconds/milliseconds."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return as_utc(value)
    if isinstance(value, int | float) and not isinstance(value, bool):
        seconds = value / 1000 if value > 10**11 else value
        return datetime.fromtimestamp(seconds, UTC)
    if not isinstance(value, str):
        return None
    text = value.strip()
    if text.isdigit():
        return parse_time(int(text))
    text = text.replace(" UTC", "+00:00")
    text = _FRACTION.sub(r".\1", text)
    try:
        return as_utc(datetime.fromisoformat(text.replace("Z", "+00:00")))
    except ValueError:
        return None


def host_message(payload: Any, limit: int = 300) -> str:
    """The host's own explanation from an error body, whatever its shape.

    GitHub ``{"message", "errors": [{"message"}]}``, GitLab ``{"message": str | list |
    dict}`` or ``{"error", "error_description"}``, Bitbucket Cloud ``{"type": "error",
    "error": {"message", "detail"}}``, Bitbucket Server ``{"errors": [{"message"}]}``.
    """
    parts: list[str] = []
    if isinstance(payload, dict):
        error = payload.get("error")
        if isinstance(error, dict):
            _collect(error.get("message"), parts)
            if isinstance(error.get("detail"), str):
                _collect(error["detail"], parts)
        elif isinstance(error, str):
            _collect(payload.get("error_description") or error, parts)
        _collect(payload.get("message"), parts)
        for item in payload.get("errors") or []:
            _collect(item.get("message") if isinstance(item, dict) else item, parts)
    else:
        _collect(payload, parts)
    return " ".join(dict.fromkeys(parts))[:limit]


def _collect(value: Any, parts: list[str]) -> None:
    """Append the readable text in ``value`` (str, list, or GitLab's field dict)."""
    if isinstance(value, str) and value.strip():
        parts.append(value.strip())
    elif isinstance(value, list):
        for item in value:
            _collect(item, parts)
    elif isinstance(value, dict):
        if "message" in value:
            _collect(value["message"], parts)
            return
        for key, item in value.items():
            if isinstance(item, list | str):
                items = item if isinstance(item, list) else [item]
                parts.append(f"{key}: {'; '.join(map(str, items))}")


_BAD_REF_CHARS = re.compile(r"[\x00-\x20\x7f~^:?*\[\\]")


def check_branch_name(name: str) -> None:
    """Raise ``InvalidBranchName`` unless ``name`` passes ``git check-ref-format --branch``."""
    problems = (
        not name,
        len(name) > 250,
        bool(_BAD_REF_CHARS.search(name)),
        name.startswith(("-", "/", ".")),
        name.endswith(("/", ".", ".lock")),
        ".." in name,
        "//" in name,
        "@{" in name,
        name == "@",
        any(part.startswith(".") or part.endswith(".lock") for part in name.split("/")),
    )
    if any(problems):
        raise errors.InvalidBranchName(
            f"'{name[:100]}' is not a valid branch name: "
            + errors.InvalidBranchName.default_message
        )


def strip_userinfo(url: str | None) -> str | None:
    """Clone URLs without ``user@`` (Bitbucket puts the lister's name in its https links)."""
    if not url:
        return url
    parts = urlsplit(url)
    if parts.scheme in ("http", "https") and "@" in parts.netloc:
        return urlunsplit(parts._replace(netloc=parts.netloc.rsplit("@", 1)[1]))
    return url


def page_items(page: Any) -> list[Any]:
    """The list of objects in a page: the body itself, or its ``values``/``items`` list."""
    if isinstance(page, list):
        return page
    if isinstance(page, dict):
        for key in ("values", "items", "repositories"):
            if isinstance(page.get(key), list):
                return list(page[key])
    raise errors.HostError(
        "The git host's repository listing did not answer with a list of repositories."
        " If a custom API path is set, check that it returns repositories."
    )


def normalize_root(url: str) -> str:
    parts = urlsplit(url.strip())
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise errors.InvalidSetting(
            f"The host URL {url!r} is not valid; enter the web address of the server, "
            "e.g. https://git.example.com."
        )
    if parts.username or parts.password:
        raise errors.InvalidSetting(
            "Do not put credentials in the host URL; enter them in the credentials fields."
        )
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), parts.path.rstrip("/"), "", ""))


def updated_before(updated_at: datetime | None, since: datetime | None) -> bool:
    """True when a newest-first listing has reached items older than ``since``."""
    return since is not None and updated_at is not None and updated_at < since


def api_error_text(exc: ApiError) -> str:
    """The host's message for ``exc``, lower-cased, for matching refusal reasons."""
    return (host_message(exc.payload, limit=2000) or exc.body).lower()
