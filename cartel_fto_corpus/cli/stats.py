"""`cartel-fto stats`: print the corpus statistics, or write/check the datasheet's generated tables."""

from __future__ import annotations

import functools
import json
import sys
from pathlib import Path
from typing import Any

import click

from cartel_fto_corpus.cli.options import corpus_root, exit_with, format_option, require_readable, root_option, writing
from cartel_fto_corpus.inspection.stats import _NUMERIC, compute_stats, stats_tables
from cartel_fto_corpus.truth.paths import CorpusPaths

#: Tables printed without --full: the per-document overview (the rest is one flag away).
SHORT_TABLES = 1


def print_tables(stats: dict[str, Any], width: int | None = None, full: bool = True) -> None:
    """The statistics tables at the terminal's width (`width` None: detected, 80 when piped): all of
    them with `full`, else the overview and one line naming the others.

    A table wider than the terminal is split into several narrower ones that each repeat its
    first column, rather than letting rich cut figures to "23…" or wrap every cell.
    """
    from rich.console import Console
    from rich.table import Table

    from cartel_fto_corpus.inspection.terminal import natural_width, plain

    console = Console(width=width)
    tables = stats_tables(stats)
    for t in tables if full else tables[:SHORT_TABLES]:
        numeric = [i > 0 and all(_NUMERIC.fullmatch(r[i]) for r in t.rows) for i in range(len(t.columns))]

        def table(cols: list[int], title: str | None, t: Any = t, numeric: list[bool] = numeric) -> Table:
            out = Table(title=plain(title) if title is not None else None, title_justify="left")
            for i in cols:  # cells are data (registry names): `plain`, never markup
                out.add_column(plain(t.columns[i]), justify="right" if numeric[i] else "left")
            for row in t.rows:
                out.add_row(*(plain(row[i]) for i in cols), style="bold" if row and row[0] == "total" else None)
            return out

        parts: list[list[int]] = [[0]]
        for i in range(1, len(t.columns)):
            if len(parts[-1]) > 1 and natural_width(console, table([*parts[-1], i], None)) > console.width:
                parts.append([0])
            parts[-1].append(i)
        for n, cols in enumerate(parts):
            console.print(table(cols, t.title if n == 0 else f"{t.title} (continued)"))
    console.print(plain(f"Counts of annotations: {stats['basis']}. Tokens: {stats['token_rule']}."), highlight=False)
    if not full and len(tables) > SHORT_TABLES:
        rest = "; ".join(t.title.split(" (")[0] for t in tables[SHORT_TABLES:])
        console.print(f"{len(tables) - SHORT_TABLES} more tables with --full: {rest}.", highlight=False)


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
        print_tables(stats, full=full)
