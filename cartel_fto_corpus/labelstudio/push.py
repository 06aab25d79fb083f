"""Push: the repository's annotations into a Label Studio project, idempotently, as plan + apply.

One task per document, keyed by `data.doc_id` (and `meta.doc_id`); re-running creates nothing new.
`gather` reads both sides (one light task listing, plus a full fetch of the few tasks that may
have changed), `push_plan.plan_push` decides (pure), `apply` sends: a re-push with nothing changed
is that one listing request (the project's id comes from the sync state while the repository's
labelling config is the one last pushed; else the project is looked up by title and its config
brought up to date; a config changed by hand in Label Studio is only restored after such a lookup). new documents in bulk import
requests serialised once with orjson, then one request per changed set. After the requests, one
more light listing records every task's new `updated_at` in the sync state; there is no second
export. An annotation someone changed in Label Studio since the last sync is never overwritten
unless `--prefer repo` says so. `--dry-run` prints the plan's actions, the very ones `apply` runs.

Long because the review queue (`push_review`, issue 24) reuses this module's gather and apply
steps (project lookup, task listing, batched import); splitting it out would duplicate them.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

import orjson
from tqdm import tqdm

from cartel_fto_corpus.labelstudio import config as C
from cartel_fto_corpus.labelstudio import convert, ownership
from cartel_fto_corpus.labelstudio.client import Client
from cartel_fto_corpus.labelstudio.config import label_config
from cartel_fto_corpus.labelstudio.push_plan import (
    PREDICTION_PREFIX,
    CreateTask,
    PushPlan,
    UpdateMeta,
    WriteSet,
    dirty_documents,
    plan_push,
    task_meta,
)
from cartel_fto_corpus.labelstudio.repo import DEFAULT_TITLE, Repo, SyncError, corpus_spared, load_repo
from cartel_fto_corpus.labelstudio.state import SyncState, known_project, sync_hash
from cartel_fto_corpus.truth.paths import CorpusPaths, display

IMPORT_BATCH = 250
FIRST_BATCH = 25
TOUCHED_READ_BACK = 50  # above this many changed tasks, one light listing beats reading each back
USER_DOMAIN = "cartel-fto.invalid"


@dataclass
class PushReport:
    project_id: int | None
    created_tasks: int = 0
    updated: int = 0
    created_annotations: int = 0
    unchanged: int = 0
    meta_updates: int = 0
    lines: list[str] = field(default_factory=list)
    plan: PushPlan | None = None


def task_data(repo: Repo, doc_id: str) -> dict[str, Any]:
    return {
        "text": repo.text(doc_id),
        "doc_id": doc_id,
        "title": ownership.task_title(repo.text(doc_id), repo.title(doc_id)),
        C.PROBLEMS: "",  # filled by the submission check after each Submit (see submit_check)
    }


def ensure_project(client: Client, project: str | None, title: str, config: str, *, create: bool) -> Any | None:
    """Find the project (id or title); create it or bring its config up to date unless `create` is False."""
    found = client.find_project(project, title)
    if found is None:
        if project is not None and str(project).isdigit():
            raise SyncError([f"no project with id {project} on {client.settings.safe_url}"])
        if not create:
            return None
        name = str(project) if project is not None else title
        made = client.call(
            "create project",
            lambda: client.sdk.projects.create(title=name, label_config=config, **ownership.PROJECT_SETTINGS),
            idempotent=False,
        )
        return SimpleNamespace(id=made.id, title=made.title, label_config=config, created_now=True)
    if create and (found.label_config or "").strip() != config.strip():
        client.call("update labelling config", lambda: client.sdk.projects.update(id=found.id, label_config=config))
    return found


def user_ids(client: Client, annotators: set[str], *, create: bool) -> dict[str, int]:
    """Label Studio user ids for annotator ids; each annotator is a user whose username is the id."""
    out: dict[str, int] = {}
    for uid, u in client.users().items():
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


def by_doc_id(tasks: list[dict[str, Any]], project_id: int) -> dict[str, dict[str, Any]]:
    """doc_id -> task of the light listing; two tasks for one document is an error the user must fix."""
    out: dict[str, dict[str, Any]] = {}
    for t in tasks:
        meta = t.get("meta")
        doc_id = meta.get("doc_id") if isinstance(meta, dict) else None
        if not isinstance(doc_id, str):
            continue
        if doc_id in out:
            raise SyncError([f"project {project_id}: two tasks for document {doc_id} (ids {out[doc_id]['id']} and {t['id']}); delete one"])
        out[doc_id] = t
    return out


@dataclass
class ServerView:
    """What push needs to know about the project: the light listing, the dirty tasks in full, users."""

    project_id: int | None
    listing: dict[str, dict[str, Any]] = field(default_factory=dict)
    full: dict[str, dict[str, Any]] = field(default_factory=dict)
    names: dict[int, str] = field(default_factory=dict)


def gather(client: Client, repo: Repo, proj: Any, state: SyncState, as_: str, listed: list[dict[str, Any]] | None = None) -> ServerView:
    """Read the server: one listing (`listed`, if already made); the full task (and its predictions) only
    for documents not provably in sync."""
    if proj is None:
        return ServerView(None)
    if getattr(proj, "created_now", False):
        return ServerView(proj.id)  # a project created a moment ago has no task to list
    view = ServerView(proj.id, by_doc_id(client.list_tasks(proj.id) if listed is None else listed, proj.id))
    dirty = dirty_documents(repo.files, view.listing, state.docs, as_)
    if not dirty:
        return view
    # names for both modes: annotations are matched to sets by annotator, and the sets of people who
    # already work on a task are never offered to them again as predictions (ownership.prediction_sets)
    view.names = {uid: name for name, uid in user_ids(client, set(), create=False).items()}
    for doc_id in dirty:
        tid = view.listing[doc_id]["id"]
        task = client.get_task(tid)
        if as_ == "predictions":
            preds = client.call("list predictions", lambda tid=tid: client.sdk.predictions.list(task=tid))
            task["predictions"] = [{"id": p.id, "model_version": p.model_version, "result": p.result} for p in preds]
        view.full[doc_id] = task
    return view


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
    """Bring the project in line with the repository; see the module docstring for the rules.

    Under the corpus lock unless a dry run: the sync state it records must not cross a pull's."""
    from cartel_fto_corpus.truth.lock import corpus_lock

    with contextlib.nullcontext() if dry_run else corpus_lock(paths.root), corpus_spared() as read:
        repo = load_repo(paths, require_valid=True)
        read()
        lines = repo.registry_lines()
        if lines:  # a registry validate rejects is not pushed (e.g. a proposed entity nobody uses)
            raise SyncError([*lines[:20], *([f"... and {len(lines) - 20} more"] if len(lines) > 20 else [])])
        missing = sorted(set(repo.files) - set(repo.texts))
        if missing:
            raise SyncError([f"{display(paths.annotation_file(d))}: no text for {d} in {display(paths.texts)}" for d in missing])
        config = label_config(repo.registry["targets"], repo.registry["entities"], repo.registry.get("clusters"))
        url, name = client.settings.safe_url, str(project) if project is not None else title
        saved = SyncState.read(paths)
        proj, listed = None, None
        known = known_project(saved, url, name, config)
        if known is not None:  # the project of the last push, same config: its listing is the only request
            listed = client.list_tasks_if_project(known)
            proj = SimpleNamespace(id=known, title=name, label_config=config) if listed is not None else None
        if proj is None:
            proj = ensure_project(client, project, title, config, create=not dry_run)
        state = SyncState.load(paths, url, proj.id, saved) if proj is not None else SyncState.empty(paths, url, None)
        view = gather(client, repo, proj, state, as_, listed)
        texts = {d: repo.text(d) for d in view.full}
        plan = plan_push(repo.files, texts, view.listing, view.full, view.names, state.docs, as_, prefer)
        report = PushReport(view.project_id, created_tasks=len(plan.creates), unchanged=plan.unchanged, plan=plan)
        report.updated, report.created_annotations = plan.count(WriteSet, new=False), plan.count(WriteSet, new=True)
        report.meta_updates, report.lines = plan.count(UpdateMeta), [a.describe() for a in plan.actions]
        if plan.conflicts:
            raise SyncError([c.line(display(paths.annotation_file(c.doc_id))) for c in plan.conflicts])
        if dry_run:
            for line in report.lines:
                echo(f"would {line}")
            echo(f"dry run: {plan.summary()}")
            return report
        created = apply(client, repo, proj.id, plan, as_, progress) if plan.actions else {}
        state.remember_project(url, name, config)
        record(client, repo, state, view, plan, created, as_)
        return report


