"""checks/problems.py below the fixtures: tests that kill survivors of the mutation run (issue 26)."""

from __future__ import annotations

from cartel_fto_corpus.checks.problems import (
    EXIT_INVALID,
    EXIT_OK,
    EXIT_UNREADABLE,
    MAX_PROBLEMS_PER_FILE,
    Problem,
    Report,
    _short,
    more_problems,
    pointer,
)


def test_problem_line_and_dict() -> None:
    p = Problem("a.json", "/x/0", "expected 1, found 2", "bad-thing", line=3)
    assert str(p) == "a.json:/x/0: expected 1, found 2"
    assert str(Problem("a.json", "", "whole file", "c")) == "a.json: whole file"
    assert p.as_dict() == {"file": "a.json", "pointer": "/x/0", "line": 3, "code": "bad-thing", "message": "expected 1, found 2"}
    assert p.unreadable is False and Problem("f", "", "m", "c").line is None
    assert pointer("a/b", 0, "~") == "/a~1b/0/~0"


def test_exit_codes() -> None:
    assert (EXIT_OK, EXIT_INVALID, EXIT_UNREADABLE) == (0, 1, 2)
    assert Report().exit_code == EXIT_OK
    bad = Problem("f", "", "m", "c")
    unreadable = Problem("g", "", "m", "c", unreadable=True)
    assert Report(problems=[bad]).exit_code == EXIT_INVALID
    assert Report(problems=[bad, unreadable]).exit_code == EXIT_UNREADABLE
    assert Report(warnings=[bad, unreadable]).exit_code == EXIT_OK
    r = Report()
    assert r.files == [] and r.problems == [] and r.warnings == []


def test_more_problems_line() -> None:
    assert MAX_PROBLEMS_PER_FILE == 100
    p = more_problems("a.json", 5, "schema errors")
    assert (p.file, p.pointer, p.code) == ("a.json", "", "more-problems")
    assert p.message == "5 more schema errors not listed (at most 100 are listed per file)"
    assert (
        more_problems("a.json", 7, "problems", at_least=True).message
        == "more than 7 more problems not listed (at most 100 are listed per file)"
    )


def test_short_quotes_and_cuts_at_the_limit() -> None:
    assert _short("día") == '"día"'
    assert _short("x" * 60) == '"' + "x" * 60 + '"'
    assert _short("x" * 61) == '"' + "x" * 59 + '\u2026"'
    assert _short("abcdef", limit=4) == '"abc\u2026"'
