"""The generated labelling config: every schema label of an annotation file is in it, nothing else."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from cartel_fto_corpus.labelstudio import config as C
from cartel_fto_corpus.labelstudio.hotkeys import EDITOR_KEYS
from cartel_fto_corpus.truth.schema import label_set

ROOT = Path(__file__).resolve().parent / "fixtures" / "corpus"
REPO = Path(__file__).resolve().parents[1]


@pytest.fixture
def registry() -> dict:
    return json.loads((ROOT / "annotations" / "registry.json").read_text(encoding="utf-8"))


@pytest.fixture
def targets(registry: dict) -> list[dict]:
    return registry["targets"]


def controls(xml: str) -> dict[str, tuple[str, list[str], dict[str, str]]]:
    """name -> (tag, option values, attributes) for every control tag of the config."""
    root = ET.fromstring(xml)
    out = {}
    for el in root.iter():
        if el.tag in ("Labels", "Choices", "TextArea", "Taxonomy"):
            values = [c.get("alias") or c.get("value") for c in el if c.tag in ("Label", "Choice")]  # what results carry
            out[el.get("name")] = (el.tag, values, dict(el.attrib))
    return out


def test_annotation_label_sets_come_from_the_annotation_schema() -> None:
    sets = C.annotation_label_sets()
    assert {"entity_label", "stance_label", "claim_type", "checkworthiness", "attribution", "status"} == set(sets)
    assert "org_type" not in sets and "quality_flag" not in sets  # registry and manifest, not annotations


def test_every_schema_label_is_in_the_config_and_nothing_else(targets: list[dict], registry: dict) -> None:
    xml = C.label_config(targets, registry["entities"], registry["clusters"])
    ctl = controls(xml)
    schema_values = {v for name in C.annotation_label_sets() if name not in C.NOT_IN_EDITOR for v in label_set(name)}
    structural = {v for values in C.STRUCTURAL_VALUES.values() for v in values}
    target_ids = {t["id"] for t in targets} | {e["id"] for e in registry["entities"]} | {c["id"] for c in registry["clusters"]}
    found = {v for _tag, values, _a in ctl.values() for v in values}
    relations = {el.get("value") for el in ET.fromstring(xml).iter("Relation")}
    assert schema_values <= found
    assert found | relations == schema_values | structural | target_ids
    # each control shows exactly its label set, in schema order
    for name, set_name in {**C.REGION_LABEL_SETS, **C.CHOICE_LABEL_SETS}.items():
        assert ctl[name][1] == list(label_set(set_name)), name
    for t in targets:
        assert ctl[C.DOC_STANCE_PREFIX + t["id"]][1] == list(label_set("stance_label"))
    assert ctl[C.TARGET][1] == [t["id"] for t in targets]


def test_per_region_widgets_and_relations(targets: list[dict]) -> None:
    xml = C.label_config(targets)
    ctl = controls(xml)
    for name in (C.ENTITY_ID, C.CHECKWORTHINESS, C.ATTRIBUTION, C.EVIDENCE_ATTRIBUTION, C.HEDGED, C.CLUSTERS, C.TARGET, C.DESCRIPTION):
        assert ctl[name][2].get("perRegion") == "true", name
    assert C.STATUS not in ctl  # gold is decided by adjudication, not in the editor
    for name in (C.LAYER, *(C.DOC_STANCE_PREFIX + t["id"] for t in targets)):
        assert "perRegion" not in ctl[name][2]
    assert ctl[C.ENTITY_ID][2]["whenLabelValue"].split(",") == list(label_set("entity_label"))
    assert {el.get("value") for el in ET.fromstring(xml).iter("Relation")} == {C.REL_CLAIMANT, C.REL_HOLDER}
    assert [el.get("value") for el in ET.fromstring(xml).iter("Text")] == ["$" + C.TEXT] * len(C.LAYERS)


def test_one_text_object_per_layer_and_every_control_points_at_its_layer(registry: dict) -> None:
    """Each layer draws only its own regions: its own Text object, shown only on that layer; actors on entities."""
    root = ET.fromstring(C.label_config(registry["targets"], registry["entities"]))
    parent = {child: v for v in root.iter("View") for child in v}
    texts = {el.get("name"): parent[el] for el in root.iter("Text")}
    assert list(texts) == [C.LAYER_OBJECTS[layer] for layer in C.LAYERS]
    shown = {name: (v.get("visibleWhen"), v.get("whenChoiceValue")) for name, v in texts.items()}
    assert shown[C.LAYER_OBJECTS["entities"]] == ("choice-unselected", "claims,stance")  # also the page before any choice
    assert shown[C.LAYER_OBJECTS["claims"]] == ("choice-selected", "claims")
    assert shown[C.LAYER_OBJECTS["stance"]] == ("choice-selected", "stance")
    to = {el.get("name"): el.get("toName") for el in root.iter() if el.get("toName")}
    assert set(to.values()) == set(texts)
    assert {to[C.ENTITY], to[C.SOURCE], to[C.ENTITY_ID], to[C.DESCRIPTION]} == {C.LAYER_OBJECTS["entities"]}
    assert {to[C.CLAIM], to[C.CHECKWORTHINESS], to[C.HEDGED], to[C.CLUSTERS]} == {C.LAYER_OBJECTS["claims"]}
    assert {to[C.EVIDENCE], to[C.TARGET], to[C.EVIDENCE_ATTRIBUTION]} | {to[n] for n in to if n.startswith(C.DOC_STANCE_PREFIX)} == {
        C.LAYER_OBJECTS["stance"]
    }
    assert all(to[name] == C.object_of(name) for name in to)


def test_target_names_are_escaped() -> None:
    xml = C.label_config([{"id": "t_q", "name": 'A "quoted" <name> & more', "description": "d"}])
    ctl = controls(xml)  # parses
    assert ctl[C.TARGET][1] == ["t_q"]


def test_entities_are_picked_from_the_registry(registry: dict) -> None:
    """A Taxonomy (Label Studio 1.23's select has no search box; the Taxonomy's drop-down has): one entity per
    mention (maxUsages 1), searched by what it shows, name and type (issue 23 point 7)."""
    ctl = controls(C.label_config(registry["targets"], registry["entities"]))
    tag, values, attrs = ctl[C.ENTITY_ID]
    assert tag == "Taxonomy" and attrs.get("maxUsages") == "1" and attrs.get("perRegion") == "true"
    by_name = sorted(registry["entities"], key=lambda e: (e["name"].casefold(), e["id"]))
    assert values == [*(e["id"] for e in by_name), C.NEW_ENTITY]  # results carry the ids, as before
    shown = [
        c.get("value") for c in ET.fromstring(C.label_config(registry["targets"], registry["entities"])).iter("Choice") if c.get("alias")
    ]
    assert shown == [*(C.entity_shown(e) for e in by_name), C.NEW_ENTITY_SHOWN]  # the drop-down shows names and types
    assert all(e["name"] in C.entity_shown(e) and e["type"] in C.entity_shown(e) for e in by_name)
    assert ctl[C.ENTITY_NAME][0] == "TextArea" and ctl[C.ENTITY_NAME][2]["perRegion"] == "true"


def test_every_per_region_widget_has_a_heading_and_layers_hide_label_groups(registry: dict) -> None:
    root = ET.fromstring(C.label_config(registry["targets"], registry["entities"]))
    boxes = [v for v in root.iter("View") if v.get("visibleWhen") == "region-selected"]
    per_region = {el.get("name") for el in root.iter() if el.get("perRegion") == "true"}
    boxed = {el.get("name") for v in boxes for el in v if el.get("perRegion") == "true"}
    assert per_region == boxed
    assert all(v[0].tag == "Header" and v[0].get("value") for v in boxes)
    layered = {
        el.get("name"): v.get("whenChoiceValue") for v in root.iter("View") if v.get("whenTagName") == C.LAYER for el in v.iter("Labels")
    }
    assert layered == {
        C.ENTITY: "claims,stance",
        C.SOURCE: "claims,stance",
        C.CLAIM: "claims",
        C.EVIDENCE: "stance",
    }  # actors: unless claims/stance
    assert root[0].tag == "Header" and root[0].get("value") == "$" + C.TITLE


def test_claim_clusters_are_picked_from_the_registry(registry: dict) -> None:
    """Clusters were free text (issue 23 point 7): now the registry's clusters, several per claim, searchable."""
    ctl = controls(C.label_config(registry["targets"], registry["entities"], registry["clusters"]))
    tag, values, attrs = ctl[C.CLUSTERS]
    assert tag == "Taxonomy" and "maxUsages" not in attrs and attrs["whenLabelValue"].split(",") == list(label_set("claim_type"))
    assert values == sorted(c["id"] for c in registry["clusters"])
    assert C.CLUSTER not in ctl  # the free-text box is gone (convert still reads its results)