def _task_items(repo: Repo, creates: list[CreateTask], users: dict[str, int]) -> Iterator[dict[str, Any]]:
    """The import item of each new task: text, doc id and title, meta, and its sets."""
    for c in creates:
        doc = repo.files[c.doc_id]
        item: dict[str, Any] = {"data": task_data(repo, c.doc_id), "meta": task_meta(doc)}
        if c.as_ == "annotations":
            item["annotations"] = [
                {"result": convert.set_to_regions(s), "completed_by": users[s["annotator"]], "ground_truth": s["status"] == "gold"}
                for s in doc["annotations"]
            ]
        else:
            item["predictions"] = [
                {"result": convert.set_to_regions(s), "model_version": PREDICTION_PREFIX + s["annotator"]}
                for s in ownership.prediction_sets(doc["annotations"], ())
            ]
        yield item


def import_body(repo: Repo, creates: list[CreateTask], users: dict[str, int]) -> bytes:
    """One bulk import request body, serialised once (orjson) and sent as bytes."""
    return orjson.dumps(list(_task_items(repo, creates, users)))


def _send(client: Client, repo: Repo, action: UpdateMeta | WriteSet, users: dict[str, int]) -> None:
    sdk = client.sdk
    if isinstance(action, UpdateMeta):
        client.call(action.describe(), lambda: sdk.tasks.update(id=str(action.task_id), meta=action.meta))
        return
    aset = next(s for s in repo.files[action.doc_id]["annotations"] if s["annotator"] == action.annotator)
    result, a, tid = convert.set_to_regions(aset), action, action.task_id
    if a.kind == "prediction" and a.target_id is None:
        fn = lambda: sdk.predictions.create(task=tid, result=result, model_version=PREDICTION_PREFIX + a.annotator)  # noqa: E731
    elif a.kind == "prediction":
        fn = lambda: sdk.predictions.update(id=a.target_id, result=result)  # noqa: E731
    elif a.target_id is None:
        fn = lambda: sdk.annotations.create(id=tid, result=result, completed_by=users[a.annotator], ground_truth=a.gold)  # noqa: E731
    else:
        fn = lambda: sdk.annotations.update(id=a.target_id, result=result, ground_truth=a.gold)  # noqa: E731
    client.call(action.describe(), fn, idempotent=a.target_id is not None)


