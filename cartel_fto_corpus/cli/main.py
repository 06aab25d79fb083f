"""The `cartel-fto` command line.

Subcommands live in the module that does their job and are imported only when called, so
`cartel-fto validate` does not pay for `datasets` or the Label Studio SDK. User errors end in one
line on stderr and a non-zero exit code, never a traceback.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import sys
from pathlib import Path

import click

from cartel_fto_corpus import __version__
from cartel_fto_corpus.cli.options import root_option

#: name -> "module:attribute" of a click command, loaded on first use.
LAZY_COMMANDS = {
    "build": "cartel_fto_corpus.cli.build:build_command",
    "ls": "cartel_fto_corpus.cli.ls:ls_group",
    "stats": "cartel_fto_corpus.cli.stats:stats_command",
    "agreement": "cartel_fto_corpus.cli.agreement:agreement_command",
    "adjudicate": "cartel_fto_corpus.cli.adjudicate:adjudicate_command",
    "import-set": "cartel_fto_corpus.cli.adjudicate:import_set_command",
    "show": "cartel_fto_corpus.cli.show:show_command",
    "migrate": "cartel_fto_corpus.cli.migrate:migrate_command",
}


class LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted([*super().list_commands(ctx), *(n for n in LAZY_COMMANDS if self._available(n))])

    @staticmethod
    def _available(name: str) -> bool:
        module = LAZY_COMMANDS[name].split(":")[0]
        try:
            return importlib.util.find_spec(module) is not None
        except ModuleNotFoundError:  # its parent package is not there yet
            return False

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name in LAZY_COMMANDS and self._available(name):
            module, attr = LAZY_COMMANDS[name].split(":")
            return getattr(importlib.import_module(module), attr)
        return super().get_command(ctx, name)


@click.group(cls=LazyGroup)
@click.version_option(__version__, prog_name="cartel-fto")
def cli() -> None:
    """Build, validate, load and sync the cartel FTO news corpus."""


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@root_option
@click.option("--format", "fmt", type=click.Choice(["text", "json", "github"]), default="text", show_default=True)
@click.option("--summary/--no-summary", default=False, help="After a clean run, print a table of documents and counts.")
@click.option("--jobs", type=click.IntRange(min=1), default=None, help="Processes for large corpora (default: all cores).")
def validate(paths: tuple[Path, ...], root: Path | None, fmt: str, summary: bool, jobs: int | None) -> None:
    """Validate annotation files (default: the whole corpus): schema, then semantic checks.

    Exit 0 when clean, 1 when invalid, 2 for unreadable input.
    """
    from cartel_fto_corpus.checks.report import render
    from cartel_fto_corpus.checks.validate import validate as run

    report = run(list(paths) or None, root, jobs=jobs or os.cpu_count() or 1)
    out = render(report, fmt)
    if out:
        click.echo(out, nl=False, file=sys.stdout if fmt != "text" else sys.stderr)
    if fmt == "text":
        n = len(report.problems)
        verdict = "valid" if n == 0 else f"{n} problem{'s' if n != 1 else ''}"
        click.echo(f"{len(report.files)} files checked: {verdict}", err=True)
        if summary and n == 0 and not paths:
            _print_summary(root)
    sys.exit(report.exit_code)


def _print_summary(root: Path | None) -> None:
    from rich.console import Console
    from rich.table import Table

    from cartel_fto_corpus.inspection.summary import summarize
    from cartel_fto_corpus.truth.paths import CorpusPaths

    rows = summarize(CorpusPaths(root))
    table = Table(title="cartel_fto_corpus")
    for col in ("document", "title", "chars", "sets", "status", "entities", "stances", "claims", "quality flags"):
        table.add_column(col, justify="right" if col in {"chars", "sets", "entities", "stances", "claims"} else "left")
    for r in rows:
        table.add_row(
            r.doc_id,
            r.title or "-",
            str(r.n_chars),
            str(r.annotators),
            r.status,
            str(r.entities),
            str(r.stances),
            str(r.claims),
            ", ".join(r.flags),
        )
    table.add_row(
        "total",
        "",
        str(sum(r.n_chars for r in rows)),
        str(sum(r.annotators for r in rows)),
        "",
        str(sum(r.entities for r in rows)),
        str(sum(r.stances for r in rows)),
        str(sum(r.claims for r in rows)),
        "",
        style="bold",
    )
    Console(width=200).print(table)


@cli.command()
@root_option
@click.option("--check", is_flag=True, help="Do not write; exit 1 if texts/manifest.json is stale.")
def manifest(root: Path | None, check: bool) -> None:
    """Regenerate texts/manifest.json from the texts (ids, hashes, lengths, title, quality flags)."""
    from cartel_fto_corpus.truth.atomic import write_atomic
    from cartel_fto_corpus.truth.paths import CorpusPaths
    from cartel_fto_corpus.truth.texts import compute_manifest, dumps, read_texts

    paths = CorpusPaths(root)
    fresh = dumps(compute_manifest(read_texts(paths)))
    current = paths.manifest.read_text(encoding="utf-8") if paths.manifest.exists() else None
    if check:
        if current != fresh:
            click.echo(f"{paths.manifest}: stale; run `cartel-fto manifest`", err=True)
            sys.exit(1)
        return
    if current != fresh:
        write_atomic(paths.manifest, fresh)
    click.echo(f"{paths.manifest}: {'written' if current != fresh else 'up to date'}", err=True)


def main() -> None:
    cli(prog_name="cartel-fto")
