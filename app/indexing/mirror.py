"""A local bare mirror of one remote repository.

Why a mirror: indexing reads every commit, and doing that against a local
object store is orders of magnitude faster than any hosting API; incremental
fetches then transfer only new objects.

What it holds: only ``refs/heads/*`` and ``refs/tags/*``.  Hosting-specific
namespaces (``refs/pull/*``, ``refs/merge-requests/*``, Gerrit's
``refs/changes/*``) can hold many times more refs and commits than the
branches and are not part of what developers see as "the repository".

Blobless: the first fetch is a partial clone (``--filter=blob:none``): commits and
trees only, a quarter of a full clone's bytes, and all the first index reads (names
and change types of files need tree diffs, never blobs). Blobs come later, from the
line-count pass (:meth:`Mirror.fetch_blobs`: by id for a few, a full refetch for
the first pass) or lazily when git needs one (a diff);
incremental fetches keep the filter. A server that refuses filters gets a full clone,
and the report says so.

Security: the remote URL is passed to git per call and never written to the
mirror's ``config``. A partial mirror keeps ``remote.origin.promisor`` and its filter
there (git needs them to know which objects it may fetch later), but not the URL:
every git run that may fetch gets it as ``-c remote.origin.url=...`` with the auth of
:func:`app.indexing.credentials.git_auth` (:func:`remote_options`); lazy fetches are
git children and inherit both. ``FETCH_HEAD`` is not written.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterable
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

from app.indexing.credentials import GitAuth, GitCredentials, git_auth, host_key_fingerprints
from app.indexing.errors import GitError
from app.indexing.gitcli import run_git

__all__ = ["FETCH_REFSPECS", "Mirror", "remote_options"]

#: What a partial clone leaves out: every blob (commits and trees are what indexing reads).
BLOB_FILTER = "blob:none"
#: git's warning when the server ignores ``--filter`` (it then sends everything).
_FILTER_IGNORED = "filtering not recognized by server"
FETCH_REFSPECS = ("+refs/heads/*:refs/heads/*", "+refs/tags/*:refs/tags/*")
_INDEXED_PREFIXES = ("refs/heads/", "refs/tags/")
_MIRROR_CONFIG = {
    # Run auto-gc in the foreground: a detached gc would still be running
    # (and holding locks) while the indexer reads, or when remove() deletes.
    "gc.autoDetach": "false",
    # Keep commit-graph files current: rev-list/ahead-behind on 100k commits
    # are several times faster with them.
    "fetch.writeCommitGraph": "true",
    "core.logAllRefUpdates": "false",
    # Bound git's own memory (and, measured on a 100k-commit history, go faster):
    # git log's delta cache and pack windows otherwise reach ~220 MB.
    "core.deltaBaseCacheLimit": "32m",
    "core.packedGitLimit": "32m",
    "core.packedGitWindowSize": "8m",
}


def remote_options(auth: GitAuth) -> list[str]:
    """``-c`` options for a git run that may fetch from the mirror's remote ``origin``:
    the URL (never stored in the mirror) and the run's auth. git passes them on to the
    fetch it starts itself for a missing blob."""
    return [*auth.config, "-c", f"remote.origin.url={auth.url}"]


class Mirror:
    """A bare repository at ``path``; created on the first :meth:`fetch`."""

    def __init__(
        self,
        path: Path,
        *,
        fetch_timeout: float = 3600.0,
        probe_timeout: float = 60.0,
        connect_timeout: int = 20,
    ) -> None:
        self.path = Path(path)
        self.fetch_timeout = fetch_timeout
        self.probe_timeout = probe_timeout
        self.connect_timeout = connect_timeout

    def __repr__(self) -> str:
        return f"Mirror({str(self.path)!r})"

    def exists(self) -> bool:
        """True once the bare repository has been initialised."""
        return (self.path / "HEAD").is_file() and (self.path / "objects").is_dir()

    # -- network -------------------------------------------------------------------

    def probe(
        self, url: str, creds: GitCredentials | None = None, allow_private: bool = False
    ) -> dict[str, Any]:
        """Check that ``url`` is a reachable repository we may read.

        Used when an integration is created, to give a specific error
        (InvalidRepositoryUrl, AddressBlocked, HostUnreachable,
        AuthenticationFailed, NotARepository, HostKeyMismatch) instead of
        failing later in the background.  Returns ``refs`` (heads and tags),
        ``default_branch`` (short name or None), ``known_hosts`` (ssh: the
        pinned or newly learnt entries) and ``host_key_fingerprints``.
        Touches nothing on disk except a temporary directory.
        """
        with self._auth(url, creds, allow_private) as auth:
            refs, default = self._ls_remote(auth, self.probe_timeout)
            return self._report(auth, refs, default)

    def fetch(
        self, url: str, creds: GitCredentials | None = None, allow_private: bool = False
    ) -> dict[str, Any]:
        """Bring the mirror up to date with the remote's branches and tags.

        ``ls-remote`` runs first: when nothing changed no fetch is made (the
        common case for a poll), and it also tells us the remote's default
        branch, which ``fetch`` does not update.  Deleted branches and tags
        are pruned.  Returns the :meth:`probe` keys plus ``changed`` and
        ``cloned`` (True on the first fetch).

        The first fetch is a bare clone: for a large history it is much faster
        than ``git fetch`` into an empty repository, which re-walks every object
        it received to check connectivity (clone knows the pack is complete).
        """
        if not self.exists():
            with self._auth(url, creds, allow_private) as auth:
                partial = self._clone(auth)
                report = self._report(auth, self.refs(), self.default_branch())
                report.update(changed=True, cloned=True, partial=partial)
                return report
        with self._auth(url, creds, allow_private) as auth:
            remote_refs, default = self._ls_remote(auth, self.fetch_timeout)
            changed = remote_refs != self.refs()
            if changed:
                # The named remote (its URL given per run) so a partial mirror's
                # filter applies: new commits come without their blobs too.
                run_git(
                    ["fetch", "--prune", "--no-tags", "--no-write-fetch-head", "--quiet",
                     "--no-recurse-submodules", "origin", *FETCH_REFSPECS],
                    git_dir=self.path, config=remote_options(auth), env=auth.env,
                    timeout=self.fetch_timeout, secrets=auth.secrets,
                )
            if default and f"refs/heads/{default}" in remote_refs:
                run_git(["symbolic-ref", "HEAD", f"refs/heads/{default}"], git_dir=self.path)
            report = self._report(auth, self.refs(), self.default_branch())
            report.update(changed=changed, cloned=False, partial=self.is_partial())
            return report

    def _clone(self, auth: GitAuth) -> bool:
        """A blobless ``clone --bare`` (heads and tags only) next to the mirror, then move
        it in; a full clone where the server refuses filters. True if partial."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        target = self.path.with_name(self.path.name + ".cloning")
        shutil.rmtree(target, ignore_errors=True)
        try:
            try:
                partial = self._clone_into(target, auth, [f"--filter={BLOB_FILTER}"])
            except GitError as exc:
                if "filter" not in f"{exc.message} {exc.detail or ''}":
                    raise
                # The server advertises filters but refuses this one: clone it all.
                shutil.rmtree(target, ignore_errors=True)
                partial = self._clone_into(target, auth, [])
            if partial:
                # Keep only what git needs to fetch missing objects later; the URL is
                # passed per call, as for every fetch.
                run_git(["config", "--unset", "remote.origin.url"], git_dir=target)
            else:
                run_git(["config", "--remove-section", "remote.origin"], git_dir=target,
                        check=False)
            for key, value in _MIRROR_CONFIG.items():
                run_git(["config", key, value], git_dir=target)
            target.rename(self.path)
            return partial
        finally:
            shutil.rmtree(target, ignore_errors=True)

    def _clone_into(self, target: Path, auth: GitAuth, options: list[str]) -> bool:
        result = run_git(
            ["clone", "--bare", "--quiet", "--no-local", *options, "--", auth.url,
             str(target)],
            config=[*auth.config,
                    *(arg for k, v in _MIRROR_CONFIG.items() for arg in ("-c", f"{k}={v}"))],
            env=auth.env, timeout=self.fetch_timeout, secrets=auth.secrets,
        )
        return bool(options) and _FILTER_IGNORED not in result.stderr

    def is_partial(self) -> bool:
        """True for a blobless mirror: some blobs may have to be fetched before use."""
        if not self.exists():
            return False
        result = run_git(["config", "--bool", "remote.origin.promisor"], git_dir=self.path,
                         check=False)
        return result.stdout.strip() == b"true"

    def fetch_blobs(self, url: str, creds: GitCredentials | None,
                    oids: Iterable[str] | None, allow_private: bool = False) -> None:
        """Fetch blobs into a partial mirror in one request: these ``oids``, or with
        None every blob the heads and tags reach.

        By id (as git's own lazy fetch does; protocol v2 servers allow any object) for a
        few: the server deltifies blobs whose stored delta base is not in the request
        before it sends a byte, sending only 5-byte keep-alives meanwhile (the usual
        low-speed abort, 60 s under 1,000 B/s, is stretched to 10 minutes). For all of
        Kafka's history (104,499 blobs) that made the line-count pass take 273 s.

        All of them (None) as a ``--refetch`` of the heads and tags without a filter and
        without haves: the server streams the same reusable pack a full clone gets (55 s
        against 53 s for ``clone --mirror`` of the same URL, measured side by side).
        The filter is switched off for this run only (``-c``): the mirror's config keeps
        ``partialclonefilter=blob:none``, so later fetches stay blobless. No auto
        maintenance: after a refetch git would repack everything into one pack (minutes
        of CPU on a large history, for disk space alone); the next gc does that."""
        if oids is None:
            with self._auth(url, creds, allow_private) as auth:
                run_git(
                    ["fetch", "--refetch", "--no-auto-maintenance", "--no-tags",
                     "--no-write-fetch-head", "--quiet", "--no-recurse-submodules",
                     "origin", *FETCH_REFSPECS],
                    git_dir=self.path, env=auth.env, timeout=self.fetch_timeout,
                    config=[*remote_options(auth), "-c", "remote.origin.partialclonefilter="],
                    secrets=auth.secrets,
                )
            return
        stdin = "".join(f"{oid}\n" for oid in oids).encode("ascii")
        if not stdin:
            return
        with self._auth(url, creds, allow_private) as auth:
            run_git(
                ["fetch", "origin", "--no-tags", "--no-write-fetch-head", "--quiet",
                 "--recurse-submodules=no", f"--filter={BLOB_FILTER}", "--stdin"],
                git_dir=self.path, input=stdin, env=auth.env, timeout=self.fetch_timeout,
                config=[*remote_options(auth), "-c", "fetch.negotiationAlgorithm=noop",
                        "-c", "http.lowSpeedTime=600"],
                secrets=auth.secrets,
            )

    def write_commit_graph(self) -> None:
        """Write the commit-graph a clone does not (later fetches keep it current)."""
        run_git(["commit-graph", "write", "--reachable", "--split"], git_dir=self.path,
                timeout=self.fetch_timeout)

    def _auth(self, url: str, creds: GitCredentials | None,
              allow_private: bool) -> AbstractContextManager[GitAuth]:
        return git_auth(url, creds, allow_private=allow_private,
                        connect_timeout=self.connect_timeout)

    def _ls_remote(self, auth: GitAuth, timeout: float) -> tuple[dict[str, str], str | None]:
        out = run_git(
            ["ls-remote", "--symref", "--", auth.url],
            config=auth.config, env=auth.env, timeout=timeout, secrets=auth.secrets,
        ).stdout.decode("utf-8", "replace")
        refs: dict[str, str] = {}
        default: str | None = None
        for line in out.splitlines():
            left, _, name = line.partition("\t")
            if left.startswith("ref: ") and name == "HEAD":
                target = left[5:].strip()
                if target.startswith("refs/heads/"):
                    default = target[len("refs/heads/"):]
            elif name.startswith(_INDEXED_PREFIXES) and not name.endswith("^{}"):
                refs[name] = left.strip()
        return refs, default

    @staticmethod
    def _report(auth: GitAuth, refs: dict[str, str], default: str | None) -> dict[str, Any]:
        known_hosts = auth.known_hosts()
        return {
            "refs": refs,
            "default_branch": default,
            "known_hosts": known_hosts,
            "host_key_fingerprints": host_key_fingerprints(known_hosts) if known_hosts else [],
        }

    # -- local ---------------------------------------------------------------------

    def _ensure_init(self) -> None:
        if self.exists():
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        run_git(["init", "--bare", "--quiet", "--", str(self.path)])
        for key, value in _MIRROR_CONFIG.items():
            run_git(["config", key, value], git_dir=self.path)

    def refs(self) -> dict[str, str]:
        """Local ``refs/heads/*`` and ``refs/tags/*`` -> object id (tags unpeeled)."""
        if not self.exists():
            return {}
        out = run_git(
            ["for-each-ref", "--format=%(objectname) %(refname)", "refs/heads", "refs/tags"],
            git_dir=self.path,
        ).stdout.decode("utf-8", "replace")
        refs = {}
        for line in out.splitlines():
            sha, _, name = line.partition(" ")
            if name:
                refs[name] = sha
        return refs

    def default_branch(self) -> str | None:
        """Short name of the main branch: the remote's HEAD, if that branch exists.

        Falls back to ``main``/``master``, then to the only branch; None when
        there is no branch at all or no sensible choice.
        """
        if not self.exists():
            return None
        heads = [name[len("refs/heads/"):] for name in self.refs()
                 if name.startswith("refs/heads/")]
        result = run_git(["symbolic-ref", "--quiet", "HEAD"], git_dir=self.path, check=False)
        target = result.stdout.decode("utf-8", "replace").strip()
        if result.returncode == 0 and target.startswith("refs/heads/"):
            name = target[len("refs/heads/"):]
            if name in heads:
                return name
        for candidate in ("main", "master"):
            if candidate in heads:
                return candidate
        return heads[0] if len(heads) == 1 else None

    def remove(self) -> None:
        """Delete the mirror from disk (integration removed)."""
        if self.path.exists():
            shutil.rmtree(self.path)

    def git(self, *args: str) -> str:
        """Run a local, read-only git command in the mirror (diagnostics, tests)."""
        if not self.exists():
            raise GitError(f"The mirror {self.path} does not exist yet.")
        return run_git(list(args), git_dir=self.path).stdout.decode("utf-8", "replace")
