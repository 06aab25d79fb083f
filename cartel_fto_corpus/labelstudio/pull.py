"""Pull: Label Studio annotations back into the repository's annotation files, safely.

One export request brings every task; each annotation becomes its annotator's set (several
annotators stay separate sets; `status` records which one is gold). Per document and annotator
the sync state tells who changed what since the last sync: a change on one side wins, a change on
both is a conflict that `--prefer repo|labelstudio` must settle. Every new file is validated in
memory and all of them are written atomically only when every document converted cleanly
(unless `--partial`).
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tqdm import tqdm

from cartel_fto_corpus.labelstudio import convert, ownership
from cartel_fto_corpus.labelstudio.client import Client
from cartel_fto_corpus.labelstudio.repo import DEFAULT_TITLE, Repo, SyncError, canonical_bytes, load_repo
from cartel_fto_corpus.labelstudio.state import Baseline, SyncState
from cartel_fto_corpus.truth.atomic import write_all_atomic
from cartel_fto_corpus.truth.paths import CorpusPaths, display
from cartel_fto_corpus.truth.schema import schema_version


@dataclass
class DocOutcome:
    doc_id: str
    payload: bytes | None = None  # new file content, None when unchanged
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    rejected: list[str] = field(default_factory=list)  # one annotator's set not taken (see ownership); the rest comes in
    proposals: list[dict[str, Any]] = field(default_factory=list)
    rejected_names: set[str] = field(default_factory=set)
    baselines: dict[str, Baseline | None] = field(default_factory=dict)


@dataclass
class PullReport:
    written: list[str] = field(default_factory=list)
    unchanged: int = 0
    failed: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def _ls_sets(
    task: dict[str, Any], users: dict[int, Any], text: str, default_gv: str, out: DocOutcome, repo_file: Any = ""
) -> dict[str, tuple[dict[str, Any], dict[str, Any]]]:
    """annotator -> (set, annotation) for the task's submitted annotations."""
    prov = (task.get("meta") or {}).get("sets") or {}
    sets: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {}
    for ann in sorted(task.get("annotations") or [], key=lambda a: a.get("id", 0)):
        if ann.get("was_cancelled"):
            out.warnings.append(f"task {task.get('id')}: annotation {ann.get('id')} was skipped in Label Studio; ignored")
            continue
        user = users.get(convert.completed_by(ann))
        name = f"user{convert.completed_by(ann)}"
        try:
            name = (
                convert.annotator_name(getattr(user, "username", None), getattr(user, "email", None))
                if user
                else f"user{convert.completed_by(ann)}"
            )
            if name in sets:
                raise convert.ConvertError(
                    f"annotator {name} has two annotations ({sets[name][1]['id']} and {ann['id']}); keep one in Label Studio"
                )
            conv = convert.regions_to_set(
                ann.get("result") or [],
                text,
                name,
                prov.get(name),
                created_at=ann.get("created_at") or "",
                updated_at=ann.get("updated_at") or "",
                guideline_version=default_gv,
            )
        except (convert.ConvertError, KeyError, TypeError) as exc:
            out.rejected.append(ownership.problem_line(display(repo_file), name, f"{exc} (Label Studio annotation {ann.get('id')})"))
            out.rejected_names.add(name)
            continue
        out.warnings.extend(f"annotation {ann.get('id')}: {w}" for w in conv.warnings)
        out.proposals.extend(conv.proposals)
        sets[name] = (conv.annotation_set, ann)
    return sets


