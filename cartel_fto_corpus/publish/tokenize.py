"""A deterministic, download-free tokenizer and BIO tagging for the `ner` config.

Tokens are abbreviations of single letters with periods ("U.S.", "U.N.", "a.m.": one token, as spaCy
and the CoNLL data have them), runs of letters and digits, and every other non-space character on its
own (the punctuation splitting of BERT's BasicTokenizer): "U.S.-backed" -> U.S. - backed. Markdown
emphasis markers (a run of two or more `*`, e.g. the `**` around a bold title) are not words of
the article and are dropped: no token covers them, the offsets of the other tokens are unchanged,
and a mention never includes them (the validator's span texts say so). Splitting
that finely puts almost every annotated mention edge on a token edge; a mention whose edge still
falls inside a token is reported as an error, never silently widened or shifted, because a
shifted gold label would teach a model the wrong boundary.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from cartel_fto_corpus.publish.features import OUTSIDE
from cartel_fto_corpus.truth.spans import TOKEN

#: the token pattern is the span rules' own (`truth.spans.TOKEN`): a span that passes them lands on token edges
_TOKEN = TOKEN


@dataclass(frozen=True)
class Token:
    start: int
    end: int
    text: str


class MisalignedMention(ValueError):
    """A mention edge falls inside a token; the message names the mention, the edge and the token."""


def tokenize(text: str, start: int = 0, end: int | None = None) -> list[Token]:
    """Tokens of text[start:end], with code-point offsets into `text`."""
    end = len(text) if end is None else end
    out: list[Token] = []
    # Matching runs past `end` so the abbreviation rule sees the same next character as on the whole
    # text ("U.S." before "A" is not an abbreviation either way); a token crossing `end` is cut there.
    for m in _TOKEN.finditer(text, start):
        if m.start() >= end:
            break
        if m.end() > end:
            out += [Token(c.start(), c.end(), c.group()) for c in _TOKEN.finditer(text, m.start(), end) if c["md"] is None]
            break
        if m["md"] is None:
            out.append(Token(m.start(), m.end(), m.group()))
    return out


def bio_tags(tokens: Sequence[Token], mentions: Iterable[dict[str, Any]]) -> list[str]:
    """BIO tag per token for flat, non-overlapping `mentions` ({id, start, end, text, label}).

    Mentions outside the tokens' range are ignored (the caller tags one paragraph at a time);
    a mention edge strictly inside a token raises MisalignedMention.
    """
    tags = [OUTSIDE] * len(tokens)
    if not tokens:
        return tags
    by_start = {t.start: i for i, t in enumerate(tokens)}
    by_end = {t.end: i for i, t in enumerate(tokens)}
    lo, hi = tokens[0].start, tokens[-1].end
    for m in mentions:
        if m["end"] <= lo or m["start"] >= hi:
            continue
        first = _edge(tokens, by_start, m, "start")
        last = _edge(tokens, by_end, m, "end")
        for i in range(first, last + 1):
            if tags[i] != OUTSIDE:
                what = f"mention {m.get('id', '?')} {m['text']!r} at {m['start']}:{m['end']}"
                raise MisalignedMention(f"{what} overlaps another mention at token {tokens[i].text!r}")
            tags[i] = ("B-" if i == first else "I-") + m["label"]
    return tags


def _edge(tokens: Sequence[Token], index: dict[int, int], m: dict[str, Any], side: str) -> int:
    offset = m[side]
    if offset in index:
        return index[offset]
    inside = next((t for t in tokens if t.start < offset < t.end), None)
    where = f"inside token {inside.text!r} ({inside.start}:{inside.end})" if inside else "outside every token (white space edge)"
    raise MisalignedMention(f"mention {m.get('id', '?')} {m['text']!r} at {m['start']}:{m['end']}: its {side} {offset} falls {where}")


def spans_from_tags(tokens: Sequence[Token], tags: Sequence[str]) -> list[tuple[int, int, str]]:
    """(start, end, label) of every mention a BIO sequence encodes: the inverse of `bio_tags`.

    An I- tag that does not continue a mention of its label starts one (the lenient reading).
    """
    out: list[tuple[int, int, str]] = []
    open_ = False
    for tok, tag in zip(tokens, tags, strict=True):
        if tag == OUTSIDE:
            open_ = False
        elif tag.startswith("I-") and open_ and out[-1][2] == tag[2:]:
            out[-1] = (out[-1][0], tok.end, out[-1][2])
        else:
            out.append((tok.start, tok.end, tag[2:]))
            open_ = True
    return out
