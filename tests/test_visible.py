"""truth/visible.py below the fixtures: tests that kill survivors of the mutation run (issue 26)."""

from __future__ import annotations

import json

import pytest

from cartel_fto_corpus.truth.visible import visible, visible_in_place, visible_json, visible_lines

ORDINARY = "Sinaloa día — 北京 \U0001f600 \u00a0\u00a0 ~ \u200b"


@pytest.mark.parametrize(
    ("char", "escaped"),
    [
        ("\x00", "\\x00"),
        ("\x1b", "\\x1b"),
        ("\t", "\\x09"),
        ("\n", "\\x0a"),
        ("\x1f", "\\x1f"),
        ("\x7f", "\\x7f"),
        ("\x85", "\\x85"),
        ("\x9f", "\\x9f"),
        ("\u061c", "\\u061c"),
        ("\u200e", "\\u200e"),
        ("\u200f", "\\u200f"),
        ("\u2028", "\\u2028"),
        ("\u202a", "\\u202a"),
        ("\u202e", "\\u202e"),
        ("\u2066", "\\u2066"),
        ("\u2069", "\\u2069"),
        ("\ud800", "\\ud800"),
        ("\udfff", "\\udfff"),
        ("\ufeff", "\\ufeff"),
    ],
)
def test_each_kind_of_invisible_character_is_escaped(char: str, escaped: str) -> None:
    assert visible(f"a{char}b") == f"a{escaped}b"


def test_ordinary_text_passes_unchanged() -> None:
    for text in (ORDINARY, " \x20\xa0\u2027\u202f\u2065\u206a\ufefe\ue000"):
        assert visible(text) == text
        assert visible_lines(text) == text
        assert visible_json(text) == text
        assert visible_in_place(text) == text


def test_visible_lines_keeps_line_breaks_only() -> None:
    assert visible_lines("one\x1b[2J\ntwo\tthree\r\n") == "one\\x1b[2J\ntwo\\x09three\\x0d\n"


def test_visible_json_writes_json_escapes_of_the_same_value() -> None:
    value = {"name": "a\u202eb\x1bc\td", "x": "\u0085"}
    text = json.dumps(value, ensure_ascii=False, indent=1)
    shown = visible_json(text)
    assert "\u202e" not in shown and "\\u202e" in shown and "\\u0085" in shown
    assert shown.count("\n") == text.count("\n")
    assert json.loads(shown) == value
    assert visible_json("\x1b\n\t") == "\\u001b\n\\u0009"


def test_visible_in_place_keeps_offsets() -> None:
    text = "a\u202eb\tc\nd\x1b\ud800"
    shown = visible_in_place(text)
    assert shown == "a\ufffdb\tc\nd\ufffd\ufffd" and len(shown) == len(text)
