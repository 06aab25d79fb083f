"""The span boundary rules (GUIDELINES §1), one function that `validate` and `build` both apply.

A span starts and ends on a word boundary, has no surrounding white space, punctuation, Markdown
markup or emoji unless they belong to the name, and stays inside one paragraph. "Word boundary"
is defined by the `ner` tokenizer's own token pattern (`TOKEN`, also used by `publish.tokenize`):
an edge is on a boundary when no token runs across it, so a span that passes here always lands on
token edges in the published `ner` config, and the validator and the build cannot disagree
(issue 27: "arco Rubio" used to pass validate and stop the build).

What may stand at the edges beyond a letter or digit, and why:
- first: a currency sign (`$50 million`, a MONEY mention);
- last: the full stop of an abbreviation token (`U.S.`, `WASHINGTON, D.C.`), a closing bracket or
  quotation mark opened inside the span (`Mara Salvatrucha (MS-13)`, `a "sea change"`), `%`.
Combining marks and variation selectors belong to the character before them: an edge before one
is inside a word, and one at the end does not make a symbol a word (a lone U+FE0F, `⚖️`).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator, Mapping
from typing import Any

from cartel_fto_corpus.truth.layers import item_spans, set_items

#: Tokens of the `ner` config: a run of two or more `*` (Markdown emphasis, dropped from the
#: tokens), abbreviations of single letters with periods ("U.S."), runs of letters and digits, and
#: every other non-space character on its own.
TOKEN = re.compile(r"(?P<md>\*{2,})|(?:[^\W\d_]\.){2,}(?![^\W_])|[^\W_]+|\S")

#: Characters that are a token of their own or white space, so a word next to them ends or starts there.
_EDGE_NEIGHBOURS = frozenset(" \t\n\r,;:!?\"'()[]{}<>/\\|-+=&%$#@^~`\u00a0\u201c\u201d\u2018\u2019\u2014\u2013\u2026\u00ab\u00bb\u2022")
_ABBREVIATION = re.compile(r"(?:[^\W\d_]\.){2,}")
#: closing mark -> opening marks that it closes (straight quotes close themselves)
_CLOSERS = {")": "(", "]": "[", "}": "{", "\u201d": "\u201c", "\u2019": "\u2018", "\u00bb": "\u00ab", '"': '"', "'": "'"}


def _short(text: str, limit: int = 60) -> str:
    import json

    text = text if len(text) <= limit else text[: limit - 1] + "\u2026"
    return json.dumps(text, ensure_ascii=False)


def _token_at(text: str, offset: int) -> tuple[int, int] | None:
    """The token (start, end) that has `offset` strictly inside it, or None.

    Tokens never contain white space and matching restarts fresh after it, so tokenizing from the
    white space before `offset` gives the same tokens as tokenizing the whole paragraph.
    """
    if offset <= 0 or offset >= len(text) or text[offset - 1].isspace() or text[offset].isspace():
        return None
    begin = offset - 1
    while begin > 0 and not text[begin - 1].isspace():
        begin -= 1
    for m in TOKEN.finditer(text, begin):
        if m.start() >= offset:
            return None
        if m.end() > offset:
            return m.start(), m.end()
    return None


def _is_mark(ch: str) -> bool:
    return unicodedata.category(ch)[0] == "M"


def _base(text: str) -> str:
    """`text` without trailing combining marks and variation selectors."""
    end = len(text)
    while end and _is_mark(text[end - 1]):
        end -= 1
    return text[:end]


def _closes_inside(span: str) -> bool:
    """Whether the span's last character closes a bracket or quotation mark opened inside it."""
    close = span[-1]
    opener = _CLOSERS.get(close)
    if opener is None:
        return False
    body = span[:-1]
    if opener == close:  # straight quotes: an odd number before the last one
        return body.count(close) % 2 == 1
    return body.count(opener) > body.count(close)


def _ends_abbreviation(text: str, end: int) -> bool:
    """Whether the token ending at `end` is an abbreviation ("U.S."): its full stop belongs to it."""
    begin = end - 1
    while begin > 0 and not text[begin - 1].isspace():
        begin -= 1
    for m in TOKEN.finditer(text, begin):
        if m.end() >= end:
            return m.end() == end and m["md"] is None and _ABBREVIATION.fullmatch(m.group()) is not None
    return False


