"""The push and pull plans, without a server: repo state + server state in, actions and conflicts out."""

from __future__ import annotations

import copy
import itertools
import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cartel_fto_corpus.labelstudio import convert
from cartel_fto_corpus.labelstudio.pull_plan import dangling_relations, plan_document, shape_problems
from cartel_fto_corpus.labelstudio.push_plan import (
    CreateTask,
    UpdateMeta,
    WriteSet,
    dirty_documents,
    plan_push,
    task_meta,
)
from cartel_fto_corpus.labelstudio.repo import load_repo
from cartel_fto_corpus.labelstudio.state import DocState, sync_hash
from cartel_fto_corpus.truth.paths import CorpusPaths
from cartel_fto_corpus.truth.sets import reference_set

from .conftest import FIXTURE_CORPUS, as_draft, copy_corpus


class User:
    def __init__(self, username: str) -> None:
        self.username, self.email = username, f"{username}@cartel-fto.invalid"


@pytest.fixture
def repo(tmp_path: Path):
    return load_repo(CorpusPaths(copy_corpus(FIXTURE_CORPUS, tmp_path / "corpus")))


def server_task(doc: dict, task_id: int = 7, uid: int = 2) -> dict:
    """The task Label Studio holds right after a push of `doc` as annotations."""
    return {
        "id": task_id,
        "updated_at": "2026-01-01T00:00:00.000000Z",
        "data": {"doc_id": doc["doc_id"]},
        "meta": task_meta(doc),
        "annotations": [
            {"id": 100 + i, "completed_by": uid, "result": convert.set_to_regions(s), "ground_truth": s["status"] == "gold"}
            for i, s in enumerate(doc["annotations"])
        ],
    }


def in_sync_record(doc: dict, task: dict) -> DocState:
    return DocState(task["id"], task["updated_at"], {s["annotator"]: sync_hash(s) for s in doc["annotations"]})


def test_new_documents_become_one_create_each(repo) -> None:
    plan = plan_push(repo.files, {}, {}, {}, {}, {}, "annotations", None)
    assert plan.actions == [
        CreateTask(d, tuple(s["annotator"] for s in doc["annotations"]), "annotations") for d, doc in repo.files.items()
    ]
    assert not plan.conflicts


def test_nothing_changed_is_not_even_fetched(repo) -> None:
    doc_id, doc = next(iter(repo.files.items()))
    task = server_task(doc)
    listing = {doc_id: {k: task[k] for k in ("id", "updated_at", "meta")}}
    records = {doc_id: in_sync_record(doc, task)}
    assert dirty_documents(repo.files, listing, records, "annotations") == []
    plan = plan_push(repo.files, {}, listing, {}, {}, records, "annotations", None)
    assert plan.actions == [] and plan.unchanged == len(doc["annotations"])
    # a touched task (Label Studio bumped updated_at), a new repo edit, or no record: fetch it
    touched = {doc_id: {**listing[doc_id], "updated_at": "2026-02-02T00:00:00.000000Z"}}
    assert dirty_documents(repo.files, touched, records, "annotations") == [doc_id]
    assert dirty_documents(repo.files, listing, {}, "annotations") == [doc_id]
    edited = copy.deepcopy(repo.files)
    edited[doc_id]["annotations"][0]["note"] = "edited"
    assert dirty_documents(edited, listing, records, "annotations") == [doc_id]


def test_repo_edit_updates_the_same_annotation(repo) -> None:
    doc_id, doc = next(iter(repo.files.items()))
    task = server_task(doc)
    records = {doc_id: in_sync_record(doc, task)}
    edited = copy.deepcopy(repo.files)
    edited[doc_id]["annotations"][0]["claims"][0]["type"] = (
        "factual" if doc["annotations"][0]["claims"][0]["type"] != "factual" else "normative"
    )
    names = {2: doc["annotations"][0]["annotator"]}
    plan = plan_push(edited, {doc_id: repo.text(doc_id)}, {doc_id: task}, {doc_id: task}, names, records, "annotations", None)
    assert plan.conflicts == []
    assert [a for a in plan.actions if isinstance(a, WriteSet)] == [
        WriteSet(doc_id, 7, names[2], "annotation", 100, doc["annotations"][0]["status"] == "gold")
    ]
    assert any(isinstance(a, UpdateMeta) for a in plan.actions)  # provenance hash in meta changed too


