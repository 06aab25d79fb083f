"""The annotation layers of an annotation set, as the schema declares them once.

Each list of `annotation_set` that holds annotated items (entity mentions, stances, claims) carries
an `x-layer` keyword in `schema/annotation.schema.json`: its id prefix, where the spans sit inside an
item, what its references point at, which label sets it takes, its Label Studio object and the
dataset configs built from it. This module reads that declaration into frozen dataclasses, so the
checks, the rows and the inspection loops iterate `layers()` instead of naming the three lists by
hand, and a new layer is a schema edit (plus whatever is genuinely new about it).

Pointers are JSON pointers relative to an item: `""` is the item itself, `*` stands for every
element of a list, and a pointer that is absent from an item (an author holder has no span) is
simply skipped.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

from cartel_fto_corpus.truth.schema import load_schemas

#: The keyword that declares a layer on a property of `annotation_set`.
KEYWORD = "x-layer"


@dataclass(frozen=True)
class Reference:
    """A field of an item that names something else: an id of a registry section or of another layer's item."""

    pointer: str  #: where, relative to the item (may contain `*`)
    kind: str  #: "registry" (annotations/registry.json) or "layer" (an item of the same annotation set)
    to: str  #: the registry section ("entities", "targets", "clusters") or the layer name

    @property
    def noun(self) -> str:
        """What the reference names: the registry section in the singular ("entity"), or the layer's noun."""
        if self.kind == "layer":
            return layer(self.to).noun
        return self.to[:-3] + "y" if self.to.endswith("ies") else self.to.removesuffix("s")

    @property
    def code(self) -> str:
        """The problem code of a dangling reference: unknown-entity, unknown-target, unknown-mention, ..."""
        return f"unknown-{self.noun.split()[-1]}"

    @property
    def expected(self) -> str:
        """What a dangling reference's message expects ("an entity id of the registry")."""
        if self.kind == "layer":
            return f"the id of {with_article(self.noun)} of this set"
        return f"{with_article(self.noun)} id of the registry"


def with_article(noun: str) -> str:
    """The noun with its indefinite article: "an entity mention", "a target"."""
    return ("an " if noun[0] in "aeiou" else "a ") + noun


@dataclass(frozen=True)
class Layer:
    """One annotation layer: a list of the annotation set and what its items hold."""

    name: str  #: the list's key in the annotation set ("entities")
    prefix: str  #: the letter of its item ids ("e" in e12)
    noun: str  #: what one item is called in messages ("entity mention")
    item: str  #: the `$defs` name of its item definition in annotation.schema.json
    spans: tuple[str, ...]  #: pointers to the {start, end, text} spans inside an item
    references: tuple[Reference, ...]
    labels: tuple[tuple[str, str], ...]  #: (pointer, label set name of common.schema.json)
    labelstudio: str  #: the layer's object name in the Label Studio labelling config
    configs: tuple[str, ...]  #: the published dataset configs built from this layer

    @property
    def id_pattern(self) -> str:
        """The pattern every item id of this layer matches."""
        return f"^{self.prefix}[0-9]+$"

    @property
    def short_noun(self) -> str:
        """The noun's last word, as problem codes and short messages use it ("mention")."""
        return self.noun.split()[-1]

    def item_schema(self) -> dict[str, Any]:
        """The item definition (`$defs/<item>`) of annotation.schema.json."""
        return load_schemas()["annotation"]["$defs"][self.item]


def _parse_reference(pointer: str, target: str) -> Reference:
    kind, _, to = target.partition(":")
    if kind not in ("registry", "layer") or not to:
        raise ValueError(f"x-layer reference {pointer!r}: expected 'registry:<section>' or 'layer:<name>', found {target!r}")
    return Reference(pointer, kind, to)


