"""Agreement that counts everything: both unit definitions, pairwise and all-annotator, with intervals.

Input: for every document, one annotation set per annotator (blind deliveries as delivered, see
`deliveries.py`; or the annotation files' sets). Items are aligned without trusting ids
(`alignment.py`). Figures, each for every pair of annotators and for all of them together:

* **Krippendorff's alpha (nominal)**, `krippendorff` package, of four labels:
  entity label (unit: an exact mention span), stance label (unit: document, holder, target;
  holders compared by kind plus the real-world entity or the unnamed source's words), claim type
  and check-worthiness (unit: a claim, claims aligned across annotators by identical span first,
  then a maximum matching of overlapping spans). Each under two unit definitions:

  - ``recorded``: units recorded by two or more of the annotators compared; an annotator who did
    not record a unit is missing data for it. This is the figure earlier releases reported; it
    says how well annotators agree on the label *once both chose to record the unit*.
  - ``one_sided``: every unit recorded by at least one annotator; an annotator who annotated the
    document but did not record the unit codes it ``absent`` (an extra value), so a unit only
    one annotator saw counts as a disagreement. Lower than ``recorded`` whenever annotators
    differ in what they record (a stance one gave and the other did not).

* **span F1** of entity mentions (exact: same start, end and label; overlap: same label, spans
  share a code point, one-to-one) and of claims (exact and overlap, spans only): 2 x matched /
  (spans A + spans B), pooled over documents, per pair; "all" is the mean over pairs. A span
  only one annotator marked counts against F1 under any definition (``spans``).
* **claim cluster B-cubed F1** (extended B-cubed, Amigó et al. 2009; clusters are labelings of
  claims, ids do not matter), per pair; "all" is the mean over pairs. ``recorded``: claims both
  annotators marked (aligned by span); ``one_sided``: also claims only one marked, the other
  annotator's clustering holding it as a singleton.

Every figure has a **95% bootstrap interval over documents**: documents are drawn with
replacement (`resamples` times, numpy's seeded generator), the figure is recomputed on each
draw (a document drawn twice counts twice), and the 2.5th and 97.5th percentiles of the defined
values are the interval. With a handful of documents the intervals are wide, and say so.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import combinations
from typing import Any

import numpy as np

from cartel_fto_corpus.inspection.alignment import EntityIndex, actor_key, align_spans, claim_clusters, max_overlap_matching
from cartel_fto_corpus.truth.schema import label_set

ABSENT = "absent"
DEFAULT_RESAMPLES = 1000
DEFAULT_SEED = 20261203

#: unit definition -> what it means, printed with every report
UNIT_DEFINITIONS = {
    "recorded": "units recorded by two or more of the annotators compared; one who did not record a unit is missing data for it",
    "one_sided": "every unit recorded by at least one annotator; one who annotated the document but did not record the unit "
    "codes it 'absent', so a unit only one annotator recorded counts as disagreement",
    "spans": "2 x matched / (spans A + spans B), pooled over documents: a span only one annotator marked counts against agreement",
}

#: nominal figure -> (layer, label set name or None, what a unit is)
NOMINAL = {
    "entity_label": ("entities", "entity_label", "an exact mention span"),
    "stance": ("stances", "stance_label", "document, holder, target"),
    "claim_type": ("claims", "claim_type", "a claim aligned by span"),
    "checkworthiness": ("claims", "checkworthiness", "a claim aligned by span"),
}
SPAN_FIGURES = {
    "entity_span_exact": ("entities", "same start, end and label"),
    "entity_span_overlap": ("entities", "same label, spans share a code point, one-to-one"),
    "claim_span_exact": ("claims", "same start and end"),
    "claim_span_overlap": ("claims", "spans share a code point, one-to-one"),
}


def framing(n_docs: int, annotators: Sequence[str], kinds: Sequence[str]) -> str:
    """What the figures are and are not, in one paragraph (printed with every report)."""
    who = (
        "all AI language models"
        if kinds and all(k == "model" for k in kinds)
        else "kinds: " + (", ".join(sorted(set(kinds))) or "not recorded")
    )
    return (
        f"{len(annotators)} annotators ({who}) on n = {n_docs} documents. Intervals are 95% percentile bootstrap "
        "intervals over documents; with few documents they are wide and a few decisions move a figure by several points. "
        "Agreement between models given the same guidelines is not human inter-annotator reliability and not correctness: "
        "models can share misreadings. Published human figures (other units, label sets and corpora) are not comparable."
    )


@dataclass
class DocUnits:
    """What one document contributes to every figure."""

    doc_id: str
    annotators: list[str]
    #: nominal figure -> units, each {annotator: value} of the annotators who recorded it
    nominal: dict[str, list[dict[str, str]]] = field(default_factory=dict)
    #: annotator -> [(start, end, label)] of mentions; [(start, end)] of claims
    mentions: dict[str, list[tuple[int, int, str]]] = field(default_factory=dict)
    claims: dict[str, list[tuple[int, int]]] = field(default_factory=dict)
    #: aligned claims: {annotator: its claim's cluster ids}
    claim_units: list[dict[str, frozenset[str]]] = field(default_factory=list)


def keyed(keys: Sequence[str]) -> list[str]:
    """Unique keys within one annotator: a repeated key gets #2, #3 (two stances of one holder on one target)."""
    seen: Counter[str] = Counter()
    out = []
    for k in keys:
        seen[k] += 1
        out.append(k if seen[k] == 1 else f"{k}#{seen[k]}")
    return out


