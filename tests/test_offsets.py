"""Property tests for the only code that converts between code points and UTF-16 units."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cartel_fto_corpus.truth.offsets import cp_to_utf16, lines_with_offsets, utf16_len, utf16_to_cp

# Text mixing ASCII, BMP (curly quotes, bullets) and astral-plane characters (emoji), and newlines.
texts = st.text(alphabet=st.sampled_from([*list("ab \n’•⚖️"), "💬", "😀"]), max_size=60)


def js_slice(text: str, start_u16: int, end_u16: int) -> str:
    """What JavaScript's String.prototype.slice returns, for comparison."""
    units = text.encode("utf-16-le")
    return units[2 * start_u16 : 2 * end_u16].decode("utf-16-le")


@given(texts)
def test_utf16_len_matches_encoder(text: str) -> None:
    assert utf16_len(text) == len(text.encode("utf-16-le")) // 2


@given(texts, st.data())
def test_round_trip_code_point_utf16(text: str, data: st.DataObject) -> None:
    cp = data.draw(st.integers(0, len(text)))
    assert utf16_to_cp(text, cp_to_utf16(text, cp)) == cp


@given(texts, st.data())
def test_converted_span_selects_same_text_in_utf16(text: str, data: st.DataObject) -> None:
    start = data.draw(st.integers(0, len(text)))
    end = data.draw(st.integers(start, len(text)))
    assert js_slice(text, cp_to_utf16(text, start), cp_to_utf16(text, end)) == text[start:end]


@given(texts)
def test_offsets_inside_surrogate_pairs_are_refused(text: str) -> None:
    for cp, ch in enumerate(text):
        if ord(ch) > 0xFFFF:
            with pytest.raises(ValueError, match="surrogate pair"):
                utf16_to_cp(text, cp_to_utf16(text, cp) + 1)


@given(texts)
def test_lines_with_offsets_cover_the_text(text: str) -> None:
    for start, end, line in lines_with_offsets(text):
        assert text[start:end] == line and "\n" not in line


def test_out_of_range_offsets_are_refused() -> None:
    with pytest.raises(ValueError):
        cp_to_utf16("ab", 3)
    with pytest.raises(ValueError):
        utf16_to_cp("a\U0001f4ac", 4)


def test_emoji_shifts_utf16_offsets_in_article_002() -> None:
    from cartel_fto_corpus.truth.texts import read_text

    text = read_text("002_c5ca0eb7af3313b9")
    emoji = text.index("\U0001f4ac")
    after = text.index("Presidential Framing")
    assert cp_to_utf16(text, emoji) == emoji
    assert cp_to_utf16(text, after) == after + 1
    assert js_slice(text, cp_to_utf16(text, after), cp_to_utf16(text, after + 20)) == "Presidential Framing"


def test_offset_errors_name_the_offset_and_the_range() -> None:
    text = "a\U0001f600b"  # UTF-16: a, high, low, b
    assert cp_to_utf16(text, 0) == 0 and cp_to_utf16(text, 3) == 4 and cp_to_utf16(text, 2) == 3
    with pytest.raises(ValueError, match=r"^offset 4 outside 0\.\.3$"):
        cp_to_utf16(text, 4)
    with pytest.raises(ValueError, match=r"^offset -1 outside 0\.\.3$"):
        cp_to_utf16(text, -1)
    assert [utf16_to_cp(text, u) for u in (0, 1, 3, 4)] == [0, 1, 2, 3]
    with pytest.raises(ValueError, match=r"^UTF-16 offset 2 splits the surrogate pair of code point 1$"):
        utf16_to_cp(text, 2)
    with pytest.raises(ValueError, match=r"^UTF-16 offset 5 outside 0\.\.4$"):
        utf16_to_cp(text, 5)
    assert utf16_to_cp("", 0) == 0
    assert utf16_len(text) == 4 and utf16_len("\uffff") == 1 and utf16_len("\U00010000") == 2
    assert cp_to_utf16("\uffff\U00010000x", 2) == 3
    assert utf16_to_cp("\uffff\U00010000x", 3) == 2 and utf16_to_cp("\uffff\U00010000x", 4) == 3


def test_lines_with_offsets() -> None:
    assert list(lines_with_offsets("ab\n\ncd")) == [(0, 2, "ab"), (3, 3, ""), (4, 6, "cd")]
    assert list(lines_with_offsets("")) == [(0, 0, "")]
