"""Data shown at a terminal: control and bidirectional characters as visible escapes.

File names, registry names, annotator notes and annotated texts come from files anyone can edit.
Printed raw, an ESC starts a terminal command (`ESC[2J` clears the screen, OSC 8 makes a live
link), a C1 control is one for some terminals, and U+202E turns the rest of the line around, so a
problem line can say something other than what it holds (issue 27). Every command prints data
through `visible` (the one helper; rich output also escapes its markup, see `inspection.terminal`).
Ordinary text, accents, other scripts and emoji pass unchanged.
"""

from __future__ import annotations

import re

#: C0 controls (tab and newline included: one datum, one line), DEL, C1 controls, the bidirectional
#: marks, embeddings, overrides and isolates, the line and paragraph separators, and lone surrogates.
_INVISIBLE = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069\ud800-\udfff\ufeff]")


def _escape(m: re.Match[str]) -> str:
    code = ord(m.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def visible(text: str) -> str:
    """`text` with every control, bidirectional control and lone surrogate written as `\\xNN` / `\\uNNNN`."""
    return _INVISIBLE.sub(_escape, text)


def visible_lines(text: str) -> str:
    """`visible` for output of several lines: its line breaks stay, everything else is escaped."""
    return "\n".join(visible(line) for line in text.split("\n"))


def visible_json(text: str) -> str:
    """JSON text (`ensure_ascii=False`) with the same characters written as JSON `\\uNNNN` escapes:
    the same JSON value, safe to print; the line breaks of its indentation stay."""
    return _INVISIBLE.sub(lambda m: "\n" if m.group() == "\n" else f"\\u{ord(m.group()):04x}", text)


def visible_in_place(text: str) -> str:
    """The same characters replaced one for one by U+FFFD (tabs and line breaks kept), for a text
    shown with styles at code-point offsets (`show`'s article view), where escapes would shift them."""
    return _INVISIBLE.sub(lambda m: m.group() if m.group() in "\t\n" else "\ufffd", text)
