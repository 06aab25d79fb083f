"""`cartel-fto agreement`: inter-annotator agreement over the annotators' sets."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from cartel_fto_corpus.cli.options import corpus_root, format_option, root_option
from cartel_fto_corpus.inspection.agreement import compute_agreement, load_documents, load_registry, print_report, single_annotated_message
from cartel_fto_corpus.truth.jsonio import escape_surrogates
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
    from cartel_fto_corpus.checks.validate import readable_corpus_problems

    paths = CorpusPaths(corpus_root(root))
    problems = readable_corpus_problems(paths)
    if problems:  # a figure from files the validator refuses (e.g. a duplicate key) would be a wrong figure
        for p in problems:
            click.echo(escape_surrogates(str(p)), err=True)
        n = len(problems)
        click.echo(f"{paths.root}: cannot compute agreement: {n} problem{'s' if n != 1 else ''}; see `cartel-fto validate`", err=True)
        sys.exit(2 if any(p.unreadable for p in problems) else 1)
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
