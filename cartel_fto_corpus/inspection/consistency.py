"""Cross-document consistency: the same construction labelled differently, listed for the adjudicator.

A report, not a check: two labels for one string can both be right (context decides), so nothing
fails; the adjudicator reads the list and decides or acknowledges. Per document the reference set
(gold, else the first; or a named annotator's) is read, and these groups are listed where the
labels differ between occurrences (in different articles or in one):

* **entity text**: the same lowercased mention text with another label or linked entity
  (registry name);
* **claim text**: the same lowercased claim span with another type, check-worthiness or hedging;
* **stance evidence**: the same lowercased evidence text given by the same holder kind with
  another stance label;
* **claim-type trigger**: claims containing the same construction that usually decides the claim
  type (`TRIGGERS`: "will", "is set to", "according to", "described ... as", "called", ...),
  typed differently in different articles (e.g. "the designations will classify ..." a
  prediction in one article and factual in another).
"""

from __future__ import annotations

import json
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

from cartel_fto_corpus.inspection.alignment import norm
from cartel_fto_corpus.truth.sets import reference_set

#: Constructions that decide a claim's type more often than not (closed list; whole words).
TRIGGERS = (
    "will",
    "would",
    "is set to",
    "are set to",
    "plans to",
    "is expected to",
    "are expected to",
    "could",
    "may",
    "might",
    "according to",
    "described",
    "called",
    "labeled",
    "labelled",
    "designated",
    "designate",
)
_TRIGGER = re.compile(r"\b(" + "|".join(re.escape(t) for t in sorted(TRIGGERS, key=len, reverse=True)) + r")\b", re.IGNORECASE)


def consistency_report(
    docs: Iterable[Mapping[str, Any]], registry: Mapping[str, Any] | None, annotator: str | None = None
) -> dict[str, Any]:
    """Groups of occurrences whose labels differ (pure; see the module docstring)."""
    names = {e["id"]: e["name"] for e in (registry or {}).get("entities", [])}
    groups: dict[tuple[str, str], dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    trigger_docs: dict[str, set[str]] = defaultdict(set)
    for doc in docs:
        s = reference_set(doc) if annotator is None else next((s for s in doc["annotations"] if s["annotator"] == annotator), None)
        if s is None:
            continue
        short = doc["doc_id"].split("_", 1)[0]
        for m in s["entities"]:
            value = f"{m['label']} {names.get(m['entity'], m['entity'])}"
            groups[("entity text", norm(m["text"]))][value].append(f"{short} {m['start']}:{m['end']}")
        for c in s["claims"]:
            where = f"{short} {c['start']}:{c['end']}"
            value = f"{c['type']}/{c['checkworthiness']}" + (" hedged" if c.get("hedged") else "")
            groups[("claim text", norm(c["text"]))][value].append(where)
            for t in {t.casefold() for t in _TRIGGER.findall(c["text"])}:
                groups[("claim-type trigger", t)][c["type"]].append(where)
                trigger_docs[t].add(short)
        for st in s["stances"]:
            for e in st["evidence"]:
                key = f"{st['holder']['kind']}: {norm(e['text'])}"
                groups[("stance evidence", key)][st["label"]].append(f"{short} {e['start']}:{e['end']} ({st['target']})")
    out = []
    for (layer, key), values in sorted(groups.items()):
        if len(values) < 2:
            continue
        if layer == "claim-type trigger":
            docs_by_value = {v: {w.split(" ", 1)[0] for w in occ} for v, occ in values.items()}
            if len(set().union(*docs_by_value.values())) < 2:  # one article: not a cross-document inconsistency
                continue
        out.append({"layer": layer, "key": key, "values": [{"value": v, "occurrences": occ} for v, occ in sorted(values.items())]})
    counts = Counter(g["layer"] for g in out)
    return {"set": annotator or "reference set (gold, else the first)", "groups": out, "counts": dict(sorted(counts.items()))}


def render_text(report: Mapping[str, Any]) -> str:
    lines = [
        f"Same construction, different labels ({report['set']}): "
        + (", ".join(f"{layer} {n}" for layer, n in report["counts"].items()) or "none")
    ]
    for g in report["groups"]:
        lines.append(f"{g['layer']} {json.dumps(g['key'], ensure_ascii=False)}:")
        for v in g["values"]:
            occ = ", ".join(v["occurrences"][:8]) + (f", … ({len(v['occurrences'])} in all)" if len(v["occurrences"]) > 8 else "")
            lines.append(f"  {v['value']}: {occ}")
    return "\n".join(lines) + "\n"
