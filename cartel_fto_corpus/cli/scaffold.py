"""`cartel-fto scaffold`: thin command over `inspection.scaffold` (a new article's files, one write)."""

from __future__ import annotations

from pathlib import Path

import click

from cartel_fto_corpus.cli.options import cannot_write, corpus_root, exit_with, root_option, writing
from cartel_fto_corpus.truth.paths import CorpusPaths, display
from cartel_fto_corpus.truth.visible import visible


@click.command("scaffold")
@click.argument("text", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--annotator", required=True, help="Who will annotate it: the empty draft set is theirs (the schema's annotator pattern).")
@click.option(
    "--guideline-version", default=None, help="guideline_version of the draft set (default: the version annotations/GUIDELINES.md states)."
)
@root_option
@click.option("--check", is_flag=True, help="Write nothing; say what would be written, or why not.")
def scaffold_command(text: Path, annotator: str, guideline_version: str | None, root: Path | None, check: bool) -> None:
    """Add a new article: its text, manifest and checksum entries, and an empty annotation file.

    TEXT is `<doc id>.txt` (in texts/ already, or anywhere: it is copied there, bytes unchanged).
    One journalled write of texts/manifest.json, texts/SHA256SUMS and annotations/<doc id>.json
    (one empty draft set of --annotator), so `cartel-fto validate` accepts it at once. Any problem
    is one line and nothing is written.
    """
    from cartel_fto_corpus.inspection.scaffold import scaffold

    paths = CorpusPaths(corpus_root(root, writes=not check, action="add an article to"))
    try:
        with writing(paths.root, not check):
            result = scaffold(paths, text, annotator, guideline_version=guideline_version, write=not check)
    except OSError as exc:
        cannot_write(paths.root, exc)
    if result.problems:
        exit_with([visible(line) for line in result.problems] + [f"{visible(result.doc_id)}: refused: nothing written"], 1)
    verb = "would be written" if check else "written"
    for f in result.files:
        click.echo(f"{display(f)}: {verb}", err=True)
    if not check:
        click.echo(
            f"{result.doc_id}: added; annotate it, then `cartel-fto build` and `cartel-fto stats --write-datasheet`",
            err=True,
        )
