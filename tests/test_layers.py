"""The layer declaration (`x-layer` in annotation.schema.json) and `truth/layers.py` that reads it:
the declaration agrees with the item definitions it describes, so code driven by it cannot drift."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest

from cartel_fto_corpus.truth.layers import (
    count_items,
    item_references,
    item_spans,
    layer,
    layer_names,
    layer_of_id,
    layers,
    resolve,
    set_items,
)
from cartel_fto_corpus.truth.paths import CorpusPaths
from cartel_fto_corpus.truth.schema import LABEL_SET_NAMES, load_schemas

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
