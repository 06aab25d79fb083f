"""Command-line options shared by every subcommand, defined once, and which corpus a command uses.

The corpus is never a surprise: `--root DIR` if given; else the checkout the working directory is
in (found upward, as git finds its repository); else the installed copy, for reading only, and the
command says so on its first line. Nothing writes into the installed package.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NoReturn

import click

from cartel_fto_corpus.truth.paths import CorpusPaths, data_root, find_checkout, use_schema_of
from cartel_fto_corpus.truth.visible import visible

#: `--root DIR`: the corpus root holding texts/ and annotations/ (a test fixture, a synthetic
#: corpus, a copy); default: the checkout around the working directory, else the installed corpus.
root_option = click.option(
    "--root",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Corpus root holding texts/ and annotations/ (default: the checkout containing the working directory, "
    "else the installed corpus, read-only).",
)

#: `--format`: one spelling across subcommands. `table` is accepted where `text` is meant and the
#: reverse, so scripts written against either name keep working.
FORMATS = ("text", "json")
FORMAT_ALIASES = {"table": "text"}


def format_option(*extra: str) -> click.Option:
    """`--format text|json[|extra]`, default text; the old `table` spelling is an accepted alias."""
    choices = [*FORMATS, *extra]
    return click.option(
        "--format",
        "fmt",
        type=click.Choice([*choices, *FORMAT_ALIASES]),
        default="text",
        show_default=True,
        callback=lambda _ctx, _param, value: FORMAT_ALIASES.get(value, value),
        help=f"Output: {', '.join(choices)} (`table` is an alias of `text`).",
    )


class InstalledCorpusError(click.ClickException):
    """A write aimed at the installed package: one line, exit 2."""

    exit_code = 2

    def show(self, file: object = None) -> None:
        click.echo(f"error: {self.format_message()}", err=True)


def corpus_root(root: Path | None, *, writes: bool = False, action: str = "write into") -> Path:
    """The corpus root a command works on; announces the installed copy, refuses to write into it.

    `writes`: the command would change files under the root (build, manifest, the datasheet, the
    Label Studio sync). Read-only commands may use the installed copy outside a checkout. `action`
    names what is refused, for commands that only compare against files a checkout has.
    """
    if root is None:
        root = find_checkout()
        if root is None:
            installed = data_root()
            where = Path.cwd()
            if writes:
                raise InstalledCorpusError(
                    f"no cartel_fto_corpus checkout in {where} or above; refusing to {action} the installed corpus at "
                    f"{installed}: cd into a checkout or pass --root DIR"
                )
            click.echo(
                f"note: no cartel_fto_corpus checkout in {where} or above; using the installed corpus at {installed} "
                "(read-only; --root DIR for another)",
                err=True,
            )
            root = installed
    use_schema_of(root)
    return root


def require_readable(paths: CorpusPaths, what: str) -> None:
    """Exit with the parser and schema problems of the files a reader opens, if any: a figure computed
    from files the validator refuses (a duplicate key, a string offset) would be wrong, or a traceback."""
    from cartel_fto_corpus.checks.validate import readable_corpus_problems
    from cartel_fto_corpus.truth.jsonio import escape_surrogates

    problems = readable_corpus_problems(paths)
    if problems:
        lines = [escape_surrogates(str(p)) for p in problems]
        lines.append(f"{paths.root}: cannot compute {what}: {plural(len(problems), 'problem')}; see `cartel-fto validate`")
        exit_with(lines, 2 if any(p.unreadable for p in problems) else 1)


def cannot_write(target: Path, exc: OSError) -> NoReturn:
    """Exit 2 with one line naming the output path the user gave (not a temporary file) and the
    operating system's reason: an unwritable, missing or read-only output is the user's to fix, so
    no traceback."""
    reason = exc.strerror or str(exc) or type(exc).__name__
    if isinstance(exc, (FileExistsError, NotADirectoryError)):  # a file where a folder must be
        blocker = next((p for p in Path(target).absolute().parents if p.is_file()), None)
        reason = f"{blocker} is a file, not a folder" if blocker else reason
    exit_with([f"{target}: cannot write: {reason}{write_outcome(exc)}"], 2)


def write_outcome(exc: OSError) -> str:
    """What a failed journalled write left (truth/atomic marks its errors): everything as it was, or a
    committed write the next writing command finishes; the user must know which of the two."""
    if getattr(exc, "pending_commit", False):
        return "; the write was committed but not finished: the next writing command finishes it"
    return "; nothing written" if getattr(exc, "nothing_written", False) else ""


def exit_with(lines: list[str], code: int) -> NoReturn:
    """Print each line on stderr and exit with `code`."""
    for line in lines:
        click.echo(line, err=True)
    sys.exit(code)


def plural(n: int, noun: str) -> str:
    """`1 problem`, `2 problems`: a count with its noun, as every summary line says it."""
    return f"{n} {noun}{'s' if n != 1 else ''}"


def refuse(problems: list[Any], what: str, code: int = 1) -> NoReturn:
    """Exit with one line per problem of the corpus (data shown through `truth.visible`) and
    `N problems: refusing to WHAT; see `cartel-fto validate``: nothing is made of invalid data."""
    last = f"{plural(len(problems), 'problem')}: refusing to {what}; see `cartel-fto validate`"
    exit_with([*(visible(str(p)) for p in problems), last], code)


@contextlib.contextmanager
def writing(root: Path | str, when: bool = True) -> Iterator[list[str]]:
    """Hold the corpus lock for a command that writes (from its first read to its last write);
    `when` false (its `--check`, a listing without `--write`): no lock, nothing recovered.

    Prints what the lock's recovery finished or removed of an interrupted writer as `note:` lines.
    A held lock (`LockHeld`) and OSErrors end in one line in `main.LazyGroup.invoke`.
    """
    from cartel_fto_corpus.truth.lock import corpus_lock

    if not when:
        yield []
        return
    with corpus_lock(root) as recovered:
        for line in recovered:
            click.echo(f"note: {line}", err=True)
        yield recovered