def merge_document(
    repo: Repo, doc_id: str, task: dict[str, Any], users: dict[int, Any], state: SyncState, prefer: str | None, default_gv: str | None
) -> DocOutcome:
    """The new annotation file of one document, or the reasons it cannot be written."""
    out = DocOutcome(doc_id)
    file = display(repo.paths.annotation_file(doc_id))
    if doc_id not in repo.texts:
        out.errors.append(
            f"{file}: Label Studio task {task.get('id')} is document {doc_id}, which has no text in {display(repo.paths.texts)}"
        )
        return out
    text = repo.text(doc_id)
    pushed_sha = (task.get("meta") or {}).get("text_sha256")
    if pushed_sha and pushed_sha != repo.sha(doc_id):
        out.errors.append(
            f"{file}: /text_sha256: expected {repo.sha(doc_id)} (the text in the repo), "
            f"found {pushed_sha} in Label Studio; the offsets point into another text"
        )
        return out
    current = repo.files.get(doc_id)
    repo_sets = {s["annotator"]: s for s in current["annotations"]} if current else {}
    gv = default_gv or max(
        (s["guideline_version"] for s in repo_sets.values()), default="1.0", key=lambda v: tuple(int(x) for x in v.split("."))
    )
    ls = _ls_sets(task, users, text, gv, out, repo.paths.annotation_file(doc_id))
    if out.proposals:  # entities proposed in the editor join the registry (marked proposed) before the check
        repo.registry, clashes = ownership.add_proposals(repo.registry, out.proposals)
        out.rejected.extend(f"{file}: {c}" for c in clashes)
        repo._ctx = None
    if out.errors:
        out.errors = [f"{file}: {e}" for e in out.errors]
        return out

    final: dict[str, dict[str, Any] | None] = {}
    for name in [*repo_sets, *(n for n in ls if n not in repo_sets)]:
        mine = repo_sets.get(name)
        if name in out.rejected_names:  # reported already; the repo's version (if any) stays
            final[name] = mine
            continue
        theirs, ann = ls.get(name, (None, None))
        base = state.baseline(doc_id, name)
        repo_changed = base is None or mine is None or convert.set_hash(mine) != base.set_sha256
        if ann is not None:
            ls_changed = base is None or base.annotation_id != ann["id"] or base.updated_at != ann.get("updated_at")
            agreed = Baseline(convert.set_hash(theirs), ann["id"], ann.get("updated_at"))
        if mine is not None and theirs is not None:
            if convert.set_hash(mine) == convert.set_hash(theirs):
                final[name], out.baselines[name] = mine, agreed
            elif not ls_changed:
                final[name] = mine  # only the repo moved on: keep it, the next push sends it
            elif not repo_changed or prefer == "labelstudio":
                final[name], out.baselines[name] = theirs, agreed
            elif prefer == "repo":
                final[name], out.baselines[name] = mine, agreed
            else:
                out.errors.append(
                    f"{file}: conflict for annotator {name}: changed in the repo and in Label Studio since the last sync "
                    f"(repo -> Label Studio: {convert.set_diff(mine, theirs)}); pull --prefer repo or --prefer labelstudio"
                )
        elif mine is not None:
            final[name] = mine
            if base is not None and base.annotation_id is not None:
                if prefer == "labelstudio" and not repo_changed:
                    final[name], out.baselines[name] = None, None
                else:
                    out.warnings.append(
                        f"{file}: annotator {name}: annotation deleted in Label Studio; "
                        f"kept the repo's set (pull --prefer labelstudio drops it)"
                    )
        elif theirs is not None:
            if base is not None and not ls_changed and prefer != "labelstudio":
                final[name] = None  # deleted in the repo since the last sync, untouched in Label Studio
            else:
                final[name], out.baselines[name] = theirs, agreed
    if out.errors:
        return out
    sets = [s for s in final.values() if s is not None]
    if not sets:
        return out
    sets, demoted = ownership.resolve_gold(sets, {n for n in ls if final.get(n) is ls[n][0]})
    out.warnings.extend(f"{file}: {line}" for line in demoted)
    doc = {
        "schema_version": current["schema_version"] if current else schema_version(),
        "doc_id": doc_id,
        "text_sha256": repo.sha(doc_id),
        "annotations": sets,
    }
    problems = repo.check(doc)
    while problems:  # one annotator's broken set is left out (the repo's version stays); the others come in
        culprits = {ownership.annotator_of(p.pointer, doc) for p in problems} & set(ls)
        culprits = {n for n in culprits if final.get(n) is ls[n][0]}
        if not culprits or len(problems) != sum(ownership.annotator_of(p.pointer, doc) in culprits for p in problems):
            break
        for p in problems:
            who = ownership.annotator_of(p.pointer, doc)
            text_at = ownership.region_text(p.pointer, doc)
            out.rejected.append(
                ownership.problem_line(file, who, f"{p.pointer}: {p.message}" + (f" at {ownership.quote(text_at)}" if text_at else ""))
            )
        for n in culprits:
            final[n] = repo_sets.get(n)
            out.baselines.pop(n, None)
        doc["annotations"] = [s for s in final.values() if s is not None]
        problems = repo.check(doc) if doc["annotations"] else []
    if not doc["annotations"]:
        return out
    if problems:
        out.errors.extend(str(p) for p in problems[:5])
        out.baselines = {}
        return out
    payload = canonical_bytes(doc)
    if repo.raw.get(doc_id) != payload:
        out.payload = payload
    return out


