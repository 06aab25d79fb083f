"""`cartel-fto adjudicate`: compare annotators' sets, list disagreements, write gold sets from a decisions file."""

from __future__ import annotations

import contextlib
import json
import sys
from pathlib import Path
from typing import Any

import click

from cartel_fto_corpus.checks.problems import Report
from cartel_fto_corpus.checks.validate import load_checked
from cartel_fto_corpus.cli.options import corpus_root, exit_with, format_option, root_option, writing
from cartel_fto_corpus.inspection.adjudicate import compare_corpus, describe
from cartel_fto_corpus.inspection.gold import DecisionsError, Outcome, build_gold, document_problems, load_decisions
from cartel_fto_corpus.truth.atomic import write_all_atomic
from cartel_fto_corpus.truth.jsonio import escape_surrogates
from cartel_fto_corpus.truth.paths import SEAL_FILE, CorpusPaths, display
from cartel_fto_corpus.truth.texts import dumps
from cartel_fto_corpus.truth.visible import visible_json, visible_lines


def _echo(line: object, err: bool = False) -> None:
    """click.echo of a line that quotes data (names, descriptions, reasons): control and
    bidirectional characters shown as escapes (`truth.visible`), its own line breaks kept."""
    click.echo(visible_lines(str(line)), err=err)


def _fail(message: str) -> None:
    _echo(message, err=True)
    sys.exit(2)


def _select(doc_ids: list[str], wanted: tuple[str, ...]) -> list[str]:
    """Document ids named on the command line (full id or unique three-digit number), or all."""
    if not wanted:
        return doc_ids
    out = []
    for w in wanted:
        hits = [d for d in doc_ids if d == w or d.split("_", 1)[0] == w]
        if len(hits) != 1:
            _fail(f"{w}: expected the id (or three-digit number) of one annotated document, found {len(hits)} matching")
        out.append(hits[0])
    return out


def _stray_decisions(decisions: Any, outcomes: list[Outcome], compared: list[str]) -> list[tuple[str, str]]:
    """Decisions filed under a document that is not compared: a typo or a stale file, never silently ignored."""
    used = {o.decision_key for o in outcomes}
    out = []
    for key in decisions.by_doc:
        if key not in used:
            out.append((key, f"expected the id (or three-digit number) of a compared document ({', '.join(compared)}), found {key!r}"))
    return out


def _listing(o: Outcome, decisions: Any) -> dict[str, Any]:
    comp = o.comparison
    _, mine = decisions.for_doc(comp.doc_id) if decisions else (None, {})
    return {
        "doc_id": comp.doc_id,
        "units": len(comp.units),
        "agreed": len(comp.units) - len(comp.disagreements),
        "disagreements": [
            {
                "id": u.id,
                "layer": u.layer,
                "anchor": u.anchor,
                "values": {a: describe(u.layer, v) for a, v in u.values.items()},
                "items": u.items,
                "decision": None
                if u.id not in mine
                else {"take": mine[u.id].take, "value": mine[u.id].value, "reason": mine[u.id].reason}
                if mine[u.id].take is None
                else {"take": mine[u.id].take, "reason": mine[u.id].reason},
            }
            for u in comp.disagreements
        ],
        "undecided": o.undecided,
        "problems": o.problems,
        "demoted": o.demoted,
    }


@click.command("adjudicate")
@root_option
@click.argument("docs", nargs=-1)
@click.option(
    "--annotators",
    required=True,
    help="Comma-separated ids of the annotators to compare (two or more); the first one's registry ids are preferred.",
)
@click.option(
    "--decisions",
    "decisions_file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Decisions file (JSON, or YAML by extension): per document and disagreement id, take an annotator's item or give a value, with a reason.",
)
@click.option(
    "--write",
    is_flag=True,
    help="Write the gold sets into the annotation files (only if every disagreement is decided and the result is valid).",
)
@format_option()
def adjudicate_command(
    root: Path | None, docs: tuple[str, ...], annotators: str, decisions_file: Path | None, write: bool, fmt: str
) -> None:
    """Compare annotators' sets of each document; accept what they agree on; list every disagreement
    with a stable id; with --decisions, build the gold set (status gold, with an adjudication record
    tracing every item) and, with --write, write it.

    Exit 0: nothing undecided and no problem; 1: undecided disagreements or an invalid result
    (nothing written); 2: unusable input.
    """
    paths = CorpusPaths(corpus_root(root, writes=write, action="write gold sets into"))
    names = [a.strip() for a in annotators.split(",") if a.strip()]
    if len(names) < 2 or len(set(names)) != len(names):
        _fail(f"--annotators: expected two or more distinct annotator ids, found {annotators!r}")
    if write and decisions_file is None:
        _fail("--write: expected --decisions FILE too (who decided, and why, must be recorded)")
    # from the first read to the last write under the corpus lock: a pull meanwhile must not be lost
    with writing(paths.root) if write else contextlib.nullcontext():
        _adjudicate(paths, names, docs, decisions_file, write, fmt)