def test_the_article_stance_is_submitted_whichever_layer_is_open(registry: dict) -> None:
    """Label Studio drops a document-level result under a hidden `choice-selected` View at Submit: the article
    stance sat in the stance layer's View and was lost when an annotator submitted from another layer."""
    root = ET.fromstring(C.label_config(registry["targets"], registry["entities"]))
    parent = {child: v for v in root.iter("View") for child in v}
    for t in registry["targets"]:
        (el,) = [c for c in root.iter("Choices") if c.get("name") == C.DOC_STANCE_PREFIX + t["id"]]
        ancestors = []
        while el in parent:
            el = parent[el]
            ancestors.append(el)
        assert all(v.get("visibleWhen") != "choice-selected" for v in ancestors)
        assert ancestors[0].get("visibleWhen") == "choice-unselected" and ancestors[0].get("whenChoiceValue") == "entities,claims"


def test_hotkeys_do_not_clash(registry: dict) -> None:
    root = ET.fromstring(C.label_config(registry["targets"], registry["entities"]))
    keys = [el.get("hotkey") for el in root.iter() if el.get("hotkey")]
    assert len(keys) == len(set(keys)), keys
    n_labels = sum(1 for el in root.iter("Label"))
    assert sum(1 for el in root.iter("Label") if el.get("hotkey")) == n_labels  # every label button has its key
    assert not set(keys) & EDITOR_KEYS  # the editor's own keys