def pull(
    paths: CorpusPaths,
    client: Client,
    *,
    project: str | None = None,
    title: str = DEFAULT_TITLE,
    partial: bool = False,
    prefer: str | None = None,
    dry_run: bool = False,
    guideline_version: str | None = None,
    progress: bool | None = None,
    echo: Callable[[str], None] = print,
) -> PullReport:
    """Bring Label Studio's annotations into the repository; raise SyncError and write nothing on failure."""
    repo = load_repo(paths)
    client.check()
    proj = client.find_project(project, title)
    if proj is None:
        raise SyncError([f"no project {project or title!r} on {client.settings.url}; run `cartel-fto ls push` first or pass --project"])
    tasks = client.export_tasks(proj.id)
    users = client.users()
    state = SyncState.load(paths, client.settings.url, proj.id)
    show = sys.stderr.isatty() if progress is None else progress
    outcomes: list[DocOutcome] = []
    seen: dict[str, int] = {}
    report = PullReport()
    for task in tqdm(tasks, desc="pull", disable=not show, unit="task"):
        doc_id = (task.get("data") or {}).get("doc_id") if isinstance(task.get("data"), dict) else None
        if not isinstance(doc_id, str):
            report.warnings.append(f"task {task.get('id')}: no data.doc_id; not a document of this corpus, ignored")
            continue
        if doc_id in seen:
            outcomes.append(
                DocOutcome(
                    doc_id,
                    errors=[
                        f"{display(paths.annotation_file(doc_id))}: two tasks "
                        f"({seen[doc_id]} and {task.get('id')}) for this document; delete one"
                    ],
                )
            )
            continue
        seen[doc_id] = task.get("id")
        outcomes.append(merge_document(repo, doc_id, task, users, state, prefer, guideline_version))
    good = [o for o in outcomes if not o.errors]
    bad = [o for o in outcomes if o.errors]
    for o in outcomes:
        report.warnings.extend(o.warnings)
        report.failed.extend(o.rejected)
    report.failed += [e for o in bad for e in o.errors]
    if bad and not partial:
        raise SyncError(
            [*report.failed, f"nothing written: {len(bad)} of {len(outcomes)} documents failed (pull --partial writes the others)"]
        )
    writes = {paths.annotation_file(o.doc_id): o.payload for o in good if o.payload is not None}
    if any(o.proposals for o in good) and canonical_bytes(repo.registry) != paths.registry.read_bytes():
        writes[paths.registry] = canonical_bytes(repo.registry)
    report.written = [display(p) for p in writes]
    report.unchanged = sum(1 for o in good if o.payload is None)
    if dry_run:
        return report  # the caller lists report.written
    write_all_atomic(writes)
    for o in good:
        for name, base in o.baselines.items():
            state.record(o.doc_id, name, base)
    state.save()
    return report
