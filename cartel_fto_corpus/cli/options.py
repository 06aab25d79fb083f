"""Command-line options shared by every subcommand, defined once."""

from __future__ import annotations

from pathlib import Path

import click

#: `--root DIR`: the corpus root holding texts/ and annotations/ (a test fixture, a synthetic
#: corpus, a copy); default the installed corpus (paths.data_root()).
root_option = click.option(
    "--root",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Corpus root holding texts/ and annotations/ (default: the installed corpus).",
)
