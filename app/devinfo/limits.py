"""What Jira's Development Information API (devinfo 0.10) accepts, in one place.

Sources (both describe ``POST /rest/devinfo/0.10/bulk``):

* [swagger] the devinfo 0.10 swagger Atlassian ships to vendors, as kept in
  ``atlassian/github-for-jira:docs/jira-dev-info-0.10-swagger.yaml``;
* [current] developer.atlassian.com's Jira Software Cloud REST reference, group
  "Development Information" (through its generated mirror in ``MrRefactoring/jira.js``,
  ``src/agile/parameters/storeDevelopmentInformation.ts``), which raised some lengths
  (URLs to 2,000, branch names to 512) and says messages over 1,024 are truncated.

Where the two differ we keep the stricter value, so a body is valid under either,
except for issue keys per entity: the swagger's 100 was raised to 500, which Jira
enforces today (GitLab's error text "'issueKeys' can have a maximum of 500
elements", gitlab MR !256139; github-for-jira's ``ISSUE_KEY_API_LIMIT = 500``).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable

#: [swagger] DevInformation.repositories: "Maximum number of repositories is 100".
MAX_REPOSITORIES_PER_REQUEST = 100
#: [swagger] "Maximum number of entities across all repositories is 1000".
MAX_ENTITIES_PER_REQUEST = 1000
#: [swagger] Repository.commits/branches/pullRequests: "Maximum number ... is 400".
MAX_ENTITIES_PER_TYPE = 400
#: See the module docstring (swagger: 100; enforced today: 500).
MAX_ISSUE_KEYS = 500
#: [swagger] Commit.files: "Max number of files is 10".
MAX_FILES = 10
#: [swagger] DevInformation.properties: at most 5 pairs, keys and values <= 255,
#: keys not starting with "_" nor containing ":".
MAX_PROPERTY_LENGTH = 255

#: Field lengths ([swagger], the stricter where [current] allows more).
MAX_ID = 1024  # every entity and repository id
MAX_NAME = 255  # Repository.name, Author.name/email, Branch.name, hash, displayId
MAX_MESSAGE = 1024  # Commit.message
MAX_TITLE = 1024  # PullRequest.title, Repository.description
MAX_URL = 1024  # every url ([current]: 2000)
MAX_PATH = 1024  # File.path

#: [swagger] "Only alphanumeric characters, and '~.-_', are allowed" in ids.
ID_PATTERN = re.compile(r"^[A-Za-z0-9~.\-_]+$")

#: Entity kinds as Jira's delete endpoint names them, and their key in a repository.
KINDS = {"commit": "commits", "branch": "branches", "pull_request": "pullRequests"}


def clip(text: str | None, limit: int) -> str:
    """``text`` cut to ``limit`` characters, ending with an ellipsis when cut."""
    value = text or ""
    return value if len(value) <= limit else value[: limit - 1] + "…"


def url_or(url: str | None, fallback: str) -> str:
    """A URL Jira will take: ``url`` if short enough, else ``fallback`` (a cut URL would
    lead nowhere)."""
    return url if url and len(url) <= MAX_URL else fallback


def entity_id(name: str) -> str:
    """An id for a name that may hold characters Jira refuses (``feature/ABC-1``).

    Names that already fit are used as they are (readable in Jira's logs); others become
    ``~`` and a SHA-1 of the name, stable and unique, well under ``MAX_ID``. ``~`` never
    starts a name git accepts as a branch, so the two forms cannot collide.
    """
    if ID_PATTERN.match(name) and len(name) <= MAX_NAME:
        return name
    return "~" + hashlib.sha1(name.encode("utf-8")).hexdigest()


def issue_keys(keys: Iterable[str]) -> tuple[list[str], bool]:
    """Unique keys in order, capped at ``MAX_ISSUE_KEYS``; and whether any were dropped."""
    unique = list(dict.fromkeys(keys))
    return unique[:MAX_ISSUE_KEYS], len(unique) > MAX_ISSUE_KEYS
