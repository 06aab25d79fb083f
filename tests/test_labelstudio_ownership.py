"""Who owns what (ownership.py) and pull messages a person can act on (convert.py), without a server."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cartel_fto_corpus.labelstudio import config as C
from cartel_fto_corpus.labelstudio import ownership as O
from cartel_fto_corpus.labelstudio.convert import ConvertError, provenance, regions_to_set, set_to_regions
from cartel_fto_corpus.truth.schema import load_schemas

ROOT = Path(__file__).resolve().parent / "fixtures" / "corpus"
LS_TIME = "2030-05-06T07:08:09.123456Z"


def fixture_case() -> tuple[str, dict]:
    doc = json.loads((ROOT / "annotations" / "900_00000000000000aa.json").read_text(encoding="utf-8"))
    return (ROOT / "texts" / "900_00000000000000aa.txt").read_text(encoding="utf-8"), doc["annotations"][0]


def read_back(result: list[dict], text: str, annotator: str = "anna", prov: dict | None = None):
    return regions_to_set(result, text, annotator, prov, created_at=LS_TIME, updated_at=LS_TIME, guideline_version="1.0")


def without(result: list[dict], rid: str, keep_relations: bool = False) -> list[dict]:
    """The result after deleting region `rid` in the editor (which also deletes its relations, unless told not to)."""
    out = [i for i in result if i.get("id") != rid]
    if not keep_relations:
        out = [i for i in out if rid not in (i.get("from_id"), i.get("to_id"))]
    return out


def test_accepting_a_gold_pre_annotation_gives_the_annotator_a_draft() -> None:
    text, aset = fixture_case()
    assert aset["status"] == "gold"
    result = set_to_regions(aset)
    assert not any(i.get("from_name") == C.STATUS for i in result)  # no status travels in a prediction
    got = read_back(result, text).annotation_set  # a human's submission: no provenance of theirs yet
    assert got["status"] == "draft" and got["annotator"] == "anna"
    # the pushed set itself keeps its status through the task meta
    assert read_back(result, text, aset["annotator"], provenance(aset)).annotation_set["status"] == "gold"


def test_deleted_claimant_is_one_line_with_claim_id_and_text() -> None:
    text, aset = fixture_case()
    claim = aset["claims"][0]
    with pytest.raises(ConvertError) as err:
        read_back(without(set_to_regions(aset), claim["claimant"]["mention"]), text)
    msg = str(err.value)
    assert "\n" not in msg and f"claim {claim['id']} " in msg and "lost its claimant" in msg
    assert json.dumps(claim["text"][:20], ensure_ascii=False)[:-1] in msg


def test_deleted_holder_names_the_stance() -> None:
    text, aset = fixture_case()
    stance = next(s for s in aset["stances"] if s["holder"].get("mention"))
    assert all(c["claimant"].get("mention") != stance["holder"]["mention"] for c in aset["claims"])
    result = set_to_regions(aset)
    with pytest.raises(ConvertError, match=rf"stance evidence {stance['id']} .*lost its holder"):
        read_back(without(result, stance["holder"]["mention"]), text)


def test_region_without_label_and_relation_to_deleted_region() -> None:
    text, aset = fixture_case()
    result = set_to_regions(aset)
    e = aset["entities"][1]
    unlabeled = [{**i, "value": {**i["value"], "labels": []}} if i.get("id") == e["id"] and i["type"] == "labels" else i for i in result]
    with pytest.raises(ConvertError, match=rf'region {e["id"]} "{re.escape(e["text"])}": has no label'):
        read_back(unlabeled, text)
    claim = aset["claims"][0]
    dangling = [i for i in result if not (i.get("id") == claim["claimant"]["mention"] and i.get("type") != "relation")]
    with pytest.raises(
        ConvertError, match=rf"claim {claim['id']} .*relation points to region {claim['claimant']['mention']}, which was deleted"
    ):
        read_back(dangling, text)


def _new_entity(result: list[dict], rid: str, name: str | None) -> list[dict]:
    out = []
    for i in result:
        if i.get("id") == rid and i.get("from_name") == C.ENTITY_ID:
            i = {**i, "value": {"taxonomy": [[C.NEW_ENTITY]]}}
            if name is not None:
                out.append({**i, "from_name": C.ENTITY_NAME, "type": "textarea", "value": {"text": [name]}})
        out.append(i)
    return out


def test_new_entity_comes_back_as_a_proposal() -> None:
    text, aset = fixture_case()
    e = aset["entities"][3]
    conv = read_back(_new_entity(set_to_regions(aset), e["id"], "Cártel de Sinaloa"), text)
    got = next(m for m in conv.annotation_set["entities"] if m["id"] == e["id"])
    assert got["entity"] == "cartel_de_sinaloa"
    assert conv.proposals == [O.proposed_entity("Cártel de Sinaloa", e["label"])]
    assert conv.proposals[0]["qid"] is None and conv.proposals[0]["proposed"] is True
    with pytest.raises(ConvertError, match="new_entity chosen but no name"):
        read_back(_new_entity(set_to_regions(aset), e["id"], None), text)


def test_proposals_join_the_registry_once_and_clashes_are_reported() -> None:
    registry = json.loads((ROOT / "annotations" / "registry.json").read_text(encoding="utf-8"))
    p = O.proposed_entity("White House building", "FAC")
    new, lines = O.add_proposals(registry, [p, p])
    assert new["entities"][-1] == p and len(new["entities"]) == len(registry["entities"]) + 1 and lines == []
    assert O.add_proposals(new, [p]) == (new, [])
    clash = {**p, "name": "Something else"}
    assert O.add_proposals(new, [clash])[1] and "clashes" in O.add_proposals(new, [clash])[1][0]
    schema = load_schemas()["registry"]["$defs"]["entity"]
    assert set(p) <= set(schema["properties"])  # the schema knows every key of a proposal


def test_a_new_claim_cluster_typed_in_the_editor_comes_back_as_a_proposal() -> None:
    """Clusters are picked from the registry; one it lacks is typed as its summary and proposed, of the claim's kind."""
    text, aset = fixture_case()
    claim = aset["claims"][0]
    result = set_to_regions(aset)
    summary = "The cartels move their money through front companies."
    result.append({"id": claim["id"], "from_name": C.CLUSTER_NEW, "to_name": "claims", "type": "textarea", "value": {"text": [summary]}})
    conv = read_back(result, text)
    got = next(c for c in conv.annotation_set["claims"] if c["id"] == claim["id"])
    kind = "non_factual" if claim["checkworthiness"] == "non_factual" else "factual"
    assert conv.proposals == [O.proposed_cluster(summary, kind)]
    assert got["clusters"] == [*claim["clusters"], "the_cartels_move_their_money_through_front_companies"]
    registry = json.loads((ROOT / "annotations" / "registry.json").read_text(encoding="utf-8"))
    new, lines = O.add_proposals(registry, conv.proposals)
    assert new["clusters"][-1] == conv.proposals[0] and new["entities"] == registry["entities"] and lines == []
    schema = load_schemas()["registry"]["$defs"]["cluster"]
    assert set(conv.proposals[0]) == set(schema["required"])  # a valid registry cluster, no extra key
    clash = {**conv.proposals[0], "kind": "non_factual" if kind == "factual" else "factual"}
    assert "clashes" in O.add_proposals(new, [clash])[1][0]


