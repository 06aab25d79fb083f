"""`cartel-fto agreement`: inter-annotator agreement from the sealed deliveries, as delivered."""

from __future__ import annotations

import json
from pathlib import Path

import click

from cartel_fto_corpus.cli.options import corpus_root, exit_with, format_option, require_readable, root_option
from cartel_fto_corpus.inspection.agreement_report import SOURCES, agreement_report, print_report
from cartel_fto_corpus.inspection.reliability import DEFAULT_RESAMPLES, DEFAULT_SEED
from cartel_fto_corpus.truth.paths import CorpusPaths


@click.command("agreement")
@root_option
@format_option()
@click.option(
    "--source",
    type=click.Choice(SOURCES),
    default="deliveries",
    show_default=True,
    help="deliveries: sealed deliveries in annotations/independent/ as delivered (own registries); "
    "files: the annotators' sets in the annotation files (how release 0.2 measured).",
)
@click.option("--include-legacy", is_flag=True, help="Also count legacy unsealed deliveries listed in annotations/protocol.json.")
@click.option(
    "--annotators", default=None, help="Comma-separated set ids (or annotator ids with --source files) to compare (default: all)."
)
@click.option(
    "--resamples", type=click.IntRange(min=0), default=DEFAULT_RESAMPLES, show_default=True, help="Bootstrap resamples of documents."
)
@click.option("--seed", type=int, default=DEFAULT_SEED, show_default=True, help="Seed of the bootstrap.")
def agreement_command(
    root: Path | None, fmt: str, source: str, include_legacy: bool, annotators: str | None, resamples: int, seed: int
) -> None:
    """Inter-annotator agreement before adjudication, per layer: Krippendorff's alpha (nominal) of
    entity label, stance, claim type and check-worthiness under two unit definitions (`recorded`:
    units two or more annotators recorded; `one_sided`: every unit anyone recorded, a missing one
    coded 'absent'), pairwise and over all annotators; span F1 of mentions and claims per pair and
    their mean; claim cluster B-cubed F1; each with a 95% bootstrap interval over documents.

    Exit 0 with figures or a sentence saying why none can be computed; 1 when a delivery fails its
    seal checks (see `cartel-fto validate`); 2 for unusable input.
    """
    paths = CorpusPaths(corpus_root(root))
    if source == "files":
        require_readable(paths, "agreement")
    only = [a.strip() for a in annotators.split(",") if a.strip()] if annotators else None
    try:
        report, problems = agreement_report(paths, source, include_legacy, only, resamples, seed)
    except (OSError, ValueError, KeyError, TypeError) as exc:
        exit_with([f"{paths.annotations}: cannot read the annotations: {exc}; run `cartel-fto validate` first"], 2)
    if problems:
        exit_with([str(p) for p in problems] + [f"{paths.root}: cannot compute agreement: the deliveries fail their seal checks"], 1)
    unknown = [a for a in only or [] if a not in report.get("known_annotators", [])]
    if unknown:  # a typo would otherwise silently compare fewer annotators
        known = ", ".join(report.get("known_annotators", [])) or "none"
        exit_with([f"--annotators: expected ids among {known}, found {', '.join(map(repr, unknown))}"], 2)
    if fmt == "json":
        click.echo(json.dumps(report, indent=2, ensure_ascii=False))
    else:
        print_report(report)
