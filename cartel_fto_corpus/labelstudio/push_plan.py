"""The push plan: repository state + what the server holds -> the list of requests a push sends.

Pure functions over plain data (no client, no I/O), so the plan can be unit-tested without a
server and `push --dry-run` prints exactly the actions `apply` would send. Planning runs in two
steps because a re-push must stay cheap: `dirty_documents` looks only at the light task listing
and the sync state and names the tasks worth a closer look; `plan_push` then decides, for those
tasks fetched in full, what to create, update or refuse.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from cartel_fto_corpus.labelstudio import convert, ownership
from cartel_fto_corpus.labelstudio.state import sync_hash

PREDICTION_PREFIX = "cartel-fto:"


@dataclass(frozen=True)
class CreateTask:
    """A new task for a document, imported in bulk with its sets (as annotations or predictions)."""

    doc_id: str
    annotators: tuple[str, ...]
    as_: str

    def describe(self) -> str:
        return f"create task for {self.doc_id} with {len(self.annotators)} {self.as_}"


@dataclass(frozen=True)
class UpdateMeta:
    doc_id: str
    task_id: int
    meta: dict[str, Any] = field(hash=False, compare=True)

    def describe(self) -> str:
        return f"update task {self.task_id} meta ({self.doc_id})"


@dataclass(frozen=True)
class WriteSet:
    """Create (`target_id` None) or update one annotator's annotation or prediction on a task."""

    doc_id: str
    task_id: int
    annotator: str
    kind: str  # "annotation" | "prediction"
    target_id: int | None = None
    gold: bool = False

    def describe(self) -> str:
        verb = "add" if self.target_id is None else f"update {self.kind} {self.target_id} of"
        noun = f" {self.kind}" if self.target_id is None else ""
        return f"{verb}{noun} {self.annotator} on task {self.task_id} ({self.doc_id})"


Action = CreateTask | UpdateMeta | WriteSet


@dataclass(frozen=True)
class Conflict:
    doc_id: str
    annotator: str
    what: str

    def line(self, file: str) -> str:
        return (
            f"{file}: annotator {self.annotator}: changed in Label Studio since the last sync ({self.what}); "
            "pull first, or push --prefer repo to overwrite"
        )


@dataclass
class PushPlan:
    actions: list[Action] = field(default_factory=list)
    conflicts: list[Conflict] = field(default_factory=list)
    unchanged: int = 0  # sets already equal on both sides

    @property
    def creates(self) -> list[CreateTask]:
        return [a for a in self.actions if isinstance(a, CreateTask)]

    def count(self, kind: type, new: bool | None = None) -> int:
        return sum(1 for a in self.actions if isinstance(a, kind) and (new is None or (getattr(a, "target_id", None) is None) == new))

    def summary(self) -> str:
        return (
            f"{len(self.creates)} tasks to create, {self.count(WriteSet, new=False)} sets to update, "
            f"{self.count(WriteSet, new=True)} to add, {self.count(UpdateMeta)} task metas to update, {self.unchanged} unchanged"
        )


def task_meta(doc: dict[str, Any]) -> dict[str, Any]:
    """What a task carries besides the text: identity, text hash and each set's provenance."""
    return {
        "doc_id": doc["doc_id"],
        "text_sha256": doc["text_sha256"],
        "schema_version": doc["schema_version"],
        "sets": {s["annotator"]: convert.provenance(s) for s in doc["annotations"]},
    }


def _untouched(task: dict[str, Any], rec: Any) -> bool:
    """Nobody changed the task since the last sync: the same `updated_at` as recorded then, or, for a
    task our bulk import created, no update after the server answered that import."""
    if rec.task_updated_at is not None:
        return rec.task_updated_at == task.get("updated_at")
    if not rec.imported_by:
        return False
    from datetime import datetime

    try:
        updated = datetime.fromisoformat(str(task["updated_at"]).replace("Z", "+00:00"))
        imported = datetime.fromisoformat(rec.imported_by.replace("Z", "+00:00"))
    except (KeyError, ValueError):
        return False
    return updated <= imported


def dirty_documents(docs: dict[str, dict[str, Any]], listing: dict[str, dict[str, Any]], records: dict[str, Any], as_: str) -> list[str]:
    """Documents whose task must be fetched in full: everything that is not provably in sync.

    In sync means: the task exists, nobody touched it since the last sync (same `updated_at`, or,
    for a task our bulk import created, no update after the import's answer), its meta is what the
    repo would send, and every set hashes as recorded then.
    """
    out = []
    for doc_id, doc in sorted(docs.items()):
        task, rec = listing.get(doc_id), records.get(doc_id)
        if task is None:
            continue  # a new task: no fetch needed
        pushed = (rec.sets if as_ == "annotations" else rec.predictions) if rec is not None else None
        in_sync = (
            rec is not None
            and rec.task_id == task.get("id")
            and _untouched(task, rec)
            and task.get("meta") == task_meta(doc)
            and pushed == {s["annotator"]: sync_hash(s) for s in doc["annotations"]}
        )
        if not in_sync:
            out.append(doc_id)
    return out


