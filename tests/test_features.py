"""The Features of every config come from the schema: ClassLabels over its label sets, List of structs for spans."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pyarrow as pa
import pytest
from datasets import ClassLabel, Features, List, Sequence, Value

from cartel_fto_corpus.publish.features import (
    CONFIGS,
    DEFAULT_CONFIG,
    SEMEVAL_LABELS,
    SEMEVAL_OF,
    SPAN_FIELDS,
    actor_kinds,
    add_label_names,
    base_features,
    bio_names,
    features,
    name_column,
)
from cartel_fto_corpus.truth.schema import LABEL_SET_NAMES, label_set, load_schemas


def walk(feature: Any, path: str = "") -> Iterator[tuple[str, Any]]:
    yield path, feature
    if isinstance(feature, dict):
        for k, v in feature.items():
            yield from walk(v, f"{path}/{k}")
    elif isinstance(feature, (List, Sequence)):
        yield from walk(feature.feature, f"{path}[]")


def class_labels() -> list[tuple[str, str, ClassLabel]]:
    return [(c, p, f) for c in CONFIGS for p, f in walk(features(c)) if isinstance(f, ClassLabel)]


def test_every_class_label_is_a_schema_label_set_in_schema_order() -> None:
    sets = {label_set(n) for n in LABEL_SET_NAMES} | {actor_kinds(), bio_names(), SEMEVAL_LABELS}
    found = class_labels()
    assert found
    for config, path, cl in found:
        assert tuple(cl.names) in sets, f"{config}{path}: {cl.names}"


def test_every_label_set_of_the_schema_is_published() -> None:
    used = {tuple(cl.names) for _c, _p, cl in class_labels()}
    for name in LABEL_SET_NAMES:
        assert label_set(name) in used, name


def test_actor_kinds_and_bio_names_follow_the_schema() -> None:
    alternatives = load_schemas()["common"]["$defs"]["actor"]["oneOf"]
    assert set(actor_kinds()) == {a["properties"]["kind"]["const"] for a in alternatives}
    names = bio_names()
    assert names[0] == "O" and len(names) == 1 + 2 * len(label_set("entity_label"))
    for label in label_set("entity_label"):
        assert names.index(f"I-{label}") == names.index(f"B-{label}") + 1


def test_no_sequence_of_dicts_and_spans_are_lists_of_structs() -> None:
    for config in CONFIGS:
        for path, f in walk(features(config)):
            assert type(f) is not Sequence, f"{config}{path} is a Sequence"
            if path and isinstance(f, dict):  # the dict of lists a Sequence({...}) turns into
                assert not all(isinstance(v, List) for v in f.values()), f"{config}{path} is a dict of lists"
        for column, start, end, text in SPAN_FIELDS[config]:
            f = features(config)
            if column is None:
                assert {start, end, text} <= set(f)
            else:
                assert isinstance(f[column], List) and isinstance(f[column].feature, dict)
                assert {start, end, text} <= set(f[column].feature)


def test_every_config_has_a_string_id_and_the_default_exists() -> None:
    assert DEFAULT_CONFIG in CONFIGS
    for config in CONFIGS:
        assert features(config)["id"] == Value("string")
    with pytest.raises(KeyError, match="unknown config"):
        features("nope")


def test_every_stance_label_maps_to_semeval() -> None:
    assert set(SEMEVAL_OF) == set(label_set("stance_label"))
    assert set(SEMEVAL_OF.values()) == set(SEMEVAL_LABELS)
    assert SEMEVAL_OF["favor"] == "FAVOR" and SEMEVAL_OF["against"] == "AGAINST"


def test_every_class_label_column_has_a_name_column_right_after_it() -> None:
    def check(cols: dict, where: str) -> int:
        keys, n = list(cols), 0
        for i, (name, f) in enumerate(cols.items()):
            if isinstance(f, List) and isinstance(f.feature, dict):
                n += check(f.feature, f"{where}/{name}")
            elif isinstance(f, ClassLabel) or (isinstance(f, List) and isinstance(f.feature, ClassLabel)):
                expected = name_column(name, isinstance(f, List))
                assert keys[i + 1] == expected, f"{where}/{name}"
                assert cols[expected] in (Value("string"), List(Value("string")))
                n += 1
        return n

    assert sum(check(features(c), c) for c in CONFIGS) > len(CONFIGS)
    assert name_column("ner_tags", True) == "ner_tag_names" and name_column("label", False) == "label_name"


def test_features_survive_arrow_and_encode_label_names() -> None:
    f = features("entities")
    row = {
        "id": "d", "doc_id": "d", "text": "Mexico", "annotator": "a", "status": "gold", "guideline_version": "1.0",
        "entities": [{"id": "e1", "start": 0, "end": 6, "text": "Mexico", "label": "GPE", "entity": "mexico",
                      "entity_name": "Mexico", "org_type": None, "qid": "Q96"}],
    }  # fmt: skip
    encoded = f.encode_example(add_label_names(row, base_features("entities")))
    assert encoded["status"] == label_set("status").index("gold") and encoded["status_name"] == "gold"
    assert encoded["entities"][0]["label"] == label_set("entity_label").index("GPE")
    assert encoded["entities"][0]["label_name"] == "GPE" and encoded["entities"][0]["org_type_name"] is None
    table = pa.Table.from_pylist([encoded], schema=f.arrow_schema)
    assert Features.from_arrow_schema(table.schema) == f
    assert table.to_pylist()[0] == encoded