@pytest.mark.parametrize("n_entity_types", [10, 11, 25])
def test_hotkeys_are_derived_so_every_label_gets_one(n_entity_types: int) -> None:
    """The keys were a hand list: the 11th entity type got none (issue 26). Derived, any count gets distinct keys."""
    labels = {
        C.ENTITY: [f"TYPE{i}" for i in range(n_entity_types)],
        C.SOURCE: [C.SOURCE_LABEL],
        C.CLAIM: list(label_set("claim_type")),
        C.EVIDENCE: list(label_set("stance_label")),
    }
    keys = C.hotkeys(labels)
    assert [len(keys[c]) for c in labels] == [len(v) for v in labels.values()]
    flat = [k for ks in keys.values() for k in ks]
    assert len(flat) == len(set(flat))
    assert not set(flat) & (EDITOR_KEYS | set(C.LAYER_HOTKEYS))
    assert keys[C.ENTITY][:10] == list("1234567890")  # each control starts on its own row
    assert keys[C.EVIDENCE][0] == "a" and keys[C.SOURCE] == ["g"]


def test_results_go_to_their_layers_text_object() -> None:
    """What push sends sits on the layer's Text object: a widget on its region's, relations may cross objects."""
    from cartel_fto_corpus.labelstudio.convert import set_to_regions

    layer_of = {C.ENTITY: "entities", C.SOURCE: "entities", C.CLAIM: "claims", C.EVIDENCE: "stance"}
    seen: set[str] = set()
    for path in sorted((REPO / "annotations").glob("0*.json")):
        for aset in json.loads(path.read_text(encoding="utf-8"))["annotations"]:
            result = set_to_regions(aset)
            regions = {x["id"]: x for x in result if x["type"] == "labels"}
            for x in result:
                if x["type"] == "relation":
                    continue
                region = regions.get(x["id"])
                want = C.LAYER_OBJECTS[layer_of[region["from_name"]]] if region else C.LAYER_OBJECTS["stance"]
                assert x["to_name"] == want, x
                seen.add(x["to_name"])
    assert seen == set(C.LAYER_OBJECTS.values())


