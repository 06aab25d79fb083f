"""`cartel-fto migrate`: bring annotation files and the registry to the current schema version."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from cartel_fto_corpus.cli.options import corpus_root, exit_with, root_option, writing
from cartel_fto_corpus.truth.migrate import TO_VERSION, migrate_root
from cartel_fto_corpus.truth.paths import CorpusPaths


@click.command("migrate")
@root_option
@click.option("--check", is_flag=True, help="Do not write; exit 1 if some file still needs migrating.")
def migrate_command(root: Path | None, check: bool) -> None:
    """Migrate annotations/*.json and annotations/registry.json from schema 1.0 to 1.1 (idempotent)."""
    paths = CorpusPaths(corpus_root(root, writes=not check, action="migrate"))
    with writing(paths.root, not check):
        result = migrate_root(paths, write=not check)
    if result.errors:
        exit_with(result.errors, 2)
    verb = "needs migrating" if check else "migrated"
    for p in result.written:
        click.echo(f"{p}: {verb} to schema {TO_VERSION}", err=True)
    click.echo(f"{len(result.written)} {verb}, {len(result.current)} already at {TO_VERSION}", err=True)
    if check and result.written:
        sys.exit(1)
