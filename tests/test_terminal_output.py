"""Issue 27, terminal injection: every output that shows data shows it escaped for its medium.

`stats` used to render registry names as rich markup (a live OSC 8 link), the adjudicate listing
printed bidirectional and C1 characters raw, and validate printed file names with ESC or U+202E.
"""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from cartel_fto_corpus.checks.problems import Problem, Report
from cartel_fto_corpus.checks.report import render
from cartel_fto_corpus.cli import adjudicate as adjudicate_cli
from cartel_fto_corpus.cli.main import cli
from cartel_fto_corpus.truth.visible import visible, visible_in_place, visible_json

HOSTILE = "a\x1b[2Jb\u202ec\x9bd\ud800e"


def test_visible_escapes_controls_bidi_and_surrogates_and_keeps_text() -> None:
    assert visible(HOSTILE) == "a\\x1b[2Jb\\u202ec\\x9bd\\ud800e"
    assert visible("Señor 💬 ⚖️ «x»") == "Señor 💬 ⚖️ «x»"
    assert visible("line\nbreak\ttab") == "line\\x0abreak\\x09tab"
    assert visible_in_place(HOSTILE) == "a\ufffd[2Jb\ufffdc\ufffdd\ufffde"
    assert len(visible_in_place(HOSTILE)) == len(HOSTILE)


def test_problem_lines_show_file_names_escaped_in_every_format() -> None:
    report = Report([HOSTILE + ".json"], [Problem(HOSTILE + ".json", "/x", f"found {HOSTILE}", "c")])
    text = render(report, "text")
    assert text == "a\\x1b[2Jb\\u202ec\\x9bd\\ud800e.json:/x: found a\\x1b[2Jb\\u202ec\\x9bd\\ud800e\n"
    github = render(report, "github")
    assert "\x1b" not in github and "\u202e" not in github and "\x9b" not in github
    out = render(report, "json")
    assert all(ch not in out for ch in "\x1b\u202e\x9b")
    assert json.loads(out.replace("\\ud800", "?"))["files"] == [HOSTILE.replace("\ud800", "?") + ".json"]
    assert visible_json('"\u202e"\n') == '"\\u202e"\n'


def test_validate_prints_a_hostile_file_name_escaped(tmp_path: Path) -> None:
    bad = tmp_path / "x\x1b]8;;example.org\x07y\u202e.json"
    bad.write_text("{", encoding="utf-8")
    result = CliRunner().invoke(cli, ["validate", str(bad)])
    assert result.exit_code == 2
    assert "\x1b" not in result.stderr and "\u202e" not in result.stderr and "\x07" not in result.stderr
    assert "x\\x1b]8;;example.org\\x07y\\u202e.json: malformed JSON" in result.stderr


def test_stats_shows_registry_names_as_text_not_markup(corpus_copy: Path) -> None:
    reg = corpus_copy / "annotations" / "registry.json"
    doc = json.loads(reg.read_text(encoding="utf-8"))
    doc["targets"][0]["name"] = "[link=https://example.org]FTO[/link] [bold]x[/bold]"
    reg.write_text(json.dumps(doc, indent=2), encoding="utf-8")
    # The target names are in the "Stances per target" table, which stats prints with --full (0.3).
    result = CliRunner().invoke(cli, ["stats", "--full", "--root", str(corpus_copy)], env={"COLUMNS": "300"})
    assert result.exit_code == 0, result.output
    assert "[link=https://example.org]FTO[/link] [bold]x[/bold]" in result.output


def test_adjudicate_listing_escapes_what_it_quotes(capsys) -> None:  # type: ignore[no-untyped-def]
    adjudicate_cli._echo(f"  u1  [claims] {json.dumps({'text': HOSTILE}, ensure_ascii=False)}\n  next line")
    out = capsys.readouterr().out
    assert out == '  u1  [claims] {"text": "a\\u001b[2Jb\\u202ec\\x9bd\\ud800e"}\n  next line\n'
