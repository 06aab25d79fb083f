"""The pull plan: one exported task + the repository's file + the sync record -> that document's outcome.

Pure (no client, no file writes), one document at a time, so pull can stream the export and a
malformed task costs one document, never the run. A task's annotations are first checked for
shape (the export is untrusted input: `meta` a string, a region `value` a list...) and every
problem becomes one line naming the annotator, the document and the region. Relations pointing
at a deleted region are reported, not dropped silently. Per document and annotator, content
hashes against the sync record tell who changed what: a change on one side wins, a change on both
is a conflict that `--prefer repo|labelstudio` settles. Gold sets are the exception (`_gold_guard`):
a pull never changes, drops or makes one; an edit in Label Studio is reported as a conflict.

Long because the three rules that decide whose a pulled set is (shape, who last edited
it, gold only by adjudication) must be read together in one place; splitting the per-set loop
across modules would hide their order, which is what the tests pin.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from cartel_fto_corpus.checks.checker import Usage
from cartel_fto_corpus.labelstudio import convert, ownership
from cartel_fto_corpus.labelstudio.push_plan import ls_set
from cartel_fto_corpus.labelstudio.repo import Repo, canonical_bytes
from cartel_fto_corpus.labelstudio.state import Baseline, DocState, sync_hash
from cartel_fto_corpus.truth.paths import display
from cartel_fto_corpus.truth.schema import schema_version


@dataclass
class DocOutcome:
    doc_id: str
    payload: bytes | None = None  # new file content, None when unchanged
    usage: Usage | None = None  # registry ids the document uses after the pull (for the corpus-level check)
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    baselines: dict[str, Baseline | None] = field(default_factory=dict)
    #: one annotator's set not taken (ownership rules): reported, the repo's version stays, the rest comes in
    rejected: list[str] = field(default_factory=list)
    rejected_names: set[str] = field(default_factory=set)
    #: entities proposed in the editor (`new_entity`), for the registry: only those of sets the pull takes
    proposals: list[dict[str, Any]] = field(default_factory=list)
    #: annotator -> the entities their Label Studio set proposes (a rejected set's proposals never reach the registry)
    proposed_by: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    task_id: int | None = None
    task_updated_at: str | None = None


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _region_label(item: dict[str, Any]) -> str:
    value = _dict(item.get("value"))
    text = value.get("text")
    shown = f" {text!r}" if isinstance(text, str) else ""
    return f"region {item.get('id', '?')}{shown}"


def shape_problems(result: Any) -> list[str]:
    """Structural problems of one annotation's result list, each naming the region (and its text)."""
    if not isinstance(result, list):
        return [f"expected the result to be a list of regions, found {type(result).__name__}"]
    out = []
    for i, item in enumerate(result):
        if not isinstance(item, dict):
            out.append(f"result item {i}: expected an object, found {type(item).__name__}")
            continue
        if item.get("type") == "relation":
            if not isinstance(item.get("from_id"), str) or not isinstance(item.get("to_id"), str):
                out.append(f"relation {i}: expected from_id and to_id region ids")
            continue
        if not isinstance(item.get("value"), dict):
            out.append(f"{_region_label(item)}: expected value to be an object, found {type(item.get('value')).__name__}")
        elif not isinstance(item.get("id"), str):
            out.append(f"result item {i}: expected a region id (string), found {type(item.get('id')).__name__}")
    return out


def dangling_relations(result: list[dict[str, Any]]) -> list[str]:
    """Relations whose end is no region of the annotation (a region deleted in the editor)."""
    ids = {item.get("id") for item in result if item.get("type") != "relation"}
    out = []
    for item in result:
        if item.get("type") == "relation" and (item.get("from_id") not in ids or item.get("to_id") not in ids):
            labels = "/".join(str(x) for x in item.get("labels") or []) or "relation"
            gone = [r for r in (item.get("from_id"), item.get("to_id")) if r not in ids]
            out.append(f"{labels} {item.get('from_id')} -> {item.get('to_id')} points to deleted region {', '.join(map(str, gone))}")
    return out


def user_name(uid: Any, users: dict[int, Any]) -> str:
    """The annotator id of a Label Studio user id (`user<id>` for a user the server no longer lists)."""
    user = users.get(uid)
    if user is None:
        return f"user{uid}"
    return convert.annotator_name(getattr(user, "username", None), getattr(user, "email", None))


