"""`cartel-fto diff`: item-level label diff between two releases, folders or git revisions."""

from __future__ import annotations

import json
from pathlib import Path

import click

from cartel_fto_corpus.cli.options import exit_with, format_option
from cartel_fto_corpus.inspection.diff import SideError, diff_sides, read_side, render_text
from cartel_fto_corpus.truth.paths import find_checkout


@click.command("diff")
@click.argument("old")
@click.argument("new")
@click.option(
    "--annotator", default=None, help="Compare this annotator's sets (default: each document's reference set, gold else the first)."
)
@click.option(
    "--repo",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Git checkout whose revisions OLD and NEW name (default: the checkout around the working directory).",
)
@format_option()
def diff_command(old: str, new: str, annotator: str | None, repo: Path | None, fmt: str) -> None:
    """Added, removed and changed items per layer between OLD and NEW, each a folder (a corpus root
    or its annotations/) or a git revision (a tag such as v0.2.0, a commit, HEAD), read with
    `git archive` without touching the work tree. Items are matched by span (entities, claims) or
    holder and target (stances), not by id.

    Exit 0 (also when there are differences); 2 when a side cannot be read.
    """
    where = repo or find_checkout() or Path.cwd()
    try:
        report = diff_sides(read_side(old, where), read_side(new, where), annotator)
    except SideError as exc:
        exit_with([str(exc)], 2)
    except (KeyError, TypeError) as exc:
        exit_with([f"{old} -> {new}: an annotation file without the expected shape ({exc}); run `cartel-fto validate` on it"], 2)
    if fmt == "json":
        click.echo(json.dumps(report, indent=2, ensure_ascii=False))
    else:
        click.echo(render_text(report), nl=False)