def _last_allowed(text: str, start: int, end: int) -> bool:
    base = _base(text[start:end])
    if not base:
        return False
    last = base[-1]
    if last.isalnum() or last in "%\u2030":
        return True
    if last == "." and len(base) == end - start:
        return _ends_abbreviation(text, end)
    return _closes_inside(base)


def _sentence_stop_after(text: str, end: int) -> bool:
    """Whether text[end] is a full stop of its own (a sentence's, not one of an abbreviation such as
    "U.S."): no letter-and-stop pair right before the word's last letter or right after the stop."""
    return text[end] == "." and (end < 2 or text[end - 2] != ".") and (end + 1 >= len(text) or not text[end + 1].isalpha())


def span_problem(text: str, start: int, end: int, multi_paragraph: bool = False) -> tuple[str, str] | None:
    """(code, message) of the first boundary rule the span text[start:end] breaks, or None.

    The offsets must already be in range with start < end (checked before, with their own pointers).
    """
    covered = text[start:end]
    # The common sound span, decided from four characters: a letter or digit at each edge and a
    # neighbour that always ends or starts a token (white space or punctuation other than the `.` of
    # an abbreviation and the `*` of Markdown). Everything else takes the token-level checks below.
    if (
        covered[0].isalnum()
        and covered[-1].isalnum()
        and (start == 0 or text[start - 1] in _EDGE_NEIGHBOURS)
        and (end == len(text) or text[end] in _EDGE_NEIGHBOURS or _sentence_stop_after(text, end))
        and (multi_paragraph or "\n" not in covered)
    ):
        return None
    return token_rules(text, start, end, multi_paragraph)


def token_rules(text: str, start: int, end: int, multi_paragraph: bool = False) -> tuple[str, str] | None:
    """`span_problem` without its fast path: every rule checked at the token level (tests compare the two)."""
    covered = text[start:end]
    if covered[0].isspace() or covered[-1].isspace():
        return "span-whitespace", f"expected a span without surrounding white space, found {_short(covered)}"
    if "\n" in covered and not multi_paragraph:
        at = start + covered.index("\n")
        return (
            "crosses-paragraph",
            f"expected a span inside one paragraph, found a line break at offset {at}; split it or set multi_paragraph",
        )
    inside = _token_at(text, start)
    if inside is None and _is_mark(covered[0]) and start and not text[start - 1].isspace():
        inside = (start - 1, start + 1)
    if inside is not None:
        return (
            "span-starts-inside-word",
            f"expected a span starting on a word boundary, found start {start} inside {_short(text[inside[0] : inside[1]])} "
            f"({inside[0]}:{inside[1]})",
        )
    inside = _token_at(text, end)
    if inside is None and end < len(text) and _is_mark(text[end]):
        inside = (end - 1, end + 1)
    if inside is not None:
        return (
            "span-ends-inside-word",
            f"expected a span ending on a word boundary, found end {end} inside {_short(text[inside[0] : inside[1]])} "
            f"({inside[0]}:{inside[1]})",
        )
    first = covered[0]
    if not (first.isalnum() or unicodedata.category(first) == "Sc"):
        return (
            "span-leading-symbol",
            f"expected a span starting with a letter, digit or currency sign (GUIDELINES 1), found {first!r} "
            f"(U+{ord(first):04X}) in {_short(covered)}",
        )
    if not _last_allowed(text, start, end):
        last = covered[-1]
        return (
            "span-trailing-symbol",
            "expected a span ending with a letter or digit, an abbreviation's full stop or a bracket or quotation mark "
            f"opened inside it (GUIDELINES 1), found {last!r} (U+{ord(last):04X}) in {_short(covered)}",
        )
    return None


def set_spans(aset: Mapping[str, Any]) -> Iterator[tuple[str, Mapping[str, Any]]]:
    """(pointer inside the set, span) of every span of an annotation set that the layer declaration
    names (`truth.layers`: mentions, unnamed holders and claimants, stance evidence, claims), layer by
    layer, in the order the validator reports them."""
    for found, j, item in set_items(aset):
        yield from item_spans(found, item, f"/{found.name}/{j}")