def annotator_of(ann: dict[str, Any], users: dict[int, Any]) -> str:
    return user_name(convert.completed_by(ann), users)


def last_editor(ann: dict[str, Any]) -> int | None:
    """The user who last changed an annotation, when Label Studio says it is not its author.

    Label Studio Community lets every member open and Update anyone's annotation; it then keeps
    `completed_by` (the author) and sets `updated_by` (who pressed Update). Such an edit is never
    credited to the author (issue 23 point 2)."""
    editor = ann.get("updated_by")
    editor = editor.get("id") if isinstance(editor, dict) else editor
    author = convert.completed_by(ann)
    return editor if isinstance(editor, int) and not isinstance(editor, bool) and editor != author else None


@dataclass(frozen=True)
class Owner:
    """The one account of a per-annotator server (`ls serve --annotator NAME`): its user id and the annotator."""

    user_id: int
    annotator: str


def ls_sets(
    task: dict[str, Any], users: dict[int, Any], text: str, default_gv: str, out: DocOutcome, file: str, owner: Owner | None = None
) -> dict[str, tuple[dict[str, Any], dict[str, Any]]]:
    """annotator -> (set, annotation) for the task's submitted annotations; problems go to `out`.

    On a per-annotator server (`owner`), only the owner's annotations are that annotator's work; an
    annotation by any other account is reported and never taken."""
    prov = _dict(_dict(task.get("meta")).get("sets"))
    sets: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {}
    anns = [a for a in task.get("annotations") or [] if isinstance(a, dict)]
    for ann in sorted(anns, key=lambda a: a.get("id") if isinstance(a.get("id"), int) else 0):
        if ann.get("was_cancelled"):
            out.warnings.append(f"{file}: annotation {ann.get('id')} was skipped in Label Studio; ignored")
            continue
        try:
            name = annotator_of(ann, users) if owner is None or convert.completed_by(ann) != owner.user_id else owner.annotator
        except convert.ConvertError as exc:
            out.errors.append(f"{file}: annotation {ann.get('id')}: {exc}")
            continue
        if owner is not None and name != owner.annotator:
            out.rejected.append(
                ownership.problem_line(
                    file,
                    name,
                    f"Label Studio annotation {ann.get('id')} on {owner.annotator}'s own server is not by {owner.annotator}'s account; "
                    "not taken (each annotator works on their own server)",
                )
            )
            continue
        where = f"{file}: annotator {name}, annotation {ann.get('id')}"
        bad = shape_problems(ann.get("result") or [])
        if bad:
            out.errors.extend(f"{where}: {b}" for b in bad)
            continue
        if name in sets:
            out.errors.append(f"{where}: a second annotation of this annotator ({sets[name][1].get('id')}); keep one in Label Studio")
            continue
        out.warnings.extend(f"{where}: {d}; dropped" for d in dangling_relations(ann.get("result") or []))
        try:
            conv = ls_set(ann, text, name, _dict(prov.get(name)) or None, default_gv)
        except convert.ConvertError as exc:  # this annotator's work is not taken; the others' still is
            out.rejected.append(ownership.problem_line(file, name, f"{exc} (Label Studio annotation {ann.get('id')})"))
            out.rejected_names.add(name)
            continue
        except Exception as exc:  # anything else the untrusted export provokes
            out.errors.append(f"{where}: {type(exc).__name__}: {exc}")
            continue
        out.warnings.extend(f"{where}: {w}" for w in conv.warnings)
        if conv.proposals:
            out.proposed_by[name] = list(conv.proposals)
        sets[name] = (conv.annotation_set, ann)
    return sets


def _newest(versions: list[str]) -> str:
    def key(v: str) -> tuple[int, ...]:
        try:
            return tuple(int(x) for x in v.split("."))
        except ValueError:
            return (0,)

    return max(versions, default="1.0", key=key)


