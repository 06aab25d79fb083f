"""Inter-annotator agreement over the annotators' versions of the same documents, before adjudication.

Each annotation file holds one annotation set per annotator. An adjudicated set (one carrying an
`adjudication` record) is derived from the others and would inflate agreement, so it is left out
unless asked for by name. For every document with two or more annotators and every unordered pair:

* **entity span F1**, per label and overall, *exact* (same start, end and label) and *overlap*
  (same label, spans share a code point; one-to-one, a maximum matching);
* **entity label alpha**: Krippendorff's alpha (nominal) of the label, the unit being a span that
  two or more annotators marked exactly;
* **stance alpha**: the unit is (document, holder, target); holders are aligned by kind plus the
  entity (identical id, registry name, QID or mention) or the unnamed source's words, never by id
  alone, since a blind annotator's ids are its own (`alignment.py`);
* **claim span F1**, exact and overlap, on the spans alone;
* **check-worthiness alpha**, once on claim spans marked exactly alike and once on claims aligned
  by span overlap (each aligned pair a unit);
* **cluster agreement**: extended B-cubed F1 over the claims aligned by span overlap, the
  clusters being labelings of claims whose ids differ between annotators (a claim in no cluster
  is a singleton). Per pair of annotators over all their documents; the mean over pairs.

F1 is pooled over pairs and documents: F1 = 2 * matched / (spans of A + spans of B), symmetric,
so no annotator plays "gold". On single-annotated data nothing is compared and the report says so.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from itertools import combinations
from math import comb
from typing import Any

import numpy as np

from cartel_fto_corpus.inspection.alignment import EntityIndex, actor_key, align_spans, bcubed, claim_clusters
from cartel_fto_corpus.inspection.reliability import exact_matches, keyed, nominal_alpha, overlap_matches
from cartel_fto_corpus.truth.jsonio import read_json
from cartel_fto_corpus.truth.paths import CorpusPaths
from cartel_fto_corpus.truth.schema import label_set

#: matching -> the number of matched items of two annotators' (start, end) spans
MATCHES = {"exact": exact_matches, "overlap": overlap_matches}

#: report key of every alpha -> the label set it codes
ALPHAS = (
    ("entity_label", "entity_label"),
    ("stance", "stance_label"),
    ("checkworthiness", "checkworthiness"),
    ("checkworthiness_aligned", "checkworthiness"),
)


@dataclass
class F1Count:
    """Pooled counts of one F1 figure: spans of both annotators of every pair, and matches."""

    spans_a: int = 0
    spans_b: int = 0
    matched: int = 0

    def add(self, a: int, b: int, matched: int) -> None:
        self.spans_a += a
        self.spans_b += b
        self.matched += matched

    def as_dict(self) -> dict[str, Any]:
        f1 = 2 * self.matched / (self.spans_a + self.spans_b) if self.spans_a + self.spans_b else None
        return {"spans_a": self.spans_a, "spans_b": self.spans_b, "matched": self.matched, "f1": f1}


def versions(doc: Mapping[str, Any], only: Iterable[str] | None = None) -> dict[str, dict[str, Any]]:
    """One annotation set per annotator: an annotator's gold set if it has one, else its first.

    Adjudicated sets are skipped unless their annotator is named in `only`.
    """
    keep = set(only) if only is not None else None
    out: dict[str, dict[str, Any]] = {}
    for s in doc["annotations"]:
        name = s["annotator"]
        if keep is not None and name not in keep:
            continue
        if keep is None and "adjudication" in s:
            continue
        if name not in out or (s["status"] == "gold" and out[name]["status"] != "gold"):
            out[name] = s
    return out


@dataclass
class Alpha:
    """Krippendorff's alpha (nominal) over units coded by two or more annotators."""

    labels: tuple[str, ...]
    units: dict[tuple, dict[str, str]] = field(default_factory=dict)

    def code(self, unit: tuple, annotator: str, value: str) -> None:
        self.units.setdefault(unit, {})[annotator] = value

    def result(self) -> dict[str, Any]:
        pairable = [Counter(v.values()) for v in self.units.values() if len(v) >= 2]
        value, reason = nominal_alpha(
            np.array([[c[lab] for lab in self.labels] for c in pairable]).reshape(len(pairable), len(self.labels))
        )
        values = sum(c.total() for c in pairable)
        return {"alpha": value, "units": len(self.units), "pairable_units": len(pairable), "pairable_values": values, "reason": reason}


