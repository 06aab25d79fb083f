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

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import combinations
from typing import Any

from cartel_fto_corpus.inspection.alignment import EntityIndex, actor_key, align_spans, bcubed, claim_clusters, max_overlap_matching
from cartel_fto_corpus.truth.jsonio import read_json
from cartel_fto_corpus.truth.paths import CorpusPaths
from cartel_fto_corpus.truth.schema import label_set

Span = tuple[int, int]


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

    @property
    def f1(self) -> float | None:
        total = self.spans_a + self.spans_b
        return 2 * self.matched / total if total else None

    def as_dict(self) -> dict[str, Any]:
        return {"spans_a": self.spans_a, "spans_b": self.spans_b, "matched": self.matched, "f1": self.f1}


def exact_matches(a: Sequence[tuple], b: Sequence[tuple]) -> int:
    """Size of the multiset intersection: items equal in every field."""
    rest = list(b)
    n = 0
    for item in a:
        if item in rest:
            rest.remove(item)
            n += 1
    return n


def overlap_matches(a: Sequence[Span], b: Sequence[Span]) -> int:
    """Size of a maximum one-to-one matching between spans that share a code point."""
    return len(max_overlap_matching(a, b))


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
        import numpy as np
        from krippendorff import alpha

        pairable = {u: v for u, v in self.units.items() if len(v) >= 2}
        out: dict[str, Any] = {
            "alpha": None,
            "units": len(self.units),
            "pairable_units": len(pairable),
            "pairable_values": sum(len(v) for v in pairable.values()),
            "reason": None,
        }
        if not pairable:
            out["reason"] = "no unit was coded by two or more annotators"
            return out
        if len({x for v in pairable.values() for x in v.values()}) < 2:
            out["reason"] = "every pairable value is the same label: expected disagreement is zero, alpha is undefined"
            return out
        coders = sorted({a for v in pairable.values() for a in v})
        index = {lab: float(i) for i, lab in enumerate(self.labels)}
        data = np.full((len(coders), len(pairable)), np.nan)
        for j, v in enumerate(pairable.values()):
            for i, c in enumerate(coders):
                if c in v:
                    data[i, j] = index[v[c]]
        out["alpha"] = float(alpha(reliability_data=data, level_of_measurement="nominal"))
        return out


def _keyed(items: Iterable[tuple[str, Any]]) -> Iterable[tuple[str, Any]]:
    """Make keys unique within one annotator's set: a repeated key gets #2, #3 (two stances of one holder on one target)."""
    seen: dict[str, int] = {}
    for key, item in items:
        seen[key] = seen.get(key, 0) + 1
        yield (key if seen[key] == 1 else f"{key}#{seen[key]}"), item


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
    entity_labels = label_set("entity_label")
    ent = {mode: {lab: F1Count() for lab in entity_labels} for mode in ("exact", "overlap")}
    ent_all = {mode: F1Count() for mode in ("exact", "overlap")}
    claims = {mode: F1Count() for mode in ("exact", "overlap")}
    entity_alpha = Alpha(entity_labels)
    stance = Alpha(label_set("stance_label"))
    cw_exact = Alpha(label_set("checkworthiness"))
    cw_aligned = Alpha(label_set("checkworthiness"))
    cluster_items: dict[tuple[str, str], tuple[list[frozenset[str]], list[frozenset[str]]]] = {}
    annotators: set[str] = set()
    per_doc: dict[str, dict[str, dict[str, Any]]] = {}
    n_docs = 0
    for doc in docs:
        n_docs += 1
        vs = versions(doc, only)
        annotators.update(vs)
        if len(vs) >= 2:
            per_doc[doc["doc_id"]] = vs
    entities = EntityIndex(per_doc, registry, registries)
    pairs = 0
    for doc_id, vs in per_doc.items():
        for name, s in vs.items():
            for m in s["entities"]:
                entity_alpha.code((doc_id, m["start"], m["end"]), name, m["label"])
            for key, st in _keyed((f"{actor_key(st['holder'], name, entities)}|{st['target']}", st) for st in s["stances"]):
                stance.code((doc_id, key), name, st["label"])
            for cl in s["claims"]:
                cw_exact.code((doc_id, cl["start"], cl["end"]), name, cl["checkworthiness"])
        for a, b in combinations(sorted(vs), 2):
            pairs += 1
            ea, eb = vs[a]["entities"], vs[b]["entities"]
            pair_matched = {"exact": 0, "overlap": 0}
            for lab in entity_labels:
                sa = [(m["start"], m["end"]) for m in ea if m["label"] == lab]
                sb = [(m["start"], m["end"]) for m in eb if m["label"] == lab]
                found = {"exact": exact_matches(sa, sb), "overlap": overlap_matches(sa, sb)}
                for mode, n in found.items():
                    ent[mode][lab].add(len(sa), len(sb), n)
                    pair_matched[mode] += n
            for mode, n in pair_matched.items():
                ent_all[mode].add(len(ea), len(eb), n)
            ca = [(c["start"], c["end"]) for c in vs[a]["claims"]]
            cb = [(c["start"], c["end"]) for c in vs[b]["claims"]]
            claims["exact"].add(len(ca), len(cb), exact_matches(ca, cb))
            claims["overlap"].add(len(ca), len(cb), overlap_matches(ca, cb))
            labels_a, labels_b = cluster_items.setdefault((a, b), ([], []))
            units = align_spans({a: vs[a]["claims"], b: vs[b]["claims"]}, lambda c: (c["start"], c["end"]))
            for i, unit in enumerate(u for u in units if len(u) == 2):
                cw_aligned.code((doc_id, a, b, i), a, unit[a]["checkworthiness"])
                cw_aligned.code((doc_id, a, b, i), b, unit[b]["checkworthiness"])
                labels_a.append(frozenset(claim_clusters(unit[a])))
                labels_b.append(frozenset(claim_clusters(unit[b])))
    status = "no_annotations" if n_docs == 0 else "single_annotated" if not per_doc else "multi_annotated"
    out: dict[str, Any] = {
        "status": status,
        "documents": n_docs,
        "multi_annotated_documents": len(per_doc),
        "annotators": sorted(annotators),
        "pairs": pairs,
    }
    if status != "multi_annotated":
        return out
    out["entities"] = {
        mode: {"by_label": {lab: c.as_dict() for lab, c in ent[mode].items() if c.spans_a + c.spans_b}, "all": ent_all[mode].as_dict()}
        for mode in ("exact", "overlap")
    }
    out["entity_label"] = entity_alpha.result()
    out["claims"] = {mode: c.as_dict() for mode, c in claims.items()}
    out["stance"] = stance.result()
    out["checkworthiness"] = cw_exact.result()
    out["checkworthiness_aligned"] = cw_aligned.result()
    by_pair = [{"annotators": [a, b], **bcubed(la, lb)} for (a, b), (la, lb) in sorted(cluster_items.items())]
    f1s = [p["f1"] for p in by_pair if p["f1"] is not None]
    out["clusters"] = {"by_pair": by_pair, "f1": sum(f1s) / len(f1s) if f1s else None, "items": sum(p["items"] for p in by_pair)}
    return out