def document_units(
    sets_by_doc: Mapping[str, Mapping[str, Mapping[str, Any]]],
    registry: Mapping[str, Any] | None = None,
    registries: Mapping[str, Mapping[str, Any]] | None = None,
) -> list[DocUnits]:
    """The units of every document (sorted by id), items aligned across annotators without their ids."""
    entities = EntityIndex(sets_by_doc, registry, registries)
    out = []
    for doc_id in sorted(sets_by_doc):
        vs = sets_by_doc[doc_id]
        anns = sorted(vs)
        du = DocUnits(doc_id, anns, {k: [] for k in NOMINAL})
        spans: dict[tuple[int, int], dict[str, str]] = {}
        stances: dict[str, dict[str, str]] = {}
        for a in anns:
            s = vs[a]
            du.mentions[a] = [(m["start"], m["end"], m["label"]) for m in s["entities"]]
            du.claims[a] = [(c["start"], c["end"]) for c in s["claims"]]
            for m in s["entities"]:
                spans.setdefault((m["start"], m["end"]), {}).setdefault(a, m["label"])
            keys = keyed([f"{actor_key(st['holder'], a, entities)}|{st['target']}" for st in s["stances"]])
            for key, st in zip(keys, s["stances"], strict=True):
                stances.setdefault(key, {})[a] = st["label"]
        du.nominal["entity_label"] = [spans[k] for k in sorted(spans)]
        du.nominal["stance"] = [stances[k] for k in sorted(stances)]
        units = align_spans({a: vs[a]["claims"] for a in anns}, lambda c: (c["start"], c["end"]))
        for u in units:
            du.nominal["claim_type"].append({a: c["type"] for a, c in u.items()})
            du.nominal["checkworthiness"].append({a: c["checkworthiness"] for a, c in u.items()})
            du.claim_units.append({a: frozenset(claim_clusters(c)) for a, c in u.items()})
        out.append(du)
    return out


# --- figures over a sample of documents (indices, with repetition) ------------------------------


def _value_counts(docs: Sequence[DocUnits], figure: str, coders: Sequence[str], definition: str, values: Sequence[str]) -> list[np.ndarray]:
    """Per document, the units x values count matrix of one nominal figure (krippendorff's value_counts)."""
    out = []
    for du in docs:
        present = [c for c in coders if c in du.annotators]
        rows = []
        for unit in du.nominal[figure]:
            got = [c for c in coders if c in unit]
            if len(got) >= (2 if definition == "recorded" else 1):
                coded = Counter(unit[c] for c in got) if definition == "recorded" else Counter(unit.get(c, ABSENT) for c in present)
                rows.append([coded[v] for v in values])
        out.append(np.array(rows, dtype=float).reshape(len(rows), len(values)))
    return out


