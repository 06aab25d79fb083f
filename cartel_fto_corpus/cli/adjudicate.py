"""`cartel-fto adjudicate` and `import-set`: options, output and exit codes only.

The workflow (reading the files, comparing, building and checking gold sets, translating a
delivery, deciding what to write) is `inspection.adjudication_flow`.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import NoReturn

import click

from cartel_fto_corpus.cli.options import corpus_root, exit_with, format_option, root_option, writing
from cartel_fto_corpus.inspection.adjudication_flow import (
    Unusable,
    adjudicate,
    annotator_names,
    json_listing,
    plan_import,
    text_listing,
    write_import,
)
from cartel_fto_corpus.truth.paths import CorpusPaths
from cartel_fto_corpus.truth.visible import visible_json, visible_lines


def _echo(line: object) -> None:
    """click.echo of a line that quotes data (names, descriptions, reasons): control and
    bidirectional characters shown as escapes (`truth.visible`), its own line breaks kept."""
    click.echo(visible_lines(str(line)))


def _unusable(exc: Unusable) -> NoReturn:
    """Unusable input: its lines on stderr, exit 2."""
    exit_with([visible_lines(line) if exc.shown else line for line in exc.lines], 2)


@click.command("adjudicate")
@root_option
@click.argument("docs", nargs=-1)
@click.option(
    "--annotators",
    required=True,
    help="Comma-separated ids of the annotators to compare (two or more); the first one's registry ids are preferred.",
)
@click.option(
    "--decisions",
    "decisions_file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Decisions file (JSON, or YAML by extension): per document and disagreement id, take an annotator's item or give a value, with a reason.",
)
@click.option(
    "--write",
    is_flag=True,
    help="Write the gold sets into the annotation files (only if every disagreement is decided and the result is valid).",
)
@format_option()
def adjudicate_command(
    root: Path | None, docs: tuple[str, ...], annotators: str, decisions_file: Path | None, write: bool, fmt: str
) -> None:
    """Compare annotators' sets of each document; accept what they agree on; list every disagreement
    with a stable id; with --decisions, build the gold set (status gold, with an adjudication record
    tracing every item) and, with --write, write it.

    Exit 0: nothing undecided and no problem; 1: undecided disagreements or an invalid result
    (nothing written); 2: unusable input.
    """
    paths = CorpusPaths(corpus_root(root, writes=write, action="write gold sets into"))
    try:
        names = annotator_names(annotators)
        if write and decisions_file is None:
            raise Unusable(["--write: expected --decisions FILE too (who decided, and why, must be recorded)"])
        # from the first read to the last write under the corpus lock: a pull meanwhile must not be lost
        with writing(paths.root, write):
            run = adjudicate(paths, names, docs, decisions_file, write)
    except Unusable as exc:
        _unusable(exc)
    if fmt == "json":
        click.echo(visible_json(json.dumps(json_listing(run), indent=2, ensure_ascii=False)))
    else:
        for line in text_listing(run):
            _echo(line)
    sys.exit(run.exit_code)


@click.command("import-set")
@root_option
@click.argument("folder", type=click.Path(file_okay=False, exists=True, path_type=Path))
@click.option("--pivot", required=True, help="Annotator whose ids (the corpus registry's) the imported ids are translated into.")
@click.option("--write", is_flag=True, help="Write the annotation files and the registry (otherwise only report the translation).")
def import_set_command(root: Path | None, folder: Path, pivot: str, write: bool) -> None:
    """Copy a blind annotator's delivered sets (FOLDER: one file per document and its own registry.json)
    into annotations/<doc_id>.json, its entity and cluster ids translated into the corpus registry's.

    The delivered files are not changed. Exit 1 if the result would not validate (nothing written);
    exit 2, one line per problem, if a delivered file is malformed.
    """
    paths = CorpusPaths(corpus_root(root, writes=write, action="import sets into"))
    with writing(paths.root, write):
        try:
            plan = plan_import(paths, folder, pivot)
        except Unusable as exc:
            _unusable(exc)
        for line in [*plan.report, *plan.problems]:
            _echo(line)
        if plan.problems:
            _echo(f"nothing written: {len(plan.problems)} problem(s)")
            sys.exit(1)
        if write:
            _echo(write_import(paths, plan))
