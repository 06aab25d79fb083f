"""`cartel-fto hydrate`: thin command over `truth.hydrate` (texts a user has, back into texts/)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from cartel_fto_corpus.cli.options import cannot_write, corpus_root, exit_with, plural, root_option, writing
from cartel_fto_corpus.truth.hydrate import hydrate
from cartel_fto_corpus.truth.paths import CorpusPaths


@click.command("hydrate")
@click.argument("folder", type=click.Path(exists=True, file_okay=False, path_type=Path))
@root_option
@click.option("--check", is_flag=True, help="Write nothing; only say which texts FOLDER would restore and which it refuses.")
def hydrate_command(folder: Path, root: Path | None, check: bool) -> None:
    """Put texts you already have back into texts/ of an annotations-only corpus.

    FOLDER holds the .txt files under their manifest names; each must have the manifest's sha256
    (one line per refused file, and then nothing is written). Then `cartel-fto build` restores the
    text columns. Exit 0 when every text is in place, 1 when some are refused or missing.
    """
    paths = CorpusPaths(corpus_root(root, writes=not check, action="hydrate"))
    try:
        with writing(paths.root, not check):  # texts/ is the corpus: one writer at a time
            result = hydrate(paths, folder, write=not check)
    except OSError as exc:
        cannot_write(paths.texts, exc)
    except (ValueError, KeyError) as exc:
        exit_with([f"{paths.manifest}: cannot read the manifest: {exc}"], 2)
    for line in result.problems:
        click.echo(line, err=True)
    for p in result.written:
        click.echo(f"{p}: written", err=True)
    for name in result.missing:
        click.echo(f"{paths.texts / name}: missing (not in {folder})", err=True)
    if result.problems:
        click.echo(f"{plural(len(result.problems), 'text')} refused: nothing written", err=True)
        sys.exit(1)
    verb = "would be written" if check else "written"
    click.echo(
        f"{len(result.restorable)} {verb}, {len(result.present)} already in place, {len(result.missing)} missing"
        + ("; run `cartel-fto build` to restore the text columns" if result.written else ""),
        err=True,
    )
    sys.exit(1 if result.missing else 0)
