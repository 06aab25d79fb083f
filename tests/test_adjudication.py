"""checks/adjudication.py below the fixtures: tests that kill survivors of the mutation run (issue 26).

A document of two annotators' sets and an adjudicated one, built here, whose record is sound;
each test breaks one thing and expects exactly its (pointer, code, message).
"""

from __future__ import annotations

import copy
from typing import Any

from cartel_fto_corpus.checks.adjudication import adjudication_problems

BASE = "/annotations/2/adjudication"


def _unit(
    layer: str, result: str | None, decision: str = "agreed", took: str | None = None, reason: str | None = None, sides: Any = None
) -> dict[str, Any]:
    return {"layer": layer, "result": result, "decision": decision, "took": took, "reason": reason, "sides": sides or []}


def _doc() -> dict[str, Any]:
    a = {"annotator": "a", "entities": [{"id": "e1"}], "stances": [{"id": "s1"}], "claims": [{"id": "c1"}]}
    b = {"annotator": "b", "entities": [{"id": "e1"}, {"id": "e2"}], "stances": [], "claims": [{"id": "c9"}]}
    gold = {
        "annotator": "gold",
        "entities": [{"id": "g_e1"}, {"id": "g_e2"}],
        "stances": [{"id": "g_s1"}],
        "claims": [{"id": "g_c1"}],
        "adjudication": {
            "annotators": ["a", "b"],
            "units": [
                _unit("entities", "g_e1", sides=[{"annotator": "a", "item": "e1"}, {"annotator": "b", "item": "e1"}]),
                _unit(
                    "entities", "g_e2", "side", "b", "only b saw it", [{"annotator": "a", "item": None}, {"annotator": "b", "item": "e2"}]
                ),
                _unit("stances", "g_s1", "edited", None, "merged", [{"annotator": "a", "item": "s1"}]),
                _unit("claims", "g_c1", "side", "a", "a is right", [{"annotator": "a", "item": "c1"}, {"annotator": "b", "item": "c9"}]),
                _unit("claims", None, "dropped", None, "not a claim", [{"annotator": "b", "item": None}]),
            ],
        },
    }
    return {"annotations": [a, b, gold]}


def test_a_sound_record_and_a_set_without_one() -> None:
    assert adjudication_problems(_doc(), 2) == []
    assert adjudication_problems(_doc(), 0) == []


def test_an_annotator_without_a_set() -> None:
    doc = _doc()
    doc["annotations"][2]["adjudication"]["annotators"] = ["a", "b", "gold", "z"]
    assert adjudication_problems(doc, 2) == [
        (f"{BASE}/annotators/2", "adjudication-unknown-annotator", "expected an annotator with a set in this file, found 'gold'"),
        (f"{BASE}/annotators/3", "adjudication-unknown-annotator", "expected an annotator with a set in this file, found 'z'"),
    ]


def test_a_result_that_is_no_item_of_the_set() -> None:
    doc = _doc()
    doc["annotations"][2]["adjudication"]["units"][2]["result"] = "g_c1"  # a claim's id in the stance layer
    doc["annotations"][2]["adjudication"]["units"][3]["result"] = None
    assert adjudication_problems(doc, 2) == [
        (f"{BASE}/units/2/result", "adjudication-unknown-result", "expected the id of an item of this set's stances, found 'g_c1'"),
        (
            "/annotations/2/stances/0",
            "adjudication-untraced",
            "expected exactly one unit of the adjudication record with result 'g_s1', found none",
        ),
        (
            "/annotations/2/claims/0",
            "adjudication-untraced",
            "expected exactly one unit of the adjudication record with result 'g_c1', found none",
        ),
    ]


def test_an_item_traced_twice() -> None:
    doc = _doc()
    units = doc["annotations"][2]["adjudication"]["units"]
    units.append(copy.deepcopy(units[0]))
    units.append(copy.deepcopy(units[0]))
    assert adjudication_problems(doc, 2) == [
        (
            "/annotations/2/entities/0",
            "adjudication-untraced",
            "expected exactly one unit of the adjudication record with result 'g_e1', found 3 units",
        )
    ]


def test_an_agreed_unit_names_no_decision() -> None:
    for field, value in (("took", "a"), ("reason", "because"), ("reason", "")):
        doc = _doc()
        doc["annotations"][2]["adjudication"]["units"][0][field] = value
        assert adjudication_problems(doc, 2) == [
            (f"{BASE}/units/0", "adjudication-agreed-with-decision", "expected took and reason null for an agreed unit, found a decision")
        ]


def test_a_decision_needs_a_reason_and_a_side_a_compared_annotator() -> None:
    doc = _doc()
    units = doc["annotations"][2]["adjudication"]["units"]
    units[1]["reason"] = ""
    units[2]["reason"] = None
    units[3]["took"] = "gold"
    units[4]["took"] = "nobody"  # dropped: took is not checked
    assert adjudication_problems(doc, 2) == [
        (f"{BASE}/units/1/reason", "adjudication-no-reason", "expected the reason of a side decision, found none"),
        (f"{BASE}/units/2/reason", "adjudication-no-reason", "expected the reason of a edited decision, found none"),
        (f"{BASE}/units/3/took", "adjudication-unknown-side", "expected one of a, b, found 'gold'"),
    ]


def test_sides_name_compared_annotators_and_their_items() -> None:
    doc = _doc()
    doc["annotations"].append({"annotator": "c", "entities": [], "stances": [], "claims": []})
    units = doc["annotations"][2]["adjudication"]["units"]
    units[0]["sides"][1]["annotator"] = "c"  # has a set, but was not compared
    units[1]["sides"][0]["annotator"] = "gold"  # the adjudicated set itself
    units[2]["sides"][0]["item"] = "e1"  # an entity id in the stance layer
    units[3]["sides"][1]["item"] = "c1"  # a's claim, not b's
    assert adjudication_problems(doc, 2) == [
        (f"{BASE}/units/0/sides/1/annotator", "adjudication-unknown-annotator", "expected a compared annotator, found 'c'"),
        (f"{BASE}/units/1/sides/0/annotator", "adjudication-unknown-annotator", "expected a compared annotator, found 'gold'"),
        (f"{BASE}/units/2/sides/0/item", "adjudication-unknown-source", "expected the id of an item of a's stances, found 'e1'"),
        (f"{BASE}/units/3/sides/1/item", "adjudication-unknown-source", "expected the id of an item of b's claims, found 'c1'"),
    ]


def test_a_record_of_another_index() -> None:
    doc = _doc()
    doc["annotations"] = [doc["annotations"][2], doc["annotations"][0], doc["annotations"][1]]
    doc["annotations"][0]["entities"].append({"id": "g_e3"})
    assert adjudication_problems(doc, 0) == [
        (
            "/annotations/0/entities/2",
            "adjudication-untraced",
            "expected exactly one unit of the adjudication record with result 'g_e3', found none",
        )
    ]
