"""`cartel-fto build`: thin command over `publish.build` (validate, then write Parquet, card, Croissant)."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterable
from pathlib import Path

import click

from cartel_fto_corpus.cli.options import cannot_write, corpus_root, root_option, writing
from cartel_fto_corpus.publish.build import BuildError, build, stale_files
from cartel_fto_corpus.publish.features import CONFIGS
from cartel_fto_corpus.truth.jsonio import escape_surrogates
from cartel_fto_corpus.truth.paths import DATA, CorpusPaths
from cartel_fto_corpus.truth.visible import visible

# --------------------------------------------------------------------------- command line


def _fail(lines: Iterable[str], code: int = 1) -> None:
    for line in lines:  # problem lines quote file names and data: `visible`
        click.echo(visible(line), err=True)
    sys.exit(code)


@click.command("build")
@root_option
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Dataset root: writes OUT/data/<config>/*.parquet, OUT/croissant.json, OUT/SHA256SUMS, the card in OUT/README.md (default: corpus root).",
)
@click.option("--check", is_flag=True, help="Write nothing; exit 1 if the committed Parquet, croissant.json or card are stale.")
@click.option(
    "--annotations-only",
    is_flag=True,
    help="With --out: every text copied from the articles (texts, titles, tokens, span texts) null; offsets and labels kept.",
)
def build_command(root: Path | None, out: Path | None, check: bool, annotations_only: bool) -> None:
    """Build the Parquet configs, the dataset card and croissant.json from texts and annotations.

    Validates first and refuses invalid data. Deterministic: a second build changes no byte.
    """
    if annotations_only and (out is None or check):
        _fail(["--annotations-only: expected --out DIR (never the corpus's own data/) and no --check"], 2)
    # The installed copy ships no card or DATASHEET to compare with, and is never written to.
    action = "check the generated files of" if check else "write into"
    paths = CorpusPaths(corpus_root(root, writes=out is None, action=action))
    out = Path(out) if out is not None else paths.root
    with contextlib.nullcontext() if check else writing(paths.root):
        _build_or_check(paths, out, check, annotations_only)


def _build_or_check(paths: CorpusPaths, out: Path, check: bool, annotations_only: bool) -> None:
    from cartel_fto_corpus.checks.validate import validate

    report = validate(None, paths.root)
    if report.problems:
        n = len(report.problems)
        lines = [escape_surrogates(str(p)) for p in report.problems]
        _fail([*lines, f"{n} problem{'s' if n != 1 else ''}: refusing to build; see `cartel-fto validate`"], report.exit_code)
    try:
        if check:
            stale = stale_files(paths, out)
            if stale:
                _fail([*stale, f"{len(stale)} generated file{'s' if len(stale) != 1 else ''} stale: run `cartel-fto build`"])
            click.echo(f"{out}: data/, croissant.json, SHA256SUMS and the card are up to date", err=True)
            return
        result = build(paths, out, validate_first=False, annotations_only=annotations_only)
    except OSError as exc:
        cannot_write(out, exc)
    except BuildError as exc:
        _fail([str(exc), "refusing to build"])
    for rel in [*result.changed, *(f"{r} (removed)" for r in result.removed)]:
        click.echo(f"{rel}: written" if not rel.endswith("(removed)") else rel, err=True)
    total = ", ".join(f"{c} {sum(result.rows[c].values())}" for c in CONFIGS)
    click.echo(f"built {out / DATA}: {total} rows; {len(result.changed)} files changed", err=True)