def nominal_alpha(counts: np.ndarray) -> tuple[float | None, str | None]:
    from krippendorff import alpha

    pairable = counts[counts.sum(axis=1) >= 2]
    if len(pairable) == 0:
        return None, "no unit was coded by two or more annotators"
    if np.count_nonzero(pairable.sum(axis=0)) < 2:
        return None, "every pairable value is the same: expected disagreement is zero, alpha is undefined"
    return float(alpha(value_counts=pairable, level_of_measurement="nominal")), None


def coincidences(counts: np.ndarray) -> np.ndarray:
    """Krippendorff's coincidence matrix (values x values) of units x values counts; units coded once add nothing."""
    n_u = counts.sum(axis=1)
    c = counts[n_u >= 2]
    w = c / (n_u[n_u >= 2] - 1)[:, None]
    return w.T @ c - np.diag(w.sum(axis=0))


def alpha_of_coincidences(o: np.ndarray) -> np.ndarray:
    """Nominal alpha = 1 - (n - 1) * sum_{c != k} o_ck / sum_{c != k} n_c n_k, for a stack of coincidence
    matrices (... x V x V); NaN where undefined. The same formula as the `krippendorff` package (a test
    checks it on every draw); here it is vectorised over the bootstrap draws, which share per-document
    coincidence matrices, so a thousand draws cost one matrix product instead of a thousand calls."""
    n_c = o.sum(axis=-1)
    n = n_c.sum(axis=-1)
    observed = o.sum(axis=(-1, -2)) - np.trace(o, axis1=-2, axis2=-1)
    expected = (n**2 - (n_c**2).sum(axis=-1)) / np.where(n > 1, n - 1, np.nan)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(expected > 0, 1 - observed / np.where(expected > 0, expected, 1), np.nan)


def bootstrap_alpha(per_doc: Sequence[np.ndarray], draws: np.ndarray, n_values: int) -> dict[str, Any]:
    """`bootstrap` for an alpha (the draws' coincidence matrices as multiplicity-weighted sums of the
    documents'), with its pairable units `n` and why it is undefined when it is."""
    allc = np.concatenate(per_doc) if per_doc else np.zeros((0, n_values))
    value, reason = nominal_alpha(allc)
    got = np.zeros(0)
    if len(per_doc) and len(draws):
        o_docs = np.stack([coincidences(c) for c in per_doc])
        weights = np.stack([np.bincount(d, minlength=len(per_doc)) for d in draws]).astype(float)
        got = alpha_of_coincidences(np.einsum("bd,dij->bij", weights, o_docs))
        got = got[~np.isnan(got)]
    return _interval(value, got) | {"n": int((allc.sum(axis=1) >= 2).sum()), "reason": reason}


def _interval(value: float | None, got: Sequence[float]) -> dict[str, Any]:
    """The figure and the 95% percentile interval of its defined values over the draws."""
    ci = [float(np.percentile(got, 2.5)), float(np.percentile(got, 97.5))] if len(got) and value is not None else None
    return {"value": value, "ci95": ci, "resamples_defined": len(got)}


def exact_matches(a: Sequence[tuple], b: Sequence[tuple]) -> int:
    """Size of the multiset intersection: items equal in every field."""
    return sum((Counter(a) & Counter(b)).values())


def overlap_matches(a: Sequence[tuple], b: Sequence[tuple], labelled: bool = False) -> int:
    """Size of a maximum one-to-one matching of spans that share a code point; `labelled` items
    (start, end, label) only match within their label."""
    if not labelled:
        return len(max_overlap_matching(a, b))
    return sum(overlap_matches([m[:2] for m in a if m[2] == lab], [m[:2] for m in b if m[2] == lab]) for lab in {m[2] for m in a})


