"""From a comparison and the adjudicator's decisions to a gold set with its adjudication record.

The decisions (`inspection.decisions`) say, per disagreement id (`adjudicate.Unit.id`), which
annotator's item to take or which value to give, and why.

Agreed units are accepted from the first annotator's item. Ids are translated into the first
annotator's space, mention references of holders and claimants re-pointed to the gold mentions
at the same span, items sorted by position.

Adjudication is incremental (issue 23 point 5): when the document already has a gold set of the same
name with its record, `rounds.py` says which earlier decisions still stand and which gold ids stay,
and a document with nothing new is left as it was. Every unit, agreed or decided, is written to
the record with each side's item id, so every gold item traces to exactly one unit
(`checks.adjudication`). Nothing here reads the clock or the file system beyond its inputs, so
the same sets and decisions give the same bytes.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from cartel_fto_corpus.checks.adjudication import adjudication_problems
from cartel_fto_corpus.checks.checker import AnnotationChecker, Context, Usage
from cartel_fto_corpus.checks.problems import pointer
from cartel_fto_corpus.checks.schema_check import schema_problems
from cartel_fto_corpus.inspection.adjudicate import Aligner, Comparison, Unit, describe
from cartel_fto_corpus.inspection.alignment import claim_clusters
from cartel_fto_corpus.inspection.decisions import Decision, Decisions
from cartel_fto_corpus.inspection.rounds import earlier_decisions, item_ids, same_decisions
from cartel_fto_corpus.truth.layers import Layer, layer, layers, with_article
from cartel_fto_corpus.truth.paths import CorpusPaths


@dataclass
class Outcome:
    """What adjudicating one document gives: the new document (None if not buildable), problems, undecided ids."""

    doc_id: str
    comparison: Comparison
    decision_key: str | None
    document: dict[str, Any] | None = None
    problems: list[str] = field(default_factory=list)
    undecided: list[str] = field(default_factory=list)
    demoted: list[str] = field(default_factory=list)


def _required(name: str) -> list[str]:
    """What an explicit value of a layer must give: its item's required fields but the id (assigned
    by the adjudication) and a claim's clusters (none when omitted)."""
    return [k for k in layer(name).item_schema()["required"] if k not in ("id", "clusters")]


def _version_key(v: str) -> tuple[int, ...]:
    return tuple(int(x) for x in v.split("."))


class _Builder:
    """Assembles one gold set; one instance per document."""

    def __init__(self, comp: Comparison, al: Aligner, schema_version: str) -> None:
        self.comp, self.al = comp, al
        self.multi_cluster = schema_version != "1.0"
        self.mention_at: dict[tuple[int, int], tuple[str, str]] = {}
        self.problems: list[str] = []

    def actor(self, ann: str | None, actor: Mapping[str, Any], where: str) -> dict[str, Any]:
        if actor["kind"] != "entity":
            return copy.deepcopy(dict(actor))
        ent = self.al.entity(ann, actor["entity"]) if ann else actor["entity"]
        out: dict[str, Any] = {"kind": "entity", "entity": ent}
        mention = actor.get("mention")
        span: tuple[int, int] | None = None
        if ann and isinstance(mention, str):
            src = next((m for m in self.comp.sets[ann]["entities"] if m["id"] == mention), None)
            span = (src["start"], src["end"]) if src else None
        elif isinstance(mention, list) and len(mention) == 2:
            span = (mention[0], mention[1])
        elif mention is not None:
            self.problems.append(
                f"{where}: expected a mention as [start, end] in an explicit value (gold ids are assigned here), found {mention!r}"
            )
        if span is not None:
            found = self.mention_at.get(span)
            if found is not None and found[1] == ent:
                out["mention"] = found[0]
            elif not ann:
                self.problems.append(f"{where}: expected a gold mention of {ent!r} at {list(span)}, found none")
        return out

    def clusters(self, ann: str | None, claim: Mapping[str, Any], where: str) -> dict[str, Any]:
        ids = self.al.cluster_ids(ann, claim, ordered=True) if ann else claim_clusters(claim)
        if self.multi_cluster:
            return {"clusters": ids}
        if len(ids) > 1:
            self.problems.append(f"{where}: expected at most one cluster under schema 1.0, found {ids}")
        return {"cluster": ids[0] if ids else None}

    def item(self, found: Layer, ann: str | None, x: Mapping[str, Any], where: str) -> dict[str, Any]:
        """A gold item from an annotator's item (`ann`) or an explicit value (None): the fields its
        schema declares, in the schema's order, but the id (assigned here), an empty note or paragraph
        flag, and clusters (`clusters`); the linked entity in the pivot's ids, actors re-pointed."""
        out = {k: copy.deepcopy(x[k]) for k in found.item_schema()["properties"] if k in x and k not in ("id", "clusters")}
        for key in ("note", "multi_paragraph"):
            if key in out and not out[key]:
                del out[key]
        if ann and "entity" in out:
            out["entity"] = self.al.entity(ann, out["entity"])
        for key in ("holder", "claimant"):
            if key in out:
                out[key] = self.actor(ann, x[key], f"{where}/{key}")
        if found.name == "claims":
            out.update(self.clusters(ann, x, where))
        return out


