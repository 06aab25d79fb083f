"""Annotation set <-> Label Studio result: a lossless round trip, and errors that say where."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cartel_fto_corpus.labelstudio import config as C
from cartel_fto_corpus.labelstudio.convert import (
    ConvertError,
    annotator_name,
    content_hash,
    provenance,
    regions_to_set,
    set_diff,
    set_to_regions,
)
from cartel_fto_corpus.truth.schema import label_set

ROOT = Path(__file__).resolve().parent / "fixtures" / "corpus"
LS_TIME = "2030-05-06T07:08:09.123456Z"


def back(result: list[dict], text: str, aset: dict, prov: dict | None = None):
    return regions_to_set(
        result,
        text,
        aset["annotator"],
        provenance(aset) if prov is None else prov,
        created_at=LS_TIME,
        updated_at=LS_TIME,
        guideline_version="9.9",
    )


@st.composite
def span(draw, text: str) -> dict:
    start = draw(st.integers(0, len(text) - 1))
    end = draw(st.integers(start + 1, len(text)))
    out = {"start": start, "end": end, "text": text[start:end]}
    mp = draw(st.sampled_from([None, True, False]))
    if mp is not None:
        out["multi_paragraph"] = mp
    return out


@st.composite
def text_and_set(draw) -> tuple[str, dict]:
    text = draw(st.text(st.sampled_from([*"ab c\n.", "\U0001f4ac", "é", "\u201c"]), min_size=3, max_size=60))
    ids = st.from_regex(r"[a-z][a-z0-9_]{0,8}", fullmatch=True)
    entities = []
    for i in range(draw(st.integers(0, 5))):
        s = draw(span(text))
        s.pop("multi_paragraph", None)
        entities.append({"id": f"e{i + 1}", **s, "label": draw(st.sampled_from(label_set("entity_label"))), "entity": draw(ids)})

    def actor() -> dict:
        kinds = ["author", "entity", "unnamed"] + (["mention"] if entities else [])
        kind = draw(st.sampled_from(kinds))
        if kind == "author":
            return {"kind": "author"}
        if kind == "entity":
            return {"kind": "entity", "entity": draw(ids)}
        if kind == "mention":
            m = draw(st.sampled_from(entities))
            return {"kind": "entity", "entity": m["entity"], "mention": m["id"]}
        return {"kind": "unnamed", "description": draw(st.text("xyz ", min_size=1, max_size=8).filter(str.strip)), "span": draw(span(text))}

    claims = []
    for i in range(draw(st.integers(0, 4))):
        s = draw(span(text))
        c = {
            "id": f"c{i + 1}",
            **s,
            "claimant": actor(),
            "attribution": draw(st.sampled_from(label_set("attribution"))),
            "type": draw(st.sampled_from(label_set("claim_type"))),
            "checkworthiness": draw(st.sampled_from(label_set("checkworthiness"))),
            "hedged": draw(st.booleans()),
            "clusters": draw(st.lists(ids, max_size=3, unique=True)),
        }
        claims.append(c)
    stances, authorial = [], set()
    for i in range(draw(st.integers(0, 4))):
        holder, target = actor(), draw(ids)
        if holder["kind"] == "author":
            if target in authorial:
                continue
            authorial.add(target)
        stance = {
            "id": f"s{i + 1}",
            "holder": holder,
            "target": target,
            "label": draw(st.sampled_from(label_set("stance_label"))),
            "attribution": draw(st.sampled_from(label_set("attribution"))),
            "evidence": draw(st.lists(span(text), min_size=1, max_size=3)),
        }
        if draw(st.booleans()):
            stance["note"] = draw(st.text(max_size=10))
        stances.append(stance)
    aset = {
        "annotator": "ann.one",
        "guideline_version": "1.2",
        "created": "2025-01-01T00:00:00Z",
        "updated": "2025-02-01T00:00:00Z",
        "status": draw(st.sampled_from(label_set("status"))),
    }
    if draw(st.booleans()):
        aset["note"] = draw(st.text(max_size=20))
    # items out of id order (an adjudicated or hand-edited file): the order must travel explicitly
    entities, stances, claims = (draw(st.permutations(x)) if draw(st.booleans()) else x for x in (entities, stances, claims))
    aset.update(entities=entities, stances=stances, claims=claims)
    return text, aset


@settings(max_examples=300, deadline=None)
@given(text_and_set())
def test_round_trip_is_lossless(case: tuple[str, dict]) -> None:
    text, aset = case
    conv = back(set_to_regions(aset), text, aset)
    assert conv.warnings == []
    assert json.dumps(conv.annotation_set, ensure_ascii=False) == json.dumps(aset, ensure_ascii=False)  # same keys, same order


@settings(max_examples=100, deadline=None)
@given(text_and_set())
def test_result_is_json_and_carries_no_provenance(case: tuple[str, dict]) -> None:
    _text, aset = case
    result = set_to_regions(aset)
    assert json.loads(json.dumps(result)) == result
    dumped = json.dumps(result)
    assert aset["created"] not in dumped and aset["guideline_version"] not in dumped.replace('"1.2"', "")


def fixture_case() -> tuple[str, dict]:
    doc = json.loads((ROOT / "annotations" / "900_00000000000000aa.json").read_text(encoding="utf-8"))
    return (ROOT / "texts" / "900_00000000000000aa.txt").read_text(encoding="utf-8"), doc["annotations"][0]


def test_fixture_round_trip_and_updated_only_changes_with_content() -> None:
    text, aset = fixture_case()
    assert back(set_to_regions(aset), text, aset).annotation_set == aset
    result = set_to_regions(aset)
    for item in result:
        if item.get("from_name") == C.CHECKWORTHINESS and item["id"] == "c2":
            item["value"]["choices"] = ["non_factual"]
    got = back(result, text, aset).annotation_set
    assert got["updated"] == "2030-05-06T07:08:09Z" and got["created"] == aset["created"]
    assert got["claims"][1]["checkworthiness"] == "non_factual"
    assert "claims changed c2" in set_diff(aset, got)


def test_offsets_win_over_value_text_after_an_emoji() -> None:
    text, aset = fixture_case()
    emoji = next(i for i, ch in enumerate(text) if ord(ch) > 0xFFFF)
    result = set_to_regions(aset)
    utf16 = text.encode("utf-16-le")
    touched = 0
    for item in result:
        v = item.get("value", {})
        if item.get("type") == "labels" and v["start"] > emoji:
            v["text"] = utf16[2 * v["start"] : 2 * v["end"]].decode("utf-16-le", errors="replace")  # off by one unit
            touched += 1
    assert touched
    conv = back(result, text, aset)
    assert conv.annotation_set == aset
    assert len(conv.warnings) == touched


def test_unchanged_regions_sent_back_with_empty_text_warn_nothing() -> None:
    """The editor sends `value.text: ""` for every region pushed without its text (issue 23 point 3)."""
    text, aset = fixture_case()
    result = set_to_regions(aset)
    for item in result:
        if item.get("type") == "labels":
            item["value"].setdefault("text", "")
    conv = back(result, text, aset)
    assert conv.annotation_set == aset and conv.warnings == []


def test_new_regions_get_fresh_ids_and_link_by_relation() -> None:
    text, aset = fixture_case()
    result = set_to_regions(aset)
    start = text.index("Cartels")
    value = {"start": start, "end": start + 7, "text": "Cartels"}
    result += [
        {"id": "RnD0m1", "from_name": C.ENTITY, "to_name": "text", "type": "labels", "value": {**value, "labels": ["ORG"]}},
        {
            "id": "RnD0m1",
            "from_name": C.ENTITY_ID,
            "to_name": "text",
            "type": "textarea",
            "value": {"start": start, "end": start + 7, "text": ["sinaloa_cartel"]},
        },
        {
            "id": "RnD0m2",
            "from_name": C.CLAIM,
            "to_name": "text",
            "type": "labels",
            "value": {"start": start, "end": start + 25, "labels": ["factual"]},
        },
        {
            "id": "RnD0m2",
            "from_name": C.CHECKWORTHINESS,
            "to_name": "text",
            "type": "choices",
            "value": {"start": start, "end": start + 25, "choices": ["check_worthy"]},
        },
        {
            "id": "RnD0m2",
            "from_name": C.ATTRIBUTION,
            "to_name": "text",
            "type": "choices",
            "value": {"start": start, "end": start + 25, "choices": ["reported"]},
        },
        {"from_id": "RnD0m2", "to_id": "RnD0m1", "type": "relation", "direction": "right", "labels": []},
    ]
    got = back(result, text, aset).annotation_set
    assert got["entities"][-1] == {
        "id": "e8",
        "start": start,
        "end": start + 7,
        "text": "Cartels",
        "label": "ORG",
        "entity": "sinaloa_cartel",
    }
    assert got["claims"][-1]["id"] == "c3"
    assert got["claims"][-1]["claimant"] == {"kind": "entity", "entity": "sinaloa_cartel", "mention": "e8"}
    assert (
        got["claims"][-1]["text"] == text[start : start + 25]
        and got["claims"][-1]["clusters"] == []
        and got["claims"][-1]["hedged"] is False
    )


def test_new_annotator_gets_label_studio_times() -> None:
    text, aset = fixture_case()
    got = regions_to_set(
        set_to_regions(aset), text, "newbie", None, created_at="2030-01-01T00:00:00.5Z", updated_at=LS_TIME, guideline_version="1.3"
    ).annotation_set
    assert (got["annotator"], got["created"], got["updated"], got["guideline_version"]) == (
        "newbie",
        "2030-01-01T00:00:00Z",
        "2030-05-06T07:08:09Z",
        "1.3",
    )
    assert "note" not in got and got["entities"] == aset["entities"]


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda r: [i for i in r if not (i.get("from_name") == C.ENTITY_ID and i["id"] == "e1")], "region e1 .*expected a entity_id"),
        (
            lambda r: [{**i, "value": {**i["value"], "end": 10_000}} if i.get("id") == "e2" and i["type"] == "labels" else i for i in r],
            "region e2: expected offsets inside",
        ),
        (
            lambda r: [
                {**i, "value": {**i["value"], "labels": ["PERSON", "ORG"]}} if i.get("id") == "e2" and i["type"] == "labels" else i
                for i in r
            ],
            "exactly one label",
        ),
        (
            lambda r: [
                {**i, "value": {"choices": ["against"]}} if i.get("from_name", "").startswith(C.DOC_STANCE_PREFIX) else i for i in r
            ],
            "make them agree",
        ),
        (
            lambda r: [
                *r,
                {"id": "zz", "from_name": C.CLUSTER, "to_name": "text", "type": "textarea", "value": {"start": 1, "end": 2, "text": ["x"]}},
            ],
            "no labelled region",
        ),
    ],
)
def test_broken_results_raise_with_the_region(mutate, message: str) -> None:
    text, aset = fixture_case()
    with pytest.raises(ConvertError, match=message):
        back(mutate(set_to_regions(aset)), text, aset)


def test_annotator_names_are_pseudonymous_ids() -> None:
    assert annotator_name("alice", "alice@x.org") == "alice"
    assert annotator_name("", "Bob.Smith@example.com") == "bob.smith"
    assert annotator_name("Not Valid", "9carol@example.com") == "carol"
    with pytest.raises(ConvertError):
        annotator_name("", "")


def test_content_hash_ignores_times_only() -> None:
    _text, aset = fixture_case()
    assert content_hash(aset) == content_hash({**aset, "updated": "2031-01-01T00:00:00Z"})
    assert content_hash(aset) != content_hash({**aset, "status": "draft"})


def test_evidence_of_one_stance_must_agree() -> None:
    text, aset = fixture_case()
    result = set_to_regions(aset)
    second = [json.loads(json.dumps(i).replace('"s1_0"', '"s1_1"')) for i in result if i.get("id") == "s1_0" or i.get("from_id") == "s1_0"]
    for i in second:
        if i.get("from_name") == C.TARGET:
            i["value"]["choices"] = ["another_target"]
    with pytest.raises(ConvertError, match="stance s1 disagree on target"):
        back(result + second, text, aset)
    for i in second:
        if i.get("from_name") == C.TARGET:
            i["value"]["choices"] = [aset["stances"][0]["target"]]
        if i.get("type") == "labels":
            i["meta"]["k"] = 1
    got = back(result + second, text, aset).annotation_set
    assert len(got["stances"][0]["evidence"]) == 2 and len(got["stances"]) == len(aset["stances"])


@settings(max_examples=100, deadline=None)
@given(text_and_set())
def test_payload_is_lean(case: tuple[str, dict]) -> None:
    """Span texts only on actors (the Regions list shows them), no offsets on per-region widgets, order keys
    only when the ids do not give them."""
    text, aset = case
    result = set_to_regions(aset)
    for item in result:
        value = item.get("value", {})
        if item["type"] == "labels" and item["from_name"] in (C.ENTITY, C.SOURCE):
            assert value["text"] == text[value["start"] : value["end"]]
        else:
            assert "text" not in value or item["type"] == "textarea"
        if item["type"] in ("choices", "textarea"):
            assert "start" not in value and "end" not in value
        assert "direction" not in item
    in_order = {
        k: [x["id"] for x in aset[k]] == sorted((x["id"] for x in aset[k]), key=lambda i: int(i[1:])) for k in ("entities", "claims")
    }
    for item in result:
        meta = item.get("meta", {})
        assert "stance" not in meta and "k" not in meta  # evidence ids say which stance and which span
        if item.get("from_name") == C.ENTITY:
            assert ("n" in meta) == (not in_order["entities"])
        if item.get("from_name") == C.CLAIM:
            assert ("n" in meta) == (not in_order["claims"])


def test_payload_of_an_old_push_still_reads() -> None:
    """Annotations pushed before the lean payload (texts, widget offsets, explicit n/stance/k) read the same."""
    text, aset = fixture_case()
    old = []
    ids = {}
    for item in set_to_regions(aset):
        item = json.loads(json.dumps(item))
        if item.get("type") == "labels":
            v = item["value"]
            v["text"] = text[v["start"] : v["end"]]
            ids[item["id"]] = (v["start"], v["end"])
            meta = item.setdefault("meta", {})
            if item["from_name"] in (C.ENTITY, C.CLAIM):
                meta["n"] = [x["id"] for x in aset["entities" if item["from_name"] == C.ENTITY else "claims"]].index(item["id"])
            if item["from_name"] == C.EVIDENCE:
                sid, k = item["id"].rsplit("_", 1)
                meta.update(stance=sid, k=int(k), n=[s["id"] for s in aset["stances"]].index(sid))
        elif item.get("type") in ("choices", "textarea") and item["id"] in ids:
            item["value"]["start"], item["value"]["end"] = ids[item["id"]]
        elif item.get("type") == "relation":
            item["direction"] = "right"
        old.append(item)
    assert back(old, text, aset).annotation_set == aset


def test_entities_and_clusters_of_projects_before_the_taxonomy_still_read() -> None:
    """Push writes a mention's entity and a claim's clusters as Taxonomy results (`{"taxonomy": [["id"]]}`, the
    searchable drop-downs); annotations made before hold them as choices and as comma-separated text."""
    text, aset = fixture_case()
    assert any(c["clusters"] for c in aset["claims"])
    result = set_to_regions(aset)
    assert {i["type"] for i in result if i.get("from_name") in (C.ENTITY_ID, C.CLUSTERS)} == {"taxonomy"}
    old = []
    for item in json.loads(json.dumps(result)):
        if item.get("from_name") == C.ENTITY_ID:
            item.update(type="choices", value={"choices": [path[-1] for path in item["value"]["taxonomy"]]})
        elif item.get("from_name") == C.CLUSTERS:
            ids = [path[-1] for path in item["value"]["taxonomy"]]
            item.update(from_name=C.CLUSTER, type="textarea", value={"text": [", ".join(ids)]})
        old.append(item)
    assert back(old, text, aset).annotation_set == aset


@pytest.mark.parametrize(
    ("server", "written"),
    [
        ("2026-01-02T03:04:05.123456Z", "2026-01-02T03:04:05Z"),
        ("2026-01-02T03:04:05+02:00", "2026-01-02T01:04:05Z"),
        ("2026-01-02T03:04:05", "2026-01-02T03:04:05Z"),
        ("20260102T030405Z", "20260102T030405Z"),  # kept as sent: the schema refuses it before a write
        ("2026-W01-1T00:00:00Z", "2026-W01-1T00:00:00Z"),
    ],
)
def test_server_date_times_are_normalised_to_utc_or_left_for_the_schema_to_refuse(server: str, written: str) -> None:
    """Issue 27: a hostile server's compact date was written into annotations/ by pull."""
    from cartel_fto_corpus.labelstudio.convert import _time

    assert _time(server) == written
