"""`cartel-fto show`: an article with its annotations, in the terminal or as a self-contained HTML page."""

from __future__ import annotations

from pathlib import Path

import click

from cartel_fto_corpus.cli.options import cannot_write, corpus_root, exit_with, refuse, root_option
from cartel_fto_corpus.inspection.explorer import InvalidInput, ShowError, load_view, print_view
from cartel_fto_corpus.inspection.explorer_html import render_html, write_pages
from cartel_fto_corpus.truth.paths import CorpusPaths
from cartel_fto_corpus.truth.visible import visible


@click.command("show")
@click.argument("doc_id", required=False)
@root_option
@click.option("--annotator", default=None, help="Show this annotator's set (default: the gold set, else the first).")
@click.option(
    "--out",
    "--html",
    "html_out",
    type=click.Path(path_type=Path),
    default=None,
    help="Write a self-contained HTML page to this file (a folder with --all) instead of printing (`--html` is the older spelling).",
)
@click.option(
    "--all", "all_docs", is_flag=True, help="With --out DIR: write DIR/<doc_id>.html for every document, so cluster links resolve."
)
def show_command(doc_id: str | None, root: Path | None, annotator: str | None, html_out: Path | None, all_docs: bool) -> None:
    """Show an article with its entities, claims and stances highlighted (DOC_ID or a prefix such as 002)."""
    from cartel_fto_corpus.truth.atomic import write_atomic

    paths = CorpusPaths(corpus_root(root))
    try:
        if all_docs:
            if html_out is None or doc_id is not None:
                raise ShowError("--all: expected --out DIR and no DOC_ID")
            click.echo(f"{html_out}: {write_pages(paths, html_out, annotator)} pages written", err=True)
            return
        if doc_id is None:
            raise ShowError("expected a DOC_ID (or --all --out DIR)")
        view = load_view(doc_id, paths, annotator)
        if html_out is not None:
            if html_out.is_dir():
                raise ShowError(
                    f"{html_out}: expected a file name for the page, found a folder (--all writes one page per document into a folder)"
                )
            write_atomic(html_out, render_html(view))
            click.echo(f"{html_out}: written", err=True)
        else:
            print_view(view)
    except InvalidInput as exc:  # validated first: nothing the validator refuses reaches a page or a terminal
        refuse(exc.problems, "show", exc.exit_code)
    except ShowError as exc:
        exit_with([visible(str(exc))], 2)
    except OSError as exc:
        if html_out is not None and exc.filename is not None and _under(Path(exc.filename), html_out):
            cannot_write(html_out, exc)
        exit_with([visible(f"{paths.root}: cannot show {doc_id or 'the corpus'}: {exc}")], 2)
    except (ValueError, KeyError, UnicodeDecodeError) as exc:
        exit_with([visible(f"{paths.root}: cannot show {doc_id or 'the corpus'}: {exc}")], 2)


def _under(path: Path, out: Path) -> bool:
    """Whether a failing path is the output or its temporary sibling/child, not a corpus file."""
    out = out.absolute()
    path = path.absolute()
    return path == out or out in path.parents or path.parent == out.parent or any(p == path for p in out.parents)
