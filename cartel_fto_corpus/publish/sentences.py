"""A deterministic, download-free sentence splitter for the `sentences` config (check-worthiness).

CheckThat!-style check-worthiness ranks sentences, so the corpus needs one fixed segmentation that
every system shares. Paragraphs are the non-empty lines; a line is cut after `.`, `!` or `?` (and any
closing quotes or brackets) followed by white space and an upper-case letter, a digit or an opening
quote, unless the word before the stop is a known abbreviation ("Mr.", "U.S.", "Jan.") or a single
letter. Offsets are code points into the article text, end-exclusive, surrounding white space excluded.
"""

from __future__ import annotations

import re
from itertools import pairwise

from cartel_fto_corpus.truth.offsets import lines_with_offsets

#: Words that end with a period without ending a sentence (lower-cased, without the period).
_ABBREVIATED = "mr mrs ms dr st jr sr gen col lt sen rep gov pres prof vs etc inc corp co ltd no jan feb mar apr jun jul aug sep sept oct nov dec u.s u.n u.k d.c a.m p.m"
ABBREVIATIONS = frozenset(_ABBREVIATED.split(" "))
_BOUNDARY = re.compile(r"[.!?][\"'”’)\]]*(?=\s+[\"'“‘(\[]?[A-Z0-9])")
_WORD_BEFORE = re.compile(r"([\w.]+)$")


def _is_abbreviation(before: str) -> bool:
    m = _WORD_BEFORE.search(before)
    if not m:
        return False
    word = m.group(1).lower().rstrip(".")
    return word in ABBREVIATIONS or (len(word) == 1 and word.isalpha())


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of every sentence of `text`, in order, white space trimmed."""
    out: list[tuple[int, int]] = []
    for start, end, line in lines_with_offsets(text):
        if not line.strip():
            continue
        cuts = [start]
        for m in _BOUNDARY.finditer(text, start, end):
            if text[m.start()] == "." and _is_abbreviation(text[start : m.start()]):
                continue
            cuts.append(m.end())
        cuts.append(end)
        for a, b in pairwise(cuts):
            seg = text[a:b]
            lead = len(seg) - len(seg.lstrip())
            trail = len(seg) - len(seg.rstrip())
            if b - trail > a + lead:
                out.append((a + lead, b - trail))
    return out
