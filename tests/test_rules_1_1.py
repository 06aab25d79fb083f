"""The checks of guidelines 1.1 as pure functions (the fixtures in test_validate.py show them end to end)."""

from __future__ import annotations

import pytest

from cartel_fto_corpus.checks import rules_1_1
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


# Every branch and boundary with its exact message (issue 26: mutation testing found the fixtures
# reach each rule through one case).


def test_article_number_is_the_prefix_before_the_first_underscore() -> None:
    assert rules_1_1.article_number("001_abc_def") == "001"
    assert rules_1_1.article_number("001") == "001"


@pytest.mark.parametrize(
    ("checkworthiness", "kind"), [("non_factual", "non_factual"), ("check_worthy", "factual"), ("unimportant_factual", "factual")]
)
def test_claim_kind(checkworthiness: str, kind: str) -> None:
    assert rules_1_1.claim_kind({"checkworthiness": checkworthiness}) == kind


def test_cluster_kind_problem() -> None:
    claim = {"checkworthiness": "check_worthy"}
    assert rules_1_1.cluster_kind_problem(claim, {"id": "c", "kind": "factual"}) is None
    assert rules_1_1.cluster_kind_problem(claim, {"id": "c", "kind": "non_factual"}) == (
        "expected a cluster of kind factual for a check_worthy claim, found 'c' of kind non_factual"
    )
    assert rules_1_1.cluster_kind_problem({"checkworthiness": "non_factual"}, {"id": "d", "kind": "non_factual"}) is None


def test_opinion_problem() -> None:
    assert rules_1_1.opinion_problem({"type": "opinion", "checkworthiness": "non_factual"}) is None
    assert rules_1_1.opinion_problem({"type": "factual", "checkworthiness": "check_worthy"}) is None
    assert rules_1_1.opinion_problem({"type": "opinion", "checkworthiness": "check_worthy"}) == (
        "expected non_factual for an opinion claim, found 'check_worthy'"
    )


def test_proposed_qid_problem() -> None:
    message = "expected null (a proposed entity has no QID until a maintainer accepts it), found Q30"
    assert rules_1_1.proposed_qid_problem({"proposed": True, "qid": "Q30"}) == message
    assert rules_1_1.proposed_qid_problem({"proposed": False, "qid": "Q30"}) is None
    assert rules_1_1.proposed_qid_problem({"qid": "Q30"}) is None
    assert rules_1_1.proposed_qid_problem({"proposed": True, "qid": None}) is None


def test_qid_source_problem() -> None:
    assert rules_1_1.qid_source_problem({"qid": None, "qid_source": None}) is None
    assert rules_1_1.qid_source_problem({"qid": "Q1", "qid_source": {"x": 1}}) is None
    assert (
        rules_1_1.qid_source_problem({"qid": "Q1", "qid_source": None}) == "expected a qid_source saying how Q1 was confirmed, found null"
    )
    assert (
        rules_1_1.qid_source_problem({"qid": None, "qid_source": {"x": 1}}) == "expected null (the entity has no QID), found a qid_source"
    )


def test_discrepancy_problems() -> None:
    reg = {
        "clusters": [
            {"id": "a", "discrepancies": ""},
            {"id": "b", "discrepancies": "001 says ten, 002 says twelve, 002 again; 10,000 and 2017 are no articles"},
            {"id": "c", "discrepancies": "003 and 004"},
        ]
    }
    found = list(rules_1_1.discrepancy_problems(reg, {"b": {"001", "005"}}))
    assert found == [
        (
            "/clusters/1/discrepancies",
            "discrepancy-citation",
            "expected citations only of articles with a member claim (001, 005), found 002",
        ),
        ("/clusters/2/discrepancies", "discrepancy-citation", "expected citations only of articles with a member claim (none), found 003"),
        ("/clusters/2/discrepancies", "discrepancy-citation", "expected citations only of articles with a member claim (none), found 004"),
    ]
    assert list(rules_1_1.discrepancy_problems(reg, {"b": {"001", "002"}, "c": {"003", "004"}})) == []


def _span(start: int, end: int) -> dict[str, int]:
    return {"start": start, "end": end}


def _set(evidence: list[dict[str, int]], claimant: dict[str, str], holder: str = "author") -> dict:
    return {
        "stances": [
            {"holder": {"kind": "entity", "entity": "x"}, "evidence": [_span(0, 100)]},
            {"holder": {"kind": holder}, "evidence": evidence},
        ],
        "claims": [{"id": "c1", "start": 10, "end": 20, "claimant": claimant}],
    }


def test_author_evidence_problems() -> None:
    entity = {"kind": "entity", "entity": "marco_rubio"}
    unnamed = {"kind": "unnamed", "description": "officials"}
    # touching is not overlapping, on either side
    assert list(rules_1_1.author_evidence_problems("/b", _set([_span(0, 10), _span(20, 30)], entity))) == []
    assert list(rules_1_1.author_evidence_problems("/b", _set([_span(0, 10), _span(19, 30)], entity))) == [
        (
            "/b/stances/1/evidence/1",
            "author-evidence-in-reported-speech",
            "expected author evidence in the article's own voice, found 19:30 inside claim c1 (10:20), the reported content of 'marco_rubio'",
        )
    ]
    assert [m for _, _, m in rules_1_1.author_evidence_problems("/b", _set([_span(5, 11)], unnamed))] == [
        "expected author evidence in the article's own voice, found 5:11 inside claim c1 (10:20), the reported content of 'officials'"
    ]
    # the author's own claims and other holders' evidence are not checked
    assert list(rules_1_1.author_evidence_problems("/b", _set([_span(5, 11)], {"kind": "author"}))) == []
    assert list(rules_1_1.author_evidence_problems("/b", _set([_span(5, 11)], entity, holder="unnamed"))) == []
