"""`cartel-fto review`: thin command over `inspection.review` (rank the gold labels most likely wrong)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from cartel_fto_corpus.cli.options import corpus_root, format_option, root_option
from cartel_fto_corpus.inspection.review import LAYERS, render_text, review


@click.command("review")
@root_option
@click.option("--top", "top", type=click.IntRange(min=1), default=10, show_default=True, help="Items shown per layer.")
@click.option("--layer", "layers", multiple=True, type=click.Choice(LAYERS), help="Only these layers (default: all).")
@click.option(
    "--sources",
    type=click.Choice(["all", "model"]),
    default="all",
    show_default=True,
    help="all: gold against the out-of-fold model and the annotators (CROWDLAB); model: the model only (confident learning).",
)
@click.option(
    "--write",
    "write_files",
    is_flag=True,
    help="Also store under benchmarks/results/oof/: the out-of-fold sets (annotation files), their confidence sidecar and "
    "the review's top items (review.json, read by `stats --write-datasheet`).",
)
@format_option()
def review_command(root: Path | None, top: int, layers: tuple[str, ...], sources: str, write_files: bool, fmt: str) -> None:
    """Rank the gold labels most likely to be wrong, per layer, with the reason for each.

    Each document is labelled by a model trained on the other folds only; its probabilities, the
    annotators' sets and gold are combined by cleanlab (CROWDLAB), or by a documented rule for
    whether a span exists at all. Nothing in the annotations is changed.
    """
    from cartel_fto_corpus.evaluation.corpus import load_gold
    from cartel_fto_corpus.evaluation.oof import predict, write

    base = corpus_root(root, writes=write_files)
    corpus = load_gold(base)
    oof = predict(corpus)
    rv = review(sources=sources, corpus=corpus, oof=oof)
    if write_files:
        from cartel_fto_corpus.inspection.review import REVIEW_FILE, render_stored
        from cartel_fto_corpus.truth.atomic import write_atomic

        stored = rv if sources == "all" else review(sources="all", corpus=corpus, oof=oof)
        for path in write(base, corpus=corpus, preds=oof):
            click.echo(f"{path}: written", err=True)
        write_atomic(base / REVIEW_FILE, render_stored(stored))
        click.echo(f"{base / REVIEW_FILE}: written", err=True)
    if layers:
        rv.layers = {k: v for k, v in rv.layers.items() if k in layers}
    if fmt == "json":
        sys.stdout.write(json.dumps(rv.as_dict(top), ensure_ascii=False, indent=2) + "\n")
    else:
        sys.stdout.write(render_text(rv, top))