@given(st.text(min_size=1, max_size=40))
def test_proposed_ids_are_registry_ids(name: str) -> None:
    pattern = load_schemas()["common"]["$defs"]["registry_id"]["pattern"]
    assert re.match(pattern, O.slug(name))


def test_humans_sets_are_not_predictions_and_gold_is_never_doubled() -> None:
    sets = [{"annotator": "model", "status": "gold"}, {"annotator": "anna", "status": "draft"}]
    assert O.prediction_sets(sets, {"anna", None}) == [sets[0]]
    assert O.prediction_sets(sets, ()) == [sets[0]]  # one pre-annotation per task: the gold set
    assert O.prediction_sets(sets[::-1], ()) == [sets[0]]
    assert O.prediction_sets(sets, {"model"}) == []  # the model works on the task itself: nothing offered
    drafts = [{"annotator": "a", "status": "draft"}, {"annotator": "b", "status": "draft"}]
    assert O.prediction_sets(drafts, ()) == [drafts[0]]
    two = [{"annotator": "model", "status": "gold"}, {"annotator": "anna", "status": "gold"}]
    out, lines = O.resolve_gold(two, {"anna"})
    assert [s["status"] for s in out] == ["gold", "draft"] and "anna" in lines[0]


def test_task_titles_are_headline_or_first_sentence() -> None:
    assert O.task_title("**Bold summary.**\n**Headline**\nBody", "Headline") == "Headline"
    assert O.task_title("\n**Cartels named.** More text here.\nNext", None) == "Cartels named."
    long = "word " * 40
    assert len(O.task_title(long, None)) <= O.TITLE_MAX and O.task_title(long, None).endswith("…")
    for p in sorted((ROOT.parents[2] / "texts").glob("*.txt")):
        title = O.task_title(p.read_text(encoding="utf-8"), None)
        assert title and not title.startswith(p.stem[:3] + "_")  # never the document id
