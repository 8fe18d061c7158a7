"""Branch names from the admin's template: ``${issuekey}-${summary}`` by default.

The issue key is kept whole (it is what links the branch to the issue); the rest is
reduced to characters every git host accepts (accents folded), and the name is capped
in length by cutting the summary, never the key.
"""

from __future__ import annotations

import re
import unicodedata

DEFAULT_TEMPLATE = "${issuekey}-${summary}"
MAX_LENGTH = 100
_UNSAFE = re.compile(r"[^A-Za-z0-9._/-]+")


def _clean(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"-{2,}", "-", _UNSAFE.sub("-", folded))


def suggest(template: str | None, issue_key: str, summary: str) -> str:
    slug = _clean(summary.strip()).strip("-./").lower()
    parts = [_clean(part.replace("${summary}", slug))
             for part in (template or DEFAULT_TEMPLATE).split("${issuekey}")]
    name = re.sub(r"-{2,}", "-", issue_key.join(parts)).strip("-./")
    while len(name) > MAX_LENGTH and slug:
        slug = slug[: max(0, len(slug) - (len(name) - MAX_LENGTH))].rstrip("-./")
        parts = [_clean(part.replace("${summary}", slug))
                 for part in (template or DEFAULT_TEMPLATE).split("${issuekey}")]
        name = re.sub(r"-{2,}", "-", issue_key.join(parts)).strip("-./")
    return name[:MAX_LENGTH] or issue_key