def _settle(
    name: str, mine: dict | None, theirs: dict | None, base: Baseline | None, prefer: str | None, out: DocOutcome, file: str
) -> dict | None:
    """The annotator's set after the pull (None: no set), recording the new agreed baseline in `out`."""
    if theirs is None:
        if mine is not None and base is not None and prefer == "labelstudio" and sync_hash(mine) == base.set_sha256:
            out.baselines[name] = None
            return None  # deleted in Label Studio, untouched in the repo: asked to follow Label Studio
        if mine is not None and base is not None:
            out.warnings.append(
                f"{file}: annotator {name}: annotation deleted in Label Studio; kept the repo's set (pull --prefer labelstudio drops it)"
            )
        return mine
    agreed = Baseline(sync_hash(theirs))
    if mine is None:
        if base is not None and agreed.set_sha256 == base.set_sha256 and prefer != "labelstudio":
            return None  # deleted in the repo since the last sync, untouched in Label Studio
        out.baselines[name] = agreed
        return theirs
    mine_sha = sync_hash(mine)
    repo_changed = base is None or mine_sha != base.set_sha256
    ls_changed = base is None or agreed.set_sha256 != base.set_sha256
    if mine_sha == agreed.set_sha256:
        out.baselines[name] = agreed
        return mine
    if not ls_changed:
        return mine  # only the repo moved on: keep it, the next push sends it
    if not repo_changed or prefer == "labelstudio":
        out.baselines[name] = agreed
        return theirs
    if prefer == "repo":
        out.baselines[name] = agreed
        return mine
    out.errors.append(
        f"{file}: conflict for annotator {name}: changed in the repo and in Label Studio since the last sync "
        f"(repo -> Label Studio: {convert.set_diff(mine, theirs)}); pull --prefer repo or --prefer labelstudio"
    )
    return mine


def _gold_guard(
    name: str, mine: dict | None, theirs: dict | None, base: Baseline | None, pushed: str | None, out: DocOutcome, file: str
) -> tuple[bool, dict | None]:
    """(decided, the set kept) when a gold set is involved: a pull never changes, drops or makes a gold set.

    Gold is written only by adjudication (`cartel-fto adjudicate --write`). `pushed` is the content
    hash the task meta recorded when the set was pushed: a gold set that Label Studio holds exactly
    as pushed is the adjudication's output and may come back (restoring a copy that lacks it); an
    edit of it in Label Studio (or a set Label Studio calls gold that the repo holds otherwise) is a
    conflict reported on one line. The repo's version stays, and so does the sync baseline, so the
    next pull reports it again until it is adjudicated or `ls push --prefer repo` restores the set.
    """
    mine_gold = mine is not None and mine.get("status") == "gold"
    theirs_gold = theirs is not None and theirs.get("status") == "gold"
    if not (mine_gold or theirs_gold):
        return False, None
    if theirs is None:  # deleted in Label Studio (or never there): gold stays
        if base is not None:
            out.warnings.append(f"{file}: annotator {name}: gold set deleted in Label Studio; kept (gold changes only by adjudication)")
        return True, mine
    theirs_sha = sync_hash(theirs)
    if mine is not None and sync_hash(mine) == theirs_sha:
        out.baselines[name] = Baseline(theirs_sha)
        return True, mine
    if base is not None and theirs_sha == base.set_sha256:
        return True, None if mine is None else mine  # only the repo moved on (an adjudication, a deletion)
    as_pushed = pushed is not None and convert.content_hash(theirs) == pushed
    if as_pushed and mine is None and theirs_gold:
        out.baselines[name] = Baseline(theirs_sha)
        return True, theirs  # the adjudicated set as it was pushed, into a copy without it
    if as_pushed and mine is not None:
        return True, mine  # Label Studio holds an earlier push; the repo's adjudication stands (push sends it)
    what = (
        f"gold set edited in Label Studio (repo -> Label Studio: {convert.set_diff(mine, theirs)})"
        if mine_gold
        else "Label Studio holds this set as gold, edited since it was pushed, and the repo does not"
    )
    out.rejected.append(
        ownership.problem_line(
            file,
            name,
            f"{what}; not pulled: gold changes only by adjudication (record the change as a decision and run "
            "`cartel-fto adjudicate --write`, or `cartel-fto ls push --as annotations --prefer repo` to restore Label Studio)",
        )
    )
    return True, mine


