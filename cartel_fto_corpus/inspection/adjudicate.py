"""Comparing annotators' sets of a document unit by unit: what they agree on, and each disagreement.

A *unit* is one thing the annotators may agree or disagree on: an entity mention (mentions aligned
by span, `alignment.align_spans`), a stance (aligned by holder and target, holders compared by
kind plus the real-world entity or the unnamed source's words), a claim (aligned by span). Each
annotator has at most one item in a unit. Items are compared in the first annotator's id space:
another annotator's entity ids are translated through `alignment.EntityIndex` and its cluster ids
through `alignment.cluster_map`, so a blind annotator's own ids do not count as disagreements.

A unit is *agreed* when every annotator has an item and the comparable values are equal
(entity: span, label, entity; stance: holder, target, label, attribution, evidence spans; claim:
span, claimant, attribution, type, check-worthiness, hedging, clusters; free-text notes and
descriptions of unnamed sources are not compared). Otherwise it is a disagreement the
adjudicator decides (`decisions.py`). Unit ids are derived from the data only (layer plus span,
or target plus holder), so the same sets give the same ids and a decisions file stays valid.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from cartel_fto_corpus.inspection.alignment import EntityIndex, actor_words, align_spans, claim_clusters, cluster_map, norm
from cartel_fto_corpus.truth.sets import reference_set


@dataclass
class Unit:
    """One unit of one document: each annotator's raw item (None if it has none) and comparable value."""

    id: str
    layer: str
    anchor: str
    items: dict[str, dict[str, Any] | None]
    values: dict[str, dict[str, Any] | None]

    @property
    def agreed(self) -> bool:
        vals = list(self.values.values())
        return all(v is not None for v in vals) and all(v == vals[0] for v in vals[1:])


@dataclass
class Comparison:
    """The units of one document for a list of annotators (the first is the pivot)."""

    doc_id: str
    annotators: list[str]
    sets: dict[str, dict[str, Any]]
    units: list[Unit] = field(default_factory=list)

    @property
    def disagreements(self) -> list[Unit]:
        return [u for u in self.units if not u.agreed]


class Aligner:
    """Id translation into the pivot's space, built once over every compared document (clusters span documents)."""

    def __init__(
        self,
        sets: Mapping[str, Mapping[str, Mapping[str, Any]]],
        annotators: Sequence[str],
        registry: Mapping[str, Any] | None,
        registries: Mapping[str, Mapping[str, Any]] | None = None,
    ):
        self.entities = EntityIndex(sets, registry, registries)
        self.entities.order = list(annotators)
        self.pivot = annotators[0]
        self.clusters: dict[str, dict[str, str]] = {self.pivot: {}}
        for other in annotators[1:]:
            pairs = []
            for per in sets.values():
                units = align_spans({self.pivot: per[self.pivot]["claims"], other: per[other]["claims"]}, _span)
                pairs += [(claim_clusters(u[self.pivot]), claim_clusters(u[other])) for u in units if len(u) == 2]
            self.clusters[other] = cluster_map(pairs)

    def entity(self, annotator: str, entity: str) -> str:
        return self.entities.gold_id(annotator, entity)

    def cluster_ids(self, annotator: str, claim: Mapping[str, Any], ordered: bool = False) -> list[str]:
        """A claim's clusters in the pivot's ids: sorted to compare, or in the annotator's order (repeats dropped) to keep."""
        table = self.clusters.get(annotator, {})
        mapped = list(dict.fromkeys(table.get(c, c) for c in claim_clusters(claim)))
        return mapped if ordered else sorted(mapped)

    def actor(self, annotator: str, actor: Mapping[str, Any]) -> dict[str, Any]:
        """Comparable form of a holder or claimant (no mention ids, no free-text description)."""
        if actor["kind"] == "entity":
            return {"kind": "entity", "entity": self.entity(annotator, actor["entity"])}
        if actor["kind"] == "unnamed":
            return {"kind": "unnamed", "words": norm(actor_words(actor))}
        return {"kind": "author"}


def _span(x: Mapping[str, Any]) -> tuple[int, int]:
    return (x["start"], x["end"])


#: what a unit does not compare: each annotator's own ids, free-text notes, the paragraph flag, and a
#: 1.0 claim's `cluster` (compared as `clusters`); an unnamed source's description is left out by `Aligner.actor`
NOT_COMPARED = frozenset({"id", "note", "multi_paragraph", "cluster"})


def comparable(al: Aligner, ann: str, layer: str, item: Mapping[str, Any]) -> dict[str, Any]:
    """An item as its unit compares it, in the pivot's ids: every field but `NOT_COMPARED`, with the
    linked entity translated, holders and claimants as `Aligner.actor` gives them, evidence as sorted
    [start, end] pairs and a claim's clusters translated and sorted."""
    out = {k: v for k, v in item.items() if k not in NOT_COMPARED}
    if "entity" in out:
        out["entity"] = al.entity(ann, out["entity"])
    for key in ("holder", "claimant"):
        if key in out:
            out[key] = al.actor(ann, out[key])
    if "evidence" in out:
        out["evidence"] = sorted([e["start"], e["end"]] for e in out["evidence"])
    if layer == "claims":
        out["clusters"] = al.cluster_ids(ann, item)
    return out


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9_.]+", "-", text.casefold()).strip("-") or "x"


