"""The benchmark's tables for the dataset card and DATASHEET.md, rendered from `tasks.TASKS` and from
scoring the stored baseline predictions (`benchmarks/results/`) and every annotator's own sets.

`cartel-fto stats --write-datasheet` writes them between `<!-- stats:begin benchmark_tasks -->` /
`benchmark_results` markers in both files; `--check-datasheet` (and CI) fails when they are stale, so
re-scoring the stored predictions is the staleness test (fast); `tests/test_baselines.py -m slow`
re-trains and checks the stored predictions are reproduced.
"""

from __future__ import annotations

import re
import statistics
from pathlib import Path
from typing import Any

from cartel_fto_corpus.evaluation.baselines import RESULTS
from cartel_fto_corpus.evaluation.corpus import GoldCorpus, load_gold
from cartel_fto_corpus.evaluation.predictions import annotator_units, load_rows
from cartel_fto_corpus.evaluation.score import score
from cartel_fto_corpus.publish.tasks import METRIC_NAMES, RESAMPLES, TASKS

TASK_COLUMNS = ("task", "config (units)", "unit", "prediction (row form)", "official metric", "also reported", "follows")
RESULT_COLUMNS = ("task", "system", "kind", "official metric", "value [95% CI]", "also reported")


def tasks_rows() -> list[list[str]]:
    return [
        [
            t.name,
            f"`{t.config}`",
            t.unit,
            t.prediction,
            METRIC_NAMES[t.official],
            ", ".join(METRIC_NAMES[m] for m in t.metrics[1:]),
            t.reference,
        ]
        for t in TASKS.values()
    ]


def _fmt(v: tuple[float, float, float]) -> str:
    return f"{v[0]:.3f} [{v[1]:.3f}, {v[2]:.3f}]"


def results_rows(corpus: GoldCorpus | None = None) -> list[list[str]]:
    """One row per (task, system): the stored baselines (seeds folded into mean ± sd), then each
    annotator's own sets scored by the same scorer on the same units (the ceiling)."""
    corpus = corpus or load_gold()
    base = Path(corpus.root) / RESULTS
    out: list[list[str]] = []
    for name, t in TASKS.items():
        folder = base / name
        groups: dict[str, list[Any]] = {}
        for f in sorted(folder.glob("*.jsonl")) if folder.is_dir() else []:
            system = re.sub(r"-seed\d+$", "", f.stem)
            groups.setdefault(system, []).append(score(name, corpus, load_rows(f, name, corpus)))
        for system, runs in groups.items():
            if len(runs) == 1:
                off = _fmt(runs[0].official)
                others = runs[0].scores["all"]
                kind = "baseline"
            else:
                vals = [r.official[0] for r in runs]
                off = (
                    f"{statistics.mean(vals):.3f} ± {statistics.pstdev(vals):.3f} "
                    f"[{min(r.official[1] for r in runs):.3f}, {max(r.official[2] for r in runs):.3f}]"
                )
                others = {m: (statistics.mean(r.scores["all"][m][0] for r in runs),) for m in t.metrics}
                kind = f"baseline, {len(runs)} seeds"
            out.append([name, system, kind, METRIC_NAMES[t.official], off, _others(t.metrics, others)])
        for who in corpus.annotators():
            units = annotator_units(corpus, who, name)
            res = score(name, corpus, units, only=set(units))  # the documents it annotated
            n, total = len(units), len(corpus.documents)
            kind = "annotator (ceiling)" + ("" if n == total else f", {n} of {total} documents")
            out.append([name, who, kind, METRIC_NAMES[t.official], _fmt(res.official), _others(t.metrics, res.scores["all"])])
    return out


def _others(metrics: tuple[str, ...], scores: dict[str, Any]) -> str:
    return ", ".join(f"{METRIC_NAMES[m]} {scores[m][0]:.3f}" for m in metrics[1:])


def benchmark_stats(root: Path | str | None = None) -> dict[str, Any]:
    """JSON-able tables for `cartel-fto stats` (and so DATASHEET.md and the card)."""
    corpus = load_gold(root)
    return {"tasks": tasks_rows(), "results": results_rows(corpus), "resamples": RESAMPLES}
