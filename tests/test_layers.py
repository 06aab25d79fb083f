"""The layer declaration (`x-layer` in annotation.schema.json) and `truth/layers.py` that reads it:
the declaration agrees with the item definitions it describes, so code driven by it cannot drift."""

from __future__ import annotations

import copy
import json
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from cartel_fto_corpus.truth.layers import (
    Reference,
    _parse_reference,
    count_items,
    item_references,
    item_spans,
    layer,
    layer_names,
    layer_of_id,
    layers,
    replace_at,
    resolve,
    set_items,
    set_references,
)
from cartel_fto_corpus.truth.paths import CorpusPaths
from cartel_fto_corpus.truth.schema import LABEL_SET_NAMES, load_schemas
from tests.conftest import FIXTURE_CORPUS, REPO

ANNOTATION = load_schemas()["annotation"]
IDS = [found.name for found in layers()]


def deref(node: dict[str, Any], root: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """A schema node with its `$ref`s followed (a bare `#/...` into the file it is in), and that file."""
    while "$ref" in node:
        file, _, path = node["$ref"].partition("#")
        if file:
            root = load_schemas()[file.split(".")[0]]
        target = root
        for step in path.strip("/").split("/"):
            target = target[step]
        node = {**target, **{k: v for k, v in node.items() if k != "$ref"}}
    return node, root


def schema_at(node: dict[str, Any], pointer: str, root: dict[str, Any] = ANNOTATION) -> Iterator[dict[str, Any]]:
    """Every subschema a pointer (with `*` for list elements) can reach, through `oneOf` branches."""
    node, root = deref(node, root)
    if pointer == "":
        yield node
        return
    head, _, rest = pointer[1:].partition("/")
    rest = "/" + rest if rest else ""
    for branch in node.get("oneOf", [node]):
        branch, broot = deref(branch, root)
        if head == "*" and "items" in branch:
            yield from schema_at(branch["items"], rest, broot)
        elif head in branch.get("properties", {}):
            yield from schema_at(branch["properties"][head], rest, broot)


def test_the_three_layers_are_declared_in_order() -> None:
    assert layer_names() == ("entities", "stances", "claims")
    required = ANNOTATION["$defs"]["annotation_set"]["required"]
    assert all(name in required for name in layer_names())


def test_prefixes_are_unique_letters() -> None:
    prefixes = [found.prefix for found in layers()]
    assert len(set(prefixes)) == len(prefixes)
    assert all(re.fullmatch("[a-z]", p) for p in prefixes)


@pytest.mark.parametrize("name", IDS)
def test_item_id_pattern_is_the_declared_prefix(name: str) -> None:
    found = layer(name)
    assert found.item_schema()["properties"]["id"]["pattern"] == found.id_pattern


def test_generic_id_patterns_admit_every_declared_prefix() -> None:
    """local_id and the adjudication record's item/result ids are no hand list of today's letters."""
    patterns = [
        load_schemas()["common"]["$defs"]["local_id"]["pattern"],
        ANNOTATION["$defs"]["adjudication_unit"]["properties"]["result"]["pattern"],
        ANNOTATION["$defs"]["adjudication_side"]["properties"]["item"]["pattern"],
    ]
    for pattern in patterns:
        assert all(re.fullmatch(pattern, f"{found.prefix}12") for found in layers())
        assert re.fullmatch(pattern, "v3"), "a new layer's prefix needs no pattern edit"


def test_adjudication_layer_enum_is_the_declared_layers() -> None:
    assert tuple(ANNOTATION["$defs"]["adjudication_unit"]["properties"]["layer"]["enum"]) == layer_names()


@pytest.mark.parametrize("name", IDS)
def test_every_span_pointer_reaches_a_span(name: str) -> None:
    found = layer(name)
    assert found.spans
    for pointer in found.spans:
        reached = list(schema_at(found.item_schema(), pointer))
        assert reached, pointer
        for node in reached:
            assert {"start", "end", "text"} <= set(node["properties"]), pointer


@pytest.mark.parametrize("name", IDS)
def test_every_reference_pointer_exists_and_names_something_declared(name: str) -> None:
    found = layer(name)
    sections = set(load_schemas()["registry"]["properties"])
    for ref in found.references:
        assert list(schema_at(found.item_schema(), ref.pointer)), ref.pointer
        if ref.kind == "registry":
            assert ref.to in sections, ref
        else:
            assert ref.to in layer_names(), ref


@pytest.mark.parametrize("name", IDS)
def test_every_label_pointer_takes_the_declared_label_set(name: str) -> None:
    found = layer(name)
    for pointer, label_set in found.labels:
        assert label_set in LABEL_SET_NAMES
        (node,) = schema_at(found.item_schema(), pointer)
        assert node["enum"] == load_schemas()["common"]["$defs"][label_set]["enum"], pointer


def test_configs_are_published_configs_and_not_shared() -> None:
    from cartel_fto_corpus.publish.features import BASE_CONFIGS

    configs = [c for found in layers() for c in found.configs]
    assert len(set(configs)) == len(configs)
    assert set(configs) <= set(BASE_CONFIGS)


def test_layer_of_id() -> None:
    assert layer_of_id("e12") == layer("entities")
    assert layer_of_id("s3") == layer("stances")
    assert layer_of_id("c7") == layer("claims")
    assert layer_of_id("v1") is None
    assert layer_of_id("e") is None
    with pytest.raises(KeyError):
        layer("events")


def test_resolve_expands_lists_and_skips_missing_steps() -> None:
    item = {"evidence": [{"start": 0}, {"start": 5}], "holder": {"kind": "author"}}
    assert list(resolve(item, "/evidence/*/start", "/x")) == [("/x/evidence/0/start", 0), ("/x/evidence/1/start", 5)]
    assert list(resolve(item, "/holder/span")) == []
    assert list(resolve(item, "")) == [("", item)]


def test_item_spans_and_references_of_the_shipped_corpus() -> None:
    """Every span the declaration finds in the shipped annotations is text[start:end]; every
    reference is found where the checker looks for it."""
    paths = CorpusPaths()
    n_spans = n_refs = 0
    for file in paths.annotation_files():
        doc = json.loads(file.read_text(encoding="utf-8"))
        text = paths.text_file(doc["doc_id"]).read_text(encoding="utf-8")
        for aset in doc["annotations"]:
            items = list(set_items(aset))
            assert len(items) == count_items(aset)
            for found, j, item in items:
                assert item["id"].startswith(found.prefix)
                for ptr, span in item_spans(found, item, f"/{found.name}/{j}"):
                    assert text[span["start"] : span["end"]] == span["text"], ptr
                    n_spans += 1
                for _ptr, ref, value in item_references(found, item):
                    assert isinstance(value, str) and (ref.kind == "registry" or layer_of_id(value) == layer(ref.to))
                    n_refs += 1
    assert n_spans and n_refs


def _events_corpus(root: Path, events: list[dict[str, Any]]) -> Path:
    """A copy of the fixture corpus whose schema (only) declares a toy layer `events` (prefix v, the
    item a span, an entity reference), its gold set holding `events`."""
    shutil.copytree(FIXTURE_CORPUS, root)
    shutil.copytree(REPO / "schema", root / "schema")
    schema_file = root / "schema" / "annotation.schema.json"
    schema = json.loads(schema_file.read_text(encoding="utf-8"))
    event = copy.deepcopy(schema["$defs"]["entity_mention"])
    event["properties"]["id"] = {"description": "Event id.", "type": "string", "pattern": "^v[0-9]+$"}
    del event["properties"]["label"]
    event["required"].remove("label")
    schema["$defs"]["event"] = event
    schema["$defs"]["annotation_set"]["properties"]["events"] = {
        "description": "Events (a toy layer of this test).",
        "type": "array",
        "items": {"$ref": "#/$defs/event"},
        "x-layer": {"prefix": "v", "noun": "event", "spans": [""], "references": {"/entity": "registry:entities"}},
    }
    schema_file.write_text(json.dumps(schema, indent=2), encoding="utf-8")
    doc_file = next((root / "annotations").glob("9*.json"))
    doc = json.loads(doc_file.read_text(encoding="utf-8"))
    doc["annotations"][0]["events"] = events
    doc_file.write_text(json.dumps(doc, indent=2, ensure_ascii=False), encoding="utf-8")
    return root


def _validate(root: Path) -> list[tuple[str, str]]:
    proc = subprocess.run(
        [sys.executable, "-m", "cartel_fto_corpus", "validate", "--root", str(root), "--format", "json"],
        capture_output=True,
        text=True,
        cwd=REPO,
        check=False,
    )
    return [(p["pointer"], p["code"]) for p in json.loads(proc.stdout)["problems"]]


#: "Donald Trump" in the fixture text, as a sound event.
EVENT = {"id": "v1", "start": 54, "end": 66, "text": "Donald Trump", "entity": "donald_trump"}


def test_a_layer_declared_only_in_the_schema_is_checked_by_validate(tmp_path: Path) -> None:
    """The declaration drives the checks: a new layer, declared in the schema and nowhere in the code,
    has its ids, offsets, span texts, span boundaries and references checked."""
    assert _validate(_events_corpus(tmp_path / "sound", [EVENT])) == []
    events = [
        EVENT,
        {**EVENT, "id": "v2", "text": "Donald Trum"},  # stored text is not text[start:end]
        {**EVENT, "id": "v3", "end": 10_000},  # beyond the text
        {**EVENT, "id": "v4", "entity": "nobody"},  # dangling reference, and a second event on the span
        {**EVENT, "id": "v5", "start": 55, "text": "onald Trump"},  # starts inside a word (truth.spans rules)
        {**EVENT, "id": "v1", "start": 61, "text": "Trump"},  # the id of the first event again
    ]
    assert _validate(_events_corpus(tmp_path / "broken", events)) == [
        ("/annotations/0/events/5/id", "duplicate-id"),
        ("/annotations/0/events/1/text", "span-text-mismatch"),
        ("/annotations/0/events/2/end", "offset-out-of-range"),
        ("/annotations/0/events/3/entity", "unknown-entity"),
        ("/annotations/0/events/3", "duplicate-span"),
        ("/annotations/0/events/4", "span-starts-inside-word"),
    ]


def test_a_declared_layers_id_prefix_is_the_schemas(tmp_path: Path) -> None:
    """The toy layer's item ids take its prefix: another letter is a schema problem at the id."""
    found = _validate(_events_corpus(tmp_path / "prefix", [{**EVENT, "id": "x1"}]))
    assert found == [("/annotations/0/events/0/id", "schema-pattern")]


@pytest.mark.parametrize("name", IDS)
def test_a_wrong_span_anywhere_the_declaration_points_is_caught(name: str) -> None:
    """Every span the declaration names in the fixture's gold set, its text changed, is one
    span-text-mismatch at that span: the checker finds spans through the declaration."""
    from cartel_fto_corpus.checks.checker import AnnotationChecker, Context, Usage

    doc_file = next((FIXTURE_CORPUS / "annotations").glob("9*.json"))
    doc = json.loads(doc_file.read_text(encoding="utf-8"))
    paths = CorpusPaths(FIXTURE_CORPUS)
    registry = json.loads(paths.registry.read_text(encoding="utf-8"))
    found = layer(name)
    pointers = [ptr for j, item in enumerate(doc["annotations"][0][name]) for ptr, _span in item_spans(found, item, f"/{j}")]
    assert pointers
    for ptr in pointers:
        broken = copy.deepcopy(doc)
        j = ptr[1:].partition("/")[0]
        item = broken["annotations"][0][name][int(j)]
        (span,) = (s for p, s in item_spans(found, item, f"/{j}") if p == ptr)
        span["text"] = span["text"][:-1] + "#"
        checker = AnnotationChecker("f.json", broken, Context(paths, registry), Usage())
        assert [(p.pointer, p.code) for p in checker.run()] == [(f"/annotations/0/{name}{ptr}/text", "span-text-mismatch")]


def test_set_references_and_replace_at_cover_mentions_holders_and_claimants() -> None:
    doc = json.loads(next((FIXTURE_CORPUS / "annotations").glob("9*.json")).read_text(encoding="utf-8"))
    aset = copy.deepcopy(doc["annotations"][0])
    actors = [st["holder"] for st in aset["stances"]] + [cl["claimant"] for cl in aset["claims"]]
    expected = [m["entity"] for m in aset["entities"]] + [a["entity"] for a in actors if a["kind"] == "entity"]
    found = list(set_references(aset, "entities"))
    assert sorted(value for _ptr, value in found) == sorted(expected)
    assert [v for _p, v in set_references(aset, "clusters")] == [c for cl in aset["claims"] for c in cl["clusters"]]
    for ptr, value in found:
        replace_at(aset, ptr, value.upper())
    assert sorted(value for _ptr, value in set_references(aset, "entities")) == sorted(e.upper() for e in expected)
    assert aset["entities"][0]["entity"] == doc["annotations"][0]["entities"][0]["entity"].upper()


def test_usage_recorded_without_checking_is_what_the_checker_records() -> None:
    """`Usage.record` (labelstudio's repo, which skips re-checking) and the checker note the same
    registry ids: both go through the declared references."""
    from cartel_fto_corpus.checks.checker import AnnotationChecker, Context, Usage

    paths = CorpusPaths()
    registry = json.loads(paths.registry.read_text(encoding="utf-8"))
    checked, recorded = Usage(), Usage()
    for file in paths.annotation_files():
        doc = json.loads(file.read_text(encoding="utf-8"))
        assert AnnotationChecker(file.name, doc, Context(paths, registry), checked).run() == []
        recorded.record(doc)
    assert (checked.entities, checked.targets, checked.clusters, checked.cluster_docs) == (
        recorded.entities,
        recorded.targets,
        recorded.clusters,
        recorded.cluster_docs,
    )
    assert checked.entities and checked.targets and checked.clusters


@pytest.mark.parametrize("name", IDS)
def test_every_declared_label_is_a_classlabel_of_the_layers_configs(name: str) -> None:
    """The declaration's labels and configs agree with the published Features: each labelled field of
    a layer is, in at least one of its configs, a ClassLabel over exactly that label set."""
    from datasets import ClassLabel

    from cartel_fto_corpus.publish.features import base_features
    from cartel_fto_corpus.truth.schema import label_set

    found = layer(name)
    for pointer, label_set_name in found.labels:
        column = pointer.lstrip("/")
        hits = []
        for config in found.configs:
            feats = base_features(config)
            candidates = [feats.get(column)] + [
                getattr(f, "feature", {}).get(column) for f in feats.values() if isinstance(getattr(f, "feature", None), dict)
            ]
            hits += [c for c in candidates if isinstance(c, ClassLabel)]
        assert hits, (name, pointer)
        assert all(tuple(c.names) == label_set(label_set_name) for c in hits), (name, pointer)


def test_label_studio_objects_are_the_declared_ones() -> None:
    """Until labelstudio/config.py reads the declaration (branch i23editor), its object names are checked against it."""
    from cartel_fto_corpus.labelstudio import config

    assert set(config.LAYERS) == {found.labelstudio for found in layers()}


def test_a_reference_declaration_is_parsed_into_kind_and_target() -> None:
    """`layers()` is cached (parsed once per process), so the parser is pinned on its own."""
    assert _parse_reference("/entity", "registry:entities") == Reference("/entity", "registry", "entities")
    assert _parse_reference("/actor/mention", "layer:entities") == Reference("/actor/mention", "layer", "entities")


@pytest.mark.parametrize("target", ["entities", "registry:", "layer:", "schema:entities", ":entities"])
def test_a_reference_declaration_other_than_registry_or_layer_is_refused(target: str) -> None:
    with pytest.raises(ValueError) as caught:
        _parse_reference("/entity", target)
    assert str(caught.value) == f"x-layer reference '/entity': expected 'registry:<section>' or 'layer:<name>', found {target!r}"


def test_item_pointers_are_relative_to_the_item_without_a_prefix() -> None:
    claim = {
        "id": "c1",
        "start": 0,
        "end": 5,
        "text": "Rubio",
        "claimant": {"kind": "unnamed", "span": {"start": 6, "end": 9, "text": "met"}},
    }
    assert [ptr for ptr, _ in item_spans(layer("claims"), claim)] == ["/claimant/span", ""]


def test_a_set_without_some_layer_lists_has_no_items_of_them() -> None:
    mention = {"id": "e1", "start": 0, "end": 5, "text": "Rubio", "entity": "r", "label": "PERSON"}
    assert list(set_items({"entities": [mention]})) == [(layer("entities"), 0, mention)]