def _choose(unit: Unit, decision: Decision | None, anns: list[str]) -> tuple[str | None, Mapping[str, Any] | None, str]:
    """(annotator whose item is used or None for an explicit value, the item or None, decision kind)."""
    if unit.agreed:
        return anns[0], unit.items[anns[0]], "agreed"
    assert decision is not None
    if decision.take is not None:
        return decision.take, unit.items[decision.take], "side"
    return None, decision.value, "value"


def _decision_problems(comp: Comparison, mine: Mapping[str, Decision], where_doc: str) -> list[str]:
    """Decisions that name no disagreement of the document, or an annotator not compared, or give
    an explicit value lacking a field its layer requires."""
    anns = comp.annotators
    units = {u.id: u for u in comp.units}
    problems = []
    for uid, d in mine.items():
        if uid not in units:
            problems.append(f"{where_doc}{pointer(uid)}: expected the id of a disagreement of {comp.doc_id}, found {uid!r} (no such unit)")
        elif units[uid].agreed:
            problems.append(f"{where_doc}{pointer(uid)}: expected the id of a disagreement, found {uid!r} on which {', '.join(anns)} agree")
        elif d.take is not None and d.take not in anns:
            problems.append(f"{where_doc}{pointer(uid, 'take')}: expected one of {', '.join(anns)}, found {d.take!r}")
        elif d.take is None and d.value is not None:
            name, required = units[uid].layer, _required(units[uid].layer)
            if missing := [k for k in required if k not in d.value]:
                problems.append(
                    f"{where_doc}{pointer(uid, 'value')}: expected {with_article(layer(name).noun)} with "
                    f"{', '.join(required)}, found none for {', '.join(missing)}"
                )
    return problems


_Chosen = dict[str, tuple[str | None, Mapping[str, Any] | None, str]]


def _position(name: str, item: Mapping[str, Any]) -> tuple[Any, ...]:
    """Where a gold item sits, for its place in the gold set: a stance by its first evidence and its target."""
    if name == "stances":
        return (min((e["start"] for e in item["evidence"] or []), default=0), item["target"] or "")
    return (item["start"], item["end"])


def _gold_items(
    b: _Builder, comp: Comparison, chosen: _Chosen, where_doc: str, previous: Mapping[str, Any] | None
) -> tuple[dict[str, str], dict[str, list[dict[str, Any]]]]:
    """(gold item id by unit id, the gold set's items by layer), layer by layer in the declaration's
    order, so the entities come first: holders and claimants point at the gold mentions; items sorted
    by position, ids kept from the earlier round."""
    result: dict[str, str] = {}
    lists: dict[str, list[dict[str, Any]]] = {}
    for found in layers():
        made = []
        for u in (u for u in comp.units if u.layer == found.name and chosen[u.id][1] is not None):
            ann, item, _ = chosen[u.id]
            built = b.item(found, ann, item, f"{where_doc}{pointer(u.id, 'value')}")
            made.append(((_position(found.name, built), u.id), u.id, built))
        made.sort(key=lambda t: t[0])
        lists[found.name] = []
        for item_id, (_, uid, item) in zip(item_ids(made, found.prefix, previous), made, strict=True):
            result[uid] = item_id
            lists[found.name].append({"id": item_id, **item})
            if found.name == "entities":
                b.mention_at[(item["start"], item["end"])] = (item_id, item["entity"])
    return result, lists


