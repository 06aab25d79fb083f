"""`cartel_fto_corpus.evaluate(...)`: check a system's predictions, score every task they cover, and
optionally compare them with a second system (paired bootstrap)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from cartel_fto_corpus.checks.problems import Problem
from cartel_fto_corpus.evaluation.corpus import GoldCorpus, load_gold
from cartel_fto_corpus.evaluation.predictions import PredictionError, load_rows, load_sets
from cartel_fto_corpus.evaluation.score import compare as compare_units
from cartel_fto_corpus.evaluation.score import score
from cartel_fto_corpus.publish.tasks import RESAMPLES, SEED, TASKS


def _units(path: Path, tasks: list[str] | None, annotator: str | None, corpus: GoldCorpus) -> dict[str, dict[str, Any]]:
    if path.is_dir() or path.suffix == ".json":  # annotation sets
        return load_sets(path, corpus, tasks or list(TASKS), annotator)
    if not tasks or len(tasks) != 1:
        raise PredictionError(
            [Problem(str(path), "", f"expected --task (one of {', '.join(TASKS)}) for a row file, found none", "prediction")]
        )
    return {tasks[0]: load_rows(path, tasks[0], corpus)}


def evaluate(
    predictions: str | Path,
    task: str | list[str] | None = None,
    *,
    annotator: str | None = None,
    compare: str | Path | None = None,
    compare_annotator: str | None = None,
    root: str | Path | None = None,
    corpus: GoldCorpus | None = None,
) -> dict[str, Any]:
    """Scores of `predictions` (a row file of one task, or annotation sets) for each task, per fold and
    over all folds, with 95% bootstrap intervals over documents; with `compare`, the paired bootstrap
    p-value of the official metric (A minus B). Raises PredictionError (every problem, one per line)."""
    corpus = corpus or load_gold(root)
    tasks = [task] if isinstance(task, str) else task
    for t in tasks or []:
        if t not in TASKS:
            raise PredictionError([Problem(str(predictions), "", f"expected a task of {', '.join(TASKS)}, found {t!r}", "prediction")])
    a = _units(Path(predictions), tasks, annotator, corpus)
    b = _units(Path(compare), list(a), compare_annotator, corpus) if compare is not None else None
    out: dict[str, Any] = {"system": str(predictions), "resamples": RESAMPLES, "seed": SEED, "tasks": {}}
    for t, units in a.items():
        out["tasks"][t] = score(t, corpus, units).as_dict()
        if b is not None:
            out["tasks"][t]["comparison"] = {"against": str(compare), **compare_units(t, corpus, units, b[t])}
    return out