def test_both_sides_changed_is_a_conflict_unless_prefer_repo(repo) -> None:
    doc_id, doc = next(iter(repo.files.items()))
    task = server_task(doc)
    records = {doc_id: in_sync_record(doc, task)}
    ann = task["annotations"][0]
    ann["result"] = [r for r in ann["result"] if r.get("id") != ann["result"][0]["id"]]  # someone deleted a region
    edited = copy.deepcopy(repo.files)
    edited[doc_id]["annotations"][0]["note"] = "repo edit"
    names = {2: doc["annotations"][0]["annotator"]}
    args = (edited, {doc_id: repo.text(doc_id)}, {doc_id: task}, {doc_id: task}, names, records, "annotations")
    plan = plan_push(*args, None)
    assert [c.annotator for c in plan.conflicts] == [names[2]] and not any(isinstance(a, WriteSet) for a in plan.actions)
    forced = plan_push(*args, "repo")
    assert forced.conflicts == [] and any(isinstance(a, WriteSet) and a.target_id == 100 for a in forced.actions)


def test_malformed_annotation_in_label_studio_is_a_conflict_not_a_crash(repo) -> None:
    doc_id, doc = next(iter(repo.files.items()))
    task = server_task(doc)
    task["annotations"][0]["result"][0]["value"] = ["not", "an", "object"]
    task["meta"] = "a string"
    names = {2: doc["annotations"][0]["annotator"]}
    plan = plan_push(repo.files, {doc_id: repo.text(doc_id)}, {doc_id: task}, {doc_id: task}, names, {}, "annotations", None)
    assert len(plan.conflicts) == 1 and "unreadable" in plan.conflicts[0].what


def test_predictions_plan_creates_then_updates_by_model_version(repo) -> None:
    doc_id, doc = next(iter(repo.files.items()))
    task = {**server_task(doc), "annotations": [], "predictions": []}
    plan = plan_push(repo.files, {doc_id: repo.text(doc_id)}, {doc_id: task}, {doc_id: task}, {}, {}, "predictions", None)
    assert [(a.kind, a.target_id) for a in plan.actions if isinstance(a, WriteSet)] == [("prediction", None)]
    name = reference_set(doc)["annotator"]  # one pre-annotation per task: the reference set
    task["predictions"] = [{"id": 5, "model_version": f"cartel-fto:{name}", "result": []}]
    plan = plan_push(repo.files, {doc_id: repo.text(doc_id)}, {doc_id: task}, {doc_id: task}, {}, {}, "predictions", None)
    assert [(a.kind, a.target_id) for a in plan.actions if isinstance(a, WriteSet)] == [("prediction", 5)]


def test_pull_plan_round_trips_and_reports_malformed_regions(repo) -> None:
    doc_id, doc = next(iter(repo.files.items()))
    name = doc["annotations"][0]["annotator"]
    users = {2: User(name)}
    task = server_task(doc)
    out = plan_document(repo, doc_id, task, users, in_sync_record(doc, task), None, None)
    assert out.errors == [] and out.payload is None  # unchanged: nothing to write

    bad = copy.deepcopy(task)
    region = next(r for r in bad["annotations"][0]["result"] if r.get("type") == "labels")
    region["value"] = [1, 2]
    out = plan_document(repo, doc_id, bad, users, None, None, None)
    assert len(out.errors) == 1
    line = out.errors[0]
    assert name in line and doc_id in line and region["id"] in line and "Traceback" not in line

    bad = copy.deepcopy(task)
    bad["meta"] = "a string"
    out = plan_document(repo, doc_id, bad, users, None, None, None)
    assert len(out.errors) == 1 and doc_id in out.errors[0] and "meta" in out.errors[0]


def test_shape_and_dangling_relations() -> None:
    assert shape_problems("x") and shape_problems([1]) and shape_problems([{"id": "a", "value": []}])
    assert shape_problems([{"id": "a", "type": "labels", "value": {"start": 0}}]) == []
    result = [
        {"id": "a", "type": "labels", "value": {}},
        {"type": "relation", "from_id": "a", "to_id": "gone", "labels": ["claimant"]},
    ]
    found = dangling_relations(result)
    assert len(found) == 1 and "gone" in found[0] and "claimant" in found[0]