def _load_corpus(paths: CorpusPaths) -> tuple[dict[str, dict[str, Any]], dict[str, Path], dict[str, Any] | None]:
    """Annotation files by doc id, their paths, the registry; parser and schema problems end the
    command, one line each (a malformed file would otherwise be a traceback deep in the comparison)."""
    report = Report()
    loaded: dict[str, dict[str, Any]] = {}
    files: dict[str, Path] = {}
    for f in paths.annotation_files():
        doc = load_checked("annotation", f, report)
        if doc is not None:
            loaded[doc["doc_id"]] = doc
            files[doc["doc_id"]] = f
    registry = load_checked("registry", paths.registry, report) if paths.registry.exists() else None
    if report.problems:
        lines = [escape_surrogates(str(p)) for p in report.problems]
        exit_with([*lines, f"{len(lines)} problem(s) in the annotation files: run `cartel-fto validate`"], 2)
    return loaded, files, registry


def _adjudicate(paths: CorpusPaths, names: list[str], docs: tuple[str, ...], decisions_file: Path | None, write: bool, fmt: str) -> None:
    loaded, files, registry = _load_corpus(paths)
    decisions = None
    if decisions_file is not None:
        try:
            decisions = load_decisions(decisions_file)
        except DecisionsError as exc:
            for line in exc.lines:
                _echo(line, err=True)
            sys.exit(2)
        if decisions.annotator in names:
            _fail(f"{decisions_file}:/annotator: expected an id other than the compared annotators', found {decisions.annotator!r}")
    selected = _select(sorted(loaded), docs)
    try:
        comparisons, aligner = compare_corpus([loaded[d] for d in sorted(loaded)], names, registry)
    except (KeyError, TypeError, ValueError) as exc:
        _fail(f"{paths.annotations}: cannot compare the annotation sets: {exc!r}; run `cartel-fto validate` first")
    by_doc = {c.doc_id: c for c in comparisons}
    missing = [d for d in selected if d not in by_doc]
    if docs and missing:
        _fail(
            f"{missing[0]}: expected a set of each of {', '.join(names)}, found {', '.join(s['annotator'] for s in loaded[missing[0]]['annotations'])}"
        )
    outcomes: list[Outcome] = []
    for doc_id in (d for d in selected if d in by_doc):
        comp = by_doc[doc_id]
        label = str(decisions_file) if decisions_file else "decisions"
        if decisions is None:
            o = Outcome(doc_id, comp, None, undecided=[u.id for u in comp.disagreements])
        else:
            o = build_gold(loaded[doc_id], comp, aligner, decisions, label)
            if o.document is not None:
                o.problems += document_problems(o.document, display(files[doc_id]), paths, registry)
        outcomes.append(o)
    stray = _stray_decisions(decisions, outcomes, list(by_doc)) if decisions is not None and not docs else []
    if stray and outcomes:
        outcomes[0].problems += [f"{decisions_file}:/decisions/{key}: {why}" for key, why in stray]
    undecided = sum(len(o.undecided) for o in outcomes)
    problems = sum(len(o.problems) for o in outcomes)
    writes = {files[o.doc_id]: dumps(o.document) for o in outcomes if o.document is not None}
    ok = not undecided and not problems and decisions is not None
    written = []
    if write and ok:
        changed = {p: text for p, text in writes.items() if p.read_text(encoding="utf-8") != text}
        write_all_atomic(changed, root=paths.root)
        written = [display(p) for p in changed]
    if fmt == "json":
        body = {
            "annotators": names,
            "documents": [_listing(o, decisions) for o in outcomes],
            "skipped": [d for d in selected if d not in by_doc],
            "written": written,
        }
        click.echo(visible_json(json.dumps(body, indent=2, ensure_ascii=False)))
    else:
        _print(outcomes, decisions, names, [d for d in selected if d not in by_doc])
        if write and ok:
            _echo(f"written: {', '.join(written) or 'nothing (already up to date)'}")
        elif ok:
            _echo("every disagreement is decided and the gold sets are valid; run with --write to write them")
        else:
            _echo(f"nothing written: {undecided} undecided disagreement(s), {problems} problem(s)")
    sys.exit(0 if (undecided == 0 and problems == 0) else 1)


def _print(outcomes: list[Outcome], decisions: Any, names: list[str], skipped: list[str]) -> None:
    for doc_id in skipped:
        _echo(f"{doc_id}: skipped (not every one of {', '.join(names)} has a set)")
    for o in outcomes:
        comp = o.comparison
        _, mine = decisions.for_doc(comp.doc_id) if decisions else (None, {})
        dis = comp.disagreements
        _echo(
            f"{comp.doc_id}: {len(comp.units)} units, {len(comp.units) - len(dis)} agreed, {len(dis)} disagreement(s), {len(o.undecided)} undecided"
        )
        for u in dis:
            _echo(f"  {u.id}  [{u.layer}] {json.dumps(u.anchor, ensure_ascii=False)}")
            for a in names:
                _echo(f"      {a}: {describe(u.layer, u.values[a])}")
            d = mine.get(u.id)
            if d is None:
                _echo("      decision: UNDECIDED")
            elif d.take is not None:
                _echo(f"      decision: take {d.take}: {d.reason}")
            else:
                _echo(f"      decision: value {json.dumps(d.value, ensure_ascii=False)}: {d.reason}")
        for p in o.problems:
            _echo(f"  problem: {p}")
        if o.demoted:
            _echo(f"  status gold -> draft for: {', '.join(o.demoted)} (the adjudicated set becomes the gold set)")