def apply(
    client: Client, repo: Repo, project_id: int, plan: PushPlan, as_: str, progress: bool | None = None
) -> dict[str, tuple[int, str | None]]:
    """Send the plan's requests: bulk imports of new tasks first, then one request per other action.

    Returns, by document, the id of the task an import created and the server's time after that import.
    """
    users: dict[str, int] = {}
    if as_ == "annotations" and any(isinstance(a, CreateTask | WriteSet) for a in plan.actions):
        wanted = {n for a in plan.actions for n in (a.annotators if isinstance(a, CreateTask) else [getattr(a, "annotator", "")])}
        users = user_ids(client, wanted - {""}, create=True)
    show = sys.stderr.isatty() if progress is None else progress
    creates = plan.creates
    others = [a for a in plan.actions if not isinstance(a, CreateTask)]
    created: dict[str, tuple[int, str | None]] = {}
    with tqdm(total=len(creates) + len(others), desc="push", disable=not show, unit="req") as bar:
        bodies = _bodies_ahead(repo, creates, users)
        for batch, body in bodies:
            ids, when = client.import_tasks(project_id, body)
            created.update((c.doc_id, (tid, when)) for c, tid in zip(batch, ids, strict=False))
            bar.update(len(batch))
        for action in others:
            _send(client, repo, action, users)
            bar.update(1)
    return created


def import_batches(creates: list[CreateTask]) -> list[list[CreateTask]]:
    """New tasks in import batches: FIRST_BATCH, doubling up to IMPORT_BATCH.

    The server waits for the first body only; building a body takes about a fifth of the time the
    server takes to import it (10,000 documents: 12 s against 64 s), so while it imports one batch
    the next, twice as large, is ready.
    """
    out, i, size = [], 0, FIRST_BATCH
    while i < len(creates):
        out.append(creates[i : i + size])
        i, size = i + size, min(2 * size, IMPORT_BATCH)
    return out


