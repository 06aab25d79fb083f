"""Issue 15, `show`: data never runs as script in the page, never drives the terminal, never crashes it.

`show` validates the files it reads first (the one-line problems, exit 1/2, nothing written), and
escapes every value it writes anyway: the page is checked in headless Chromium (no script ran, no
element was injected), the terminal output for literal markup and no escape sequences.
"""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from cartel_fto_corpus.cli.main import cli
from cartel_fto_corpus.inspection.explorer import load_view
from cartel_fto_corpus.inspection.explorer_html import render_html
from cartel_fto_corpus.truth.paths import CorpusPaths
from cartel_fto_corpus.truth.visible import visible_in_place
from tests.conftest import FIXTURE_CORPUS
from tests.test_explorer import chromium

DOC = "900_00000000000000aa"
SCRIPT = "<img src=x onerror=\"document.title='pwned'\">"
HOSTILE = [
    SCRIPT,
    "<script>document.title='pwned'</script>",
    '"><img src=x onerror="document.title=\'pwned\'">',
    "'><svg onload=\"document.title='pwned'\">",
]


def _edit(path: Path, change: Any) -> None:
    doc = json.loads(path.read_text(encoding="utf-8"))
    change(doc)
    path.write_text(json.dumps(doc, ensure_ascii=False, indent=2), encoding="utf-8")


def _show(*args: str) -> Any:
    return CliRunner(env={"COLUMNS": "400"}).invoke(cli, ["show", *args], catch_exceptions=True)


# --- validate first -------------------------------------------------------------------------


def test_show_html_refuses_a_schema_invalid_offset_and_writes_nothing(corpus_copy: Path, tmp_path: Path) -> None:
    ann = corpus_copy / "annotations" / f"{DOC}.json"
    _edit(ann, lambda d: d["annotations"][0]["stances"][0]["evidence"][0].__setitem__("start", SCRIPT))
    out = tmp_path / "page.html"
    result = _show(DOC, "--root", str(corpus_copy), "--html", str(out))
    assert result.exit_code == 1, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    lines = result.stderr.splitlines()
    assert lines[0].endswith(f"{DOC}.json:/annotations/0/stances/0/evidence/0/start: schema: {SCRIPT!r} is not of type 'integer'")
    assert lines[-1] == "1 problem: refusing to show; see `cartel-fto validate`"
    assert not out.exists()
    assert list(tmp_path.glob(".*.tmp")) == []


@pytest.mark.parametrize(
    ("what", "change", "code"),
    [
        ("float offset", lambda t: t.replace('"start": 54,', '"start": 54.0,', 1), 1),
        ("lone surrogate", lambda t: t.replace('"fixture"', '"fixture\\ud800"', 1), 2),
        ("duplicate key", lambda t: t.replace('"start": 54,', '"start": 54,\n"start": 1,', 1), 2),
        ("not JSON", lambda t: t[:-20], 2),
    ],
)
def test_show_refuses_broken_annotation_files(corpus_copy: Path, what: str, change: Any, code: int) -> None:
    ann = corpus_copy / "annotations" / f"{DOC}.json"
    ann.write_text(change(ann.read_text(encoding="utf-8")), encoding="utf-8")
    for extra in ([], ["--html", str(corpus_copy / "p.html")]):
        result = _show(DOC, "--root", str(corpus_copy), *extra)
        assert result.exit_code == code, (what, result.output)
        assert isinstance(result.exception, SystemExit), (what, result.exception)
        assert f"{DOC}.json" in result.stderr
    assert not (corpus_copy / "p.html").exists()


def test_show_refuses_a_registry_that_is_an_array(corpus_copy: Path) -> None:
    (corpus_copy / "annotations" / "registry.json").write_text("[]", encoding="utf-8")
    result = _show(DOC, "--root", str(corpus_copy))
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit)
    assert "registry.json: expected a JSON object, found an array" in result.stderr


# --- escape everything ----------------------------------------------------------------------


def _hostile_view() -> Any:
    """A view with markup in every string and offset slot, as if validation had been skipped."""
    view = load_view(DOC, CorpusPaths(FIXTURE_CORPUS))
    view = copy.deepcopy(view)
    aset = view.aset
    assert aset is not None
    for i, ent in enumerate(view.registry["entities"]):
        ent["name"] = HOSTILE[i % len(HOSTILE)]
        ent["qid"] = HOSTILE[(i + 1) % len(HOSTILE)]
    for t in view.registry["targets"]:
        t["name"], t["description"] = HOSTILE[0], HOSTILE[1]
    for c in view.registry["clusters"]:
        c["summary"], c["discrepancies"] = HOSTILE[2], HOSTILE[3]
    st = aset["stances"][0]
    st["evidence"][0]["start"] = SCRIPT
    st["evidence"][0]["end"] = HOSTILE[1]
    st["note"] = HOSTILE[1]
    st["id"] = HOSTILE[2]
    aset["annotator"], aset["guideline_version"] = HOSTILE[1], HOSTILE[3]
    aset["entities"][0]["id"] = HOSTILE[2]
    aset["claims"][0]["id"] = HOSTILE[3]
    view.entry = dict(view.entry, title=HOSTILE[1], quality_flags=[HOSTILE[0]])
    return view


