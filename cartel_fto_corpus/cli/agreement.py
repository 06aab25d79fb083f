"""`cartel-fto agreement`: inter-annotator agreement over the annotators' sets."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from cartel_fto_corpus.cli.options import corpus_root, format_option, require_readable, root_option
from cartel_fto_corpus.inspection.agreement import compute_agreement, load_documents, load_registry, print_report, single_annotated_message
from cartel_fto_corpus.truth.paths import CorpusPaths


@click.command("agreement")
@root_option
@format_option()
@click.option(
    "--annotators",
    default=None,
    help="Comma-separated annotator ids to compare (default: every annotator except adjudicated sets).",
)
def agreement_command(root: Path | None, fmt: str, annotators: str | None) -> None:
    """Inter-annotator agreement before adjudication: entity and claim span F1, Krippendorff's alpha
    (entity label, stance, check-worthiness), cluster B-cubed F1.

    Adjudicated sets are left out (they derive from the others). On single-annotated data it says
    so instead of printing a number.
    """
    paths = CorpusPaths(corpus_root(root))
    require_readable(paths, "agreement")
    try:
        only = [a.strip() for a in annotators.split(",") if a.strip()] if annotators else None
        docs = load_documents(paths)
        known = sorted({s["annotator"] for d in docs for s in d["annotations"]})
        report = compute_agreement(docs, only, load_registry(paths))
    except (OSError, ValueError, KeyError, TypeError) as exc:
        click.echo(f"{paths.annotations}: cannot read the annotations: {exc}; run `cartel-fto validate` first", err=True)
        sys.exit(2)
    unknown = [a for a in only or [] if a not in known]
    if unknown:  # a typo would otherwise silently compare fewer annotators
        click.echo(f"--annotators: expected ids among {', '.join(known) or 'none'}, found {', '.join(map(repr, unknown))}", err=True)
        sys.exit(2)
    if fmt == "json":
        if report["status"] != "multi_annotated":
            report["message"] = single_annotated_message(report)
        click.echo(json.dumps(report, indent=2, ensure_ascii=False))
    else:
        print_report(report)