def load_documents(paths: CorpusPaths) -> list[dict[str, Any]]:
    return [read_json(p) for p in paths.annotation_files()]


def load_registry(paths: CorpusPaths) -> dict[str, Any] | None:
    return read_json(paths.registry) if paths.registry.exists() else None


def _fmt(x: float | None) -> str:
    return "-" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{x:.3f}"


def single_annotated_message(report: dict[str, Any]) -> str:
    if report["status"] == "no_annotations":
        return "No annotation files: agreement cannot be computed."
    who = ", ".join(report["annotators"]) or "-"
    return (
        f"Single-annotated: each of the {report['documents']} annotated documents has one annotator's version "
        f"(annotators: {who}). Inter-annotator agreement cannot be computed, so no figure is reported."
    )


#: (report key, what the unit is) of every alpha, in the order printed
ALPHAS = (
    ("entity_label", "entity label", "span marked exactly by both"),
    ("stance", "stance", "document, holder, target"),
    ("checkworthiness", "check-worthiness", "claim span marked exactly alike"),
    ("checkworthiness_aligned", "check-worthiness", "claims aligned by span overlap"),
)


def print_report(report: dict[str, Any]) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console()  # the terminal's width
    if report["status"] != "multi_annotated":
        console.print(single_annotated_message(report), highlight=False)
        return
    console.print(
        f"{report['multi_annotated_documents']} of {report['documents']} documents have two or more annotators "
        f"({', '.join(report['annotators'])}); {report['pairs']} document-annotator pairs compared.",
        highlight=False,
    )
    t = Table(title="Entity span F1 (pooled over pairs)", title_justify="left")
    for col in ("label", "spans A", "spans B", "exact matched", "exact F1", "overlap matched", "overlap F1"):
        t.add_column(col, justify="left" if col == "label" else "right")
    ex, ov = report["entities"]["exact"], report["entities"]["overlap"]
    for lab, c in ex["by_label"].items():
        o = ov["by_label"][lab]
        t.add_row(lab, str(c["spans_a"]), str(c["spans_b"]), str(c["matched"]), _fmt(c["f1"]), str(o["matched"]), _fmt(o["f1"]))
    a, o = ex["all"], ov["all"]
    t.add_row("all", str(a["spans_a"]), str(a["spans_b"]), str(a["matched"]), _fmt(a["f1"]), str(o["matched"]), _fmt(o["f1"]), style="bold")
    console.print(t)
    t = Table(title="Claim span F1", title_justify="left")
    for col in ("matching", "spans A", "spans B", "matched", "F1"):
        t.add_column(col, justify="left" if col == "matching" else "right")
    for mode, c in report["claims"].items():
        t.add_row(mode, str(c["spans_a"]), str(c["spans_b"]), str(c["matched"]), _fmt(c["f1"]))
    console.print(t)
    t = Table(title="Krippendorff's alpha (nominal)", title_justify="left")
    for col in ("annotation", "unit", "units", "pairable units", "pairable values", "alpha", "note"):
        t.add_column(col, justify="right" if col in {"units", "pairable units", "pairable values", "alpha"} else "left")
    for key, name, unit in ALPHAS:
        r = report[key]
        t.add_row(name, unit, str(r["units"]), str(r["pairable_units"]), str(r["pairable_values"]), _fmt(r["alpha"]), r["reason"] or "")
    console.print(t)
    t = Table(title="Claim clusters: extended B-cubed over claims aligned by span overlap", title_justify="left")
    for col in ("annotators", "aligned claims", "precision", "recall", "F1"):
        t.add_column(col, justify="left" if col == "annotators" else "right")
    for p in report["clusters"]["by_pair"]:
        t.add_row(" / ".join(p["annotators"]), str(p["items"]), _fmt(p["precision"]), _fmt(p["recall"]), _fmt(p["f1"]))
    console.print(t)