@click.command("import-set")
@root_option
@click.argument("folder", type=click.Path(file_okay=False, exists=True, path_type=Path))
@click.option("--pivot", required=True, help="Annotator whose ids (the corpus registry's) the imported ids are translated into.")
@click.option("--write", is_flag=True, help="Write the annotation files and the registry (otherwise only report the translation).")
def import_set_command(root: Path | None, folder: Path, pivot: str, write: bool) -> None:
    """Copy a blind annotator's delivered sets (FOLDER: one file per document and its own registry.json)
    into annotations/<doc_id>.json, its entity and cluster ids translated into the corpus registry's.

    The delivered files are not changed. Exit 1 if the result would not validate (nothing written);
    exit 2, one line per problem, if a delivered file is malformed.
    """
    paths = CorpusPaths(corpus_root(root, writes=write, action="import sets into"))
    with writing(paths.root) if write else contextlib.nullcontext():
        _import_set(paths, folder, pivot, write)


def _load_delivery(paths: CorpusPaths, folder: Path) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any], dict[str, Any]]:
    """(delivered files by doc id, their registry, the corpus registry, the corpus files of those documents);
    every parser, schema or pairing problem of the delivery is one line, and the command ends (exit 2)."""
    report = Report()
    delivered: dict[str, dict[str, Any]] = {}
    lines: list[str] = []
    for p in sorted(folder.glob("*.json")):
        if p.name in ("registry.json", SEAL_FILE):  # a sealed delivery's seal is no document
            continue
        doc = load_checked("annotation", p, report)
        if doc is None:
            continue
        if doc["doc_id"] in delivered:
            lines.append(f"{display(p)}:/doc_id: expected one delivered file per document, found {doc['doc_id']!r} twice")
        delivered[doc["doc_id"]] = doc
    if not (folder / "registry.json").is_file():
        lines.append(f"{display(folder / 'registry.json')}: expected the annotator's registry, found none")
        delivered_registry = None
    else:
        delivered_registry = load_checked("registry", folder / "registry.json", report)
    registry = load_checked("registry", paths.registry, report)
    docs: dict[str, dict[str, Any]] = {}
    for doc_id in delivered:
        target = paths.annotation_file(doc_id)
        if not target.is_file():
            lines.append(f"{display(folder)}: {doc_id}: expected a document of the corpus, found no {display(target)}")
            continue
        doc = load_checked("annotation", target, report)
        if doc is not None:
            docs[doc_id] = doc
    if not delivered and not report.problems:
        lines.append(f"{display(folder)}: expected delivered annotation files (<doc_id>.json), found none")
    lines = [*(escape_surrogates(str(p)) for p in report.problems), *lines]
    if lines:
        exit_with([*lines, f"nothing imported: {len(lines)} problem(s) in the delivery or the corpus"], 2)
    assert delivered_registry is not None and registry is not None
    return delivered, delivered_registry, registry, docs


def _import_set(paths: CorpusPaths, folder: Path, pivot: str, write: bool) -> None:
    from cartel_fto_corpus.inspection.importset import import_sets

    delivered, delivered_registry, registry, docs = _load_delivery(paths, folder)
    annotators = {s["annotator"] for d in delivered.values() for s in d["annotations"]}
    if len(annotators) != 1:
        _fail(f"{folder}: expected the sets of one annotator, found {', '.join(sorted(annotators)) or 'none'}")
    (annotator,) = annotators
    try:
        new_docs, new_registry, maps = import_sets(docs, registry, delivered, delivered_registry, annotator, pivot)
    except KeyError as exc:
        _fail(f"{folder}: cannot import: id {exc.args[0]!r} is used in a delivered set but not in the delivered registry.json")
    except (ValueError, StopIteration, TypeError) as exc:
        _fail(f"{folder}: cannot import: {exc}")
    for kind, table in maps.items():
        changed = {a: b for a, b in table.items() if a != b}
        _echo(f"{kind}: {len(table)} ids, {len(changed)} translated" + "".join(f"\n  {a} -> {b}" for a, b in sorted(changed.items())))
    problems = []
    for doc_id, doc in new_docs.items():
        problems += document_problems(doc, display(paths.annotation_file(doc_id)), paths, new_registry)
    for p in problems:
        _echo(p)
    if problems:
        _echo(f"nothing written: {len(problems)} problem(s)")
        sys.exit(1)
    if write:
        files = {paths.annotation_file(d): dumps(doc) for d, doc in new_docs.items()}
        files[paths.registry] = dumps(new_registry)
        write_all_atomic(files, root=paths.root)
        _echo(f"written: {len(new_docs)} annotation files and {display(paths.registry)}")
