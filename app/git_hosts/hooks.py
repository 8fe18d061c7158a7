"""The webhooks (indexing triggers) a provider creates on the host for each repository.

Creation is idempotent: an existing hook on the repository with the same URL is
replaced, so a retried job never leaves two hooks (and double deliveries) behind.
Deleting one that is already gone is fine. Hosts whose triggers hang off one resource
per integration (CodeCommit's SNS topic) also override ``remove_webhooks``, called once
when the integration is disconnected.
"""

from __future__ import annotations

import logging
from abc import abstractmethod
from collections.abc import Iterator
from typing import TYPE_CHECKING, ClassVar

from app.git_hosts import errors
from app.git_hosts.records import HostRepository
from app.git_hosts.translation import ErrorTranslation
from app.http import ApiNotFound

log = logging.getLogger(__name__)


class Webhooks(ErrorTranslation):
    """Mixed into ``Provider``, whose ``_ensure_fresh`` it uses."""

    kind: ClassVar[str]
    webhook_name: ClassVar[str] = "Gitbridge for Jira"
    #: Said when creating a webhook is refused for lack of rights.
    webhook_permission_hint: ClassVar[str] = (
        "Creating webhooks needs admin rights on the repository."
    )


    if TYPE_CHECKING:  # provided by OAuthRefresh in Provider

        def _ensure_fresh(self) -> None: ...

    def create_webhook(self, repo: HostRepository, url: str, secret: str) -> str:
        """Create (or replace) our push + PR webhook on ``repo``; returns the host's id."""
        self._ensure_fresh()
        try:
            with self._translated(write=True):
                wanted = url.rstrip("/")
                for hook_id, hook_url in list(self._list_hooks(repo)):
                    if (hook_url or "").rstrip("/") == wanted:
                        self._delete_hook(repo, hook_id)
                return self._create_hook(repo, url, secret)
        except (errors.NoWriteAccess, errors.NoAccess) as exc:
            raise errors.NoWriteAccess(
                f"{self.webhook_permission_hint} ({exc.message})", status=exc.status
            ) from exc

    def delete_webhook(self, repo: HostRepository, hook_id: str) -> None:
        """Delete our webhook; one that is already gone (404) is fine."""
        self._ensure_fresh()
        with self._translated(write=True):
            try:
                self._delete_hook(repo, hook_id)
            except ApiNotFound:
                log.info("git_hosts.webhook_already_gone kind=%s repo=%s", self.kind, repo.name)

    def confirm_subscription(self, topic_arn: str, subscribe_url: str) -> bool:
        """Confirm a delivery subscription the host asks about through its API; ``False``
        where the host has no such thing (the caller then visits ``subscribe_url``)."""
        return False

    def remove_webhooks(self, url: str) -> None:
        """After the integration's repositories lost their hooks: remove what the app
        created once for the integration (nothing, on most hosts)."""

    @abstractmethod
    def _list_hooks(self, repo: HostRepository) -> Iterator[tuple[str, str]]:
        """``(hook id, url)`` of the repository's webhooks."""

    @abstractmethod
    def _create_hook(self, repo: HostRepository, url: str, secret: str) -> str: ...

    @abstractmethod
    def _delete_hook(self, repo: HostRepository, hook_id: str) -> None: ...