def _task_problem(repo: Repo, doc_id: str, task: dict[str, Any], file: str) -> str | None:
    if doc_id not in repo.texts:
        return f"{file}: Label Studio task {task.get('id')} is document {doc_id}, which has no text in {display(repo.paths.texts)}"
    if task.get("meta") is not None and not isinstance(task.get("meta"), dict):
        return f"{file}: Label Studio task {task.get('id')}: expected meta to be an object, found {type(task['meta']).__name__}"
    pushed_sha = _dict(task.get("meta")).get("text_sha256")
    if pushed_sha and pushed_sha != repo.sha(doc_id):
        return (
            f"{file}: /text_sha256: expected {repo.sha(doc_id)} (the text in the repo), "
            f"found {pushed_sha} in Label Studio; the offsets point into another text"
        )
    if not isinstance(task.get("annotations") or [], list):
        return f"{file}: Label Studio task {task.get('id')}: expected a list of annotations"
    return None


def plan_document(
    repo: Repo,
    doc_id: str,
    task: dict[str, Any],
    users: dict[int, Any],
    record: DocState | None,
    prefer: str | None,
    default_gv: str | None,
    owner: Owner | None = None,
) -> DocOutcome:
    """The new annotation file of one document, or the reasons it cannot be written."""
    out = DocOutcome(doc_id, task_id=task.get("id"), task_updated_at=task.get("updated_at"))
    file = display(repo.paths.annotation_file(doc_id))
    problem = _task_problem(repo, doc_id, task, file)
    if problem:
        out.errors.append(problem)
        return out
    current = repo.files.get(doc_id)
    repo_sets = {s["annotator"]: s for s in current["annotations"]} if current else {}
    gv = default_gv or _newest([s["guideline_version"] for s in repo_sets.values()])
    ls = ls_sets(task, users, repo.text(doc_id), gv, out, file, owner)
    if out.errors:
        return out
    registry_before = repo.registry
    proposed = [p for name in ls if name not in out.rejected_names for p in out.proposed_by.get(name, [])]
    if proposed:  # entities proposed in the editor join the registry (marked proposed) before the check
        _use_registry(repo, ownership.add_proposals(registry_before, proposed)[0])
    try:
        pushed_sets = _dict(_dict(task.get("meta")).get("sets"))  # what each set was when pushed (the gold guard)
        return _plan_sets(repo, doc_id, current, repo_sets, ls, users, record, prefer, out, file, registry_before, proposed, pushed_sets)
    finally:  # the registry keeps only the proposals of sets this document really takes (issue 23 point 6)
        after = ownership.add_proposals(registry_before, out.proposals)[0] if out.proposals else registry_before
        if repo.registry is not after:
            _use_registry(repo, after)


def _plan_sets(
    repo: Repo,
    doc_id: str,
    current: dict[str, Any] | None,
    repo_sets: dict[str, Any],
    ls: dict[str, tuple[dict[str, Any], dict[str, Any]]],
    users: dict[int, Any],
    record: DocState | None,
    prefer: str | None,
    out: DocOutcome,
    file: str,
    registry_before: dict[str, Any],
    proposed: list[dict[str, Any]],
    pushed_sets: dict[str, Any],
) -> DocOutcome:
    final = _final_sets(repo_sets, ls, users, record, prefer, out, file, pushed_sets)
    if out.errors or not final:
        out.baselines = {} if out.errors else out.baselines
        return out
    from_ls = {n for n, (s, _a) in ls.items() if any(f is s for f in final)}
    final, demoted = ownership.resolve_gold(final, from_ls)
    out.warnings.extend(f"{file}: {line}" for line in demoted)
    doc = {
        "schema_version": current["schema_version"] if current else schema_version(),
        "doc_id": doc_id,
        "text_sha256": repo.sha(doc_id),
        "annotations": final,
    }
    problems, usage = _drop_broken_sets(repo, doc, repo_sets, from_ls, out, file)
    taken = [p for name in sorted(from_ls) for p in out.proposed_by.get(name, [])]
    if proposed:
        registry, clashes = ownership.add_proposals(registry_before, taken)
        out.rejected.extend(f"{file}: {c}" for c in clashes)
        if len(taken) != len(proposed):  # a rejected set's proposals are gone: check against what stays
            _use_registry(repo, registry)
            usage = Usage()
            problems = repo.check(doc, usage) if doc["annotations"] else []
    if not doc["annotations"]:
        return out
    if problems:
        out.errors.extend(str(p) for p in problems[:5])
        out.baselines = {}
        return out
    out.proposals = taken
    out.usage = usage
    payload = canonical_bytes(doc)
    if repo.raw.get(doc_id) != payload:
        out.payload = payload
    return out


