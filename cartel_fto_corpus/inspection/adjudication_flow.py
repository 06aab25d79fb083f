"""The `adjudicate` and `import-set` workflows: read the corpus, plan, check, decide what to write.

`cli/adjudicate.py` only parses options, calls `adjudicate` or `plan_import` (+ `write_import`),
prints the lines these give and exits with their code: the workflow lives here so that it can be
called, and tested, without the command line (issue 26). Unusable input (a malformed file, an
unknown document, a delivery of two annotators) is `Unusable` (`decisions.py`), carrying the lines to print on
stderr (exit 2); everything else is a value (`Adjudication`, `ImportPlan`).

Lines that quote data (names, descriptions, reasons) are returned as they are; the command shows
them through `truth.visible`, like every other command's output.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cartel_fto_corpus.checks.checker import AnnotationChecker, Context, Usage
from cartel_fto_corpus.checks.corpus_checks import registry_problems
from cartel_fto_corpus.checks.problems import Report
from cartel_fto_corpus.checks.validate import load_checked
from cartel_fto_corpus.inspection.adjudicate import compare_corpus, describe
from cartel_fto_corpus.inspection.decisions import Decisions, Unusable, load_decisions
from cartel_fto_corpus.inspection.gold import Outcome, build_gold, document_problems
from cartel_fto_corpus.inspection.importset import import_sets
from cartel_fto_corpus.truth.atomic import write_all_atomic
from cartel_fto_corpus.truth.jsonio import escape_surrogates
from cartel_fto_corpus.truth.paths import REGISTRY_FILE, SEAL_FILE, CorpusPaths, display
from cartel_fto_corpus.truth.texts import dumps

# --- adjudicate ---------------------------------------------------------------------------------


@dataclass
class Adjudication:
    """What `adjudicate` found, and wrote: per compared document an `Outcome`."""

    names: list[str]
    decisions: Decisions | None
    outcomes: list[Outcome]
    skipped: list[str]
    written: list[str] | None = None  # None: nothing was to be written (no --write, or not ok)

    @property
    def undecided(self) -> int:
        return sum(len(o.undecided) for o in self.outcomes)

    @property
    def problems(self) -> int:
        return sum(len(o.problems) for o in self.outcomes)

    @property
    def ok(self) -> bool:
        """Every disagreement decided, every gold set valid: the gold sets may be written."""
        return not self.undecided and not self.problems and self.decisions is not None

    @property
    def exit_code(self) -> int:
        return 1 if self.undecided or self.problems else 0


def annotator_names(annotators: str) -> list[str]:
    """The `--annotators` list: two or more distinct ids."""
    names = [a.strip() for a in annotators.split(",") if a.strip()]
    if len(names) < 2 or len(set(names)) != len(names):
        raise Unusable([f"--annotators: expected two or more distinct annotator ids, found {annotators!r}"])
    return names


def select_documents(doc_ids: list[str], wanted: tuple[str, ...]) -> list[str]:
    """Document ids named on the command line (full id or unique three-digit number), or all."""
    if not wanted:
        return doc_ids
    out = []
    for w in wanted:
        hits = [d for d in doc_ids if d == w or d.split("_", 1)[0] == w]
        if len(hits) != 1:
            raise Unusable([f"{w}: expected the id (or three-digit number) of one annotated document, found {len(hits)} matching"])
        out.append(hits[0])
    return out


def load_corpus(paths: CorpusPaths) -> tuple[dict[str, dict[str, Any]], dict[str, Path], dict[str, Any] | None]:
    """Annotation files by doc id, their paths, the registry; parser and schema problems are
    `Unusable`, one line each (a malformed file would otherwise be a traceback deep in the comparison)."""
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
        raise Unusable([*lines, f"{len(lines)} problem(s) in the annotation files: run `cartel-fto validate`"], shown=False)
    return loaded, files, registry


def read_decisions(decisions_file: Path, names: list[str]) -> Decisions:
    """The decisions file, its adjudicator not one of the compared annotators."""
    decisions = load_decisions(decisions_file)
    if decisions.annotator in names:
        raise Unusable([f"{decisions_file}:/annotator: expected an id other than the compared annotators', found {decisions.annotator!r}"])
    return decisions


def stray_decisions(decisions: Decisions, outcomes: list[Outcome], compared: list[str], label: str) -> list[str]:
    """Decisions filed under a document that is not compared: a typo or a stale file, never silently ignored."""
    used = {o.decision_key for o in outcomes}
    expected = f"expected the id (or three-digit number) of a compared document ({', '.join(compared)})"
    return [f"{label}:/decisions/{key}: {expected}, found {key!r}" for key in decisions.by_doc if key not in used]


def adjudicate(paths: CorpusPaths, names: list[str], docs: tuple[str, ...], decisions_file: Path | None, write: bool) -> Adjudication:
    """Compare the sets of `names` in the selected documents (all if `docs` is empty); with a
    decisions file, build and check each gold set; with `write` and nothing undecided or invalid,
    write the changed annotation files (all or none). The caller holds the corpus lock if writing."""
    loaded, files, registry = load_corpus(paths)
    decisions = read_decisions(decisions_file, names) if decisions_file is not None else None
    selected = select_documents(sorted(loaded), docs)
    try:
        comparisons, aligner = compare_corpus([loaded[d] for d in sorted(loaded)], names, registry)
    except (KeyError, TypeError, ValueError) as exc:
        raise Unusable([f"{paths.annotations}: cannot compare the annotation sets: {exc!r}; run `cartel-fto validate` first"]) from exc
    by_doc = {c.doc_id: c for c in comparisons}
    skipped = [d for d in selected if d not in by_doc]
    if docs and skipped:
        found = ", ".join(s["annotator"] for s in loaded[skipped[0]]["annotations"])
        raise Unusable([f"{skipped[0]}: expected a set of each of {', '.join(names)}, found {found}"])
    label = str(decisions_file) if decisions_file else "decisions"
    outcomes: list[Outcome] = []
    for doc_id in (d for d in selected if d in by_doc):
        comp = by_doc[doc_id]
        if decisions is None:
            outcomes.append(Outcome(doc_id, comp, None, undecided=[u.id for u in comp.disagreements]))
            continue
        o = build_gold(loaded[doc_id], comp, aligner, decisions, label)
        if o.document is not None:
            o.problems += document_problems(o.document, display(files[doc_id]), paths, registry)
        outcomes.append(o)
    if decisions is not None and not docs and outcomes:
        outcomes[0].problems += stray_decisions(decisions, outcomes, list(by_doc), label)
    run = Adjudication(names, decisions, outcomes, skipped)
    if write and run.ok:
        writes = {files[o.doc_id]: dumps(o.document) for o in outcomes if o.document is not None}
        changed = {p: text for p, text in writes.items() if p.read_text(encoding="utf-8") != text}
        write_all_atomic(changed, root=paths.root)
        run.written = [display(p) for p in changed]
    return run


def _decision_listing(decisions: Decisions | None, doc_id: str, unit_id: str) -> dict[str, Any] | None:
    d = (decisions.for_doc(doc_id)[1] if decisions else {}).get(unit_id)
    if d is None:
        return None
    return {"take": d.take, "value": d.value, "reason": d.reason} if d.take is None else {"take": d.take, "reason": d.reason}


def document_listing(o: Outcome, decisions: Decisions | None) -> dict[str, Any]:
    """One document of `adjudicate --format json`."""
    comp = o.comparison
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
                "decision": _decision_listing(decisions, comp.doc_id, u.id),
            }
            for u in comp.disagreements
        ],
        "undecided": o.undecided,
        "problems": o.problems,
        "demoted": o.demoted,
    }


def json_listing(run: Adjudication) -> dict[str, Any]:
    """The body of `adjudicate --format json`."""
    return {
        "annotators": run.names,
        "documents": [document_listing(o, run.decisions) for o in run.outcomes],
        "skipped": run.skipped,
        "written": run.written or [],
    }


def _outcome_lines(o: Outcome, decisions: Decisions | None, names: list[str]) -> Iterator[str]:
    comp = o.comparison
    mine = decisions.for_doc(comp.doc_id)[1] if decisions else {}
    dis = comp.disagreements
    agreed = len(comp.units) - len(dis)
    yield f"{comp.doc_id}: {len(comp.units)} units, {agreed} agreed, {len(dis)} disagreement(s), {len(o.undecided)} undecided"
    for u in dis:
        yield f"  {u.id}  [{u.layer}] {json.dumps(u.anchor, ensure_ascii=False)}"
        for a in names:
            yield f"      {a}: {describe(u.layer, u.values[a])}"
        d = mine.get(u.id)
        if d is None:
            yield "      decision: UNDECIDED"
        elif d.take is not None:
            yield f"      decision: take {d.take}: {d.reason}"
        else:
            yield f"      decision: value {json.dumps(d.value, ensure_ascii=False)}: {d.reason}"
    for p in o.problems:
        yield f"  problem: {p}"
    if o.demoted:
        yield f"  status gold -> draft for: {', '.join(o.demoted)} (the adjudicated set becomes the gold set)"


def text_listing(run: Adjudication) -> list[str]:
    """The lines of `adjudicate` (text): skipped documents, each disagreement and its decision, the verdict."""
    lines = [f"{doc_id}: skipped (not every one of {', '.join(run.names)} has a set)" for doc_id in run.skipped]
    for o in run.outcomes:
        lines += _outcome_lines(o, run.decisions, run.names)
    if run.written is not None:
        lines.append(f"written: {', '.join(run.written) or 'nothing (already up to date)'}")
    elif run.ok:
        lines.append("every disagreement is decided and the gold sets are valid; run with --write to write them")
    else:
        lines.append(f"nothing written: {run.undecided} undecided disagreement(s), {run.problems} problem(s)")
    return lines


# --- import-set ---------------------------------------------------------------------------------


@dataclass
class Delivery:
    """A blind annotator's delivery, checked, with the corpus files it goes into."""

    delivered: dict[str, dict[str, Any]]
    registry: dict[str, Any]
    corpus_registry: dict[str, Any]
    corpus_docs: dict[str, dict[str, Any]]


