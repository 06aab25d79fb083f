"""The checks of guidelines 1.1 as pure functions (the fixtures in test_validate.py show them end to end)."""

from __future__ import annotations

from cartel_fto_corpus.checks.rules_1_1 import ARTICLE_CITATION, discrepancy_problems


def cited(text: str) -> list[str]:
    return [m.group(0) for m in ARTICLE_CITATION.finditer(text)]


def test_article_numbers_are_read_only_where_they_stand_alone() -> None:
    assert cited("000 and 001 say so; (002, 003) differ; 004's list is partial; 001/004") == [
        "000",
        "001",
        "002",
        "003",
        "004",
        "001",
        "004",
    ]
    assert cited("10,000 troops, Executive Order 14157, 2017-2021, $50 million, 3.141, Q324546, id_003") == []


def test_discrepancy_citing_only_members_passes_and_a_non_member_fails() -> None:
    reg = {"clusters": [{"id": "a", "discrepancies": "001 says Wednesday, 004 Thursday"}, {"id": "b", "discrepancies": None}]}
    assert list(discrepancy_problems(reg, {"a": {"001", "004"}})) == []
    assert list(discrepancy_problems(reg, {"a": {"001"}})) == [
        ("/clusters/0/discrepancies", "discrepancy-citation", "expected citations only of articles with a member claim (001), found 004")
    ]
