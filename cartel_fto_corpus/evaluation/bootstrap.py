"""Percentile bootstrap intervals over documents, and two paired tests of two systems (paired
bootstrap; approximate randomisation, swapping the systems' outputs document by document).

Documents are the sampled unit (Berg-Kirkpatrick et al. 2012; Dror et al. 2018), so a resample draws
documents with replacement and sums their statistics. The generator is seeded (`tasks.SEED`): the same
predictions give the same interval on every machine.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from cartel_fto_corpus.publish.tasks import RESAMPLES, SEED

Metric = Callable[[np.ndarray], dict[str, np.ndarray]]


def resample_weights(n_docs: int, resamples: int = RESAMPLES, seed: int = SEED) -> np.ndarray:
    """(resamples, n_docs): how often each document is drawn in each resample."""
    rng = np.random.default_rng(seed)
    draws = rng.integers(0, n_docs, size=(resamples, n_docs))
    return np.stack([np.bincount(row, minlength=n_docs) for row in draws]).astype(float)


def with_intervals(
    stats: np.ndarray, metric: Metric, resamples: int = RESAMPLES, seed: int = SEED
) -> dict[str, tuple[float, float, float]]:
    """{metric: (value, 2.5th percentile, 97.5th percentile)} of the documents' statistics (n_docs, m)."""
    point = metric(stats.sum(0))
    boot = metric(resample_weights(len(stats), resamples, seed) @ stats)
    return {k: (float(point[k]), float(np.percentile(boot[k], 2.5)), float(np.percentile(boot[k], 97.5))) for k in point}


def paired_test(a: np.ndarray, b: np.ndarray, metric: Metric, key: str, resamples: int = RESAMPLES, seed: int = SEED) -> dict[str, float]:
    """Paired bootstrap (Berg-Kirkpatrick et al. 2012): the same resampled documents for both systems;
    p = share of resamples whose difference exceeds twice the observed one (one-sided, in the direction
    observed)."""
    delta = float(metric(a.sum(0))[key] - metric(b.sum(0))[key])
    w = resample_weights(len(a), resamples, seed)
    d = metric(w @ a)[key] - metric(w @ b)[key]
    sign = 1.0 if delta >= 0 else -1.0
    p = float(np.mean(sign * d > 2 * abs(delta))) if delta != 0 else 1.0
    return {"difference": delta, "p_value": p, "resamples": resamples}


def approximate_randomisation(
    a: np.ndarray, b: np.ndarray, metric: Metric, key: str, trials: int = RESAMPLES, seed: int = SEED
) -> dict[str, float]:
    """Paired approximate randomisation (Noreen 1989; Riezler & Maxwell 2005) over documents: each trial
    swaps the two systems' statistics of every document with probability 1/2; p = (trials with
    |difference| >= the observed + 1) / (trials + 1), two-sided."""
    delta = float(metric(a.sum(0))[key] - metric(b.sum(0))[key])
    swap = np.random.default_rng(seed).integers(0, 2, size=(trials, len(a))).astype(float)
    sa, sb = (1 - swap) @ a + swap @ b, swap @ a + (1 - swap) @ b
    d = metric(sa)[key] - metric(sb)[key]
    p = float((np.sum(np.abs(d) >= abs(delta) - 1e-12) + 1) / (trials + 1))
    return {"difference": delta, "p_value": p, "trials": trials}
