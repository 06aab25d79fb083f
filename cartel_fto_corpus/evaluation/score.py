"""Scoring: a system's units against gold, per fold and over all folds, with bootstrap intervals.

The official cross-validated figure pools every document's statistics, each document scored by the fold
that tests it (every document is tested exactly once); per fold, the figure of its test documents.
Cluster B-cubed is computed within each fold's test documents (a fold's system never saw the others).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from cartel_fto_corpus.evaluation.bootstrap import approximate_randomisation, paired_test, with_intervals
from cartel_fto_corpus.evaluation.corpus import GoldCorpus
from cartel_fto_corpus.evaluation.metrics import METRICS, STATS, bcubed_items
from cartel_fto_corpus.evaluation.units import gold_units
from cartel_fto_corpus.publish.tasks import TASKS

#: doc id -> the task's units of one system (see `units.py`)
Units = dict[str, Any]


@dataclass
class TaskScore:
    task: str
    #: "all" and "fold<k>" -> {metric: (value, low, high)}
    scores: dict[str, dict[str, tuple[float, float, float]]] = field(default_factory=dict)
    documents: dict[str, list[str]] = field(default_factory=dict)

    @property
    def official(self) -> tuple[float, float, float]:
        return self.scores["all"][TASKS[self.task].official]

    def as_dict(self) -> dict[str, Any]:
        t = TASKS[self.task]
        return {
            "task": self.task,
            "official_metric": t.official,
            "scores": {
                scope: {m: {"value": v, "ci95": [lo, hi]} for m, (v, lo, hi) in metrics.items()} for scope, metrics in self.scores.items()
            },
            "documents": self.documents,
        }


def document_stats(task: str, corpus: GoldCorpus, units: Units) -> dict[str, np.ndarray]:
    """doc id -> the task's statistics row of that document."""
    out: dict[str, np.ndarray] = {}
    if task == "clusters":
        for k in range(corpus.folds):
            docs = corpus.fold_docs(k)
            gold = {i: c for d in docs for i, c in gold_units(task, corpus.documents[d], corpus).items()}
            pred = {i: frozenset((k, x) for x in c) for d in docs for i, c in (units.get(d) or {}).items()}
            items = bcubed_items(gold, pred)
            for d in docs:
                mine = [items[i] for i in gold_units(task, corpus.documents[d], corpus)]
                out[d] = np.array([sum(p for p, _ in mine), sum(r for _, r in mine), len(mine)], float)
        return out
    empty = {"ner": set(), "claims": []}.get(task, {})
    for d, doc in corpus.documents.items():
        out[d] = np.array(STATS[task](gold_units(task, doc, corpus), units.get(d, empty)), float)
    return out


def score(task: str, corpus: GoldCorpus, units: Units, only: set[str] | None = None) -> TaskScore:
    """Scores over all documents (or `only` these: an annotator who did not annotate every document),
    and per fold; a fold with none of the documents is left out."""
    stats = document_stats(task, corpus, units)
    result = TaskScore(task)
    keep = set(corpus.documents) if only is None else set(only)
    # documents in id order: the resamples, hence the intervals, do not depend on the order they came in
    scopes = {"all": sorted(keep), **{f"fold{k}": sorted(keep & set(corpus.fold_docs(k))) for k in range(corpus.folds)}}
    for scope, docs in scopes.items():
        if not docs:
            continue
        result.scores[scope] = with_intervals(np.stack([stats[d] for d in docs]), METRICS[task])
        result.documents[scope] = docs
    return result


def compare(task: str, corpus: GoldCorpus, a: Units, b: Units) -> dict[str, Any]:
    """Paired tests of the official metric, A minus B, over all documents: the paired bootstrap's p
    (`p_value`) and approximate randomisation's (`ar_p_value`)."""
    sa, sb = document_stats(task, corpus, a), document_stats(task, corpus, b)
    docs = sorted(corpus.documents)
    xa, xb = np.stack([sa[d] for d in docs]), np.stack([sb[d] for d in docs])
    out = paired_test(xa, xb, METRICS[task], TASKS[task].official)
    out["ar_p_value"] = approximate_randomisation(xa, xb, METRICS[task], TASKS[task].official)["p_value"]
    return out
