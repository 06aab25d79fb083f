"""The `cartel-fto` command line.

Subcommands live in the module that does their job and are imported only when called, so
`cartel-fto validate` does not pay for `datasets` or the Label Studio SDK. User errors end in one
line on stderr and a non-zero exit code, never a traceback.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import re
import sys
from pathlib import Path

import click

from cartel_fto_corpus import __version__
from cartel_fto_corpus.cli.options import corpus_root, exit_with, format_option, plural, root_option, write_outcome, writing

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
    "export": "cartel_fto_corpus.cli.export:export_command",
    "hydrate": "cartel_fto_corpus.cli.hydrate:hydrate_command",
    "evaluate": "cartel_fto_corpus.cli.evaluate:evaluate_command",
    "baselines": "cartel_fto_corpus.cli.baselines:baselines_command",
    "seal": "cartel_fto_corpus.cli.protocol:seal_command",
    "freeze-guidelines": "cartel_fto_corpus.cli.protocol:freeze_guidelines_command",
    "diff": "cartel_fto_corpus.cli.diff:diff_command",
    "consistency": "cartel_fto_corpus.cli.consistency:consistency_command",
    "review": "cartel_fto_corpus.cli.review:review_command",
    "scaffold": "cartel_fto_corpus.cli.scaffold:scaffold_command",
}


#: The distribution whose extras say which `pip install` brings a missing optional module.
DISTRIBUTION = "cartel-fto-corpus"


def _normal(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def extra_for(module: str) -> str | None:
    """The extra of this package that provides top-level `module` (e.g. httpx -> labelstudio), if any.

    Read from the installed metadata (`Requires-Dist: httpx>=0.27; extra == "labelstudio"`), so a
    new extra needs no table here; module and distribution names are compared normalised.
    """
    from importlib.metadata import PackageNotFoundError, requires

    try:
        reqs = requires(DISTRIBUTION) or []
    except PackageNotFoundError:
        return None
    for req in reqs:
        m = re.match(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*).*?;.*extra\s*==\s*['\"]([^'\"]+)['\"]", req)
        if m and _normal(m.group(1)) == _normal(module):
            return m.group(2)
    return None


def missing_module_line(exc: ModuleNotFoundError) -> str | None:
    """The one line to print for an optional dependency that is not installed; None for our own bugs."""
    name = (exc.name or "").split(".")[0]
    if not name or name == __name__.split(".")[0]:
        return None
    from cartel_fto_corpus.truth.paths import install_command

    return f"error: this command needs the Python module {name!r}, which is not installed: {install_command(extra_for(name))}"


def lazy_short_help(name: str, limit: int = 45) -> str:
    """The one-line help of a lazy command, read from its module's source without importing it.

    `cartel-fto --help` lists every command with its first docstring line; importing the modules
    for that would load `datasets` (via `publish.build`) and cost a second, and even parsing them
    whole costs ten times more than cutting out the one docstring of the callback named in
    `LAZY_COMMANDS` (the commands pass no `help=`). `tests/test_cli_usability.py` compares the
    result with the imported command's own short help.
    """
    import ast
    import inspect

    module, attr = LAZY_COMMANDS[name].split(":")
    try:
        spec = importlib.util.find_spec(module)
        source = Path(spec.origin).read_text(encoding="utf-8") if spec and spec.origin else ""
    except (ModuleNotFoundError, OSError, ValueError):
        return ""
    m = re.search(rf'^def {re.escape(attr)}\(.*?\)(?: -> [^:\n]+)?:\n\s+(""".*?""")', source, re.MULTILINE | re.DOTALL)
    if m is None:  # an unusual layout: the listing shows no help rather than failing
        return ""
    return click.Command(name, help=inspect.cleandoc(ast.literal_eval(m.group(1)))).get_short_help_str(limit)


class LazyGroup(click.Group):
    """Subcommands imported on first use; a missing optional dependency ends in one line, exit 2."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted([*super().list_commands(ctx), *LAZY_COMMANDS])

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The command list of `--help`, without importing the lazy commands (see `lazy_short_help`)."""
        names = self.list_commands(ctx)
        limit = formatter.width - 6 - max(len(n) for n in names)
        with formatter.section("Commands"):
            formatter.write_dl(
                [(n, lazy_short_help(n, limit) if n in LAZY_COMMANDS else self.commands[n].get_short_help_str(limit)) for n in names]
            )

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name in LAZY_COMMANDS:
            module, attr = LAZY_COMMANDS[name].split(":")
            try:
                return getattr(importlib.import_module(module), attr)
            except ModuleNotFoundError as exc:
                line = missing_module_line(exc)
                if line is None:
                    raise
                return _unavailable(name, line)
        return super().get_command(ctx, name)

    def invoke(self, ctx: click.Context) -> object:
        from cartel_fto_corpus.truth.lock import LockHeld

        try:
            return super().invoke(ctx)
        except ModuleNotFoundError as exc:  # imported inside a command, e.g. httpx by `ls push`
            line = missing_module_line(exc)
            if line is None:
                raise
            exit_with([line], 2)
        except LockHeld as exc:
            exit_with([f"error: {exc}"], 1)
        except OSError as exc:  # disk full, read-only, permission: the path and the reason, no traceback
            exit_with([f"error: {os_error_line(exc)}"], 2)


def os_error_line(exc: OSError) -> str:
    """`path: reason` of an OSError, and whether the write left everything as it was."""
    from cartel_fto_corpus.truth.paths import display

    where = f"{display(exc.filename)}: " if exc.filename else ""
    reason = exc.strerror or str(exc) or type(exc).__name__
    return f"{where}{reason}{write_outcome(exc)}"


def _unavailable(name: str, line: str) -> click.Command:
    """A stand-in for a command whose module cannot be imported: listed in --help, says why when run."""

    def run(**_kwargs: object) -> None:
        exit_with([line], 2)

    return click.Command(
        name,
        callback=run,
        help=f"(unavailable: {line.removeprefix('error: ')})",
        context_settings={"ignore_unknown_options": True, "allow_extra_args": True},
    )


@click.group(cls=LazyGroup)
@click.version_option(__version__, prog_name="cartel-fto")
@click.option(
    "--wait",
    type=click.FloatRange(min=0),
    default=None,
    help="Seconds a writing command waits for another one that holds the corpus lock (default: $CARTEL_FTO_WAIT, else 0: refuse at once).",
)
def cli(wait: float | None) -> None:
    """Build, validate, load and sync the cartel FTO news corpus."""
    if wait is not None:
        from cartel_fto_corpus.truth.lock import WAIT_ENV

        os.environ[WAIT_ENV] = str(wait)


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@root_option
@format_option("github")
@click.option("--summary/--no-summary", default=False, help="After a clean run, print a table of documents and counts.")
def validate(paths: tuple[Path, ...], root: Path | None, fmt: str, summary: bool) -> None:
    """Validate annotation files (default: the whole corpus): schema, then semantic checks.

    Exit 0 when clean, 1 when invalid, 2 for unreadable input.
    """
    from cartel_fto_corpus.checks.report import render
    from cartel_fto_corpus.checks.validate import validate as run

    root = corpus_root(root if root is not None or not paths else _checkout_of(paths))
    report = run(list(paths) or None, root)
    out = render(report, fmt)
    if out:
        click.echo(out, nl=False, file=sys.stdout if fmt != "text" else sys.stderr)
    if fmt == "text":
        n = len(report.problems)
        verdict = "valid" if n == 0 else plural(n, "problem")
        if report.warnings:
            verdict += f" ({plural(len(report.warnings), 'warning')})"
        click.echo(f"{len(report.files)} files checked ({_what_was_checked(report.files)}): {verdict}", err=True)
        if summary and n == 0 and not paths:
            from cartel_fto_corpus.inspection.console import print_summary
            from cartel_fto_corpus.truth.paths import CorpusPaths

            print_summary(CorpusPaths(root))
    sys.exit(report.exit_code)


def _what_was_checked(files: list[str]) -> str:
    """'5 articles' annotations, the registry, the manifest' for the files a run read: the count alone
    (7 files for five articles) left a reader wondering what the other two were."""
    names = {f.replace("\\", "/").rsplit("/", 1)[-1] for f in files}
    n = sum(1 for f in names if f not in ("registry.json", "manifest.json"))
    parts = [plural(n, "article") + ("' annotations" if n != 1 else "'s annotations")] if n else []
    parts += [label for name, label in (("registry.json", "the registry"), ("manifest.json", "the texts' manifest")) if name in names]
    return ", ".join(parts) or "nothing"


def _checkout_of(paths: tuple[Path, ...]) -> Path | None:
    """The checkout holding the files to validate, found from the files, not from the working
    directory: `validate ~/corpus/annotations/x.json` run elsewhere must check x against its own
    registry and texts, not the installed copy's. None when they are in no checkout."""
    from cartel_fto_corpus.truth.paths import find_checkout

    found = {find_checkout(p.parent if not p.is_dir() else p) for p in paths}
    if len(found) > 1:
        names = ", ".join(sorted(str(f) if f else "no checkout" for f in found))
        exit_with([f"PATHS: expected files of one corpus, found files of {names}; validate them one corpus at a time"], 2)
    return found.pop()


