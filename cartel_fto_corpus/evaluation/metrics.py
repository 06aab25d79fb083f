"""Per-document statistics of each task and the metrics computed from their sums.

Every metric here is a function of statistics that add up over documents (counts, a confusion matrix,
sums of per-item scores), so a bootstrap resample of documents is a weighted sum of the per-document
rows and all resamples are scored at once with numpy. The tests check each formula against a
reference implementation (seqeval, scikit-learn, the SemEval-2016 definition, a B-cubed example).

Conventions where a ratio has nothing to count: F1 and precision/recall of nothing predicted against
nothing to find are 1.0; a class with neither gold nor predicted units is left out of a macro average
(scikit-learn's default label set), so gold always scores 1.0, on any fold.
"""

from __future__ import annotations

from functools import partial
from typing import Any

import numpy as np

from cartel_fto_corpus.publish.features import SEMEVAL_OF
from cartel_fto_corpus.publish.tasks import PRECISION_AT
from cartel_fto_corpus.truth.schema import label_set


def stance_labels() -> tuple[str, ...]:
    return tuple(label_set("stance_label"))


def _ratio(num, den, empty=1.0):
    num, den = np.asarray(num, float), np.asarray(den, float)
    return np.where(den > 0, num / np.where(den > 0, den, 1), empty)


def f1(tp, npred, ngold):
    return _ratio(2 * np.asarray(tp, float), np.asarray(npred, float) + ngold)


def overlap_matches(gold: list[tuple], pred: list[tuple], typed: bool) -> int:
    """One-to-one matches of spans that share a character (and the label when `typed`), greedy in
    text order: each gold span takes the first unmatched predicted span overlapping it."""
    used: set[int] = set()
    n = 0
    preds = sorted(enumerate(pred), key=lambda x: (x[1][0], x[1][1]))
    for g in sorted(gold, key=lambda x: (x[0], x[1])):
        for i, p in preds:
            if i in used or p[0] >= g[1] or g[0] >= p[1] or (typed and p[2] != g[2]):
                continue
            used.add(i)
            n += 1
            break
    return n


# --- per-document statistics -------------------------------------------------------------------------


def ner_stats(gold: set, pred: set) -> list[float]:
    return [len(gold & pred), overlap_matches(list(gold), list(pred), True), len(pred), len(gold)]


def linking_stats(gold: dict, pred: dict) -> list[float]:
    n = len(gold)
    ent = sum(1 for k, (e, _q) in gold.items() if (pred.get(k) or (None, None))[0] == e)
    with_qid = [k for k, (_e, q) in gold.items() if q]
    qid = sum(1 for k in with_qid if (pred.get(k) or (None, None))[1] == gold[k][1])
    return [n, ent, len(with_qid), qid]


def stance_stats(gold: dict, pred: dict) -> list[float]:
    """A flattened confusion matrix (gold row, predicted column) over the four stance labels; a gold
    unit without a prediction counts as predicted `none`."""
    labels = stance_labels()
    m = np.zeros((len(labels), len(labels)))
    for k, g in gold.items():
        p = pred.get(k, "none")
        m[labels.index(g), labels.index(p)] += 1
    return list(m.ravel())


def claims_stats(gold: list, pred: list) -> list[float]:
    gspans = {(s, e): c for s, e, c in gold}
    pspans = {(s, e): c for s, e, c in pred}
    exact = gspans.keys() & pspans.keys()
    ov = overlap_matches([(s, e, None) for s, e in gspans], [(s, e, None) for s, e in pspans], False)
    claimant = sum(1 for k in exact if gspans[k] == pspans[k])
    return [len(exact), ov, len(pspans), len(gspans), claimant]


def average_precision(y_true: list[bool], scores: list[float]) -> float:
    """Average precision of one document's ranking, scikit-learn's `average_precision_score` (sum over
    distinct score thresholds of recall gained times precision there; tied scores enter together),
    without importing scikit-learn (seconds); 0.0 without positives. Tested equal to scikit-learn."""
    y = np.asarray(y_true, bool)
    if not y.any():
        return 0.0
    s = np.asarray(scores, float)
    order = np.argsort(-s, kind="stable")
    y, s = y[order], s[order]
    last = np.r_[np.nonzero(np.diff(s))[0], len(s) - 1]  # end of each group of tied scores
    tp = np.cumsum(y)[last]
    precision = tp / (last + 1)
    recall = tp / y.sum()
    return float(np.sum(np.diff(np.r_[0.0, recall]) * precision))


def precision_at(y_true: list[bool], scores: list[float], k: int = PRECISION_AT) -> float:
    """Precision of the top k by score (ties: earlier sentence first)."""
    order = sorted(range(len(scores)), key=lambda i: (-scores[i], i))[:k]
    return sum(1 for i in order if y_true[i]) / len(order) if order else 0.0