def compute_agreement(
    docs: Iterable[Mapping[str, Any]],
    only: Iterable[str] | None = None,
    registry: Mapping[str, Any] | None = None,
    registries: Mapping[str, Mapping[str, Any]] | None = None,
) -> dict[str, Any]:
    """Agreement figures over annotation documents (pure; see the module docstring).

    `only` restricts the comparison to these annotators. `registry` (names, QIDs) helps align
    entity holders whose ids differ; without it they align by identical ids and mention spans.
    `registries` gives an annotator's own registry (a blind annotator's delivery), whose ids are
    then compared with nobody's.
    """
    only = list(only) if only is not None else None
    every = {doc["doc_id"]: versions(doc, only) for doc in docs}
    per_doc = {doc_id: vs for doc_id, vs in every.items() if len(vs) >= 2}
    out: dict[str, Any] = {
        "status": "no_annotations" if not every else "single_annotated" if not per_doc else "multi_annotated",
        "documents": len(every),
        "multi_annotated_documents": len(per_doc),
        "annotators": sorted({a for vs in every.values() for a in vs}),
        "pairs": sum(comb(len(vs), 2) for vs in per_doc.values()),
    }
    if out["status"] != "multi_annotated":
        return out
    entities = EntityIndex(per_doc, registry, registries)
    entity_labels = label_set("entity_label")
    ent = {mode: {lab: F1Count() for lab in entity_labels} for mode in MATCHES}
    ent_all = {mode: F1Count() for mode in MATCHES}
    claims = {mode: F1Count() for mode in MATCHES}
    alphas = {key: Alpha(label_set(name)) for key, name in ALPHAS}
    cluster_items: dict[tuple[str, str], tuple[list[frozenset[str]], list[frozenset[str]]]] = {}
    for doc_id, vs in per_doc.items():
        for name, s in vs.items():
            for m in s["entities"]:
                alphas["entity_label"].code((doc_id, m["start"], m["end"]), name, m["label"])
            holders = keyed([f"{actor_key(st['holder'], name, entities)}|{st['target']}" for st in s["stances"]])
            for key, st in zip(holders, s["stances"], strict=True):
                alphas["stance"].code((doc_id, key), name, st["label"])
            for cl in s["claims"]:
                alphas["checkworthiness"].code((doc_id, cl["start"], cl["end"]), name, cl["checkworthiness"])
        for a, b in combinations(sorted(vs), 2):
            for mode, match in MATCHES.items():
                for lab in entity_labels:
                    sa, sb = ([(m["start"], m["end"]) for m in vs[x]["entities"] if m["label"] == lab] for x in (a, b))
                    ent[mode][lab].add(len(sa), len(sb), n := match(sa, sb))
                    ent_all[mode].add(len(sa), len(sb), n)
                ca, cb = ([(c["start"], c["end"]) for c in vs[x]["claims"]] for x in (a, b))
                claims[mode].add(len(ca), len(cb), match(ca, cb))
            labels_a, labels_b = cluster_items.setdefault((a, b), ([], []))
            units = align_spans({a: vs[a]["claims"], b: vs[b]["claims"]}, lambda c: (c["start"], c["end"]))
            for i, unit in enumerate(u for u in units if len(u) == 2):
                for x in (a, b):
                    alphas["checkworthiness_aligned"].code((doc_id, a, b, i), x, unit[x]["checkworthiness"])
                labels_a.append(frozenset(claim_clusters(unit[a])))
                labels_b.append(frozenset(claim_clusters(unit[b])))
    out["entities"] = {
        mode: {"by_label": {lab: c.as_dict() for lab, c in ent[mode].items() if c.spans_a + c.spans_b}, "all": ent_all[mode].as_dict()}
        for mode in MATCHES
    }
    out["claims"] = {mode: c.as_dict() for mode, c in claims.items()}
    out |= {key: alpha.result() for key, alpha in alphas.items()}
    by_pair = [{"annotators": [a, b], **bcubed(la, lb)} for (a, b), (la, lb) in sorted(cluster_items.items())]
    f1s = [p["f1"] for p in by_pair if p["f1"] is not None]
    out["clusters"] = {"by_pair": by_pair, "f1": sum(f1s) / len(f1s) if f1s else None, "items": sum(p["items"] for p in by_pair)}
    return out


def load_documents(paths: CorpusPaths) -> list[dict[str, Any]]:
    return [read_json(p) for p in paths.annotation_files()]


def load_registry(paths: CorpusPaths) -> dict[str, Any] | None:
    return read_json(paths.registry) if paths.registry.exists() else None
