"""`cartel-fto evaluate`: thin command over `evaluation.api` (check the predictions, score, report)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from cartel_fto_corpus.cli.options import corpus_root, exit_with, format_option, root_option
from cartel_fto_corpus.publish.tasks import TASKS


@click.command("evaluate")
@root_option
@click.argument("predictions", type=click.Path(exists=True, path_type=Path))
@click.option(
    "--task",
    "tasks",
    multiple=True,
    type=click.Choice(list(TASKS)),
    help="Task of a row file; annotation sets: all tasks unless given.",
)
@click.option("--annotator", default=None, help="Which set of annotation files holding several (e.g. adjudicated, llm-annotator-1).")
@click.option(
    "--compare", type=click.Path(exists=True, path_type=Path), default=None, help="A second system's predictions: paired bootstrap p-value."
)
@click.option("--compare-annotator", default=None, help="--annotator for the --compare predictions.")
@format_option()
def evaluate_command(
    root: Path | None,
    predictions: Path,
    tasks: tuple[str, ...],
    annotator: str | None,
    compare: Path | None,
    compare_annotator: str | None,
    fmt: str,
) -> None:
    """Score a system's PREDICTIONS (a JSON lines/Parquet row file, or annotation files) against gold.

    Prints the official metric and the others per task, per fold and over all folds, with 95% bootstrap
    intervals over documents. A malformed prediction file gets one line per problem and exit 1.
    """
    from cartel_fto_corpus.evaluation.api import evaluate
    from cartel_fto_corpus.evaluation.predictions import PredictionError
    from cartel_fto_corpus.evaluation.report import render

    try:
        result = evaluate(
            predictions,
            list(tasks) or None,
            annotator=annotator,
            compare=compare,
            compare_annotator=compare_annotator,
            root=corpus_root(root),
        )
    except PredictionError as exc:
        exit_with([str(p) for p in exc.problems] + [f"{len(exc.problems)} problem(s): nothing scored"], 1)
    sys.stdout.write(render(result, fmt))
