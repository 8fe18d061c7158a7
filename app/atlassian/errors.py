"""Why Jira could not be called: shared by every platform and by background jobs."""

from __future__ import annotations

from collections.abc import Callable

from app.http import ApiError


class JiraUnavailable(ApiError):
    """The app has no way to call this tenant's Jira right now. A request answers 502
    (like any Jira failure); a background job parks its work (``app.atlassian.waits``)."""


class TokenUnavailable(JiraUnavailable):
    """A Forge installation has no unexpired app system token: Forge hands out a new one
    with its next invocation (at the latest the hourly scheduled trigger)."""

    def __init__(self, tenant_id: int, discard: Callable[[], None] | None = None) -> None:
        super().__init__("no valid Forge app system token for this installation yet")
        self.tenant_id = tenant_id
        #: For a token Jira refused: forgets it, so the next one Forge sends replaces it.
        self.discard = discard