def _bodies_ahead(repo: Repo, creates: list[CreateTask], users: dict[str, int]) -> Iterator[tuple[list[CreateTask], bytes]]:
    """Import bodies, the next one built in a worker thread while the server imports the current one.

    Converting and serialising is our CPU; importing is the server's: overlapping them brings a
    push close to the server's own import time. At most two bodies exist at once.
    """
    from concurrent.futures import ThreadPoolExecutor

    batches = import_batches(creates)
    if not batches:
        return
    with ThreadPoolExecutor(max_workers=1) as pool:
        ahead = pool.submit(import_body, repo, batches[0], users)
        for i, batch in enumerate(batches):
            body = ahead.result()
            if i + 1 < len(batches):
                ahead = pool.submit(import_body, repo, batches[i + 1], users)
            yield batch, body


def record(client: Client, repo: Repo, state: SyncState, view: ServerView, plan: PushPlan, created: dict[str, int], as_: str) -> None:
    """After a push both sides agree on every pushed set; record that, and each task's `updated_at`.

    Tasks our import created are recorded as such (no listing needed: see push_plan._untouched);
    tasks changed by single requests are read back one by one (few), or by one light listing.
    """
    touched = {a.doc_id for a in plan.actions if not isinstance(a, CreateTask)}
    if len(touched) > TOUCHED_READ_BACK:
        fresh = by_doc_id(client.list_tasks(view.project_id), view.project_id)
    else:
        fresh = {d: client.get_task(view.listing[d]["id"]) for d in sorted(touched)}
    for doc_id, doc in repo.files.items():
        task = fresh.get(doc_id) or view.listing.get(doc_id)
        rec = state.doc(doc_id)
        if doc_id in created:
            rec.task_id, rec.imported_by = created[doc_id]
            rec.task_updated_at = None
        elif task is not None:
            if doc_id in fresh or not (rec.imported_by and rec.task_id == task.get("id")):
                rec.task_id, rec.task_updated_at, rec.imported_by = task.get("id"), task.get("updated_at"), None
        else:
            continue
        hashes = {s["annotator"]: sync_hash(s) for s in doc["annotations"]}
        if as_ == "annotations":
            rec.sets = hashes
        else:
            rec.predictions = hashes
    state.save()


def push_review(
    paths: CorpusPaths,
    client: Client,
    layers: dict[str, list[dict[str, Any]]],
    *,
    top: int = 5,
    model: str = "oof",
    project: str | None = None,
    title: str = DEFAULT_TITLE,
    dry_run: bool = False,
    echo: Callable[[str], None] = print,
) -> PushReport:
    """The review queue (`review_queue`): a task per document with suspects among the `top` of each layer
    of `layers` (a `cartel-fto review` result), in the review project; a document already queued stays as it is."""
    from cartel_fto_corpus.labelstudio import review_queue

    with corpus_spared() as read:
        repo = load_repo(paths, require_valid=True)
        read()
    chosen = review_queue.select(layers, top)
    config = label_config(repo.registry["targets"], repo.registry["entities"], repo.registry.get("clusters"))
    proj = ensure_project(client, project, review_queue.review_title(title), config, create=not dry_run)
    listing = {} if proj is None or getattr(proj, "created_now", False) else by_doc_id(client.list_tasks(proj.id), proj.id)
    report = PushReport(proj.id if proj is not None else None)
    new = {d: s for d, s in chosen.items() if d not in listing}
    report.unchanged = len(chosen) - len(new)
    report.lines = [f"queue {d} for review: {len(s)} item(s)" for d, s in new.items()]
    if dry_run or not new:
        for line in report.lines:
            echo(f"would {line}" if dry_run else line)
        return report
    docs = {d: repo.files[d] for d in new}
    items = list(
        review_queue.task_items(
            docs,
            {d: repo.text(d) for d in new},
            {d: ownership.task_title(repo.text(d), repo.title(d)) for d in new},
            {d: repo.sha(d) for d in new},
            new,
            model,
        )
    )
    ids, _ = client.import_tasks(proj.id, orjson.dumps(items))
    report.created_tasks = len(ids)
    for line in report.lines:
        echo(line)
    return report
