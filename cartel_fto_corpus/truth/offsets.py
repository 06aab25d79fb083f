"""Offset arithmetic between the units different tools use.

Every offset stored in this corpus counts Unicode code points (Python `str` indices). JavaScript,
browsers and older Label Studio count UTF-16 code units, which differ after an astral-plane
character such as the emoji in article 002. No package code converts today (Label Studio and the
explorer take code points; the manifest records `utf16_len`); `cp_to_utf16`/`utf16_to_cp` are the
tested reference for a tool that counts UTF-16 units, and the only place that may convert.
"""

from __future__ import annotations

from collections.abc import Iterator


def utf16_len(text: str) -> int:
    """Length of `text` in UTF-16 code units."""
    return len(text) + sum(1 for ch in text if ord(ch) > 0xFFFF)


def cp_to_utf16(text: str, offset: int) -> int:
    """UTF-16 offset of code-point offset `offset` in `text`."""
    if not 0 <= offset <= len(text):
        raise ValueError(f"offset {offset} outside 0..{len(text)}")
    return offset + sum(1 for ch in text[:offset] if ord(ch) > 0xFFFF)


def utf16_to_cp(text: str, offset: int) -> int:
    """Code-point offset of UTF-16 offset `offset`; refuses an offset inside a surrogate pair."""
    units = 0
    for cp, ch in enumerate(text):
        if units == offset:
            return cp
        units += 2 if ord(ch) > 0xFFFF else 1
        if units > offset:
            raise ValueError(f"UTF-16 offset {offset} splits the surrogate pair of code point {cp}")
    if units == offset:
        return len(text)
    raise ValueError(f"UTF-16 offset {offset} outside 0..{units}")


def lines_with_offsets(text: str) -> Iterator[tuple[int, int, str]]:
    """(start, end, line) for every line of `text`, without the newline."""
    start = 0
    for line in text.split("\n"):
        yield start, start + len(line), line
        start += len(line) + 1
