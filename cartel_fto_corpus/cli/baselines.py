"""`cartel-fto baselines`: thin command over `evaluation.baselines` (re-train and store every baseline)."""

from __future__ import annotations

from pathlib import Path

import click

from cartel_fto_corpus.cli.options import corpus_root, root_option


@click.command("baselines")
@root_option
@click.option("--task", "tasks", multiple=True, help="Only these tasks (default: all).")
@click.option(
    "--out", type=click.Path(file_okay=False, path_type=Path), default=None, help="Folder (default: benchmarks/results/ of the checkout)."
)
def baselines_command(root: Path | None, tasks: tuple[str, ...], out: Path | None) -> None:
    """Re-train every baseline per fold (fixed seeds, no downloads) and write its predictions.

    Then `cartel-fto stats --write-datasheet` re-scores them into the card and DATASHEET.md.
    """
    from cartel_fto_corpus.evaluation.baselines import run

    for path in run(corpus_root(root, writes=out is None), out, list(tasks) or None):
        click.echo(f"{path}: written", err=True)