def _unique(ids: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for i in ids:
        seen[i] = seen.get(i, 0) + 1
        out.append(i if seen[i] == 1 else f"{i}#{seen[i]}")
    return out


def _holder_slug(al: Aligner, ann: str, actor: Mapping[str, Any]) -> str:
    """The holder part of a stance unit id: author, the entity id in the pivot's space, or unnamed-<words>."""
    v = al.actor(ann, actor)
    return _slug(v.get("entity") or f"{v['kind']}-{v.get('words', '')}")


def _holder_words(al: Aligner, ann: str, actor: Mapping[str, Any], registry_names: Mapping[str, str]) -> str:
    if actor["kind"] == "author":
        return "author"
    if actor["kind"] == "entity":
        ent = al.entity(ann, actor["entity"])
        return registry_names.get(ent, ent)
    return actor_words(actor)


def compare_document(
    doc_id: str, sets: Mapping[str, Mapping[str, Any]], al: Aligner, registry_names: Mapping[str, str] | None = None
) -> Comparison:
    """The units of one document, in the order entities (by span), stances (by first evidence), claims (by span)."""
    names = registry_names or {}
    anns = list(sets)
    comp = Comparison(doc_id, anns, {a: dict(s) for a, s in sets.items()})

    def by_span(name: str, word: str) -> list[tuple[str, str, dict[str, dict[str, Any]]]]:
        """A span layer's units, named by the first annotator's span (a unit keeps the annotators' order)."""
        out = []
        for u in align_spans({a: sets[a][name] for a in anns}, _span):
            start, end = _span(next(iter(u.values())))
            out.append((name, f"{word}/{start}-{end}", u))
        return out

    raw = by_span("entities", "entity")
    keyed: dict[str, dict[str, dict[str, Any]]] = {}
    for a in anns:  # an annotator's n-th stance of one holder on one target meets the others' n-th
        stances = sets[a]["stances"]
        keys = _unique([f"stance/{st['target']}/{_holder_slug(al, a, st['holder'])}" for st in stances])
        for key, st in zip(keys, stances, strict=True):
            keyed.setdefault(key, {})[a] = st
    for key in sorted(keyed, key=lambda k: (min(min(e["start"] for e in st["evidence"]) for st in keyed[k].values()), k)):
        raw.append(("stances", key, keyed[key]))
    raw += by_span("claims", "claim")
    for (layer, _, u), uid in zip(raw, _unique([r[1] for r in raw]), strict=True):
        first_ann = next(a for a in anns if a in u)
        first = u[first_ann]
        anchor = f"{_holder_words(al, first_ann, first['holder'], names)} -> {first['target']}" if layer == "stances" else first["text"]
        comp.units.append(
            Unit(
                id=uid,
                layer=layer,
                anchor=anchor,
                items={a: u.get(a) for a in anns},
                values={a: (comparable(al, a, layer, u[a]) if a in u else None) for a in anns},
            )
        )
    return comp


def describe(layer: str, value: Mapping[str, Any] | None) -> str:
    """A comparable value in words, for listings and the adjudication record."""
    if value is None:
        return "(none)"
    if layer == "entities":
        return f'{value["label"]} {value["entity"]} "{value["text"]}" [{value["start"]}:{value["end"]}]'

    def actor(a: Mapping[str, Any]) -> str:
        return a["kind"] if a["kind"] == "author" else f"{a['kind']}:{a.get('entity') or a.get('words')}"

    if layer == "stances":
        ev = ", ".join(f"[{s}:{e}]" for s, e in value["evidence"])
        return f"{value['label']} ({value['attribution']}) by {actor(value['holder'])} on {value['target']}; evidence {ev}"
    clusters = ", ".join(value["clusters"]) or "-"
    return (
        f'[{value["start"]}:{value["end"]}] "{value["text"]}": {value["type"]}/{value["checkworthiness"]}, '
        f"{actor(value['claimant'])} {value['attribution']}, hedged={'yes' if value['hedged'] else 'no'}, clusters: {clusters}"
    )


def annotator_set(doc: Mapping[str, Any], annotator: str) -> dict[str, Any] | None:
    """An annotator's set of a document (its gold set if it has several, else its first)."""
    return reference_set({"annotations": [s for s in doc["annotations"] if s["annotator"] == annotator]})


def compare_corpus(
    docs: Sequence[Mapping[str, Any]], annotators: Sequence[str], registry: Mapping[str, Any] | None
) -> tuple[list[Comparison], Aligner]:
    """Comparisons of every document in which each of `annotators` has a set (ids aligned corpus-wide)."""
    sets: dict[str, dict[str, dict[str, Any]]] = {}
    for doc in docs:
        per = {a: annotator_set(doc, a) for a in annotators}
        if all(s is not None for s in per.values()):
            sets[doc["doc_id"]] = {a: s for a, s in per.items() if s is not None}
    al = Aligner(sets, annotators, registry)
    names = {e["id"]: e["name"] for e in (registry or {}).get("entities", [])}
    return [compare_document(doc_id, per, al, names) for doc_id, per in sets.items()], al