def _current_sets(task: dict[str, Any], names: dict[int, str], as_: str) -> dict[str, dict[str, Any]]:
    """annotator -> the task's annotation (by its user) or prediction (by model_version) for that annotator."""
    out: dict[str, dict[str, Any]] = {}
    if as_ == "predictions":
        for p in task.get("predictions") or []:
            mv = p.get("model_version") or ""
            if mv.startswith(PREDICTION_PREFIX):
                out.setdefault(mv[len(PREDICTION_PREFIX) :], p)
        return out
    for a in task.get("annotations") or []:
        name = names.get(convert.completed_by(a))
        if name is not None and not a.get("was_cancelled"):
            out.setdefault(name, a)
    return out


def ls_set(ann: dict[str, Any], text: str, name: str, prov: dict[str, Any] | None, guideline_version: str) -> Any:
    """A Label Studio annotation read as `name`'s set (`convert.regions_to_set`: the set, warnings, proposals)."""
    created, updated = ann.get("created_at") or "", ann.get("updated_at") or ""
    result = ann.get("result") or []
    return convert.regions_to_set(result, text, name, prov, created_at=created, updated_at=updated, guideline_version=guideline_version)


def _theirs(aset: dict[str, Any], ann: dict[str, Any], text: str, prov: dict[str, Any]) -> dict[str, Any] | str:
    """Label Studio's version of the annotator's set, or why it cannot be read as one."""
    try:
        return ls_set(ann, text, aset["annotator"], prov.get(aset["annotator"]), aset["guideline_version"]).annotation_set
    except Exception as exc:  # a malformed annotation is a conflict to show, not a crash
        return f"unreadable in Label Studio: {type(exc).__name__}: {exc}"


def _conflict(aset: dict[str, Any], have: dict[str, Any], text: str, prov: dict[str, Any], base_sha: str | None) -> str | None:
    """Why overwriting Label Studio's annotation would lose someone's work, or None if it would not."""
    theirs = _theirs(aset, have, text, prov)
    if isinstance(theirs, str):
        return theirs
    sha = sync_hash(theirs)
    if sha == sync_hash(aset) or sha == base_sha:
        return None  # same content, or Label Studio still holds what both sides agreed on: only the repo moved
    return convert.set_diff(aset, theirs) or "changed"


def plan_document(
    doc: dict[str, Any], task: dict[str, Any], text: str, names: dict[int, str], base: dict[str, str], as_: str, prefer: str | None
) -> PushPlan:
    """The actions for one existing task, fetched in full (annotations and predictions with results)."""
    plan = PushPlan()
    doc_id, tid = doc["doc_id"], task["id"]
    meta = task_meta(doc)
    if task.get("meta") != meta:
        plan.actions.append(UpdateMeta(doc_id, tid, meta))
    current = _current_sets(task, names, as_)
    kind = "annotation" if as_ == "annotations" else "prediction"
    prov = task["meta"].get("sets") if isinstance(task.get("meta"), dict) else None
    prov = prov if isinstance(prov, dict) else {}
    sets = doc["annotations"]
    if as_ == "predictions":  # people working on the task in Label Studio never get their own set back as a prediction
        sets = ownership.prediction_sets(sets, {names.get(convert.completed_by(a)) for a in task.get("annotations") or []})
    for s in sets:
        name, gold = s["annotator"], as_ == "annotations" and s["status"] == "gold"
        have = current.get(name)
        if have is None:
            plan.actions.append(WriteSet(doc_id, tid, name, kind, None, gold))
            continue
        same_gold = as_ == "predictions" or bool(have.get("ground_truth")) == gold
        if have.get("result") == convert.set_to_regions(s) and same_gold:
            plan.unchanged += 1
            continue
        if as_ == "annotations" and prefer != "repo":
            why = _conflict(s, have, text, prov, base.get(name))
            if why is not None and prefer == "labelstudio":
                plan.unchanged += 1  # the annotator's version stays in Label Studio; the next pull brings it in
                continue
            if why is not None:
                plan.conflicts.append(Conflict(doc_id, name, why))
                continue
        plan.actions.append(WriteSet(doc_id, tid, name, kind, have["id"], gold))
    return plan


def plan_push(
    docs: dict[str, dict[str, Any]],
    texts: dict[str, str],
    listing: dict[str, dict[str, Any]],
    full: dict[str, dict[str, Any]],
    names: dict[int, str],
    records: dict[str, Any],
    as_: str,
    prefer: str | None,
) -> PushPlan:
    """The whole push: new tasks for documents without one, per-task actions for the `full` (dirty) ones."""
    plan = PushPlan()
    for doc_id, doc in sorted(docs.items()):
        if doc_id not in listing:
            plan.actions.append(CreateTask(doc_id, tuple(s["annotator"] for s in doc["annotations"]), as_))
        elif doc_id in full:
            rec = records.get(doc_id)
            base = dict(rec.sets) if rec is not None else {}
            part = plan_document(doc, full[doc_id], texts[doc_id], names, base, as_, prefer)
            plan.actions += part.actions
            plan.conflicts += part.conflicts
            plan.unchanged += part.unchanged
        else:
            plan.unchanged += len(doc["annotations"])
    return plan
