"""Rendering problems: line lookup and GitHub workflow-command escaping."""

from __future__ import annotations

from pathlib import Path

from cartel_fto_corpus.checks.report import line_of, render
from cartel_fto_corpus.checks.validate import Problem, Report


def test_line_of_nearest_existing_parent(tmp_path: Path) -> None:
    f = tmp_path / "a.json"
    f.write_text('{\n  "a": [\n    1,\n    {"b": 2}\n  ]\n}\n', encoding="utf-8")
    assert line_of(Problem(str(f), "/a/1/b", "m", "c")) == 4
    assert line_of(Problem(str(f), "/a/1/missing", "m", "c")) == 4
    assert line_of(Problem(str(f), "/a", "m", "c")) == 2
    assert line_of(Problem(str(tmp_path / "gone.json"), "/a", "m", "c")) is None


def test_github_escapes_newlines_and_property_separators(tmp_path: Path) -> None:
    report = Report(problems=[Problem("we,ird:name.json", "/x", "found 100%\nbad", "code")])
    assert render(report, "github") == "::error file=we%2Cird%3Aname.json,title=code::/x: found 100%25%0Abad\n"


def test_text_format_is_one_line_per_problem() -> None:
    report = Report(problems=[Problem("f.json", "/a", "m1", "c"), Problem("f.json", "", "m2", "c", unreadable=True)])
    assert render(report, "text") == "f.json:/a: m1\nf.json: m2\n"
    assert report.exit_code == 2
