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

#: the registry sections whose ids a blind annotator makes up
SECTIONS = ("entities", "clusters")


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
    sets = _paired_sets(docs, delivered, annotator, pivot)
    al = Aligner(sets, [pivot, annotator], registry, {annotator: delivered_registry})
    used = {
        section: Counter(value for per in sets.values() for _ptr, value in set_references(per[annotator], section)) for section in SECTIONS
    }
    pivot_entities = {m["entity"] for per in sets.values() for m in per[pivot]["entities"]}
    # a translation only where the pivot has the same entity (gold_id falls back to the annotator's own id);
    # several ids of one real-world entity (a registry slip of the annotator) become one: agreement
    # does not depend on entity ids; clusters are groupings, so theirs must stay one-to-one
    maps = {
        "entities": {e: t for e in used["entities"] if (t := al.entity(annotator, e)) in pivot_entities},
        "clusters": _one_to_one(al.clusters.get(annotator, {}), used["clusters"]),
    }
    new_registry = copy.deepcopy(registry)
    for section, table in maps.items():
        own = {x["id"]: x for x in delivered_registry.get(section, [])}
        _add_unmatched(new_registry, section, used[section], table, own, annotator, pivot)
        ids = [x["id"] for x in registry[section]]
        if ids == sorted(ids):  # keep the registry's own order convention
            new_registry[section].sort(key=lambda x: x["id"])
    new_docs = {doc_id: _imported_document(docs[doc_id], per[annotator], maps, annotator, pivot) for doc_id, per in sets.items()}
    return new_docs, new_registry, maps


def _paired_sets(
    docs: Mapping[str, dict[str, Any]], delivered: Mapping[str, dict[str, Any]], annotator: str, pivot: str
) -> dict[str, dict[str, dict[str, Any]]]:
    """Per delivered document, the pivot's set and the annotator's delivered one."""
    sets: dict[str, dict[str, dict[str, Any]]] = {}
    for doc_id, d in delivered.items():
        theirs = next(s for s in d["annotations"] if s["annotator"] == annotator)
        ours = next((s for s in docs[doc_id]["annotations"] if s["annotator"] == pivot), None)
        if ours is None:
            raise ValueError(f"{doc_id}: expected a set of {pivot!r} to align with, found none")
        sets[doc_id] = {pivot: ours, annotator: theirs}
    return sets


def _add_unmatched(
    new_registry: dict[str, Any],
    section: str,
    used: Counter[str],
    table: dict[str, str],
    own: Mapping[str, Any],
    annotator: str,
    pivot: str,
) -> None:
    """Give every used id without a counterpart a name in `table` (in place) and its entry in the
    registry: the entry an earlier import of the same delivery added, else a new one under a free name."""
    existing = {x["id"]: x for x in new_registry[section]}
    taken = set(existing)
    for old in sorted(used):
        if old in table:
            continue
        for name in (old, _free_name(old, {old}, annotator)):  # added by an earlier import of the same delivery: reuse it
            if name in existing and _same_entry(existing[name], own[old]) and name not in table.values():
                table[old] = name
                break
        else:
            name = table[old] = _free_name(old, taken | set(table.values()), annotator)
            entry = {**copy.deepcopy(own[old]), "id": name}
            if section == "entities":  # clusters have no note; the imported set's note lists them
                entry["note"] = (entry.get("note", "") + f" (from {annotator}'s registry, id {old!r}; no counterpart in {pivot}'s)").strip()
            new_registry[section].append(entry)
            taken.add(name)


def _imported_document(
    doc: Mapping[str, Any], theirs: Mapping[str, Any], maps: Mapping[str, Mapping[str, str]], annotator: str, pivot: str
) -> dict[str, Any]:
    """The corpus document with the annotator's set, every registry reference the layer declaration
    names translated, its note listing the translations."""
    s = copy.deepcopy(dict(theirs))
    changed: dict[str, str] = {}
    for section, table in maps.items():
        refs = list(set_references(s, section))
        named = {value for _ptr, value in refs}
        changed[section] = ", ".join(sorted(f"{a} -> {b}" for a, b in table.items() if a != b and a in named)) or "none changed"
        for ptr, value in refs:
            replace_at(s, ptr, table[value])
    s["note"] = (
        (s.get("note", "") + " ").lstrip()
        + f"Imported from annotations/independent/{annotator}/ with its own registry ids translated into the corpus "
        f"registry's ({pivot}'s where the same entity or cluster; cartel-fto import-set): "
        f"entities {changed['entities']}; clusters {changed['clusters']}."
    )
    new = copy.deepcopy(dict(doc))
    at = next((i for i, x in enumerate(new["annotations"]) if x["annotator"] == annotator), None)
    if at is None:
        new["annotations"].append(s)
    else:  # re-importing replaces the set where it is, so the file does not change
        new["annotations"][at] = s
    return new


def _same_entry(mine: Mapping[str, Any], theirs: Mapping[str, Any]) -> bool:
    """An entry of the corpus registry that is the annotator's entry (ids and notes aside)."""
    skip = {"id", "note"}
    return {k: v for k, v in mine.items() if k not in skip} == {k: v for k, v in theirs.items() if k not in skip}