@dataclass
class ImportPlan:
    """What `import-set` would write: the translation report, the problems of the result, the files."""

    report: list[str]
    problems: list[str]
    files: dict[Path, str] = field(default_factory=dict)
    documents: int = 0


def load_delivery(paths: CorpusPaths, folder: Path) -> Delivery:
    """The delivery in `folder` and the corpus files it pairs with; every parser, schema or pairing
    problem is one line of `Unusable`."""
    report = Report()
    lines: list[str] = []
    delivered: dict[str, dict[str, Any]] = {}
    for p in sorted(folder.glob("*.json")):
        if p.name in (REGISTRY_FILE, SEAL_FILE) or (doc := load_checked("annotation", p, report)) is None:
            continue  # a sealed delivery's seal is no document
        if doc["doc_id"] in delivered:
            lines.append(f"{display(p)}:/doc_id: expected one delivered file per document, found {doc['doc_id']!r} twice")
        delivered[doc["doc_id"]] = doc
    own = folder / REGISTRY_FILE
    delivered_registry = load_checked("registry", own, report) if own.is_file() else None
    if not own.is_file():
        lines.append(f"{display(own)}: expected the annotator's registry, found none")
    registry = load_checked("registry", paths.registry, report)
    docs: dict[str, dict[str, Any]] = {}
    for doc_id in delivered:
        target = paths.annotation_file(doc_id)
        if not target.is_file():
            lines.append(f"{display(folder)}: {doc_id}: expected a document of the corpus, found no {display(target)}")
        elif (doc := load_checked("annotation", target, report)) is not None:
            docs[doc_id] = doc
    if not delivered and not report.problems:
        lines.append(f"{display(folder)}: expected delivered annotation files (<doc_id>.json), found none")
    lines = [*(escape_surrogates(str(p)) for p in report.problems), *lines]
    if lines:
        raise Unusable([*lines, f"nothing imported: {len(lines)} problem(s) in the delivery or the corpus"], shown=False)
    assert delivered_registry is not None and registry is not None
    return Delivery(delivered, delivered_registry, registry, docs)


