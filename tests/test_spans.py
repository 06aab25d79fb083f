"""The span boundary rules (`truth.spans`, GUIDELINES 1): what they accept and refuse, and that the
validator and the build apply them identically (issue 27: a span refused by the build used to pass
`validate`)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cartel_fto_corpus.checks.checker import AnnotationChecker, Usage
from cartel_fto_corpus.publish.rows import BuildError, check_spans, ner_rows
from cartel_fto_corpus.truth.spans import span_problem

TEXT = (
    '**Title** says Marco Rubio met the U.S. team in WASHINGTON, D.C. today (MS-13) and a "sea change". '
    "Costs $50 million, up 5%. \U0001f4ac \u2696\ufe0f done U.S.A here. Jose\u0301 x"
)


def at(piece: str) -> tuple[int, int]:
    i = TEXT.index(piece)
    return i, i + len(piece)


@pytest.mark.parametrize(
    "piece",
    ["Title", "Marco Rubio", "U.S.", "WASHINGTON, D.C.", "today (MS-13)", "MS-13", 'a "sea change"', "$50 million", "5%", "Jose\u0301"],
)
def test_accepted(piece: str) -> None:
    assert span_problem(TEXT, *at(piece)) is None


@pytest.mark.parametrize(
    ("piece", "code"),
    [
        ("arco Rubio", "span-starts-inside-word"),
        ("Marco Rubi", "span-ends-inside-word"),
        ("U.S", "span-ends-inside-word"),
        ("Jose", "span-ends-inside-word"),
        ("**Title", "span-leading-symbol"),
        ("(MS-13)", "span-leading-symbol"),
        ('"sea change"', "span-leading-symbol"),
        ('sea change"', "span-trailing-symbol"),
        ('change".', "span-trailing-symbol"),
        ("million,", "span-trailing-symbol"),
        ("done U.S.", "span-trailing-symbol"),  # "U.S.A": the full stop is not an abbreviation's here
        ("\U0001f4ac", "span-leading-symbol"),
        ("\u2696\ufe0f", "span-leading-symbol"),
        ("\ufe0f", "span-starts-inside-word"),
        ("Rubio ", "span-whitespace"),
    ],
)
def test_refused(piece: str, code: str) -> None:
    found = span_problem(TEXT, *at(piece))
    assert found is not None and found[0] == code


def test_lone_variation_selector_after_a_space_is_refused() -> None:
    assert span_problem("a \ufe0f b", 2, 3)[0] == "span-leading-symbol"  # type: ignore[index]


def _validator_message(text: str, span: dict) -> str | None:
    checker = AnnotationChecker("f.json", {}, None, Usage())  # type: ignore[arg-type]
    checker.check_span("/annotations/0/entities/0", span, text)
    assert len(checker.problems) <= 1
    return str(checker.problems[0]) if checker.problems else None


def _build_message(text: str, span: dict) -> str | None:
    aset = {"entities": [{"id": "e1", "label": "PERSON", "entity": "x", **span}], "stances": [], "claims": []}
    try:
        check_spans("f.json", text, aset, 0)
        list(ner_rows("d", text, aset, "f.json", 0))
    except BuildError as exc:
        return str(exc)
    return None


ALPHABET = st.sampled_from([*"ab Z9_.,*-$%'\"()\n\u201c\u201d\u00e9\u0301\ufe0f\u00a0\u2022", "\U0001f4ac", "\u2696", "U.S."])


@settings(max_examples=400, deadline=None)
@given(st.lists(ALPHABET, min_size=1, max_size=30).map("".join), st.data())
def test_validate_accepts_exactly_what_build_accepts_with_the_same_message(text: str, data: st.DataObject) -> None:
    start = data.draw(st.integers(0, len(text) - 1))
    end = data.draw(st.integers(start + 1, len(text)))
    span = {"start": start, "end": end, "text": text[start:end]}
    assert _validator_message(text, span) == _build_message(text, span)


@settings(max_examples=400, deadline=None)
@given(st.lists(ALPHABET, min_size=1, max_size=30).map("".join), st.data())
def test_the_fast_path_accepts_only_what_the_token_rules_accept(text: str, data: st.DataObject) -> None:
    from cartel_fto_corpus.truth.spans import token_rules

    start = data.draw(st.integers(0, len(text) - 1))
    end = data.draw(st.integers(start + 1, len(text)))
    assert span_problem(text, start, end) == token_rules(text, start, end)


# Boundaries that mutation testing found unpinned (issue 26).


def test_quoted_span_text_is_cut_at_60_characters() -> None:
    from cartel_fto_corpus.truth.spans import token_rules

    sixty = " " + "a" * 59
    assert token_rules(sixty, 0, 60) == ("span-whitespace", f'expected a span without surrounding white space, found "{sixty}"')
    sixty_one = sixty + "a"
    assert token_rules(sixty_one, 0, 61) == (
        "span-whitespace",
        f'expected a span without surrounding white space, found "{sixty_one[:59]}\u2026"',
    )


@pytest.mark.parametrize(
    ("span", "closes"),
    [
        ("f()", True),  # the opener right before the closer
        ("(a) b)", False),  # as many closed as opened before the last one
        ("(a (b)", True),
        ('"a" "b" "c"', True),  # five straight quotes before the last one: odd
        ('"a" "b"', True),
        ('a" "b"', False),
        ("a)", False),
        ("ab", False),
    ],
)
def test_a_closing_mark_ends_a_span_only_if_opened_inside_it(span: str, closes: bool) -> None:
    from cartel_fto_corpus.truth.spans import _closes_inside

    assert _closes_inside(span) is closes


def test_set_spans_lists_unnamed_holders_and_claimants_in_report_order() -> None:
    from cartel_fto_corpus.truth.spans import set_spans

    span = {"start": 0, "end": 1, "text": "a"}
    aset = {
        "entities": [span],
        "stances": [
            {"holder": {"kind": "unnamed", "span": span}, "evidence": [span, span]},
            {"holder": {"kind": "author"}, "evidence": [span]},
        ],
        "claims": [{"claimant": {"kind": "entity"}, **span}, {"claimant": {"kind": "unnamed", "span": span}, **span}],
    }
    assert [p for p, _ in set_spans(aset)] == [
        "/entities/0",
        "/stances/0/holder/span",
        "/stances/0/evidence/0",
        "/stances/0/evidence/1",
        "/stances/1/evidence/0",
        "/claims/0",
        "/claims/1/claimant/span",
        "/claims/1",
    ]


def test_trailing_marks_are_dropped_from_the_last_character_only() -> None:
    from cartel_fto_corpus.truth.spans import _base, _last_allowed

    assert _base("ab\u0301") == "ab"
    assert _base("ab\u0301\ufe0f") == "ab"
    assert _base("\u0301") == ""
    assert _last_allowed("\u0301", 0, 1) is False  # nothing but marks: no last character to allow
    assert _last_allowed("(a)\u0301", 0, 4) is True


def test_an_abbreviation_at_the_very_start_of_the_text_keeps_its_full_stop() -> None:
    assert span_problem("U.S. officials said", 0, 4) is None
    assert span_problem("the U.S. said", 4, 8) is None
    assert span_problem("Rubio. He", 0, 6)[0] == "span-trailing-symbol"


def test_messages_name_the_first_line_break_and_the_whole_accented_letter() -> None:
    from cartel_fto_corpus.truth.spans import token_rules

    assert token_rules("ab\ncd\nef", 0, 8) == (
        "crosses-paragraph",
        "expected a span inside one paragraph, found a line break at offset 2; split it or set multi_paragraph",
    )
    text = "Jose\u0301 said"  # the accent is a combining mark: a token of its own, but part of the "é"
    assert token_rules(text, 4, 10) == (
        "span-starts-inside-word",
        'expected a span starting on a word boundary, found start 4 inside "e\u0301" (3:5)',
    )
    assert token_rules(text, 0, 4) == (
        "span-ends-inside-word",
        'expected a span ending on a word boundary, found end 4 inside "e\u0301" (3:5)',
    )


def test_a_multi_paragraph_span_off_the_fast_path_may_cross_a_line_break() -> None:
    text = "$5\nmore"
    assert span_problem(text, 0, 7, multi_paragraph=True) is None
    assert span_problem(text, 0, 7)[0] == "crosses-paragraph"