def _span_counts(docs: Sequence[DocUnits], figure: str, x: str, y: str) -> np.ndarray:
    """Per document: (spans of x, spans of y, matched) of one span figure."""
    rows = []
    for du in docs:
        if x not in du.annotators or y not in du.annotators:
            rows.append((0, 0, 0))
            continue
        spans: Mapping[str, Sequence[tuple]] = du.mentions if figure.startswith("entity") else du.claims
        a, b = spans[x], spans[y]
        matched = exact_matches(a, b) if figure.endswith("exact") else overlap_matches(a, b, labelled=figure.startswith("entity"))
        rows.append((len(a), len(b), matched))
    return np.array(rows, dtype=float).reshape(len(rows), 3)


def _f1(counts: np.ndarray) -> float | None:
    total = counts[0] + counts[1]
    return float(2 * counts[2] / total) if total else None


@dataclass
class _Clusters:
    """The claims of one pair of annotators, as intersection-size matrices for fast B-cubed on any sample."""

    doc_of: np.ndarray
    inter_a: np.ndarray
    inter_b: np.ndarray

    @classmethod
    def of(cls, docs: Sequence[DocUnits], x: str, y: str, definition: str) -> _Clusters:
        items: list[tuple[int, frozenset[str], frozenset[str]]] = []
        for d, du in enumerate(docs):
            if definition == "one_sided" and not (x in du.annotators and y in du.annotators):
                continue
            for u in du.claim_units:
                if (x in u and y in u) if definition == "recorded" else (x in u or y in u):
                    items.append((d, u.get(x, frozenset()), u.get(y, frozenset())))
        n = len(items)

        def inter(side: int) -> np.ndarray:
            labels = sorted({c for it in items for c in it[side]})
            col = {c: i for i, c in enumerate(labels)}
            m = np.zeros((n, len(labels) + n))
            for i, it in enumerate(items):
                for c in it[side]:
                    m[i, col[c]] = 1
                if not it[side]:
                    m[i, len(labels) + i] = 1  # a claim in no cluster is its own singleton
            return m @ m.T

        return cls(np.array([it[0] for it in items], dtype=int), inter(1), inter(2))

    def f1(self, sample: np.ndarray) -> float | None:
        idx = np.concatenate([np.flatnonzero(self.doc_of == d) for d in sample]) if len(sample) else np.array([], dtype=int)
        if len(idx) == 0:
            return None
        a, b = self.inter_a[np.ix_(idx, idx)], self.inter_b[np.ix_(idx, idx)]

        def side(x: np.ndarray, y: np.ndarray) -> float:
            mask = x > 0
            score = np.where(mask, np.minimum(x, y) / np.where(mask, x, 1), 0.0)
            return float((score.sum(axis=1) / mask.sum(axis=1)).mean())

        p, r = side(a, b), side(b, a)
        return 2 * p * r / (p + r) if p + r else 0.0


def draws(n_docs: int, resamples: int, seed: int) -> np.ndarray:
    """`resamples` draws of `n_docs` document indices with replacement (the same draws serve every figure)."""
    return np.random.default_rng(seed).integers(0, n_docs, size=(resamples, n_docs)) if n_docs else np.zeros((0, 0), dtype=int)


def bootstrap(figure: Callable[[np.ndarray], float | None], n_docs: int, draws: np.ndarray) -> dict[str, Any]:
    """The figure on all documents and its 95% percentile interval over the draws of documents."""
    value = figure(np.arange(n_docs))
    return _interval(value, [v for v in (figure(s) for s in draws) if v is not None and not np.isnan(v)])


