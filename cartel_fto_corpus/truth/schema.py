"""The one source of truth: the JSON Schemas in `schema/` and the label sets derived from them.

Every closed label set (entity labels, stance labels, claim types, ...) is an `enum` in
`schema/common.schema.json`. The validator, the `datasets` Features, the Label Studio labelling
config, the docs and the Croissant metadata all read them through `label_set()`, so adding a label
means editing the schema and nothing else.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from functools import cache
from typing import Any

import jsonschema
import jsonschema_rs
import regress
from jsonschema.exceptions import ValidationError
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from cartel_fto_corpus.truth.paths import schema_dir

SCHEMA_FILES = {
    "common": "common.schema.json",
    "annotation": "annotation.schema.json",
    "registry": "registry.schema.json",
    "manifest": "manifest.schema.json",
    "seal": "seal.schema.json",
    "protocol": "protocol.schema.json",
}
#: Kinds of file a schema validates (common only holds definitions). `seal` (a delivery's
#: SEAL.json) and `protocol` (annotations/protocol.json) are checked by `checks.seals`.
FILE_KINDS = ("annotation", "registry", "manifest", "seal", "protocol")

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


def schema_uri(name: str) -> str:
    """The URI a schema is known by: the file it was read from.

    The schema files carry no `$id` and refer to each other by relative `$ref`s
    (`common.schema.json#/$defs/offset`), so every tool that loads them from disk (check-jsonschema,
    editors, this module) resolves a reference to the file beside it; an `$id` (absolute, with no
    server behind it, or relative, which tools resolve against their working directory) would
    only break that. The version lives in `schema_version`.
    """
    return (schema_dir() / SCHEMA_FILES[name]).resolve().as_uri()


@cache
def _with_ids() -> dict[str, dict[str, Any]]:
    """Each schema with its file URI as `$id`, for the validators' registries (never written)."""
    return {name: {**s, "$id": schema_uri(name)} for name, s in load_schemas().items()}


@cache
def _registry() -> Registry:
    """Each schema under its file URI, and under its bare file name, so a schema taken from
    `load_schemas()` as it is on disk (no base URI) resolves `common.schema.json#/…` too."""
    resources = []
    for name, schema in _with_ids().items():
        resource = Resource.from_contents(schema, default_specification=DRAFT202012)
        resources += [(schema["$id"], resource), (SCHEMA_FILES[name], resource)]
    return Registry().with_resources(resources)


@cache
def _ecma_regex(pattern: str) -> regress.Regex:
    return regress.Regex(pattern)


def _ecma_pattern(validator: Any, pattern: str, instance: Any, schema: dict[str, Any]) -> Iterator[ValidationError]:
    r"""`pattern` with ECMA-262 semantics, as the compiled validator and the spec have it.

    Python's `re.search` lets `$` match before a final newline, so `"Q34490\n"` would pass
    `^Q[1-9][0-9]*$`; ECMA-262's `$` is the end of the string (and `\d`, `\w` are ASCII).
    """
    if not validator.is_type(instance, "string"):
        return
    try:
        found = _ecma_regex(pattern).find(instance)
    except UnicodeEncodeError:  # a lone surrogate: not text any regex engine should see
        yield ValidationError(f"{instance!r} is not Unicode text (lone surrogate), expected a match of {pattern!r}")
        return
    if found is None:
        yield ValidationError(f"{instance!r} does not match {pattern!r}")


def _is_integer(_checker: Any, instance: Any) -> bool:
    """Integers are ints: 21.0 is not an offset, whatever JSON Schema's number model says."""
    return isinstance(instance, int) and not isinstance(instance, bool)


DetailedValidator = jsonschema.validators.extend(
    jsonschema.Draft202012Validator,
    validators={"pattern": _ecma_pattern},
    type_checker=jsonschema.Draft202012Validator.TYPE_CHECKER.redefine("integer", _is_integer),
)


@cache
def detailed_validator(kind: str) -> Any:
    """Pure-Python validator: slower, but its errors carry paths and readable messages.

    Stricter than the compiled one in one way only: `integer` means a JSON number written without
    fraction or exponent. Patterns use ECMA-262 semantics (`regress`), like the compiled validator.
    """
    return DetailedValidator(_with_ids()[kind], registry=_registry())


@cache
def fast_validator(kind: str) -> Any:
    """Compiled validator (jsonschema-rs) used for the verdict on every file."""
    schemas = _with_ids()
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
