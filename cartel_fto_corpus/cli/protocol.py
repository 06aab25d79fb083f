"""`cartel-fto seal` and `cartel-fto freeze-guidelines`: the protocol's records, written once.

Thin glue over `inspection.sealing` (the records and the problems that forbid them) and
`checks.seals` (the rules `validate` applies to them afterwards). Nothing is written when any
problem is found: one line per problem, exit 1 (2 for unreadable input).
"""

from __future__ import annotations

from pathlib import Path

import click

from cartel_fto_corpus.checks.problems import Problem
from cartel_fto_corpus.checks.seals import SEAL_FILE, guidelines_path, load_protocol, protocol_path
from cartel_fto_corpus.cli.options import corpus_root, exit_with, plural, root_option
from cartel_fto_corpus.inspection.sealing import DEFAULT_GIVEN, freeze_entry, make_seal, now_rfc3339
from cartel_fto_corpus.truth.atomic import write_atomic
from cartel_fto_corpus.truth.paths import CorpusPaths, display
from cartel_fto_corpus.truth.schema import schema_version as current_schema_version
from cartel_fto_corpus.truth.texts import dumps


def _refuse(problems: list[Problem], what: str) -> None:
    code = 2 if any(p.unreadable for p in problems) else 1
    exit_with([str(p) for p in problems] + [f"{what}: not written ({plural(len(problems), 'problem')})"], code)


def _read_bytes(path: Path, what: str) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        exit_with([f"{display(path)}: cannot read {what}: {exc.strerror}"], 2)


@click.command("seal")
@click.argument("folder", type=click.Path(file_okay=False, exists=True, path_type=Path))
@root_option
@click.option("--annotator-kind", type=click.Choice(["model", "person"]), required=True, help="A language model or a person.")
@click.option("--name", required=True, help="The model's name, or the person's pseudonym.")
@click.option("--version", "version", required=True, help="The model's version (or the person's round).")
@click.option(
    "--guidelines-version", required=True, help="The guidelines version the annotator was given (frozen in annotations/protocol.json)."
)
@click.option(
    "--guidelines-file",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    default=None,
    help="The GUIDELINES.md bytes as given to the annotator (default: annotations/GUIDELINES.md).",
)
@click.option("--started", required=True, help="When the annotation started (RFC 3339 with a time zone).")
@click.option("--ended", required=True, help="When the annotation ended (RFC 3339 with a time zone).")
@click.option("--given", multiple=True, help=f"What the annotator was given (repeatable; default: {', '.join(DEFAULT_GIVEN)}).")
@click.option("--schema-version", default=None, help="Schema version of the delivered files (default: the schema's).")
@click.option("--sealed", default=None, help="Seal time (RFC 3339; default: now). For reproducing a seal.")
def seal_command(
    folder: Path,
    root: Path | None,
    annotator_kind: str,
    name: str,
    version: str,
    guidelines_version: str,
    guidelines_file: Path | None,
    started: str,
    ended: str,
    given: tuple[str, ...],
    schema_version: str | None,
    sealed: str | None,
) -> None:
    """Seal a blind delivery: write FOLDER/SEAL.json with the sha256 of every delivered file.

    FOLDER is annotations/independent/<set_id>/. Refuses when SEAL.json exists (a sealed delivery
    is never rewritten; a revision is a new set id), when the guidelines are not the frozen bytes
    of their version, or when the times are out of order.
    """
    paths = CorpusPaths(corpus_root(root, writes=True, action="seal a delivery in"))
    protocol, problems = load_protocol(paths)
    if problems:
        _refuse(problems, display(folder / SEAL_FILE))
    gfile = guidelines_file or guidelines_path(paths)
    seal, problems = make_seal(
        folder,
        annotator={"kind": annotator_kind, "name": name, "version": version},
        guidelines_version_=guidelines_version,
        guidelines_bytes=_read_bytes(gfile, "the guidelines"),
        schema_version=schema_version or current_schema_version(),
        started=started,
        ended=ended,
        sealed=sealed or now_rfc3339(),
        protocol=protocol,
        given=given or DEFAULT_GIVEN,
    )
    if problems:
        _refuse(problems, display(folder / SEAL_FILE))
    write_atomic(folder / SEAL_FILE, dumps(seal))
    click.echo(f"{display(folder / SEAL_FILE)}: written ({len(seal['files'])} files sealed)", err=True)


@click.command("freeze-guidelines")
@root_option
@click.option("--frozen", default=None, help="Freeze time (RFC 3339; default: now).")
def freeze_guidelines_command(root: Path | None, frozen: str | None) -> None:
    """Pre-register the current annotations/GUIDELINES.md: its version -> sha256 and freeze time in
    annotations/protocol.json. Refuses to change the hash of a version already frozen."""
    paths = CorpusPaths(corpus_root(root, writes=True, action="freeze guidelines in"))
    protocol, problems = load_protocol(paths)
    if problems:
        _refuse(problems, display(protocol_path(paths)))
    gpath = guidelines_path(paths)
    new, problems, said = freeze_entry(protocol, _read_bytes(gpath, "the guidelines"), frozen or now_rfc3339(), display(gpath))
    if problems:
        _refuse(problems, display(protocol_path(paths)))
    if new is not None:
        write_atomic(protocol_path(paths), dumps(new))
    click.echo(f"{display(protocol_path(paths))}: {said}", err=True)
