"""The one source of truth: the JSON Schemas in `schema/` and the label sets derived from them.

Every closed label set (entity labels, stance labels, claim types, ...) is an `enum` in
`schema/common.schema.json`. The validator, the `datasets` Features, the Label Studio labelling
config, the docs and the Croissant metadata all read them through `label_set()`, so adding a label
means editing the schema and nothing else.
"""

from __future__ import annotations

import json
from functools import cache
from typing import Any

import jsonschema
import jsonschema_rs
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from cartel_fto_corpus.truth.paths import schema_dir

SCHEMA_FILES = {
    "common": "common.schema.json",
    "annotation": "annotation.schema.json",
    "registry": "registry.schema.json",
    "manifest": "manifest.schema.json",
}
#: Kinds of file a schema validates (common only holds definitions).
FILE_KINDS = ("annotation", "registry", "manifest")

#: Label sets by name, as they appear under `$defs` of the common schema.
LABEL_SET_NAMES = (
    "entity_label",
    "org_type",
    "stance_label",
    "claim_type",
    "checkworthiness",
    "cluster_kind",
    "attribution",
    "status",
    "qid_status",
    "quality_flag",
)


@cache
def load_schemas() -> dict[str, dict[str, Any]]:
    """All schema documents by short name, read once."""
    out = {}
    for name, file in SCHEMA_FILES.items():
        with open(schema_dir() / file, encoding="utf-8") as fh:
            out[name] = json.load(fh)
    return out


@cache
def _registry() -> Registry:
    resources = [(s["$id"], Resource.from_contents(s, default_specification=DRAFT202012)) for s in load_schemas().values()]
    return Registry().with_resources(resources)


@cache
def detailed_validator(kind: str) -> jsonschema.Draft202012Validator:
    """Pure-Python validator: slower, but its errors carry paths and readable messages."""
    return jsonschema.Draft202012Validator(load_schemas()[kind], registry=_registry())


@cache
def fast_validator(kind: str) -> Any:
    """Compiled validator (jsonschema-rs) used for the verdict on every file."""
    schemas = load_schemas()
    rs_registry = jsonschema_rs.Registry([(s["$id"], s) for s in schemas.values()])
    return jsonschema_rs.validator_for(schemas[kind], registry=rs_registry)


def supported_versions() -> tuple[str, ...]:
    """Schema versions this code can read (the `const` of `schema_version`)."""
    return (load_schemas()["common"]["$defs"]["schema_version"]["const"],)


def schema_version() -> str:
    return supported_versions()[-1]


@cache
def label_set(name: str) -> tuple[str, ...]:
    """The closed label set `name` in schema order, without null."""
    if name not in LABEL_SET_NAMES:
        raise KeyError(f"unknown label set {name!r}; known: {', '.join(LABEL_SET_NAMES)}")
    enum = load_schemas()["common"]["$defs"][name]["enum"]
    return tuple(v for v in enum if v is not None)


def label_sets() -> dict[str, tuple[str, ...]]:
    return {name: label_set(name) for name in LABEL_SET_NAMES}
