"""`cartel-fto consistency`: the same construction labelled differently across articles, for the adjudicator."""

from __future__ import annotations

import json
from pathlib import Path

import click

from cartel_fto_corpus.cli.options import corpus_root, format_option, require_readable, root_option
from cartel_fto_corpus.inspection.agreement import load_documents, load_registry
from cartel_fto_corpus.inspection.consistency import consistency_report, render_text
from cartel_fto_corpus.truth.paths import CorpusPaths


@click.command("consistency")
@root_option
@click.option("--annotator", default=None, help="Read this annotator's sets (default: each document's reference set, gold else the first).")
@format_option()
def consistency_command(root: Path | None, annotator: str | None, fmt: str) -> None:
    """List mention texts, claim texts, stance evidence and claim-type triggers that carry different
    labels in different places. A report for the adjudicator (context may justify a difference):
    exit 0 whatever it lists."""
    paths = CorpusPaths(corpus_root(root))
    require_readable(paths, "the consistency report")
    report = consistency_report(load_documents(paths), load_registry(paths), annotator)
    if fmt == "json":
        click.echo(json.dumps(report, indent=2, ensure_ascii=False))
    else:
        click.echo(render_text(report), nl=False)
