"""The NER tokenizer and BIO tagging: coverage, offsets, round trip, and refusal of misaligned mentions."""

from __future__ import annotations

import itertools
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cartel_fto_corpus.publish.features import OUTSIDE
from cartel_fto_corpus.publish.tokenize import MisalignedMention, bio_tags, spans_from_tags, tokenize
from cartel_fto_corpus.truth.schema import label_set

TEXTS = st.text(alphabet=st.sampled_from([*"ab1 .,-'*\u2019\u201c\u201d\u00e9\n_", "\U0001f4ac", "\u0301"]), max_size=80)


@given(TEXTS)
def test_tokens_cover_every_non_space_character_but_markdown_markers_in_order(text: str) -> None:
    tokens = tokenize(text)
    assert "".join(t.text for t in tokens) == "".join(re.sub(r"\*{2,}", "", word) for word in text.split())
    for t in tokens:
        assert text[t.start : t.end] == t.text and t.text.strip() == t.text
    assert all(a.end <= b.start for a, b in itertools.pairwise(tokens))


@given(TEXTS, st.integers(0, 80), st.integers(0, 80))
def test_a_range_tokenizes_like_the_whole_text_clipped(text: str, a: int, b: int) -> None:
    start, end = sorted((min(a, len(text)), min(b, len(text))))
    whole = [t for t in tokenize(text) if t.start >= start and t.end <= end]
    part = tokenize(text, start, end)
    # a range can only cut tokens at its edges; every token wholly inside agrees
    assert [t for t in part if t in whole] == whole


def test_punctuation_is_split_off_words() -> None:
    text = "U.S.-backed Rubio\u2019s \u201cplan\u201d cost $25.5 million \U0001f4ac"
    assert [t.text for t in tokenize(text)] == [
        "U.S.", "-", "backed", "Rubio", "\u2019", "s", "\u201c", "plan", "\u201d",
        "cost", "$", "25", ".", "5", "million", "\U0001f4ac",
    ]  # fmt: skip


def test_abbreviations_are_one_token_and_markdown_markers_are_dropped() -> None:
    text = "**U.S. Targets Cartels** at 9 a.m., the U.N. said; A.I and U.S.A stay split. e.g. U.S."
    tokens = tokenize(text)
    assert [t.text for t in tokens] == [
        "U.S.", "Targets", "Cartels", "at", "9", "a.m.", ",", "the", "U.N.", "said", ";",
        "A", ".", "I", "and", "U", ".", "S", ".", "A", "stay", "split", ".", "e.g.", "U.S.",
    ]  # fmt: skip
    assert all(text[t.start : t.end] == t.text for t in tokens)
    assert tokens[0].start == 2  # offsets of the other tokens are those of the text


@st.composite
def tagged_text(draw: st.DrawFn) -> tuple[str, list[dict]]:
    """A text and flat mentions whose edges are token edges."""
    text = draw(TEXTS)
    tokens = tokenize(text)
    mentions, i = [], 0
    labels = label_set("entity_label")
    while i < len(tokens):
        if draw(st.booleans()):
            j = draw(st.integers(i, min(i + 3, len(tokens) - 1)))
            start, end = tokens[i].start, tokens[j].end
            label = draw(st.sampled_from(labels))
            mentions.append({"id": f"e{len(mentions) + 1}", "start": start, "end": end, "text": text[start:end], "label": label})
            i = j + 1
        else:
            i += 1
    return text, mentions


@given(tagged_text())
@settings(max_examples=200)
def test_bio_tags_round_trip_to_the_mentions(case: tuple[str, list[dict]]) -> None:
    text, mentions = case
    tokens = tokenize(text)
    tags = bio_tags(tokens, mentions)
    assert len(tags) == len(tokens)
    assert spans_from_tags(tokens, tags) == [(m["start"], m["end"], m["label"]) for m in mentions]
    assert sum(tag != OUTSIDE for tag in tags) == sum(len(tokenize(text, m["start"], m["end"])) for m in mentions)


def test_mention_inside_a_token_is_an_error_naming_the_token() -> None:
    text = "The Mexican government objected."
    tokens = tokenize(text)
    with pytest.raises(MisalignedMention, match=r"mention e1 'Mexic' at 4:9: its end 9 falls inside token 'Mexican' \(4:11\)"):
        bio_tags(tokens, [{"id": "e1", "start": 4, "end": 9, "text": "Mexic", "label": "NORP"}])
    with pytest.raises(MisalignedMention, match="its start 5 falls inside token 'Mexican'"):
        bio_tags(tokens, [{"id": "e2", "start": 5, "end": 11, "text": "exican", "label": "NORP"}])


def test_mention_with_a_white_space_edge_is_an_error() -> None:
    text = "Hello  world"
    with pytest.raises(MisalignedMention, match="white space"):
        bio_tags(tokenize(text), [{"id": "e1", "start": 0, "end": 6, "text": "Hello ", "label": "PERSON"}])


def test_mentions_outside_the_tokens_are_ignored_and_adjacent_mentions_stay_apart() -> None:
    text = "Mexico United States"
    tokens = tokenize(text, 0, 6)
    assert bio_tags(tokens, [{"start": 7, "end": 20, "text": "United States", "label": "GPE"}]) == [OUTSIDE]
    tokens = tokenize(text)
    mentions = [{"start": 0, "end": 6, "text": "Mexico", "label": "GPE"}, {"start": 7, "end": 20, "text": "United States", "label": "GPE"}]
    tags = bio_tags(tokens, mentions)
    assert tags == ["B-GPE", "B-GPE", "I-GPE"]
    assert spans_from_tags(tokens, tags) == [(0, 6, "GPE"), (7, 20, "GPE")]
