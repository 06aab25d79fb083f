"""`cartel-fto stats`: print the corpus statistics, or write/check the datasheet's generated tables."""

from __future__ import annotations

import functools
import json
import sys
from pathlib import Path

import click

from cartel_fto_corpus.cli.options import corpus_root, exit_with, format_option, require_readable, root_option, writing
from cartel_fto_corpus.inspection.console import print_stats
from cartel_fto_corpus.inspection.stats import compute_stats
from cartel_fto_corpus.truth.paths import CorpusPaths


@click.command("stats")
@root_option
@format_option()
@click.option(
    "--write-datasheet", "write_ds", is_flag=True, help="Rewrite the generated tables of the datasheet (between its stats marker comments)."
)
@click.option(
    "--check-datasheet", "check_ds", is_flag=True, help="Do not write; exit 1 if the datasheet's tables differ from these figures."
)
@click.option("--full", is_flag=True, help="Print every table (default: the per-document overview and the other tables' names).")
@click.option(
    "--datasheet",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Datasheet file (default: DATASHEET.md at the corpus root).",
)
def stats_command(root: Path | None, fmt: str, write_ds: bool, check_ds: bool, full: bool, datasheet: Path | None) -> None:
    """Corpus statistics: documents, tokens, entities, QIDs, stances, claims, clusters, quality flags.

    With --write-datasheet or --check-datasheet, also update or check DATASHEET.md.
    """
    on_root = datasheet is None and (write_ds or check_ds)  # the installed copy has no DATASHEET.md
    paths = CorpusPaths(corpus_root(root, writes=on_root, action="check the datasheet of" if check_ds else "write into"))
    with writing(paths.root, write_ds):  # figures and the datasheet of one corpus state
        _stats(paths, fmt, write_ds, check_ds, datasheet, full)


def _stats(paths: CorpusPaths, fmt: str, write_ds: bool, check_ds: bool, datasheet: Path | None, full: bool) -> None:
    from cartel_fto_corpus.inspection.datasheet import DatasheetError, datasheet_targets, sync_datasheets

    require_readable(paths, "statistics")
    try:
        stats = compute_stats(paths)
    except (OSError, ValueError, KeyError) as exc:
        exit_with([f"{paths.root}: cannot compute statistics: {exc}"], 2)
    if write_ds or check_ds:
        try:
            code = sync_datasheets(
                datasheet_targets(paths.root, datasheet), stats, check=check_ds, echo=functools.partial(click.echo, err=True)
            )
        except DatasheetError as exc:
            exit_with([str(exc)], 2)
        if code:
            sys.exit(code)
        if fmt == "text":
            return
    if fmt == "json":
        click.echo(json.dumps(stats, indent=2, ensure_ascii=False))
    else:
        print_stats(stats, full=full)