@cache
def layers() -> tuple[Layer, ...]:
    """Every declared layer, in the order of the annotation set's properties (entities, stances, claims)."""
    props = load_schemas()["annotation"]["$defs"]["annotation_set"]["properties"]
    out = []
    for name, prop in props.items():
        decl = prop.get(KEYWORD)
        if decl is None:
            continue
        out.append(
            Layer(
                name=name,
                prefix=decl["prefix"],
                noun=decl.get("noun", name),
                item=prop["items"]["$ref"].rsplit("/", 1)[-1],
                spans=tuple(decl.get("spans", ())),
                references=tuple(_parse_reference(p, t) for p, t in decl.get("references", {}).items()),
                labels=tuple(decl.get("labels", {}).items()),
                labelstudio=decl.get("labelstudio", name),
                configs=tuple(decl.get("configs", ())),
            )
        )
    return tuple(out)


def layer_names() -> tuple[str, ...]:
    """The layers' list names, in order: ("entities", "stances", "claims")."""
    return tuple(layer.name for layer in layers())


def layer(name: str) -> Layer:
    """The layer stored under `name` in an annotation set."""
    for found in layers():
        if found.name == name:
            return found
    raise KeyError(f"unknown layer {name!r}; known: {', '.join(layer_names())}")


def layer_of_id(item_id: str) -> Layer | None:
    """The layer whose prefix an item id carries (e12 -> entities), or None."""
    m = re.fullmatch(r"([a-z])[0-9]+", item_id)
    if m is None:
        return None
    return next((found for found in layers() if found.prefix == m.group(1)), None)


def resolve(value: Any, pointer: str, at: str = "") -> Iterator[tuple[str, Any]]:
    """(concrete pointer, value) for every place `pointer` (with `*` for every list element) names
    inside `value`; nothing where a step is missing. Concrete pointers are prefixed with `at`."""
    if pointer == "":
        yield at, value
        return
    head, _, rest = pointer[1:].partition("/")
    rest = "/" + rest if rest else ""
    if head == "*":
        if isinstance(value, list):
            for i, element in enumerate(value):
                yield from resolve(element, rest, f"{at}/{i}")
    elif isinstance(value, Mapping) and head in value:
        yield from resolve(value[head], rest, f"{at}/{head}")


def item_spans(layer: Layer, item: Mapping[str, Any], at: str = "") -> Iterator[tuple[str, Mapping[str, Any]]]:
    """(pointer, span) for every span of an item, in declaration order; pointers prefixed with `at`."""
    for pointer in layer.spans:
        for ptr, span in resolve(item, pointer, at):
            if isinstance(span, Mapping):
                yield ptr, span


def item_references(layer: Layer, item: Mapping[str, Any], at: str = "") -> Iterator[tuple[str, Reference, Any]]:
    """(pointer, reference, value) for every reference an item makes (null values skipped)."""
    for ref in layer.references:
        for ptr, value in resolve(item, ref.pointer, at):
            if value is not None:
                yield ptr, ref, value


def item_labels(layer: Layer, item: Mapping[str, Any]) -> Iterator[tuple[str, str, Any]]:
    """(pointer, label set name, value) for every labelled field of an item."""
    for pointer, label_set in layer.labels:
        for ptr, value in resolve(item, pointer):
            yield ptr, label_set, value


def set_items(aset: Mapping[str, Any]) -> Iterator[tuple[Layer, int, Mapping[str, Any]]]:
    """(layer, index, item) for every item of an annotation set, layer by layer."""
    for found in layers():
        for j, item in enumerate(aset.get(found.name, ())):
            yield found, j, item


def set_references(aset: Mapping[str, Any], section: str) -> Iterator[tuple[str, Any]]:
    """(pointer inside the set, id) for every reference of an annotation set to the registry `section`
    (mentions', holders' and claimants' entities; claims' clusters), layer by layer."""
    for found, j, item in set_items(aset):
        for ptr, ref, value in item_references(found, item, f"/{found.name}/{j}"):
            if ref.kind == "registry" and ref.to == section:
                yield ptr, value


def replace_at(doc: Any, ptr: str, value: Any) -> None:
    """Set the value at a concrete JSON pointer (no `*`, no escapes: the pointers this module makes)."""
    *path, last = ptr[1:].split("/")
    for step in path:
        doc = doc[int(step) if isinstance(doc, list) else step]
    doc[int(last) if isinstance(doc, list) else last] = value


def count_items(aset: Mapping[str, Any]) -> int:
    """How many items an annotation set holds over all its layers."""
    return sum(len(aset.get(found.name, ())) for found in layers())
