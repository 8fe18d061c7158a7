from __future__ import annotations

import time

import pytest

from app.indexing.issue_keys import extract_branch_keys, extract_keys


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ABC-12", ("ABC-12",)),
        ("Fix ABC-12: login", ("ABC-12",)),
        ("XABC-12", ("XABC-12",)),
        ("XABC-12x", ()),
        ("xABC-12x", ()),
        ("xABC-12", ()),
        ("ABC-12x", ()),
        ("ABC-12_", ()),
        ("_ABC-12", ()),
        ("1ABC-12", ()),
        ("(ABC-12)", ("ABC-12",)),
        ("[ABC-12] and {DEF-3}.", ("ABC-12", "DEF-3")),
        ("see https://jira.example.com/browse/ABC-12?x=1", ("ABC-12",)),
        ("ABC-12,DEF-34;GHI-5", ("ABC-12", "DEF-34", "GHI-5")),
        ("MY_PROJ-7 and P2P-9", ("MY_PROJ-7", "P2P-9")),
        ("abc-12 is lower case", ()),
        ("Abc-12 mixed case", ()),
        ("A-12 too short", ()),
        ("ABC-0 and ABC-012 are not issues", ()),
        ("ABC-12 again ABC-12 then DEF-1 ABC-12", ("ABC-12", "DEF-1")),
        ("修复ABC-12问题", ("ABC-12",)),
        ("ABC-12-follow-up", ("ABC-12",)),
        ("line1\nABC-1\n\nDEF-2\n", ("ABC-1", "DEF-2")),
        ("", ()),
        ("no keys here", ()),
    ],
)
def test_extract_keys(text: str, expected: tuple[str, ...]) -> None:
    assert extract_keys(text) == expected


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("feature/abc-12-login", ("ABC-12",)),
        ("feature/ABC-12-login", ("ABC-12",)),
        ("ABC-12", ("ABC-12",)),
        ("bugfix/Abc-12_and_def-3", ("ABC-12", "DEF-3")),
        ("feature_abc-12", ("ABC-12",)),
        ("feature/MY_PROJ-7-x", ("MY_PROJ-7",)),
        ("users/jo/abc-1/def-2", ("ABC-1", "DEF-2")),
        ("release.abc-9", ("ABC-9",)),
        ("xabc12-1", ("XABC12-1",)),
        ("main", ()),
        ("feature/login", ()),
        ("feature/abc-12x", ()),
        ("feature/abc-0", ()),
    ],
)
def test_extract_branch_keys(name: str, expected: tuple[str, ...]) -> None:
    assert extract_branch_keys(name) == expected


def test_long_message_with_many_keys_is_fast() -> None:
    keys = [f"KEY{i}-{i + 1}" for i in range(50)]
    message = ("Lorem ipsum dolor sit amet, consectetur adipiscing elit. " * 150)[:7000]
    message += "\n" + " ".join(keys) + "\n" + "x" * (8000 - len(message) - len(" ".join(keys)) - 2)
    assert len(message) >= 8000
    started = time.perf_counter()
    for _ in range(200):
        found = extract_keys(message)
    elapsed = time.perf_counter() - started
    assert found == tuple(keys)
    assert elapsed < 2.0  # ~0.2 ms per 8,000-char message on a slow machine


def test_pathological_input_is_linear() -> None:
    text = "A" * 20000 + "-" + "1" * 20000 + "x"
    started = time.perf_counter()
    assert extract_keys(text) == ()
    assert extract_branch_keys(text.lower()) == ()
    assert time.perf_counter() - started < 2.0
