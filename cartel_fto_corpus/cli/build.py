"""`cartel-fto build`: thin command over `publish.build` (validate, then write Parquet, card, Croissant)."""

from __future__ import annotations

from pathlib import Path

import click

from cartel_fto_corpus.cli.options import cannot_write, corpus_root, exit_with, plural, refuse, root_option, writing
from cartel_fto_corpus.publish.build import BuildError, build, stale_files
from cartel_fto_corpus.publish.features import CONFIGS
from cartel_fto_corpus.truth.paths import DATA, CorpusPaths
from cartel_fto_corpus.truth.visible import visible


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
        exit_with(["--annotations-only: expected --out DIR (never the corpus's own data/) and no --check"], 2)
    # The installed copy ships no card or DATASHEET to compare with, and is never written to.
    action = "check the generated files of" if check else "write into"
    paths = CorpusPaths(corpus_root(root, writes=out is None, action=action))
    out = Path(out) if out is not None else paths.root
    with writing(paths.root, not check):
        _build_or_check(paths, out, check, annotations_only)


def _build_or_check(paths: CorpusPaths, out: Path, check: bool, annotations_only: bool) -> None:
    from cartel_fto_corpus.checks.validate import validate

    report = validate(None, paths.root)
    if report.problems:
        refuse(report.problems, "build", report.exit_code)
    try:
        if check:
            stale = stale_files(paths, out)
            if stale:
                exit_with([*map(visible, stale), f"{plural(len(stale), 'generated file')} stale: run `cartel-fto build`"], 1)
            click.echo(f"{out}: data/, croissant.json, SHA256SUMS and the card are up to date", err=True)
            return
        result = build(paths, out, validate_first=False, annotations_only=annotations_only)
    except OSError as exc:
        cannot_write(out, exc)
    except BuildError as exc:
        exit_with([visible(str(exc)), "refusing to build"], 1)
    for rel in [*result.changed, *(f"{r} (removed)" for r in result.removed)]:
        click.echo(f"{rel}: written" if not rel.endswith("(removed)") else rel, err=True)
    total = ", ".join(f"{c} {sum(result.rows[c].values())}" for c in CONFIGS)
    click.echo(f"built {out / DATA}: {total} rows; {len(result.changed)} files changed", err=True)
