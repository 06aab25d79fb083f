"""Bringing a blind annotator's delivered sets into the corpus files, its ids translated into the registry's.

A blind annotator delivers one file per document plus a registry of its own (entity and cluster
ids it made up by the guidelines' rules). To compare and adjudicate in one place, and to keep
every annotator's version in `annotations/<doc_id>.json`, its sets are copied there with their
ids translated into the corpus registry: an entity id to the pivot annotator's id of the same
real-world entity (`alignment.EntityIndex`: span with the same label, type and name, QID; never
the id string alone, since the registries are different), a cluster id to the pivot's cluster it
shares most aligned claims with (`alignment.cluster_map`). A cluster translation is used only if
it is one-to-one, so the annotator's grouping of claims is kept exactly (two entity ids of the
same real-world entity do become one: no figure depends on entity ids); an id without a
counterpart keeps its own name (prefixed with the annotator id if the registry already uses the
name for something else) and its entry is added to the corpus registry. Every translation is
listed in the imported set's note. The delivered files stay untouched as the record of what the
annotator did; `tests/test_adjudicate.py` checks that agreement is the same on both.
"""

from __future__ import annotations

import copy
import re
from collections import Counter
from collections.abc import Mapping
from typing import Any

from cartel_fto_corpus.inspection.adjudicate import Aligner
from cartel_fto_corpus.truth.layers import replace_at, set_references


def _one_to_one(pairs: Mapping[str, str], weight: Mapping[str, int]) -> dict[str, str]:
    """Keep, for each target, only the source with the most weight (ties: the smaller id)."""
    best: dict[str, str] = {}
    for src, dst in sorted(pairs.items(), key=lambda kv: (-weight.get(kv[0], 0), kv[0])):
        best.setdefault(dst, src)
    return {src: dst for dst, src in best.items()}


def _free_name(name: str, taken: set[str], annotator: str) -> str:
    if name not in taken:
        return name
    prefix = re.sub(r"[^a-z0-9]+", "_", annotator.casefold()).strip("_")
    return f"{prefix}_{name}"