def compute_reliability(
    docs: Sequence[DocUnits],
    resamples: int = DEFAULT_RESAMPLES,
    seed: int = DEFAULT_SEED,
) -> dict[str, Any]:
    """Every figure (see the module docstring) as a flat list, with its interval (pure)."""
    docs = [du for du in docs if len(du.annotators) >= 2]
    annotators = sorted({a for du in docs for a in du.annotators})
    pairs = list(combinations(annotators, 2))
    n = len(docs)
    figures: list[dict[str, Any]] = []
    groups: list[tuple[str, tuple[str, ...]]] = [("all", tuple(annotators))] + [(f"{x} / {y}", (x, y)) for x, y in pairs]
    drawn = draws(n, resamples, seed)
    for key, (layer, label_name, unit) in NOMINAL.items():
        values = (*label_set(label_name), ABSENT)
        for definition in ("recorded", "one_sided"):
            for who, coders in groups:
                per_doc = _value_counts(docs, key, coders, definition, values)
                row = {"layer": layer, "figure": f"{key}_alpha", "units": definition, "unit": unit, "annotators": who}
                figures.append(row | bootstrap_alpha(per_doc, drawn, len(values)))
    for key, (layer, how) in SPAN_FIGURES.items():
        counts = {(x, y): _span_counts(docs, key, x, y) for x, y in pairs}
        per_pair = {p: (lambda s, c=c: _f1(c[s].sum(axis=0)), int(c[:, :2].sum())) for p, c in counts.items()}
        base = {"layer": layer, "figure": key.replace("_span_", "_span_f1_"), "units": "spans", "unit": how}
        figures += _pair_rows(base, per_pair, n, drawn)
    for definition in ("recorded", "one_sided"):
        clusters = {(x, y): _Clusters.of(docs, x, y, definition) for x, y in pairs}
        base = {"layer": "clusters", "figure": "cluster_bcubed_f1", "units": definition, "unit": "a claim aligned by span"}
        figures += _pair_rows(base, {p: (c.f1, len(c.doc_of)) for p, c in clusters.items()}, n, drawn)
    return {
        "documents": n,
        "annotators": annotators,
        "pairs": [list(p) for p in pairs],
        "bootstrap": {"unit": "document", "resamples": resamples, "seed": seed, "interval": "95% percentile"},
        "unit_definitions": UNIT_DEFINITIONS,
        "figures": figures,
        "entity_labels": _entity_label_f1(docs, pairs),
    }


def _pair_rows(
    base: dict[str, Any], per_pair: Mapping[tuple[str, str], tuple[Callable[[np.ndarray], float | None], int]], n: int, drawn: np.ndarray
) -> list[dict[str, Any]]:
    """The rows of a pairwise figure, given (the figure on a sample of documents, n) per pair: the mean
    over pairs, then every pair."""

    def mean(sample: np.ndarray) -> float | None:
        vals = [v for figure, _ in per_pair.values() if (v := figure(sample)) is not None]
        return float(np.mean(vals)) if vals else None

    rows = [{**base, "annotators": "mean of pairs"} | bootstrap(mean, n, drawn) | {"n": sum(k for _, k in per_pair.values())}]
    return rows + [
        {**base, "annotators": f"{x} / {y}"} | bootstrap(figure, n, drawn) | {"n": k} for (x, y), (figure, k) in per_pair.items()
    ]


def _entity_label_f1(docs: Sequence[DocUnits], pairs: Sequence[tuple[str, str]]) -> dict[str, dict[str, Any]]:
    """Entity span F1 per label, pooled over pairs and documents (point estimates)."""
    out: dict[str, dict[str, Any]] = {}
    for lab in label_set("entity_label"):
        sa = sb = ex = ov = 0
        for du in docs:
            for x, y in pairs:
                if x in du.annotators and y in du.annotators:
                    a, b = ([m for m in du.mentions[z] if m[2] == lab] for z in (x, y))
                    sa, sb, ex, ov = sa + len(a), sb + len(b), ex + exact_matches(a, b), ov + overlap_matches(a, b, labelled=True)
        if sa + sb:
            out[lab] = {"spans_a": sa, "spans_b": sb, "exact_f1": 2 * ex / (sa + sb), "overlap_f1": 2 * ov / (sa + sb)}
    return out
