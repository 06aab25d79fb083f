"""Inter-annotator agreement over the annotators' versions of the same documents.

Each annotation file holds one annotation set per annotator (as pulled from Label Studio). For
every document with two or more annotators and every unordered pair of them:

* entity span F1, per label and overall, with *exact* matching (same start, end and label) and
  *overlap* matching (same label, spans share at least one code point; one-to-one, a maximum
  matching, so one long span cannot match two short ones);
* claim span F1, exact and overlap, on the spans alone;
* Krippendorff's alpha (nominal, `krippendorff` package) for stance labels, the unit being
  (document, holder, target), and for check-worthiness, the unit being a claim span that two or
  more annotators marked exactly alike.

F1 is pooled over all pairs and documents: F1 = 2 * matched / (spans of A + spans of B), which is
symmetric, so no annotator has to play "gold". On single-annotated data there is nothing to
compare and the report says so instead of printing a number.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from itertools import combinations
from typing import Any

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
    """Size of a maximum one-to-one matching between spans that share a code point (Kuhn's algorithm)."""
    owner: dict[int, int] = {}

    def augment(i: int, seen: set[int]) -> bool:
        for j, (bs, be) in enumerate(b):
            if j in seen or not (a[i][0] < be and bs < a[i][1]):
                continue
            seen.add(j)
            if j not in owner or augment(owner[j], seen):
                owner[j] = i
                return True
        return False

    return sum(1 for i in range(len(a)) if augment(i, set()))


def holder_key(actor: dict[str, Any]) -> str:
    """Who holds a stance, comparable across annotators (mention ids and spans differ between them)."""
    if actor["kind"] == "author":
        return "author"
    if actor["kind"] == "entity":
        return f"entity:{actor['entity']}"
    return f"unnamed:{' '.join(actor['description'].casefold().split())}"


def versions(doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """One annotation set per annotator: an annotator's gold set if it has one, else its first."""
    out: dict[str, dict[str, Any]] = {}
    for s in doc["annotations"]:
        if s["annotator"] not in out or (s["status"] == "gold" and out[s["annotator"]]["status"] != "gold"):
            out[s["annotator"]] = s
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
        values = sum(len(v) for v in pairable.values())
        out: dict[str, Any] = {
            "alpha": None,
            "units": len(self.units),
            "pairable_units": len(pairable),
            "pairable_values": values,
            "reason": None,
        }
        if not pairable:
            out["reason"] = "no unit was coded by two or more annotators"
            return out
        coders = sorted({a for v in pairable.values() for a in v})
        index = {lab: float(i) for i, lab in enumerate(self.labels)}
        data = np.full((len(coders), len(pairable)), np.nan)
        for j, v in enumerate(pairable.values()):
            for i, c in enumerate(coders):
                if c in v:
                    data[i, j] = index[v[c]]
        if len({x for v in pairable.values() for x in v.values()}) < 2:
            out["reason"] = "every pairable value is the same label: expected disagreement is zero, alpha is undefined"
            return out
        out["alpha"] = float(alpha(reliability_data=data, level_of_measurement="nominal"))
        return out


def compute_agreement(docs: Iterable[dict[str, Any]], only: Iterable[str] | None = None) -> dict[str, Any]:
    """Agreement figures over annotation documents (pure; see the module docstring).

    `only` restricts the comparison to these annotators, e.g. to leave out an adjudicator whose
    set was derived from the others (it would inflate agreement).
    """
    keep = set(only) if only is not None else None
    entity_labels = label_set("entity_label")
    ent = {mode: {lab: F1Count() for lab in entity_labels} for mode in ("exact", "overlap")}
    ent_all = {mode: F1Count() for mode in ("exact", "overlap")}
    claims = {mode: F1Count() for mode in ("exact", "overlap")}
    stance = Alpha(label_set("stance_label"))
    checkworthiness = Alpha(label_set("checkworthiness"))
    annotators: set[str] = set()
    n_docs = multi = pairs = 0
    for doc in docs:
        n_docs += 1
        vs = {k: v for k, v in versions(doc).items() if keep is None or k in keep}
        annotators.update(vs)
        if len(vs) < 2:
            continue
        multi += 1
        doc_id = doc["doc_id"]
        for name, s in vs.items():
            for st in s["stances"]:
                stance.code((doc_id, holder_key(st["holder"]), st["target"]), name, st["label"])
            for cl in s["claims"]:
                checkworthiness.code((doc_id, cl["start"], cl["end"]), name, cl["checkworthiness"])
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
    if n_docs == 0:
        status = "no_annotations"
    elif multi == 0:
        status = "single_annotated"
    else:
        status = "multi_annotated"
    out: dict[str, Any] = {
        "status": status,
        "documents": n_docs,
        "multi_annotated_documents": multi,
        "annotators": sorted(annotators),
        "pairs": pairs,
    }
    if status != "multi_annotated":
        return out
    out["entities"] = {
        mode: {"by_label": {lab: c.as_dict() for lab, c in ent[mode].items() if c.spans_a + c.spans_b}, "all": ent_all[mode].as_dict()}
        for mode in ("exact", "overlap")
    }
    out["claims"] = {mode: c.as_dict() for mode, c in claims.items()}
    out["stance"] = stance.result()
    out["checkworthiness"] = checkworthiness.result()
    return out


def load_documents(paths: CorpusPaths) -> list[dict[str, Any]]:
    return [json.loads(p.read_text(encoding="utf-8")) for p in paths.annotation_files()]


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
    for name, unit in (("stance", "document, holder, target"), ("checkworthiness", "claim span marked alike")):
        r = report[name]
        t.add_row(name, unit, str(r["units"]), str(r["pairable_units"]), str(r["pairable_values"]), _fmt(r["alpha"]), r["reason"] or "")
    console.print(t)