def _final_sets(
    repo_sets: dict[str, Any],
    ls: dict[str, tuple[dict[str, Any], dict[str, Any]]],
    users: dict[int, Any],
    record: DocState | None,
    prefer: str | None,
    out: DocOutcome,
    file: str,
    pushed_sets: dict[str, Any],
) -> list[dict[str, Any]]:
    """Per annotator, the set the document keeps: gold guarded, someone else's edit refused (the
    repository's set stays), else the two sides settled against the last sync; problems go to `out`."""
    final = []
    for name in [*repo_sets, *(n for n in ls if n not in repo_sets)]:
        if name in out.rejected_names:  # reported already; the repo's version (if any) stays
            if name in repo_sets:
                final.append(repo_sets[name])
            continue
        theirs, ann = ls.get(name, (None, None))
        base = Baseline(record.sets[name]) if record is not None and name in record.sets else None
        pushed = _dict(pushed_sets.get(name)).get("content_sha256")
        guarded, kept = _gold_guard(name, repo_sets.get(name), theirs, base, pushed, out, file)
        if not guarded:  # a gold set is settled by the guard whoever edited it: only adjudication changes gold
            editor = last_editor(ann) if ann is not None else None
            if editor is not None and theirs is not None and sync_hash(theirs) not in _agreed(base, repo_sets.get(name)):
                out.rejected.append(  # someone else's edit of this annotator's work: reported, never credited to them
                    ownership.problem_line(
                        file,
                        name,
                        f"Label Studio annotation {ann.get('id')} was last changed by {user_name(editor, users)}, not by {name}; "
                        f"not credited to {name} ({'their repository set stays' if name in repo_sets else 'not taken'}); "
                        f"{name} should check it and press Update, or the change be undone",
                    )
                )
                out.rejected_names.add(name)
                if name in repo_sets:
                    final.append(repo_sets[name])
                continue
            kept = _settle(name, repo_sets.get(name), theirs, base, prefer, out, file)
        if kept is not None:
            final.append(kept)
    return final


def _agreed(base: Baseline | None, mine: dict[str, Any] | None) -> set[str]:
    """Hashes of a set's content that hold no one's new work: the last synced version and the repository's."""
    return {h for h in (base.set_sha256 if base else None, sync_hash(mine) if mine is not None else None) if h}


def _use_registry(repo: Repo, registry: dict[str, Any]) -> None:
    """Check against this registry from now on (the checker's context caches the registry)."""
    repo.registry = registry
    repo._ctx = None


def _drop_broken_sets(
    repo: Repo, doc: dict[str, Any], repo_sets: dict[str, Any], from_ls: set[str], out: DocOutcome, file: str
) -> tuple[list[Any], Usage]:
    """Validate the new file; a set from Label Studio that alone causes problems is left out (the
    repo's version of it stays) with one line per problem naming the annotator and the region text."""
    usage = Usage()
    problems = repo.check(doc, usage)
    while problems:
        owners = {ownership.annotator_of(p.pointer, doc) for p in problems}
        culprits = owners & from_ls
        if not culprits or owners - culprits:
            break  # a problem outside the Label Studio sets: the document fails as a whole
        for p in problems:
            text_at = ownership.region_text(p.pointer, doc)
            where = f" at {ownership.quote(text_at)}" if text_at else ""
            out.rejected.append(
                ownership.problem_line(file, ownership.annotator_of(p.pointer, doc) or "?", f"{p.pointer}: {p.message}{where}")
            )
        for name in culprits:
            out.baselines.pop(name, None)
            from_ls.discard(name)
        doc["annotations"] = [
            repo_sets[s["annotator"]] if s["annotator"] in culprits and s["annotator"] in repo_sets else s
            for s in doc["annotations"]
            if not (s["annotator"] in culprits and s["annotator"] not in repo_sets)
        ]
        usage = Usage()
        problems = repo.check(doc, usage) if doc["annotations"] else []
    return problems, usage
