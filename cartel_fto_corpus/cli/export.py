"""`cartel-fto export`: thin command over `publish.exports` (validate, then write one format).

The choices of `--to` and their help are read from `publish.exports.FORMATS` when this module is
imported, so a registered format is a choice, listed, without an edit here.
"""

from __future__ import annotations

from pathlib import Path

import click

from cartel_fto_corpus.cli.options import cannot_write, corpus_root, exit_with, plural, refuse, root_option
from cartel_fto_corpus.publish.exports import FORMATS, ExportError, export_all, format_list, split_formats
from cartel_fto_corpus.truth.paths import CorpusPaths
from cartel_fto_corpus.truth.visible import visible


@click.command("export")
@root_option
@click.option(
    "--to",
    "--format",
    "fmt",
    type=click.Choice(list(FORMATS)),
    required=True,
    help=f"File format to write: {format_list(markdown=False)}; {', '.join(split_formats())} also per fold split (fold<k>/). "
    "(`--format` is the older spelling; elsewhere --format means the output style, text or json.)",
)
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), required=True, help="Folder to write into (created if missing).")
def export_command(root: Path | None, fmt: str, out: Path) -> None:
    """Export the gold entity mentions (the `mentions`/`ner` configs) for other tools.

    Validates first and refuses invalid data; writes every file under a temporary name and renames it.
    """
    from cartel_fto_corpus.checks.validate import validate

    paths = CorpusPaths(corpus_root(root))
    report = validate(None, paths.root)
    if report.problems:
        refuse(report.problems, "export")
    try:
        files = export_all(fmt, paths, out)
    except OSError as exc:
        cannot_write(out, exc)
    except ExportError as exc:
        exit_with([visible(str(exc)), "refusing to export"], 1)
    for f in files:
        click.echo(f"{f}: written", err=True)
    click.echo(f"exported {fmt}: {plural(len(files), 'file')} in {out}", err=True)
