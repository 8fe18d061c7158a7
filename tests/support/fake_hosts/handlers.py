"""Helpers the fake hosts' route handlers share: page sizes and next-page links, the
repository a path names, and branches, pull requests and webhooks created through the
API (each remembering the token that created it)."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any, ClassVar
from urllib.parse import urlencode

from tests.support.fake_hosts.state import (
    ZERO_SHA,
    Call,
    CreatedBranch,
    FakeRepo,
    Hook,
    HostAnswer,
    Pull,
    Token,
    now,
)


class HandlerHelpers:
    """Mixed into ``FakeHost``, whose lock, repositories and knobs it uses."""

    max_page_size: ClassVar[int]
    default_page_size: ClassVar[int]
    page_size_cap: int | None
    url: str
    lock: threading.RLock
    repos: dict[str, FakeRepo]

    if TYPE_CHECKING:  # provided by FakeHost

        def not_found(self, what: str = "") -> HostAnswer: ...

    def page_size(self, call: Call, name: str) -> int:
        size = call.int_arg(name, self.default_page_size)
        size = max(1, min(size, self.max_page_size))
        if self.page_size_cap:
            size = min(size, self.page_size_cap)
        return size

    def next_url(self, call: Call, **updates: Any) -> str:
        query = {k: v for k, v in call.query.items()}
        for key, value in updates.items():
            query[key] = [str(value)]
        return f"{self.url}{call.path}?{urlencode(query, doseq=True)}"

    def repo_or_404(self, name: str) -> FakeRepo:
        with self.lock:
            repo = self.repos.get(name)
        if repo is None:
            raise self.not_found(name)
        return repo

    def visible_repos(self, token: Token | None) -> list[FakeRepo]:
        with self.lock:
            return sorted(self.repos.values(), key=lambda r: r.name.lower())

    def create_branch_in_git(self, repo: FakeRepo, name: str, sha: str, token: Token) -> None:
        """``git update-ref`` in the bare repository, remembering who asked."""
        repo.git("update-ref", f"refs/heads/{name}", sha, ZERO_SHA)
        with self.lock:
            repo.created_branches.append(CreatedBranch(name, sha, token.value, token.login))

    def new_pull(self, repo: FakeRepo, token: Token, *, source: str, target: str, title: str,
                 description: str | None, draft: bool = False) -> Pull:
        stamp = now()
        with self.lock:
            pull = Pull(
                number=len(repo.pulls) + 1, title=title, description=description,
                state="draft" if draft else "open", source=source, target=target,
                author=token.user, created_at=stamp, updated_at=stamp, created_with=token.value,
            )
            repo.pulls.append(pull)
        return pull

    def new_hook(self, repo: FakeRepo, token: Token, url: str, secret: str | None,
                 events: list[str], hook_id: str | None = None) -> Hook:
        hook = Hook(hook_id or str(self.new_id()), url, secret, events, token.value)
        with self.lock:
            repo.hooks.append(hook)
        return hook

    def delete_hook(self, repo: FakeRepo, hook_id: str) -> bool:
        with self.lock:
            for hook in repo.hooks:
                if hook.id == hook_id:
                    repo.hooks.remove(hook)
                    repo.deleted_hooks.append(hook)
                    return True
        return False

    def all_hooks(self) -> list[tuple[FakeRepo, Hook]]:
        with self.lock:
            return [(repo, hook) for repo in self.repos.values() for hook in repo.hooks]
