"""Smart-commit commands in a commit message: plain parsing, no Jira.

The syntax is Jira's (``<ignored> ISSUE-1 ISSUE-2 <ignored> #command <args>``) with
what Git Integration for Jira adds:

* a command is ``#`` at the start of a line or after a space, then letters and hyphens
  (any alphabet, any case); parsing of the name stops at the first other character, so
  ``#SEND_TO_QA`` is the command ``send``. Its arguments run to the next command on the
  line or the end of the line; a command never spans lines;
* the commands of a line act on the issue keys of that line written before its first
  command; a line of commands without keys acts on the keys of the last line before it
  that had some (so a summary line ``ABC-1 Fix login`` can be followed by ``#time 1h``);
* ``#comment <text>``, ``#time <1w 2d 4h 30m> [worklog text]`` (decimals allowed),
  ``#assign <user or email>``, ``#label <l1> <l2>...``; any other name is a workflow
  transition (``#start-progress``, or a unique prefix such as ``#start``) with an
  optional comment.

Matching transitions against the issue's workflow is ``match_transition``'s job.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from app.indexing.issue_keys import extract_keys

#: ``#`` after the line start or whitespace, then letters and hyphens.
_COMMAND = re.compile(r"(?:(?<=\s)|^)#((?:[^\W\d_])(?:[^\W\d_]|-)*)")
_DURATION = re.compile(r"^(\d+(?:\.\d+)?)([wdhm])$", re.IGNORECASE)
#: Commands that are not transitions.
BUILT_IN = ("comment", "time", "assign", "label")


@dataclass(frozen=True)
class Command:
    name: str  # lower-case
    args: str

    @property
    def is_transition(self) -> bool:
        return self.name not in BUILT_IN

    def label(self) -> str:
        return f"#{self.name}" + (f" {self.args}" if self.args else "")

    def as_json(self) -> dict[str, str]:
        return {"name": self.name, "args": self.args}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Command:
        return cls(str(data["name"]), str(data.get("args") or ""))


def _line_commands(line: str) -> tuple[str, list[Command]]:
    """The text before the first command, and the commands of one line."""
    matches = list(_COMMAND.finditer(line))
    if not matches:
        return line, []
    commands = []
    for index, match in enumerate(matches):
        end = matches[index + 1].start() if index + 1 < len(matches) else len(line)
        name = match.group(1).rstrip("-").lower()
        commands.append(Command(name, line[match.end():end].strip()))
    return line[: matches[0].start()], commands


def parse(message: str) -> dict[str, list[Command]]:
    """Issue key -> its commands, in message order."""
    found: dict[str, list[Command]] = {}
    current: tuple[str, ...] = ()
    for line in (message or "").splitlines():
        before, commands = _line_commands(line)
        keys = extract_keys(before)
        if keys:
            current = keys
        if not commands:
            continue
        for key in current:
            found.setdefault(key, []).extend(commands)
    return found


def duration(args: str) -> tuple[str | None, str]:
    """``#time`` arguments: Jira's ``timeSpent`` (``1w 2d 4h 30m``) and the worklog text;
    ``None`` when no duration comes first."""
    words = args.split()
    parts = []
    while words and _DURATION.match(words[0]):
        number, unit = _DURATION.match(words.pop(0)).groups()  # type: ignore[union-attr]
        parts.append(f"{number}{unit.lower()}")
    return (" ".join(parts) or None), " ".join(words)


def _norm(name: str) -> str:
    return "-".join(name.lower().split())


def match_transition(command: str, transitions: list[dict[str, Any]]
                     ) -> tuple[dict[str, Any] | None, str]:
    """The one transition ``command`` names (exact name, else unique prefix; status
    names when no transition name matches), or ``None`` and why not."""
    wanted = _norm(command)
    for label, name_of in (("transition", lambda t: t.get("name") or ""),
                           ("status", lambda t: (t.get("to") or {}).get("name") or "")):
        names = [(t, _norm(name_of(t))) for t in transitions]
        exact = [t for t, n in names if n == wanted]
        if len(exact) == 1:
            return exact[0], ""
        prefixed = [t for t, n in names if n.startswith(wanted)]
        if len(prefixed) == 1:
            return prefixed[0], ""
        if len(prefixed) > 1:
            choices = ", ".join(sorted(name_of(t) for t in prefixed))
            return None, f"#{command} matches several {label}s ({choices}); write more of it"
    available = ", ".join(t.get("name") or "" for t in transitions) or "none"
    return None, f"no transition matches #{command} (available: {available})"