def test_dry_run_prints_the_plan_actions(repo) -> None:
    plan = plan_push(repo.files, {}, {}, {}, {}, {}, "predictions", None)
    lines = [a.describe() for a in plan.actions]
    assert lines and all("create task for" in line for line in lines)
    json.dumps([vars(a) for a in plan.actions])  # plain data, printable


def test_a_task_our_import_created_is_in_sync_until_someone_updates_it(repo) -> None:
    doc_id, doc = next(iter(repo.files.items()))
    listed = {"id": 7, "meta": task_meta(doc), "created_at": "2026-01-01T00:00:00.000100Z", "updated_at": "2026-01-01T00:00:00.808000Z"}
    rec = DocState(7, None, {s["annotator"]: sync_hash(s) for s in doc["annotations"]}, imported_by="2026-01-01T00:00:02.000000Z")
    assert dirty_documents(repo.files, {doc_id: listed}, {doc_id: rec}, "annotations") == []
    edited = {**listed, "updated_at": "2026-01-01T00:05:00.000000Z"}  # an annotator saved something later
    assert dirty_documents(repo.files, {doc_id: edited}, {doc_id: rec}, "annotations") == [doc_id]
    rec.imported_by = None  # without the import mark, an unknown updated_at is never in sync
    assert dirty_documents(repo.files, {doc_id: listed}, {doc_id: rec}, "annotations") == [doc_id]


