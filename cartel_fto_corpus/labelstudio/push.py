"""Push: the repository's annotations into a Label Studio project, idempotently.

One task per document, keyed by `data.doc_id`; re-running creates nothing new. New documents go
in one bulk import (tasks with their annotations or predictions); only documents whose content
changed cost a request each. An annotation someone changed in Label Studio since the last sync
is never overwritten unless `--prefer repo` says so.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tqdm import tqdm

from cartel_fto_corpus.labelstudio import convert
from cartel_fto_corpus.labelstudio.client import Client
from cartel_fto_corpus.labelstudio.config import label_config
from cartel_fto_corpus.labelstudio.repo import DEFAULT_TITLE, Repo, SyncError, load_repo
from cartel_fto_corpus.labelstudio.state import Baseline, SyncState
from cartel_fto_corpus.truth.paths import CorpusPaths

IMPORT_BATCH = 250
USER_DOMAIN = "cartel-fto.invalid"
PREDICTION_PREFIX = "cartel-fto:"


@dataclass
class PushReport:
    project_id: int | None
    created_tasks: int = 0
    updated: int = 0
    created_annotations: int = 0
    unchanged: int = 0
    meta_updates: int = 0
    lines: list[str] = field(default_factory=list)


def task_meta(repo: Repo, doc: dict[str, Any]) -> dict[str, Any]:
    return {
        "doc_id": doc["doc_id"],
        "text_sha256": doc["text_sha256"],
        "schema_version": doc["schema_version"],
        "sets": {s["annotator"]: convert.provenance(s) for s in doc["annotations"]},
    }


def task_data(repo: Repo, doc_id: str) -> dict[str, Any]:
    return {"text": repo.text(doc_id), "doc_id": doc_id, "title": repo.title(doc_id) or doc_id}


def ensure_project(client: Client, project: str | None, title: str, config: str, *, create: bool) -> Any | None:
    """Find the project (id or title); create it or bring its config up to date unless `create` is False."""
    found = client.find_project(project, title)
    if found is None:
        if project is not None and str(project).isdigit():
            raise SyncError([f"no project with id {project} on {client.settings.url}"])
        if not create:
            return None
        name = str(project) if project is not None else title
        return client.call("create project", lambda: client.sdk.projects.create(title=name, label_config=config), idempotent=False)
    if create and (found.label_config or "").strip() != config.strip():
        client.call("update labelling config", lambda: client.sdk.projects.update(id=found.id, label_config=config))
    return found


def ensure_users(client: Client, annotators: set[str], *, create: bool) -> dict[str, int]:
    """Label Studio user ids for annotator ids; each annotator is a user whose username is the id."""
    users = client.users()
    out: dict[str, int] = {}
    for uid, u in users.items():
        try:
            out.setdefault(convert.annotator_name(u.username, u.email), uid)
        except convert.ConvertError:
            continue
    for name in sorted(annotators - out.keys()):
        if not create:
            out[name] = -1
            continue
        u = client.call(
            f"create user {name}",
            lambda name=name: client.sdk.users.create(username=name, email=f"{name}@{USER_DOMAIN}", first_name=name),
            idempotent=False,
        )
        out[name] = u.id
    return out


def push(
    paths: CorpusPaths,
    client: Client,
    *,
    project: str | None = None,
    title: str = DEFAULT_TITLE,
    as_: str = "annotations",
    dry_run: bool = False,
    prefer: str | None = None,
    progress: bool | None = None,
    echo: Callable[[str], None] = print,
) -> PushReport:
    """Bring the project in line with the repository; see the module docstring for the rules."""
    repo = load_repo(paths, require_valid=True)
    client.check()
    config = label_config(repo.registry["targets"])
    proj = ensure_project(client, project, title, config, create=not dry_run)
    tasks = client.export_tasks(proj.id) if proj is not None else []
    by_doc: dict[str, dict[str, Any]] = {}
    for t in tasks:
        doc_id = (t.get("data") or {}).get("doc_id")
        if doc_id in by_doc:
            raise SyncError([f"project {proj.id}: two tasks for document {doc_id} (ids {by_doc[doc_id]['id']} and {t['id']}); delete one"])
        if doc_id:
            by_doc[doc_id] = t
    annotators = {s["annotator"] for d in repo.files.values() for s in d["annotations"]}
    users = ensure_users(client, annotators, create=not dry_run) if as_ == "annotations" else {}
    names = {uid: name for name, uid in users.items()}
    state = SyncState.load(paths, client.settings.url, proj.id) if proj is not None else None
    predictions: dict[int, list[dict[str, Any]]] = {}
    if proj is not None and as_ == "predictions":  # the JSON export lists prediction ids only
        for pred in client.call("list predictions", lambda: client.sdk.predictions.list(project=proj.id)):
            predictions.setdefault(pred.task, []).append({"id": pred.id, "model_version": pred.model_version, "result": pred.result})
    report = PushReport(proj.id if proj is not None else None)

    new_tasks: list[dict[str, Any]] = []
    actions: list[tuple[str, Callable[[], Any]]] = []
    conflicts: list[str] = []
    show = sys.stderr.isatty() if progress is None else progress
    for doc_id, doc in tqdm(sorted(repo.files.items()), desc="plan push", disable=not show, unit="doc"):
        if doc_id not in repo.texts:
            raise SyncError([f"{paths.annotation_file(doc_id)}: no text for {doc_id} in {paths.texts}"])
        meta = task_meta(repo, doc)
        task = by_doc.get(doc_id)
        if task is None:
            item: dict[str, Any] = {"data": task_data(repo, doc_id), "meta": meta}
            regions = [(s, convert.set_to_regions(s)) for s in doc["annotations"]]
            if as_ == "annotations":
                item["annotations"] = [
                    {"result": r, "completed_by": users[s["annotator"]], "ground_truth": s["status"] == "gold"} for s, r in regions
                ]
            else:
                item["predictions"] = [{"result": r, "model_version": PREDICTION_PREFIX + s["annotator"]} for s, r in regions]
            new_tasks.append(item)
            report.lines.append(f"{doc_id}: create task with {len(regions)} {as_}")
            continue
        tid = task["id"]
        if (task.get("meta") or {}) != meta:
            actions.append((f"update task {tid} meta", lambda tid=tid, meta=meta: client.sdk.tasks.update(id=str(tid), meta=meta)))
            report.meta_updates += 1
        if as_ == "predictions":
            current = {p["model_version"]: p for p in predictions.get(tid, [])}
            for s in doc["annotations"]:
                result = convert.set_to_regions(s)
                pred = current.get(PREDICTION_PREFIX + s["annotator"])
                if pred is None:
                    actions.append(
                        (
                            f"create prediction on task {tid}",
                            lambda tid=tid, r=result, s=s: client.sdk.predictions.create(
                                task=tid, result=r, model_version=PREDICTION_PREFIX + s["annotator"]
                            ),
                        )
                    )
                    report.created_annotations += 1
                    report.lines.append(f"{doc_id}: add prediction {s['annotator']}")
                elif pred.get("result") != result:
                    actions.append(
                        (
                            f"update prediction {pred['id']}",
                            lambda pid=pred["id"], r=result: client.sdk.predictions.update(id=pid, result=r),
                        )
                    )
                    report.updated += 1
                    report.lines.append(f"{doc_id}: update prediction {s['annotator']}")
                else:
                    report.unchanged += 1
            continue
        current_ann: dict[str, dict[str, Any]] = {}
        for a in task.get("annotations") or []:
            name = names.get(convert.completed_by(a))
            if name is not None and not a.get("was_cancelled"):
                current_ann.setdefault(name, a)
        prov = (task.get("meta") or {}).get("sets") or {}
        for s in doc["annotations"]:
            name = s["annotator"]
            result = convert.set_to_regions(s)
            gold = s["status"] == "gold"
            ann = current_ann.get(name)
            if ann is None:
                uid = users[name]
                actions.append(
                    (
                        f"create annotation on task {tid}",
                        lambda tid=tid, r=result, uid=uid, gold=gold: client.sdk.annotations.create(
                            id=tid, result=r, completed_by=uid, ground_truth=gold
                        ),
                    )
                )
                report.created_annotations += 1
                report.lines.append(f"{doc_id}: add annotation {name}")
                continue
            if ann.get("result") == result and bool(ann.get("ground_truth")) == gold:
                report.unchanged += 1
                continue
            base = state.baseline(doc_id, name) if state else None
            ls_changed = base is None or base.annotation_id != ann["id"] or base.updated_at != ann.get("updated_at")
            if ls_changed and prefer == "labelstudio":  # keep Label Studio's version; `ls pull` brings it over
                report.unchanged += 1
                continue
            if ls_changed and prefer != "repo":
                try:
                    theirs = convert.regions_to_set(
                        ann["result"],
                        repo.text(doc_id),
                        name,
                        prov.get(name),
                        created_at=ann["created_at"],
                        updated_at=ann["updated_at"],
                        guideline_version=s["guideline_version"],
                    ).annotation_set
                    what = convert.set_diff(s, theirs)
                except convert.ConvertError as exc:
                    what = f"unreadable in Label Studio: {exc}"
                conflicts.append(
                    f"{paths.annotation_file(doc_id)}: annotator {name}: changed in Label Studio "
                    f"since the last sync ({what}); pull first, or push --prefer repo to overwrite"
                )
                continue
            aid = ann["id"]
            actions.append(
                (
                    f"update annotation {aid}",
                    lambda aid=aid, r=result, gold=gold: client.sdk.annotations.update(id=aid, result=r, ground_truth=gold),
                )
            )
            report.updated += 1
            report.lines.append(f"{doc_id}: update annotation {name}")
    if conflicts:
        raise SyncError(conflicts)
    report.created_tasks = len(new_tasks)
    if dry_run:
        for line in report.lines:
            echo(f"would {line.split(': ', 1)[1]} ({line.split(': ', 1)[0]})")
        echo(
            f"dry run: {len(new_tasks)} tasks to create, {report.updated} to update, "
            f"{report.created_annotations} to add, {report.unchanged} unchanged"
        )
        return report

    bar = tqdm(total=len(new_tasks) + len(actions), desc="push", disable=not show, unit="req")
    for i in range(0, len(new_tasks), IMPORT_BATCH):
        batch = new_tasks[i : i + IMPORT_BATCH]
        client.call(
            "import tasks",
            lambda batch=batch: client.sdk.projects.import_tasks(id=proj.id, request=batch, return_task_ids=True),
            idempotent=False,
        )
        bar.update(len(batch))
    for what, fn in actions:
        client.call(what, fn, idempotent=True)
        bar.update(1)
    bar.close()
    record_push(client, repo, state, proj.id, names)
    return report


def record_push(client: Client, repo: Repo, state: SyncState | None, project_id: int, names: dict[int, str]) -> None:
    """After a push both sides agree on every pushed annotation: record that as the new baseline."""
    if state is None:
        state = SyncState.load(repo.paths, client.settings.url, project_id)
    tasks = client.export_tasks(project_id)
    for t in tasks:
        doc_id = (t.get("data") or {}).get("doc_id")
        doc = repo.files.get(doc_id)
        if doc is None:
            continue
        by_name = {names.get(convert.completed_by(a)): a for a in t.get("annotations") or []}
        for s in doc["annotations"]:
            ann = by_name.get(s["annotator"])
            if ann is not None and ann.get("result") == convert.set_to_regions(s):
                state.record(doc_id, s["annotator"], Baseline(convert.set_hash(s), ann["id"], ann.get("updated_at")))
    state.save()