def checkworthiness_stats(gold: dict, pred: dict) -> list[float]:
    y = [g[1] for g in gold.values()]
    predicted = [pred.get(i) or (0.0, False) for i in gold]
    scores, labels = [float(s) for s, _ in predicted], [bool(lab) for _, lab in predicted]
    tp = sum(1 for a, b in zip(y, labels, strict=True) if a and b)
    return [average_precision(y, scores), precision_at(y, scores), float(any(y)), tp, sum(labels), sum(y)]


def bcubed_items(gold: dict[str, frozenset], pred: dict[str, frozenset]) -> dict[str, tuple[float, float]]:
    """Extended B-cubed (Amigó et al. 2009) precision and recall of every item of `gold`; an item with no
    cluster (or no prediction) is a cluster of its own. Single-cluster items give classic B-cubed."""

    def own(d: dict[str, frozenset], i: str) -> frozenset:
        labels = d.get(i) or frozenset()
        return labels if labels else frozenset({("__self__", i)})

    items = list(gold)
    g = {i: own(gold, i) for i in items}
    p = {i: own(pred, i) for i in items}
    out = {}
    for i in items:
        prec = [min(len(p[i] & p[j]), len(g[i] & g[j])) / len(p[i] & p[j]) for j in items if p[i] & p[j]]
        rec = [min(len(p[i] & p[j]), len(g[i] & g[j])) / len(g[i] & g[j]) for j in items if g[i] & g[j]]
        out[i] = (sum(prec) / len(prec), sum(rec) / len(rec))
    return out


STATS = {
    "ner": ner_stats,
    "linking": linking_stats,
    "stance": stance_stats,
    "claims": claims_stats,
    "checkworthiness": checkworthiness_stats,
}


# --- metrics from summed statistics (last axis), vectorised over resamples ----------------------------


def _spans(match: str, s: np.ndarray) -> dict[str, Any]:
    """F1, precision and recall of `match` (strict/exact) spans and overlap F1, from (tp, overlap tp, predicted, gold)."""
    tp, tpo, npred, ngold = (s[..., i] for i in range(4))
    return {
        f"{match}_f1": f1(tp, npred, ngold),
        f"{match}_precision": _ratio(tp, npred, 1.0 * (ngold == 0)),
        f"{match}_recall": _ratio(tp, ngold),
        "overlap_f1": f1(tpo, npred, ngold),
    }


def _linking(s: np.ndarray) -> dict[str, Any]:
    return {"entity_accuracy": _ratio(s[..., 1], s[..., 0]), "qid_accuracy": _ratio(s[..., 3], s[..., 2])}


def _class_f1(m: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """F1 of class k from confusion matrices (..., L, L) and whether the class occurs at all."""
    tp = m[..., k, k]
    gold, pred = m[..., k, :].sum(-1), m[..., :, k].sum(-1)
    return f1(tp, pred, gold), (gold + pred) > 0


def _mean_present(pairs: list[tuple[np.ndarray, np.ndarray]]) -> np.ndarray:
    vals = np.stack([v for v, _ in pairs])
    present = np.stack([p for _, p in pairs])
    n = present.sum(0)
    return np.where(n > 0, (vals * present).sum(0) / np.where(n > 0, n, 1), 1.0)


def _stance(s: np.ndarray) -> dict[str, Any]:
    labels = stance_labels()
    m = s.reshape(*s.shape[:-1], len(labels), len(labels))
    semeval = [labels.index(a) for a in labels if SEMEVAL_OF[a] in ("FAVOR", "AGAINST")]
    total = m.sum((-1, -2))
    return {
        "semeval_f_avg": _mean_present([_class_f1(m, k) for k in semeval]),
        "macro_f1": _mean_present([_class_f1(m, k) for k in range(len(labels))]),
        "accuracy": _ratio(np.trace(m, axis1=-2, axis2=-1), total),
    }


def _claims(s: np.ndarray) -> dict[str, Any]:
    return {**_spans("exact", s), "claimant_accuracy": _ratio(s[..., 4], s[..., 0])}


def _checkworthiness(s: np.ndarray) -> dict[str, Any]:
    ap, pk, docs, tp, npred, ngold = (s[..., i] for i in range(6))
    return {"map": _ratio(ap, docs), f"precision_at_{PRECISION_AT}": _ratio(pk, docs), "positive_f1": f1(tp, npred, ngold)}


def _clusters(s: np.ndarray) -> dict[str, Any]:
    p, r = _ratio(s[..., 0], s[..., 2]), _ratio(s[..., 1], s[..., 2])
    return {"bcubed_f1": _ratio(2 * p * r, p + r, 0.0), "bcubed_precision": p, "bcubed_recall": r}


METRICS = {
    "ner": partial(_spans, "strict"),
    "linking": _linking,
    "stance": _stance,
    "claims": _claims,
    "checkworthiness": _checkworthiness,
    "clusters": _clusters,
}