@given(st.integers(min_value=0, max_value=3000))
def test_import_batches_cover_every_new_task_once_small_first(n: int) -> None:
    """Every task in order exactly once; the first batch small (the server waits for it alone), none
    above IMPORT_BATCH, and each at most twice the one before (built while the server imports that)."""
    from cartel_fto_corpus.labelstudio.push import FIRST_BATCH, IMPORT_BATCH, import_batches

    creates = [CreateTask(f"d{i}", ("a",), "annotations") for i in range(n)]
    batches = import_batches(creates)
    assert [c for b in batches for c in b] == creates
    assert all(0 < len(b) <= IMPORT_BATCH for b in batches)
    assert not batches or len(batches[0]) == min(n, FIRST_BATCH)
    assert all(len(b) <= 2 * len(a) for a, b in itertools.pairwise(batches))
    assert len(batches) <= -(-n // IMPORT_BATCH) + 4  # the ramp costs at most four extra requests


def _relabelled(task: dict, name_of_new: str | None = None) -> dict:
    """The task with its first annotation's first entity mention's registry entity changed in Label Studio
    (to a proposed new entity named `name_of_new`, else left as is but relabelled)."""
    from cartel_fto_corpus.labelstudio import config as C

    edited = copy.deepcopy(task)
    edited["annotations"][0].update(created_at="2026-01-01T00:00:00.000000Z", updated_at="2026-01-02T00:00:00.000000Z")
    result = edited["annotations"][0]["result"]
    rid = next(r["id"] for r in result if r.get("from_name") == C.ENTITY)
    for r in result:
        if r.get("id") == rid and r.get("from_name") == C.ENTITY_ID:
            r["value"]["taxonomy"] = [[C.NEW_ENTITY]] if name_of_new else r["value"]["taxonomy"]
    if name_of_new:
        result.append({"id": rid, "from_name": C.ENTITY_NAME, "to_name": "entities", "type": "textarea", "value": {"text": [name_of_new]}})
    return edited


def test_an_edit_by_someone_else_is_reported_never_credited(tmp_path: Path) -> None:
    """Label Studio Community lets any member Update anyone's annotation (completed_by stays, updated_by
    changes): pull reports it and keeps the author's repository set (issue 23 point 2). The set is a
    draft: a gold set's edit is the gold guard's (test_pull_plan_never_changes_drops_or_makes_a_gold_set)."""
    paths = CorpusPaths(copy_corpus(FIXTURE_CORPUS, tmp_path / "corpus"))
    as_draft(paths)
    repo = load_repo(paths)
    doc_id, doc = next(iter(repo.files.items()))
    name = doc["annotations"][0]["annotator"]
    users = {2: User(name), 3: User("intruder")}
    task = server_task(doc)
    record = in_sync_record(doc, task)
    edited = _relabelled(task, "Somebody Else Entirely")
    edited["annotations"][0]["updated_by"] = 3
    out = plan_document(repo, doc_id, edited, users, record, None, None)
    assert out.payload is None and out.proposals == []  # nothing credited, nothing proposed
    (line,) = out.rejected
    assert f"annotator {name}" in line and "last changed by intruder" in line and "not credited" in line
    # the same edit by its author is theirs
    edited["annotations"][0]["updated_by"] = 2
    out = plan_document(repo, doc_id, edited, users, record, None, None)
    assert out.rejected == [] and out.payload and [p["id"] for p in out.proposals] == ["somebody_else_entirely"]
    # someone else pressing Update on unchanged work changes nothing and is no problem
    untouched = copy.deepcopy(task)
    untouched["annotations"][0]["updated_by"] = 3
    out = plan_document(repo, doc_id, untouched, users, record, None, None)
    assert out.rejected == [] and out.payload is None


def test_on_an_annotators_own_server_only_their_account_counts(repo) -> None:
    from cartel_fto_corpus.labelstudio.pull_plan import Owner

    doc_id, doc = next(iter(repo.files.items()))
    name = doc["annotations"][0]["annotator"]
    task = server_task(doc, uid=5)
    out = plan_document(repo, doc_id, task, {5: User("admin")}, in_sync_record(doc, task), None, None, Owner(5, name))
    assert out.errors == [] and out.rejected == []  # the owner's annotation is the annotator's set
    out = plan_document(repo, doc_id, server_task(doc, uid=6), {6: User("guest")}, None, None, None, Owner(5, name))
    assert len(out.rejected) == len(doc["annotations"]) and "not taken" in out.rejected[0]


def test_a_rejected_sets_proposed_entity_stays_out_of_the_registry(repo) -> None:
    """A set rejected at the document check takes its proposals with it (issue 23 point 6)."""
    doc_id, doc = next(iter(repo.files.items()))
    name = doc["annotations"][0]["annotator"]
    task = server_task(doc)
    edited = _relabelled(task, "A Brand New Entity")
    registry_before = copy.deepcopy(repo.registry)
    # break the same set elsewhere so that the document check (not the conversion) rejects it
    for r in edited["annotations"][0]["result"]:
        if r.get("from_name") == "checkworthiness":
            r["value"]["choices"] = ["not_a_class"]
            break
    else:
        pytest.skip("no claim in the first fixture document")
    out = plan_document(repo, doc_id, edited, {2: User(name)}, in_sync_record(doc, task), None, None)
    assert out.rejected and out.proposals == [] and out.payload is None
    assert repo.registry == registry_before


def test_pull_plan_never_changes_drops_or_makes_a_gold_set(repo) -> None:
    """Issue 27: after a push as annotations, an edit of the adjudicated set in Label Studio (a stance
    label) was written into the gold set by a plain pull. Gold changes only by adjudication."""
    doc_id, doc = next(iter(repo.files.items()))
    gold = doc["annotations"][0]
    assert gold["status"] == "gold"
    users = {2: User(gold["annotator"])}
    task = server_task(doc)
    record = in_sync_record(doc, task)
    changed = copy.deepcopy(doc)  # the annotator's edit in the editor: one stance label
    stance = changed["annotations"][0]["stances"][0]
    stance["label"] = next(x for x in ("favor", "against", "neutral") if x != stance["label"])
    edited = {**server_task(changed), "meta": task["meta"]}  # the meta stays as pushed
    for prefer in (None, "labelstudio"):
        out = plan_document(repo, doc_id, edited, users, record, prefer, None)
        assert out.payload is None, prefer  # the file stays as it is
        assert len(out.rejected) == 1 and "gold set edited in Label Studio" in out.rejected[0] and gold["annotator"] in out.rejected[0]
        assert gold["annotator"] not in out.baselines  # reported again by the next pull until settled
    deleted = {**task, "annotations": []}  # the gold annotation deleted in Label Studio
    out = plan_document(repo, doc_id, deleted, users, record, "labelstudio", None)
    assert out.payload is None and any("gold set deleted in Label Studio; kept" in w for w in out.warnings)
    as_draft = copy.deepcopy(doc)  # a set the repo holds as draft, gold in Label Studio's meta
    as_draft["annotations"][0]["status"] = "draft"
    repo.files[doc_id] = as_draft
    out = plan_document(repo, doc_id, edited, users, None, "labelstudio", None)
    assert len(out.rejected) == 1 and "holds this set as gold" in out.rejected[0]
    written = json.loads(out.payload) if out.payload is not None else as_draft  # repo.raw still has the gold bytes
    assert [s["status"] for s in written["annotations"]] == ["draft"]