@cli.command()
@root_option
@click.option("--check", is_flag=True, help="Do not write; exit 1 if texts/manifest.json is stale.")
def manifest(root: Path | None, check: bool) -> None:
    """Regenerate texts/manifest.json from the texts (ids, hashes, lengths, title, quality flags)."""
    from cartel_fto_corpus.truth.atomic import write_atomic
    from cartel_fto_corpus.truth.paths import CorpusPaths
    from cartel_fto_corpus.truth.texts import compute_manifest, dumps, read_texts
    from cartel_fto_corpus.truth.visible import visible

    paths = CorpusPaths(corpus_root(root, writes=not check))
    texts = read_texts(paths)
    bad = [(t, msg) for t in texts if (msg := t.decode_error())]
    if bad:  # nothing is written: a manifest of undecodable bytes would give every offset a wrong meaning
        lines = [visible(f"{paths.texts / t.source_file}: {msg}") for t, msg in bad]
        exit_with([*lines, f"{paths.manifest}: {'cannot check' if check else 'not written'}: {plural(len(bad), 'text')} not UTF-8"], 2)
    fresh = dumps(compute_manifest(texts))
    current = paths.manifest.read_text(encoding="utf-8") if paths.manifest.exists() else None
    if check:
        if current != fresh:
            exit_with([f"{paths.manifest}: stale; run `cartel-fto manifest`"], 1)
        return
    if current != fresh:
        with writing(paths.root):
            write_atomic(paths.manifest, fresh)
    click.echo(f"{paths.manifest}: {'written' if current != fresh else 'up to date'}", err=True)


@cli.command()
@root_option
def recover(root: Path | None) -> None:
    """Finish or roll back a write that was interrupted (killed, power cut): every writing command does
    this first; this does only that. Exit 0 whether or not there was anything to do."""
    paths_root = corpus_root(root, writes=True, action="recover")
    with writing(paths_root) as recovered:
        if not recovered:
            click.echo(f"{paths_root}: nothing to recover", err=True)


def main() -> None:
    cli(prog_name="cartel-fto")
