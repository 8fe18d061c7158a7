"""Running the ``git`` command line safely.

Why the CLI and not a library: git itself is the reference implementation of
every transport, auth method and object format, it is present on every host,
and a child process can be killed on timeout without corrupting our process.

Rules every call follows:

* argument lists only, never a shell; ``--`` before user-controlled values
  where the subcommand accepts it (callers add it);
* a timeout (the whole process group is killed when it expires);
* a deterministic environment: ``LC_ALL=C`` (stderr is parsed), no terminal
  prompts, no system or global git config (an operator's ``~/.gitconfig`` or
  a ``url.insteadOf`` must not change where we connect), no inherited
  ``GIT_*`` variables, no ssh agent;
* errors become :mod:`app.indexing.errors` classes with scrubbed messages.

:func:`stream_git` reads stdout incrementally so ``git log`` over 100k commits
never sits in memory at once.
"""

from __future__ import annotations

import collections
import os
import shutil
import signal
import subprocess
import threading
from collections.abc import Generator, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from app.indexing.errors import GitTimeout, classify_error, redact

__all__ = ["GitResult", "base_env", "classify_error", "git_command", "run_git", "stream_git"]

DEFAULT_TIMEOUT = 120.0
_STRIPPED_ENV = {"SSH_AUTH_SOCK", "SSH_ASKPASS", "SSH_ASKPASS_REQUIRE", "DISPLAY"}
_STDERR_KEEP = 64 * 1024
_CHUNK = 1 << 16


@dataclass(frozen=True, slots=True)
class GitResult:
    """Outcome of :func:`run_git`; ``stderr`` is already scrubbed of secrets."""

    returncode: int
    stdout: bytes
    stderr: str


def base_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment for a git child: ours, not the operator's shell's."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("GIT_") and key not in _STRIPPED_ENV
    }
    env.update(
        {
            "LC_ALL": "C",
            "LANG": "C",
            "LANGUAGE": "C",
            "GIT_TERMINAL_PROMPT": "0",
            "GIT_CONFIG_NOSYSTEM": "1",
            "GIT_CONFIG_GLOBAL": "/dev/null",
            "GIT_NO_REPLACE_OBJECTS": "1",
            "GIT_OPTIONAL_LOCKS": "0",
        }
    )
    if extra:
        env.update(extra)
    return env


def git_command(
    args: Sequence[str], *, git_dir: Path | None = None, config: Sequence[str] = ()
) -> list[str]:
    """Build ``git [-c k=v]... [--git-dir=DIR] ARGS``; ``config`` is ``["-c", "k=v", ...]``."""
    cmd = [shutil.which("git") or "git", *config]
    if git_dir is not None:
        cmd.append(f"--git-dir={git_dir}")
    cmd.extend(args)
    return cmd


def _kill_group(proc: subprocess.Popen[bytes]) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        try:
            proc.kill()
        except ProcessLookupError:
            pass


def run_git(
    args: Sequence[str],
    *,
    git_dir: Path | None = None,
    cwd: Path | None = None,
    env: Mapping[str, str] | None = None,
    config: Sequence[str] = (),
    input: bytes | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    check: bool = True,
    secrets: Iterable[str | None] = (),
) -> GitResult:
    """Run git to completion and return its output.

    ``env`` entries are added to :func:`base_env`.  With ``check`` a non-zero
    exit raises the classified error.
    """
    secrets = tuple(secrets)
    cmd = git_command(args, git_dir=git_dir, config=config)
    proc = subprocess.Popen(
        cmd,
        stdin=subprocess.PIPE if input is not None else subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=cwd,
        env=base_env(env),
        start_new_session=True,
    )
    try:
        out, err = proc.communicate(input=input, timeout=timeout)
    except subprocess.TimeoutExpired:
        _kill_group(proc)
        proc.communicate()
        raise GitTimeout(
            f"git {args[0] if args else ''} took longer than {timeout:.0f} seconds and was stopped."
        ) from None
    finally:
        if proc.poll() is None:
            _kill_group(proc)
            proc.wait()
    stderr = redact(err.decode("utf-8", "replace"), secrets)
    if check and proc.returncode != 0:
        raise classify_error(stderr, proc.returncode, what=f"git {args[0]}", secrets=secrets)
    return GitResult(proc.returncode, out, stderr)