def _record_units(comp: Comparison, chosen: _Chosen, mine: Mapping[str, Decision], result: Mapping[str, str]) -> list[dict[str, Any]]:
    """The adjudication record: every unit, agreed or decided, with each side's item id and the gold item."""
    record_units = []
    for u in comp.units:
        ann, _, kind = chosen[u.id]
        d = mine.get(u.id)
        sides = []
        for a in comp.annotators:
            side: dict[str, Any] = {"annotator": a, "item": (u.items[a] or {}).get("id")}
            if kind != "agreed":
                side["value"] = describe(u.layer, u.values[a])
            sides.append(side)
        record_units.append(
            {
                "unit": u.id,
                "layer": u.layer,
                "anchor": u.anchor,
                "sides": sides,
                "decision": kind,
                "took": ann if kind == "side" else None,
                "reason": d.reason if d is not None and kind != "agreed" else None,
                "result": result.get(u.id),
            }
        )
    return record_units


def _gold_set(
    comp: Comparison, decisions: Decisions, lists: dict[str, list[dict[str, Any]]], record_units: list[dict[str, Any]]
) -> dict[str, Any]:
    anns = comp.annotators
    sources = [comp.sets[a] for a in anns]
    date = decisions.date or max(s["updated"] for s in sources)
    n_agreed = sum(1 for u in comp.units if u.agreed)
    return {
        "annotator": decisions.annotator,
        "guideline_version": max((s["guideline_version"] for s in sources), key=_version_key),
        "created": date,
        "updated": date,
        "status": "gold",
        "note": (
            f"Adjudicated from the sets of {', '.join(anns)} by {decisions.adjudicator}: {n_agreed} units on which they agreed "
            f"were accepted, {len(comp.units) - n_agreed} disagreements were decided; the adjudication record traces every item."
        ),
        **lists,
        "adjudication": {"adjudicator": decisions.adjudicator, "annotators": list(anns), "units": record_units},
    }


def _with_gold(doc: Mapping[str, Any], gold: dict[str, Any], out: Outcome) -> dict[str, Any]:
    """The document with `gold` in place of its earlier adjudicated set; other gold sets become drafts."""
    new = copy.deepcopy(dict(doc))
    kept = []
    for s in new["annotations"]:
        if s["annotator"] == gold["annotator"]:
            continue
        if s["status"] == "gold":
            s["status"] = "draft"
            out.demoted.append(s["annotator"])
        kept.append(s)
    new["annotations"] = [*kept, gold]
    return new


def build_gold(doc: Mapping[str, Any], comp: Comparison, al: Aligner, decisions: Decisions, file_label: str) -> Outcome:
    """The document with its gold set replaced by the adjudicated one (pure; see the module docstring)."""
    key, mine = decisions.for_doc(comp.doc_id)
    out = Outcome(comp.doc_id, comp, key)
    where_doc = f"{file_label}:{pointer('decisions', key or comp.doc_id)}"
    previous = next((s for s in doc["annotations"] if s["annotator"] == decisions.annotator and s.get("adjudication")), None)
    # the file's decisions win over the earlier round's (which still stand only on disagreements)
    mine = {**earlier_decisions(previous, comp), **mine}
    out.problems += _decision_problems(comp, mine, where_doc)
    out.undecided = [u.id for u in comp.disagreements if u.id not in mine]
    if out.problems or out.undecided:
        return out
    b = _Builder(comp, al, doc["schema_version"])
    chosen = {u.id: _choose(u, mine.get(u.id), comp.annotators) for u in comp.units}
    result, lists = _gold_items(b, comp, chosen, where_doc, previous)
    out.problems += b.problems
    if out.problems:
        return out
    gold = _gold_set(comp, decisions, lists, _record_units(comp, chosen, mine, result))
    if previous is not None:
        gold["created"] = previous["created"]
        if same_decisions(gold, previous):  # nothing new for this document: leave it as it was
            out.document = copy.deepcopy(dict(doc))
            return out
    out.document = _with_gold(doc, gold, out)
    return out


def document_problems(doc: dict[str, Any], file: str, paths: CorpusPaths, registry: dict[str, Any] | None) -> list[str]:
    """Everything `cartel-fto validate` would say about the new document, plus the record's traceability."""
    problems = [str(p) for p in schema_problems("annotation", doc, file)]
    if problems:
        return problems
    problems = [str(p) for p in AnnotationChecker(file, doc, Context(paths, registry), Usage()).run()]
    for i in range(len(doc["annotations"])):
        problems += [f"{file}:{ptr}: {msg}" for ptr, _, msg in adjudication_problems(doc, i)]
    return problems
