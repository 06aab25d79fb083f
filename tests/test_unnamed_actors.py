"""checks/unnamed_actors.py below the fixtures: tests that kill survivors of the mutation run (issue 26)."""

from __future__ import annotations

from typing import Any

import pytest

from cartel_fto_corpus.checks.unnamed_actors import description_key, unnamed_actor_problems


def _actor(start: int, end: int, description: str, text: str = "") -> dict[str, Any]:
    return {"kind": "unnamed", "span": {"start": start, "end": end, "text": text or f"t{start}"}, "description": description}


def _set(holders: list[dict[str, Any]], claimants: list[dict[str, Any]] = ()) -> dict[str, Any]:  # type: ignore[assignment]
    return {
        "stances": [{"holder": h} for h in holders],
        "claims": [{"claimant": c} for c in claimants],
    }


def _problems(aset: dict[str, Any]) -> list[tuple[str, str, str]]:
    return list(unnamed_actor_problems("/annotations/0", aset))


@pytest.mark.parametrize(
    ("a", "b"),
    [("A source close to the White House", "source  close to the white house"), ("The official", "official"), ("an aide", "AN   Aide ")],
)
def test_description_key_ignores_case_spaces_and_a_leading_article(a: str, b: str) -> None:
    assert description_key(a) == description_key(b)


def test_description_key_keeps_inner_articles_and_other_words() -> None:
    assert description_key("the the official") == "the official"
    assert description_key("another official") == "another official"
    assert description_key("Theofficial") == "theofficial"
    assert description_key("officials") != description_key("official")


def test_same_actor_everywhere_is_no_problem() -> None:
    actor = _actor(10, 20, "a US official")
    aset = _set([actor, {"kind": "author"}], [_actor(10, 20, "The US official"), {"kind": "entity"}])
    assert _problems(aset) == []
    assert _problems(_set([_actor(0, 5, "one"), _actor(5, 9, "two")])) == []  # touching spans are disjoint


def test_overlapping_spans_must_be_the_same_span() -> None:
    aset = _set([_actor(10, 20, "a source", "sources say")], [_actor(12, 20, "a source", "urces say")])
    assert _problems(aset) == [
        (
            "/annotations/0/claims/0/claimant/span",
            "unnamed-actor-span",
            "expected the span of the same unnamed actor at /annotations/0/stances/0/holder (10:20 'sources say'), found 12:20 'urces say'",
        )
    ]
    inside = _set([_actor(10, 20, "x"), _actor(19, 30, "x")])
    assert [p[1] for p in _problems(inside)] == ["unnamed-actor-span"]
    assert [p[1] for p in _problems(_set([_actor(10, 20, "x"), _actor(0, 11, "y")]))] == ["unnamed-actor-span"]


def test_the_same_span_must_have_one_description() -> None:
    aset = _set([_actor(10, 20, "a diplomat", "a diplomat"), _actor(10, 20, "an official", "a diplomat")])
    assert _problems(aset) == [
        (
            "/annotations/0/stances/1/holder/description",
            "unnamed-actor-description",
            "expected one description of the unnamed actor 'a diplomat' (/annotations/0/stances/0/holder: 'a diplomat'), "
            "found 'an official'",
        )
    ]


def test_only_the_first_overlapping_actor_is_compared() -> None:
    aset = _set([_actor(10, 20, "one"), _actor(10, 20, "one"), _actor(10, 20, "two")])
    assert [p[0] for p in _problems(aset)] == ["/annotations/0/stances/2/holder/description"]
    aset = _set([_actor(10, 20, "one"), _actor(30, 40, "two"), _actor(10, 20, "one")])
    assert _problems(aset) == []


def test_the_same_description_must_have_the_same_span() -> None:
    aset = _set([_actor(10, 20, "a diplomat", "a diplomat"), _actor(50, 55, "other")], [_actor(80, 90, "The diplomat", "the envoy")])
    assert _problems(aset) == [
        (
            "/annotations/0/claims/0/claimant/span",
            "unnamed-actor-span",
            "expected the span of the same unnamed actor 'The diplomat' at /annotations/0/stances/0/holder "
            "(10:20 'a diplomat'), found 80:90 'the envoy'",
        )
    ]
    assert _problems(_set([_actor(10, 20, "a"), _actor(30, 40, "b")])) == []


def test_a_later_span_that_ends_where_the_first_starts_is_disjoint() -> None:
    assert _problems(_set([_actor(5, 9, "one"), _actor(0, 5, "two")])) == []