def import_sets(
    docs: Mapping[str, dict[str, Any]],
    registry: dict[str, Any],
    delivered: Mapping[str, dict[str, Any]],
    delivered_registry: Mapping[str, Any],
    annotator: str,
    pivot: str,
) -> tuple[dict[str, dict[str, Any]], dict[str, Any], dict[str, dict[str, str]]]:
    """(new documents, new registry, {"entities": map, "clusters": map}) (pure).

    `docs`: the corpus annotation files by doc id; `delivered`: the annotator's delivered files by
    doc id (one set of `annotator` each). An existing set of `annotator` in a corpus file is
    replaced, so importing twice gives the same files.
    """
    sets: dict[str, dict[str, dict[str, Any]]] = {}
    for doc_id, d in delivered.items():
        theirs = next(s for s in d["annotations"] if s["annotator"] == annotator)
        ours = next((s for s in docs[doc_id]["annotations"] if s["annotator"] == pivot), None)
        if ours is None:
            raise ValueError(f"{doc_id}: expected a set of {pivot!r} to align with, found none")
        sets[doc_id] = {pivot: ours, annotator: theirs}
    al = Aligner(sets, [pivot, annotator], registry, {annotator: delivered_registry})
    used_entities: Counter[str] = Counter()
    used_clusters: Counter[str] = Counter()
    for per in sets.values():
        s = per[annotator]
        used_entities.update(value for _ptr, value in set_references(s, "entities"))
        used_clusters.update(value for _ptr, value in set_references(s, "clusters"))
    pivot_entities = {m["entity"] for per in sets.values() for m in per[pivot]["entities"]}
    # a translation only where the pivot has the same entity (gold_id falls back to the annotator's own id)
    entity_pairs = {e: t for e in used_entities if (t := al.entity(annotator, e)) in pivot_entities}
    # several ids of one real-world entity (a registry slip of the annotator) become one: agreement
    # does not depend on entity ids; clusters are groupings, so theirs must stay one-to-one
    entity_map = dict(entity_pairs)
    cluster_map = _one_to_one(al.clusters.get(annotator, {}), used_clusters)
    new_registry = copy.deepcopy(registry)
    own_entities = {e["id"]: e for e in delivered_registry.get("entities", [])}
    own_clusters = {c["id"]: c for c in delivered_registry.get("clusters", [])}
    for used, table, own, section in (
        (used_entities, entity_map, own_entities, "entities"),
        (used_clusters, cluster_map, own_clusters, "clusters"),
    ):
        existing = {x["id"]: x for x in new_registry[section]}
        taken = set(existing)
        for old in sorted(used):
            if old in table:
                continue
            prefixed = _free_name(old, {old}, annotator)
            for name in (old, prefixed):  # added by an earlier import of the same delivery: reuse it
                if name in existing and _same_entry(existing[name], own[old]) and name not in table.values():
                    table[old] = name
                    break
            if old in table:
                continue
            name = _free_name(old, taken | set(table.values()), annotator)
            table[old] = name
            entry = copy.deepcopy(own[old])
            entry["id"] = name
            if section == "entities":  # clusters have no note; the imported set's note lists them
                entry["note"] = (entry.get("note", "") + f" (from {annotator}'s registry, id {old!r}; no counterpart in {pivot}'s)").strip()
            new_registry[section].append(entry)
            taken.add(name)
        ids = [x["id"] for x in registry[section]]
        if ids == sorted(ids):  # keep the registry's own order convention
            new_registry[section].sort(key=lambda x: x["id"])
    new_docs: dict[str, dict[str, Any]] = {}
    for doc_id, per in sets.items():
        s = _translate(per[annotator], entity_map, cluster_map)
        changed = sorted(f"{a} -> {b}" for a, b in entity_map.items() if a != b and a in _ids_of(per[annotator]))
        changed_c = sorted(f"{a} -> {b}" for a, b in cluster_map.items() if a != b and a in _clusters_of(per[annotator]))
        s["note"] = (
            (s.get("note", "") + " ").lstrip()
            + f"Imported from annotations/independent/{annotator}/ with its own registry ids translated into the corpus "
            f"registry's ({pivot}'s where the same entity or cluster; cartel-fto import-set): "
            f"entities {', '.join(changed) or 'none changed'}; clusters {', '.join(changed_c) or 'none changed'}."
        )
        doc = copy.deepcopy(docs[doc_id])
        at = next((i for i, x in enumerate(doc["annotations"]) if x["annotator"] == annotator), None)
        if at is None:
            doc["annotations"].append(s)
        else:  # re-importing replaces the set where it is, so the file does not change
            doc["annotations"][at] = s
        new_docs[doc_id] = doc
    return new_docs, new_registry, {"entities": entity_map, "clusters": cluster_map}


def _same_entry(mine: Mapping[str, Any], theirs: Mapping[str, Any]) -> bool:
    """An entry of the corpus registry that is the annotator's entry (ids and notes aside)."""
    skip = {"id", "note"}
    return {k: v for k, v in mine.items() if k not in skip} == {k: v for k, v in theirs.items() if k not in skip}


def _ids_of(s: Mapping[str, Any]) -> set[str]:
    return {value for _ptr, value in set_references(s, "entities")}


def _clusters_of(s: Mapping[str, Any]) -> set[str]:
    return {value for _ptr, value in set_references(s, "clusters")}


def _translate(s: Mapping[str, Any], entities: Mapping[str, str], clusters: Mapping[str, str]) -> dict[str, Any]:
    """The set with every registry reference the layer declaration names translated."""
    out = copy.deepcopy(dict(s))
    for table, section in ((entities, "entities"), (clusters, "clusters")):
        for ptr, value in list(set_references(out, section)):
            replace_at(out, ptr, table[value])
    return out
