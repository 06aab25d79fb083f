"""The schema itself: well-formed 2020-12, closed, described, and the single home of label sets."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import jsonschema
import pytest

from cartel_fto_corpus.truth.schema import FILE_KINDS, LABEL_SET_NAMES, label_set, label_sets, load_schemas


def walk(node: Any, path: str = "") -> Iterator[tuple[str, dict[str, Any]]]:
    if isinstance(node, dict):
        yield path, node
        for key, value in node.items():
            yield from walk(value, f"{path}/{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from walk(value, f"{path}/{i}")


@pytest.mark.parametrize("name", sorted(load_schemas()))
def test_schema_is_valid_2020_12_with_relative_refs(name: str) -> None:
    schema = load_schemas()[name]
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    # No $id and relative $refs between the files: any tool that loads a schema from disk
    # (check-jsonschema, editors) resolves the other files beside it (truth/schema.schema_uri).
    assert "$id" not in schema
    refs = [node["$ref"] for _path, node in walk(schema) if "$ref" in node]
    assert all(re.fullmatch(r"(\w+\.schema\.json)?#/\$defs/\w+", ref) for ref in refs), refs
    jsonschema.Draft202012Validator.check_schema(schema)


@pytest.mark.parametrize("name", sorted(load_schemas()))
def test_every_property_has_a_description(name: str) -> None:
    missing = [
        f"{path}/properties/{prop}"
        for path, node in walk(load_schemas()[name])
        if isinstance(node.get("properties"), dict)
        for prop, sub in node["properties"].items()
        if "description" not in sub
    ]
    assert missing == []


@pytest.mark.parametrize("name", sorted(load_schemas()))
def test_every_object_is_closed(name: str) -> None:
    open_objects = [
        path for path, node in walk(load_schemas()[name]) if node.get("type") == "object" and node.get("additionalProperties") is not False
    ]
    assert open_objects == []


def test_label_sets_are_closed_enums_in_the_common_schema() -> None:
    defs = load_schemas()["common"]["$defs"]
    for name in LABEL_SET_NAMES:
        assert "enum" in defs[name], name
        assert label_set(name) and len(set(label_set(name))) == len(label_set(name))


def test_entity_labels_cover_the_required_ontonotes_types() -> None:
    assert {"PERSON", "ORG", "GPE", "LOC", "NORP", "DATE", "MONEY", "LAW", "EVENT"} <= set(label_set("entity_label"))
    assert {"favor", "against", "neutral", "none"} <= set(label_set("stance_label"))  # SemEval-2016's, and any added


def test_no_other_schema_redefines_a_label_set() -> None:
    """Label sets live in common only; other schemas must $ref them, never copy an enum."""
    enums = label_sets()
    for name in FILE_KINDS:
        for path, node in walk(load_schemas()[name]):
            if "enum" in node:
                values = tuple(v for v in node["enum"] if v is not None)
                assert values not in enums.values(), f"{name}{path} copies a label set"


def test_unknown_label_set_is_refused() -> None:
    with pytest.raises(KeyError):
        label_set("colour")


def test_schema_uri_is_the_file_it_was_read_from() -> None:
    """Below the fixtures (mutation run, issue 26): the URI every validator registry uses."""
    from cartel_fto_corpus.truth.paths import schema_dir
    from cartel_fto_corpus.truth.schema import SCHEMA_FILES, schema_uri

    for name, file in SCHEMA_FILES.items():
        assert schema_uri(name) == (schema_dir() / file).resolve().as_uri()
        assert schema_uri(name).startswith("file://") and schema_uri(name).endswith("/" + file)


def test_integers_are_ints_not_booleans_or_whole_floats() -> None:
    """Below the fixtures (second mutation run, issue 26): the `integer` of the detailed validator."""
    from cartel_fto_corpus.truth.schema import DetailedValidator, _is_integer

    assert [_is_integer(None, v) for v in (0, 21, -3, True, False, 21.0, "21", None)] == [True] * 3 + [False] * 5
    v = DetailedValidator({"type": "integer"})
    assert [v.is_valid(x) for x in (21, 21.0, True)] == [True, False, False]


def test_patterns_have_ecma_262_semantics() -> None:
    """Below the fixtures: `$` is the end of the string, non-strings pass, a lone surrogate is one error."""
    from cartel_fto_corpus.truth.schema import DetailedValidator, _ecma_pattern

    pattern = "^Q[1-9][0-9]*$"
    validator = DetailedValidator({"pattern": pattern})

    def messages(instance: Any, pat: str = pattern) -> list[str]:
        via_schema = [e.message for e in validator.iter_errors(instance)] if pat == pattern else None
        direct = [e.message for e in _ecma_pattern(validator, pat, instance, {})]
        assert via_schema in (None, direct)
        return direct

    assert messages("Q34490") == [] and messages(34490) == [] and messages(None) == []
    assert messages("Q34490\n") == ["'Q34490\\n' does not match '^Q[1-9][0-9]*$'"]
    assert messages("xQ1") == ["'xQ1' does not match '^Q[1-9][0-9]*$'"]
    assert messages("Q\ud800") == ["'Q\\ud800' is not Unicode text (lone surrogate), expected a match of '^Q[1-9][0-9]*$'"]
    assert messages("a1b", "[0-9]") == [] and messages("ab", "[0-9]") == ["'ab' does not match '[0-9]'"]