def test_every_value_in_the_page_is_escaped() -> None:
    page = render_html(_hostile_view())
    assert "<img" not in page and "<svg" not in page and "<script" not in page
    assert "onerror=" not in page.replace("onerror=&quot;", "")  # only as escaped text


@pytest.mark.browser
def test_no_script_runs_in_the_hostile_page_in_chromium(tmp_path: Path) -> None:
    page = render_html(_hostile_view())
    out = tmp_path / "hostile.html"
    out.write_text(page, encoding="utf-8")
    # Control: the same payload does run when written raw, so the check below can fail.
    raw = tmp_path / "raw.html"
    raw.write_text(f"<!doctype html><html><head><title>safe</title></head><body>{SCRIPT}</body></html>", encoding="utf-8")
    dom_raw = chromium(["--dump-dom", "--virtual-time-budget=2000", raw.as_uri()], tmp_path / "profile-raw")
    assert "<title>pwned</title>" in dom_raw.stdout, dom_raw.stderr[-2000:]

    dom = chromium(["--dump-dom", "--virtual-time-budget=2000", out.as_uri()], tmp_path / "profile")
    assert "<article" in dom.stdout, dom.stderr[-2000:]
    assert "pwned</title>" not in dom.stdout
    title = re.search(r"<title>(.*?)</title>", dom.stdout, re.DOTALL)
    assert title and title.group(1).startswith(DOC)
    assert not re.search(r"<(img|svg|script)\b", dom.stdout)


def test_show_html_of_a_valid_page_with_markup_in_names(corpus_copy: Path, tmp_path: Path) -> None:
    """Markup in a registry name is legal data: shown as text in the page, not run."""
    _edit(corpus_copy / "annotations" / "registry.json", lambda d: d["entities"][1].__setitem__("name", SCRIPT))
    out = tmp_path / "p.html"
    result = _show(DOC, "--root", str(corpus_copy), "--html", str(out))
    assert result.exit_code == 0, result.output
    page = out.read_text(encoding="utf-8")
    assert "<img" not in page and "&lt;img src=x onerror=&quot;document.title=&#x27;pwned&#x27;&quot;&gt;" in page


# --- terminal -------------------------------------------------------------------------------

ANSI = "\x1b[31mred\x1b[0m"
OSC = "\x1b]8;;https://evil.example\x07click\x1b]8;;\x07"
TITLE = "\x1b]0;pwned\x07"


def test_visible_in_place_replaces_controls_one_for_one() -> None:
    for s in (ANSI, OSC, TITLE, "a\rb\x08c\x9bd\u202ee", "tab\tand\nnewline"):
        out = visible_in_place(s)
        assert len(out) == len(s)
        assert not any(ord(c) < 0x20 and c not in "\t\n" for c in out)
        assert not any(0x7F <= ord(c) < 0xA0 for c in out) and "\u202e" not in out
    assert visible_in_place("tab\tand\nnewline") == "tab\tand\nnewline"


def test_terminal_show_prints_markup_literally_and_strips_escape_sequences(corpus_copy: Path) -> None:
    _edit(
        corpus_copy / "annotations" / "registry.json",
        lambda d: d["entities"][2].__setitem__("name", "[/] [link=https://evil.example]click[/link]"),  # marco_rubio
    )
    result = _show(DOC, "--root", str(corpus_copy))
    assert result.exit_code == 0, (result.output, result.exception)
    assert "[/] [link=https://evil.example]click[/link]" in result.stdout  # printed as text, not read as markup


def test_terminal_show_refuses_control_characters_in_names_and_shows_them_escaped(corpus_copy: Path) -> None:
    """Issue 27: names with controls no longer pass the schema; the refusal quotes them escaped."""
    _edit(corpus_copy / "annotations" / "registry.json", lambda d: d["targets"][0].__setitem__("name", ANSI + OSC + TITLE))
    result = _show(DOC, "--root", str(corpus_copy))
    assert result.exit_code == 1, (result.output, result.exception)
    out = result.stdout + result.stderr
    assert "\x1b" not in out and "\x07" not in out  # no raw ESC or BEL reaches the terminal
    assert "\\x1b[31mred" in out  # the refused name is quoted with its controls as escapes
    assert "/targets/0/name: schema: expected text with a visible character" in out


def test_terminal_show_of_hostile_view_in_a_real_terminal_mode() -> None:
    """With a terminal console rich writes its own styles; none of the data's sequences get through."""
    import io

    from rich.console import Console

    from cartel_fto_corpus.inspection import explorer

    view = _hostile_view()
    view.registry["entities"][2]["name"] = "[/]" + OSC + TITLE  # marco_rubio: a claimant and a holder
    view.aset["stances"][0]["evidence"][0]["start"] = 165
    view.aset["stances"][0]["evidence"][0]["end"] = 176
    buf = io.StringIO()
    explorer.print_view(view, console=Console(file=buf, width=400, force_terminal=True, color_system="truecolor"))
    out = buf.getvalue()
    assert "\x1b[" in out  # rich's own styles are there: this is terminal output
    assert "\x1b]" not in out and "\x07" not in out  # no OSC (hyperlink, title) from the data
    assert "[/]\\x1b]8;;https://evil.example\\x07click" in out