def test_text_objects_select_by_character_so_a_possessive_can_be_left_out() -> None:
    """Issue 27 asked for word selection; Label Studio's word granularity takes "Trump's" as one word,
    so GUIDELINES 1 (the possessive outside the span) could not be followed. Symbol selection stays, and
    pull refuses what breaks the span rules (tests/labelstudio/test_repo.py)."""
    root = ET.fromstring(C.label_config([], []))
    assert {t.get("granularity") for t in root.iter("Text")} == {"symbol"}


def test_control_characters_in_registry_names_keep_the_config_well_formed() -> None:
    """Issue 27: a name with a C0 control made the XML ill-formed (`ls push`: HTTP 400); the schema
    refuses such names, and the config stays parseable whatever it is given."""
    targets = [{"id": "t", "name": "bell\x07 and \x1b[2J", "description": "d"}]
    entities = [{"id": "e", "name": "Marco\x00 Rubio", "type": "PERSON"}]
    root = ET.fromstring(C.label_config(targets, entities))
    headers = [h.get("value") for h in root.iter("Header")]
    assert "bell\ufffd and \ufffd[2J" in headers
    shown = [(c.get("value"), c.get("hint")) for c in root.iter("Choice") if c.get("alias") == "e"]
    assert shown == [("Marco\ufffd Rubio (PERSON) · e", "Marco\ufffd Rubio")]


def test_every_per_region_widget_is_on_the_text_object_of_every_label_it_serves(registry: dict) -> None:
    """A per-region widget applies only to regions of the object its `toName` names: a widget shown for a label
    of another layer shows its heading and no choices on a region drawn from scratch (issue 23 point 1)."""
    ctl = controls(C.label_config(registry["targets"], registry["entities"]))
    object_of_label = {v: attrs["toName"] for tag, values, attrs in ctl.values() if tag == "Labels" for v in values}
    kind_of_label = {v: name for name, (tag, values, _a) in ctl.items() if tag == "Labels" for v in values}
    served: dict[str, set[str]] = {}
    for name, (_tag, _values, attrs) in ctl.items():
        if attrs.get("perRegion") != "true":
            continue
        labels = attrs["whenLabelValue"].split(",")
        assert {object_of_label[v] for v in labels} == {attrs["toName"]}, name
        for v in labels:
            served.setdefault(kind_of_label[v], set()).add(name)
    assert {k: set(v) for k, v in C.REGION_WIDGETS.items()} == served


def test_layers_and_objects_come_from_the_layer_declaration() -> None:
    """The layer choice offers every declared layer (`truth.layers`), each control's object is the declared one."""
    from cartel_fto_corpus.truth.layers import layer_names, layers

    assert sorted(C.LAYER_ORDER) == sorted(layer_names())
    declared = {name: found.labelstudio for found in layers() for _pointer, name in found.labels}
    assert {control: C.object_of(control) for control in C.REGION_LABEL_SETS} == {
        control: declared[name] for control, name in C.REGION_LABEL_SETS.items()
    }
    assert C.object_of(C.SOURCE) == C.object_of(C.ENTITY) == C.LAYERS[0]  # the actors, which relations point at
