"""Traceability of an adjudicated set: every item to exactly one unit of its record, every unit to its sources.

An adjudicated set (`cartel-fto adjudicate`) carries an `adjudication` record. The schema checks
its shape; this module checks what the schema cannot: that the record and the set tell the same
story. Every entity mention, stance and claim of the set is the `result` of exactly one unit of
its own layer; every unit's result exists; an agreed unit names no side and no reason, a decided
one gives a reason (and, for `side`, one of the compared annotators); every side points at an
annotator who has a set in the same file and, unless null, at an item that exists in that set.
So a reader can go from any gold item to the decision that made it and the annotators' items
behind it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from typing import Any

from cartel_fto_corpus.checks.problems import pointer
from cartel_fto_corpus.truth.layers import layer_names


def adjudication_problems(doc: Mapping[str, Any], index: int) -> list[tuple[str, str, str]]:
    """(pointer, code, message) for every way set `index` of `doc` and its record disagree; [] if it has none."""
    aset = doc["annotations"][index]
    rec = aset.get("adjudication")
    if rec is None:
        return []
    base = pointer("annotations", index, "adjudication")
    out: list[tuple[str, str, str]] = []
    others = {s["annotator"]: s for s in doc["annotations"] if s is not aset}
    for i, name in enumerate(rec["annotators"]):
        if name not in others:
            out.append(
                (
                    f"{base}/annotators/{i}",
                    "adjudication-unknown-annotator",
                    f"expected an annotator with a set in this file, found {name!r}",
                )
            )
    ids = {layer: {x["id"] for x in aset.get(layer, [])} for layer in layer_names()}
    results: dict[str, Counter[str]] = {layer: Counter() for layer in layer_names()}
    for u, unit in enumerate(rec["units"]):
        ptr = f"{base}/units/{u}"
        layer = unit["layer"]
        res = unit["result"]
        if res is not None:
            results[layer][res] += 1
            if res not in ids[layer]:
                out.append(
                    (ptr + "/result", "adjudication-unknown-result", f"expected the id of an item of this set's {layer}, found {res!r}")
                )
        if unit["decision"] == "agreed":
            if unit["took"] is not None or unit["reason"] is not None:
                out.append((ptr, "adjudication-agreed-with-decision", "expected took and reason null for an agreed unit, found a decision"))
        else:
            if not unit["reason"]:
                out.append((ptr + "/reason", "adjudication-no-reason", f"expected the reason of a {unit['decision']} decision, found none"))
            if unit["decision"] == "side" and unit["took"] not in rec["annotators"]:
                out.append(
                    (ptr + "/took", "adjudication-unknown-side", f"expected one of {', '.join(rec['annotators'])}, found {unit['took']!r}")
                )
        for k, side in enumerate(unit["sides"]):
            src = others.get(side["annotator"])
            if src is None or side["annotator"] not in rec["annotators"]:
                out.append(
                    (
                        f"{ptr}/sides/{k}/annotator",
                        "adjudication-unknown-annotator",
                        f"expected a compared annotator, found {side['annotator']!r}",
                    )
                )
            elif side["item"] is not None and side["item"] not in {x["id"] for x in src[layer]}:
                out.append(
                    (
                        f"{ptr}/sides/{k}/item",
                        "adjudication-unknown-source",
                        f"expected the id of an item of {side['annotator']}'s {layer}, found {side['item']!r}",
                    )
                )
    for layer in layer_names():
        for i, item in enumerate(aset.get(layer, [])):
            n = results[layer][item["id"]]
            if n != 1:
                found = "none" if n == 0 else f"{n} units"
                out.append(
                    (
                        pointer("annotations", index, layer, i),
                        "adjudication-untraced",
                        f"expected exactly one unit of the adjudication record with result {item['id']!r}, found {found}",
                    )
                )
    return out
