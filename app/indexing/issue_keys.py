"""Finding Jira issue keys (``ABC-123``) in commit messages and branch names.

A key is a project key -- an upper-case letter followed by one or more
upper-case letters, digits or underscores -- a hyphen and an issue number
(no leading zero: Jira numbers start at 1).  Like Jira we only accept a key
that stands on its own: it must not be glued to letters, digits or an
underscore on either side, so ``xABC-12`` and ``ABC-12x`` are not keys while
``XABC-12``, ``(ABC-12)``, ``ABC-12:`` and ``browse/ABC-12`` are.  The
boundary test is ASCII-only on purpose: messages in scripts without spaces
(``修复ABC-12``) still link.

Messages: only upper-case keys count, because prose is full of lower-case
``word-12`` tokens.  Branch names are conventionally lower-case
(``feature/abc-12-login``), so there a key may be in any case; ``/``, ``-``,
``_`` and ``.`` separate it.  An upper-case key with underscores in a branch
(``MY_PROJ-7``) is kept whole.

The result can include tokens such as ``UTF-8`` that merely look like keys;
the caller filters against the site's real project keys.
"""

from __future__ import annotations

import re

__all__ = ["extract_branch_keys", "extract_keys"]

_MESSAGE_KEY = re.compile(r"(?<![A-Za-z0-9_])[A-Z][A-Z0-9_]+-[1-9][0-9]*(?![A-Za-z0-9_])")
_BRANCH_KEY = re.compile(r"(?<![A-Za-z0-9])[A-Za-z][A-Za-z0-9]+-[1-9][0-9]*(?![A-Za-z0-9])")


def extract_keys(text: str) -> tuple[str, ...]:
    """Upper-case issue keys in ``text``, in order of first appearance, unique."""
    if not text or "-" not in text:
        return ()
    return tuple(dict.fromkeys(_MESSAGE_KEY.findall(text)))


def extract_branch_keys(name: str) -> tuple[str, ...]:
    """Issue keys in a branch name, any case, returned upper-case and unique."""
    if not name or "-" not in name:
        return ()
    found: list[tuple[int, str]] = []
    spans: list[tuple[int, int]] = []
    for match in _MESSAGE_KEY.finditer(name):
        found.append((match.start(), match.group()))
        spans.append(match.span())
    for match in _BRANCH_KEY.finditer(name):
        start, end = match.span()
        if any(start < s_end and s_start < end for s_start, s_end in spans):
            continue
        found.append((start, match.group().upper()))
    found.sort()
    return tuple(dict.fromkeys(key for _, key in found))
