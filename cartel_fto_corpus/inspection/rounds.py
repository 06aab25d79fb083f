"""Earlier rounds of adjudication: which decisions still stand, which gold ids stay (issue 23 point 5).

A second round of `cartel-fto adjudicate` must not rewrite gold wholesale: a disagreement decided
before and unchanged since (same items, same values on each side) keeps its decision unless the new
decisions file decides it anew; every unit keeps the gold item id it had (the card promises stable
row ids), new items get ids after the largest; a document whose gold set comes out the same apart
from its dates, note and adjudicator is left byte for byte. Pure; `gold.build_gold` uses it.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from cartel_fto_corpus.inspection.adjudicate import Comparison, describe
from cartel_fto_corpus.inspection.decisions import Decision
from cartel_fto_corpus.truth.layers import set_items


def _without_dates(aset: Mapping[str, Any]) -> dict[str, Any]:
    """What a round decides about a set: not when, nor who ran this round (a round that changes nothing
    in a document leaves its earlier adjudicator, note and dates as they were)."""
    out = {k: v for k, v in aset.items() if k not in ("created", "updated", "note")}
    out["adjudication"] = {k: v for k, v in aset["adjudication"].items() if k != "adjudicator"}
    return out


def item_ids(made: list[tuple[Any, str, dict[str, Any]]], prefix: str, previous: Mapping[str, Any] | None) -> list[str]:
    """The gold id of each item (in `made`'s order): the id its unit had in the earlier gold set, else the
    next after the largest id used so far, so an existing row id never names another item."""
    earlier: dict[str, str] = {}
    top = 0
    if previous is not None:
        for ru in previous["adjudication"]["units"]:
            rid = ru.get("result")
            if isinstance(rid, str) and rid.startswith(prefix) and rid[len(prefix) :].isdigit():
                earlier[ru["unit"]] = rid
                top = max(top, int(rid[len(prefix) :]))
    out, taken = [], set()
    for _, uid, _ in made:
        rid = earlier.get(uid)
        if rid is None or rid in taken:
            top += 1
            rid = f"{prefix}{top}"
        taken.add(rid)
        out.append(rid)
    return out


def earlier_decisions(previous: Mapping[str, Any] | None, comp: Comparison) -> dict[str, Decision]:
    """The decisions of an earlier round still standing: units in disagreement now that were decided then
    with the same items and values on each side (a changed side makes it a new disagreement)."""
    if previous is None:
        return {}
    units = {u.id: u for u in comp.disagreements}
    gold_items = {x["id"]: x for _layer, _j, x in set_items(previous)}
    spans = {m["id"]: [m["start"], m["end"]] for m in previous.get("entities", [])}
    out: dict[str, Decision] = {}
    for ru in previous["adjudication"]["units"]:
        u = units.get(ru["unit"])
        if u is None or ru["decision"] not in ("side", "value"):
            continue
        sides = {s["annotator"]: s for s in ru["sides"]}
        same = set(sides) == set(u.items) and all(
            sides[a].get("item") == (u.items[a] or {}).get("id") and sides[a].get("value") == describe(u.layer, u.values[a])
            for a in u.items
        )
        if not same:
            continue
        if ru["decision"] == "side" and ru.get("took") in u.items:
            out[u.id] = Decision(ru["took"], None, ru.get("reason") or "")
        elif ru["decision"] == "value":
            item = gold_items.get(ru.get("result")) if ru.get("result") else None
            if ru.get("result") and item is None:
                continue
            out[u.id] = Decision(None, _as_value(item, spans) if item is not None else None, ru.get("reason") or "")
    return out


def _as_value(item: Mapping[str, Any], spans: Mapping[str, list[int]]) -> dict[str, Any]:
    """A gold item as an explicit decision value: no id, mentions of actors as [start, end] (ids are assigned anew)."""
    value = copy.deepcopy({k: v for k, v in item.items() if k != "id"})
    for key in ("claimant", "holder"):
        actor = value.get(key)
        if isinstance(actor, dict) and isinstance(actor.get("mention"), str) and actor["mention"] in spans:
            actor["mention"] = spans[actor["mention"]]
    return value


def same_decisions(gold: Mapping[str, Any], previous: Mapping[str, Any]) -> bool:
    """The new gold set says what the earlier one said: the document is left exactly as it was."""
    return _without_dates(gold) == _without_dates(previous)
