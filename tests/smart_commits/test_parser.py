"""Reading smart-commit commands from messages, and matching transitions (no Jira)."""

from __future__ import annotations

from app.smart_commits.parser import Command, duration, match_transition, parse


def names(message: str) -> dict[str, list[tuple[str, str]]]:
    return {k: [(c.name, c.args) for c in v] for k, v in parse(message).items()}


def test_jira_examples() -> None:
    assert names("JRA-34 #comment corrected indent issue") == {
        "JRA-34": [("comment", "corrected indent issue")]}
    assert names("JRA-34 #time 1w 2d 4h 30m Total work logged") == {
        "JRA-34": [("time", "1w 2d 4h 30m Total work logged")]}
    assert names("JRA-90 #close Fixed this today") == {"JRA-90": [("close", "Fixed this today")]}
    assert names("JRA-123 JRA-234 JRA-345 #resolve #time 2d 5h #comment Task completed") == {
        key: [("resolve", ""), ("time", "2d 5h"), ("comment", "Task completed")]
        for key in ("JRA-123", "JRA-234", "JRA-345")}


def test_commands_are_case_insensitive_and_stop_at_other_characters() -> None:
    assert names("ABC-1 #Start-Progress now") == {"ABC-1": [("start-progress", "now")]}
    assert names("ABC-1 #SEND_TO_QA please") == {"ABC-1": [("send", "_TO_QA please")]}
    assert names("ABC-1 #done-") == {"ABC-1": [("done", "")]}
    assert names("ABC-1 #erledigt fertig") == {"ABC-1": [("erledigt", "fertig")]}


def test_what_is_not_a_command() -> None:
    assert parse("ABC-1 Merge pull request #123 from fork") == {}
    assert parse("ABC-1 C# support, issue#5") == {}
    assert parse("#done without any key") == {}
    assert parse("ABC-1 plain message") == {}


def test_lines_keys_and_inheritance() -> None:
    message = ("ABC-1 Fix the login\n\n#time 1h looked into it\nXYZ-2 #comment other issue\n"
               "#label backend")
    assert names(message) == {
        "ABC-1": [("time", "1h looked into it")],
        "XYZ-2": [("comment", "other issue"), ("label", "backend")]}
    # Keys after the first command are part of its arguments, not targets.
    assert names("ABC-1 #comment see XYZ-9 for details") == {
        "ABC-1": [("comment", "see XYZ-9 for details")]}


def test_duration() -> None:
    assert duration("1w 2d 4h 30m Total work logged") == ("1w 2d 4h 30m", "Total work logged")
    assert duration("1.5H") == ("1.5h", "")
    assert duration("soon 2h") == (None, "soon 2h")


WORKFLOW = [
    {"id": "11", "name": "To Do", "to": {"name": "Open"}},
    {"id": "21", "name": "Start Progress", "to": {"name": "In Progress"}},
    {"id": "31", "name": "Done", "to": {"name": "Closed"}},
    {"id": "32", "name": "Done and deployed", "to": {"name": "Deployed"}},
    {"id": "41", "name": "Send to QA", "to": {"name": "In QA"}},
    {"id": "42", "name": "Send back", "to": {"name": "Reopened"}},
]


def match(command: str) -> str | None:
    transition, _ = match_transition(command, WORKFLOW)
    return transition["id"] if transition else None


def test_transition_by_name_prefix_or_status() -> None:
    assert match("start-progress") == "21"
    assert match("start") == "21"
    assert match("done") == "31"  # exact beats the longer "Done and deployed"
    assert match("done-and") == "32"
    assert match("send-to") == "41"
    assert match("closed") == "31"  # no transition is called so: the status is
    assert match("deploy") == "32"
    assert match("nothing") is None


def test_ambiguous_and_unknown_transitions_say_why() -> None:
    transition, why = match_transition("send", WORKFLOW)
    assert transition is None and "Send back, Send to QA" in why
    transition, why = match_transition("archive", WORKFLOW)
    assert transition is None and "no transition matches #archive" in why
    assert "Start Progress" in why


def test_command_json_round_trip() -> None:
    command = Command("time", "2h fixing")
    assert Command.from_json(command.as_json()) == command
    assert command.label() == "#time 2h fixing" and not command.is_transition
    assert Command("done", "").is_transition