def plan_import(paths: CorpusPaths, folder: Path, pivot: str) -> ImportPlan:
    """Translate the delivery in `folder` into the corpus registry's ids (`importset.import_sets`)
    and check every resulting file as `validate` would; nothing is written."""
    d = load_delivery(paths, folder)
    annotators = {s["annotator"] for doc in d.delivered.values() for s in doc["annotations"]}
    if len(annotators) != 1:
        raise Unusable([f"{folder}: expected the sets of one annotator, found {', '.join(sorted(annotators)) or 'none'}"])
    (annotator,) = annotators
    try:
        new_docs, new_registry, maps = import_sets(d.corpus_docs, d.corpus_registry, d.delivered, d.registry, annotator, pivot)
    except KeyError as exc:
        why = f"id {exc.args[0]!r} is used in a delivered set but not in the delivered registry.json"
        raise Unusable([f"{folder}: cannot import: {why}"]) from exc
    except (ValueError, StopIteration, TypeError) as exc:
        raise Unusable([f"{folder}: cannot import: {exc}"]) from exc
    report = []
    for kind, table in maps.items():
        changed = {a: b for a, b in table.items() if a != b}
        report.append(
            f"{kind}: {len(table)} ids, {len(changed)} translated" + "".join(f"\n  {a} -> {b}" for a, b in sorted(changed.items()))
        )
    problems = []
    for doc_id, doc in new_docs.items():
        problems += document_problems(doc, display(paths.annotation_file(doc_id)), paths, new_registry)
    if not problems:
        problems += registry_after_import(paths, new_docs, new_registry)
    files = {paths.annotation_file(doc_id): dumps(doc) for doc_id, doc in new_docs.items()}
    files[paths.registry] = dumps(new_registry)
    return ImportPlan(report, problems, files, len(new_docs))


def registry_after_import(paths: CorpusPaths, new_docs: dict[str, dict[str, Any]], new_registry: dict[str, Any]) -> list[str]:
    """The registry as it would be written, checked as `validate` checks it against every document
    of the corpus (the imported ones as they would be): a set that replaces an earlier one can leave
    an entry nobody uses any more, which the documents' own checks cannot see."""
    ctx, usage = Context(paths, new_registry), Usage()
    for path in paths.annotation_files():
        doc = new_docs.get(path.stem) or load_checked("annotation", path, Report())
        if doc is not None and AnnotationChecker(display(path), doc, ctx, usage).run():
            usage.note_failed(doc)
    return [str(p) for p in registry_problems(display(paths.registry), new_registry, usage)]


def write_import(paths: CorpusPaths, plan: ImportPlan) -> str:
    """Write a plan without problems (all or none); the line saying what was written."""
    assert not plan.problems
    write_all_atomic(plan.files, root=paths.root)
    return f"written: {plan.documents} annotation files and {display(paths.registry)}"