class _StreamingChild:
    """A git process whose stdin is fed and stderr drained by helper threads.

    Without the threads a child blocked writing a full stderr pipe (or
    waiting for more stdin) would never produce the stdout we are reading.
    Only the last 64 KiB of stderr are kept: that is where git's fatal
    message is.
    """

    def __init__(self, cmd: list[str], env: dict[str, str], input: bytes | None,
                 timeout: float | None) -> None:
        self.proc = subprocess.Popen(
            cmd,
            stdin=subprocess.PIPE if input is not None else subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
            start_new_session=True,
        )
        self._input = input
        self._err: collections.deque[bytes] = collections.deque()
        self.timed_out = threading.Event()
        self._threads = [threading.Thread(target=self._drain_stderr, daemon=True)]
        if input is not None:
            self._threads.append(threading.Thread(target=self._feed_stdin, daemon=True))
        for thread in self._threads:
            thread.start()
        self._timer = threading.Timer(timeout, self._on_timeout) if timeout else None
        if self._timer:
            self._timer.daemon = True
            self._timer.start()

    def _drain_stderr(self) -> None:
        stream = self.proc.stderr
        assert stream is not None
        size = 0
        while chunk := stream.read(4096):
            self._err.append(chunk)
            size += len(chunk)
            while size > _STDERR_KEEP and len(self._err) > 1:
                size -= len(self._err.popleft())

    def _feed_stdin(self) -> None:
        stream = self.proc.stdin
        assert stream is not None
        try:
            stream.write(self._input or b"")
            stream.close()
        except (OSError, ValueError):  # git exited (or was killed) before reading it all
            pass

    def _on_timeout(self) -> None:
        self.timed_out.set()
        _kill_group(self.proc)

    def stderr_text(self) -> str:
        return b"".join(self._err).decode("utf-8", "replace")

    def finish(self, *, kill: bool) -> int:
        """Stop the timer, kill if asked (early close), reap, join helpers."""
        if self._timer:
            self._timer.cancel()
        if kill:
            _kill_group(self.proc)
        self.proc.wait()
        # The child is gone, so the helpers see EOF / EPIPE and end promptly;
        # join them before closing the pipes they use.
        for thread in self._threads:
            thread.join(timeout=5)
        for stream in (self.proc.stdout, self.proc.stdin, self.proc.stderr):
            if stream is not None and not stream.closed:
                try:
                    stream.close()
                except OSError:
                    pass
        return self.proc.returncode


def stream_git(
    args: Sequence[str],
    *,
    git_dir: Path | None = None,
    env: Mapping[str, str] | None = None,
    config: Sequence[str] = (),
    input: bytes | None = None,
    sep: bytes = b"\n",
    timeout: float | None = None,
    secrets: Iterable[str | None] = (),
) -> Generator[bytes, None, None]:
    """Run git and yield its stdout split on ``sep`` (separator removed).

    Memory stays bounded by the longest record.  If the consumer stops early
    (``close()``, an exception, garbage collection) the process group is
    killed and reaped; if git fails, the classified error is raised after
    the records it produced.  ``timeout`` bounds the whole run, including the
    time the consumer spends between records.
    """
    child = _StreamingChild(git_command(args, git_dir=git_dir, config=config),
                            base_env(env), input, timeout)
    stdout = child.proc.stdout
    assert stdout is not None
    finished = False
    try:
        rest = b""
        while chunk := stdout.read1(_CHUNK):  # type: ignore[attr-defined]
            parts = (rest + chunk).split(sep)
            rest = parts.pop()
            yield from parts
        if rest:
            yield rest
        finished = True
    finally:
        returncode = child.finish(kill=not finished)
    if child.timed_out.is_set():
        raise GitTimeout(
            f"git {args[0] if args else ''} took longer than {timeout:.0f} seconds and was stopped."
        )
    if returncode != 0:
        secrets = tuple(secrets)
        stderr = redact(child.stderr_text(), secrets)
        raise classify_error(stderr, returncode, what=f"git {args[0]}", secrets=secrets)
