"""checks/reported_speech.py below the fixtures: tests that kill survivors of the mutation run (issue 26).

Every reporting verb and every adjunct start of the closed lists is tried on its own, so a list
entry changed or dropped fails a test.
"""

from __future__ import annotations

from typing import Any

import pytest

from cartel_fto_corpus.checks.reported_speech import ADJUNCT_STARTS, REPORTING_VERBS, is_object_cue, reported_speech_problems, reporting_cue


@pytest.mark.parametrize("verb", REPORTING_VERBS)
def test_each_reporting_verb_with_that(verb: str) -> None:
    assert reporting_cue(f"Officials {verb} this week that the plan failed") == f"{verb} ... that"
    assert reporting_cue(f"Officials {verb.upper()} on Monday") is None


@pytest.mark.parametrize("verb", [v for v in REPORTING_VERBS if v not in ("told", "tells")])
def test_each_reporting_verb_with_an_object(verb: str) -> None:
    assert reporting_cue(f"Critics {verb} the move was rash") == f"{verb} the move"


@pytest.mark.parametrize("verb", ["told", "tells", "TOLD"])
def test_told_takes_the_addressee(verb: str) -> None:
    assert reporting_cue(f"He {verb} reporters nothing") is None


@pytest.mark.parametrize("word", sorted(ADJUNCT_STARTS))
def test_each_adjunct_start_is_no_object(word: str) -> None:
    assert reporting_cue(f"Mr Rubio said {word} passing") is None
    assert reporting_cue(f"Mr Rubio said {word.capitalize()} passing") is None


def test_verbs_outside_the_list_and_words_containing_a_verb() -> None:
    assert reporting_cue("The United States designated the cartels") is None
    assert reporting_cue("He resaid the whole thing") is None
    assert reporting_cue("It was unsaid by all") is None
    assert reporting_cue("Officials said") is None  # a frame alone
    assert reporting_cue("Officials said it") is None  # one word after: no object cue
    assert reporting_cue("Officials said it twice") == "said it twice"


def test_that_within_five_words_only() -> None:
    assert reporting_cue("He said in a long statement that x") == "said ... that"
    assert reporting_cue("He said in a very long statement that x") is None
    assert reporting_cue("He said in a lengthy written press statement that x") is None
    assert reporting_cue("He told reporters That x") == "told ... that"


@pytest.mark.parametrize(
    ("text", "cue"),
    [
        ('He called it "a grave mistake" today', '"a grave mistake"'),
        ("He called it \u201ca grave mistake\u201d", "\u201ca grave mistake\u201d"),
        ('He called it "a grave mistake\u201d', '"a grave mistake\u201d'),
        ('a "scare quote" only', None),
        ('a "two words" then "three more words"', '"three more words"'),
    ],
)
def test_quotations_of_three_words_or_more(text: str, cue: str | None) -> None:
    assert reporting_cue(text) == cue


@pytest.mark.parametrize(
    ("text", "cue"),
    [
        ("According to officials, the vote was delayed", "according to"),
        ("the vote was delayed, according to officials", "according to"),
        ("ACCORDING TO officials, the vote was delayed", "according to"),
        ("According to officials, the vote", None),
        ("According to officials the vote was delayed", None),
        ("according to, , ,", None),
        ("the vote was delayed according to officials", None),
        ("according tomorrow, the vote was delayed", None),
    ],
)
def test_according_to_in_one_part_and_three_words_in_another(text: str, cue: str | None) -> None:
    assert reporting_cue(text) == cue


def test_the_quotation_rule_comes_first_then_the_verb_rules() -> None:
    assert reporting_cue('said that "a b c"') == '"a b c"'
    assert reporting_cue("according to them, he said the move failed") == "said the move"


@pytest.mark.parametrize(
    ("cue", "guess"),
    [('"a b c"', False), ("\u201ca b c\u201d", False), ("said ... that", False), ("according to", False), ("said the move", True)],
)
def test_object_cues_are_the_guess(cue: str, guess: bool) -> None:
    assert is_object_cue(cue) is guess


def _aset(*stances: dict[str, Any]) -> dict[str, Any]:
    return {"stances": list(stances)}


def _stance(kind: str, *texts: str) -> dict[str, Any]:
    return {"holder": {"kind": kind}, "evidence": [{"text": t} for t in texts]}


def test_problems_of_author_evidence_only_with_codes_and_messages() -> None:
    long = "Officials said that " + "x" * 60
    aset = _aset(
        _stance("entity", "Officials said that it failed"),
        _stance("author", "plain words", "Critics questioned the move", long),
    )
    got = list(reported_speech_problems("/annotations/0", aset))
    assert got == [
        (
            "/annotations/0/stances/1/evidence/1",
            "author-evidence-speech-object",
            "expected the author's own words (a reporting frame alone at most) as evidence of the author's stance, "
            "found an actor's reported content ('questioned the move' in 'Critics questioned the move'); "
            "it is evidence for that actor's stance",
        ),
        (
            "/annotations/0/stances/1/evidence/2",
            "author-evidence-reporting-frame",
            "expected the author's own words (a reporting frame alone at most) as evidence of the author's stance, "
            f"found an actor's reported content ('said ... that' in {long[:59] + chr(0x2026)!r}); it is evidence for that actor's stance",
        ),
    ]
    sixty = "Critics questioned the move " + "y" * 32
    assert len(sixty) == 60
    [(_p, _c, message)] = reported_speech_problems("/a", _aset(_stance("author", sixty)))
    assert repr(sixty) in message


def test_evidence_of_61_characters_is_cut() -> None:
    text = "Critics questioned the move " + "y" * 33
    [(_p, _c, message)] = reported_speech_problems("/a", _aset(_stance("author", text)))
    assert repr(text[:59] + "\u2026") in message
