"""Pull: Label Studio annotations back into the repository's annotation files, safely.

The export is planned task by task (pull_plan.py, pure) as it arrives, in parts of consecutive task
ids that the server builds while the previous part is planned (client.consume_export): memory holds
a part or two, and each new file is staged as a hidden temporary file beside its target. Every
annotation becomes its annotator's set (several annotators stay separate sets). A dry run stages
nothing on disk.

Before anything is renamed into place, the corpus is checked as a whole: a pull that would leave
a registry entry unused (an annotator cleared every region) is refused with one line per entry.
A malformed task or region is one line naming the annotator, the document and the region; it
costs that document only. Without `--partial` nothing is written if any document failed (the
lines say who must fix what); with `--partial` every clean document is written and the exit code
is still 1. The corpus lock (`truth.lock`, released by the kernel even on SIGKILL) keeps a pull
apart from every other writer; the new files and the sync state are renamed in one journalled
commit (`truth.journal`) that the next writer finishes or rolls back if the pull is killed.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tqdm import tqdm

from cartel_fto_corpus.checks.checker import Usage
from cartel_fto_corpus.labelstudio import review_queue
from cartel_fto_corpus.labelstudio.client import Client
from cartel_fto_corpus.labelstudio.pull_plan import DocOutcome, Owner, plan_document
from cartel_fto_corpus.labelstudio.repo import DEFAULT_TITLE, Repo, SyncError, canonical_bytes, load_repo
from cartel_fto_corpus.labelstudio.state import SyncState
from cartel_fto_corpus.truth.journal import Transaction
from cartel_fto_corpus.truth.lock import LockHeld, corpus_lock
from cartel_fto_corpus.truth.paths import CorpusPaths, display


@dataclass
class PullReport:
    written: list[str] = field(default_factory=list)
    unchanged: int = 0
    failed: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


@contextlib.contextmanager
def pull_lock(paths: CorpusPaths) -> Iterator[list[str]]:
    """The corpus lock (`truth.lock`), which every writing command takes; held: a SyncError of one line.

    The kernel releases it when the process ends, even on SIGKILL; taking it finishes or removes
    what an interrupted writer left (yielded as lines).
    """
    try:
        with corpus_lock(paths.root) as recovered:
            yield recovered
    except LockHeld as exc:
        raise SyncError([str(exc)]) from None


def stray_temp_files(paths: CorpusPaths) -> list[Path]:
    """Temporary files of an interrupted write (`.<name>.json.<random>.tmp`, earlier versions) in annotations/."""
    return sorted(p for p in paths.annotations.glob(".*.json.*.tmp") if p.is_file())


def clean_stray_temp_files(paths: CorpusPaths) -> list[str]:
    out = []
    for p in stray_temp_files(paths):
        with contextlib.suppress(FileNotFoundError):
            p.unlink()
            out.append(f"removed {display(p)}, left by an interrupted run")
    return out


class Stage:
    """New files staged in one journalled transaction of the corpus (`truth.journal`), renamed all
    together on commit, so a killed pull leaves the old files or all the new ones. A dry run
    (`root` None) stages nothing: nothing reaches the disk.
    """

    def __init__(self, root: Path | None = None) -> None:
        self.txn = Transaction(root) if root is not None else None

    def put(self, target: Path, payload: bytes) -> None:
        if self.txn is not None:
            self.txn.put(target, payload)

    def commit(self, targets: list[Path]) -> None:
        if self.txn is not None and targets:
            self.txn.commit(only=targets)
        self.discard()

    def discard(self) -> None:
        if self.txn is not None:
            self.txn.clear()
            self.txn.abort()


def plan_all(
    repo: Repo, tasks: Iterator[dict[str, Any]], users: dict[int, Any], state: SyncState, opts: dict[str, Any], stage: Stage, show: bool
) -> list[DocOutcome]:
    """Plan every exported task; stage new files; keep only small outcomes in memory."""
    stage.discard()  # a retried export starts again from the first task
    outcomes: list[DocOutcome] = []
    seen: dict[str, Any] = {}
    for task in tqdm(tasks, desc="pull", disable=not show, unit="task"):
        data = task.get("data")
        doc_id = data.get("doc_id") if isinstance(data, dict) else None
        if not isinstance(doc_id, str):
            opts["warnings"].append(f"task {task.get('id')}: no data.doc_id; not a document of this corpus, ignored")
            continue
        file = display(repo.paths.annotation_file(doc_id))
        if doc_id in seen:
            outcomes.append(
                DocOutcome(doc_id, errors=[f"{file}: two tasks ({seen[doc_id]} and {task.get('id')}) for this document; delete one"])
            )
            continue
        if doc_id != Path(doc_id).name or doc_id.startswith("."):
            outcomes.append(DocOutcome(doc_id, errors=[f"task {task.get('id')}: /data/doc_id: expected a document id, found {doc_id!r}"]))
            continue
        seen[doc_id] = task.get("id")
        out = plan_document(repo, doc_id, task, users, state.docs.get(doc_id), opts["prefer"], opts["guideline_version"], opts.get("owner"))
        if out.payload is not None:
            stage.put(repo.paths.annotation_file(doc_id), out.payload)
            out.payload = b""  # staged: the bytes need not stay in memory
        outcomes.append(out)
    return outcomes


def corpus_problems(repo: Repo, outcomes: list[DocOutcome], written: set[str]) -> list[str]:
    """Registry-level problems the pull would introduce, given which documents it writes.

    The usage of every pulled document was collected while it was checked; only documents the
    pull leaves as they are in the repo (no task, or failed) are checked again here.
    """
    usage = Usage()
    covered = set()
    for o in outcomes:
        if o.usage is not None and (o.doc_id in written or o.payload is None):
            covered.add(o.doc_id)
            usage.merge(o.usage)
    for doc_id, doc in repo.files.items():
        if doc_id not in covered:
            with contextlib.suppress(Exception):
                repo.check(doc, usage)
    after = repo.registry_problems(usage)
    if not after:
        return []
    before = Usage()
    for doc in repo.files.values():
        with contextlib.suppress(Exception):
            repo.check(doc, before)
    # a problem the repository already had is not the pull's doing; compared by where and what was
    # found, since the "expected" part can name the documents the pull changes
    known = {_problem_key(p) for p in repo.registry_problems(before)}
    return sorted(str(p) for p in after if _problem_key(p) not in known)


def _problem_key(p: Any) -> tuple[str, str, str]:
    return (p.pointer, p.code, p.message.rpartition(", found ")[2])


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
    annotator: str | None = None,
    review: bool = False,
) -> PullReport:
    """Bring Label Studio's annotations into the repository; raise SyncError and write nothing on failure.

    `annotator`: the server is that annotator's own (`ls serve --annotator`): the account whose key
    pulls is theirs, and only its annotations are taken, as their set.
    `review`: pull the review project (`review_queue`): each reviewer's work is the set `review-<user>`."""
    with contextlib.nullcontext([]) if dry_run else pull_lock(paths) as recovered:
        report = PullReport(warnings=[*recovered, *([] if dry_run else clean_stray_temp_files(paths))])
        repo = load_repo(paths)
        if review:
            title = review_queue.review_title(title)
        proj = client.find_project(project, title)
        if proj is None:
            raise SyncError(
                [f"no project {project or title!r} on {client.settings.safe_url}; run `cartel-fto ls push` first or pass --project"]
            )
        users = client.users()
        if review:
            users = review_queue.reviewers(users)
        state = SyncState.load(paths, client.settings.safe_url, proj.id)
        show = sys.stderr.isatty() if progress is None else progress
        opts = {"prefer": prefer, "guideline_version": guideline_version, "warnings": report.warnings, "owner": None}
        if annotator is not None:
            me = client.call("who am I", lambda: client.sdk.users.whoami())
            opts["owner"] = Owner(me.id, annotator)
        stage = Stage(None if dry_run else paths.root)
        try:
            registry_before = canonical_bytes(repo.registry)
            names = [u.username for u in users.values()]  # a review's tasks: each reviewer's work is review-<user>
            feed = (lambda tasks: review_queue.with_reviewer_provenance(tasks, names)) if review else (lambda tasks: tasks)
            outcomes = client.consume_export(proj.id, lambda tasks: plan_all(repo, feed(tasks), users, state, opts, stage, show))
            settle(repo, outcomes, report, partial)
            targets = [paths.annotation_file(Path(w).stem) for w in report.written]
            if canonical_bytes(repo.registry) != registry_before:  # entities proposed in the editor
                stage.put(paths.registry, canonical_bytes(repo.registry))
                report.written.append(display(paths.registry))
                targets.append(paths.registry)
            if not dry_run:  # the files and the sync state in one commit: a kill leaves both old or both new
                record(state, outcomes, report)
                stage.put(state.path, state.payload())
                stage.commit([*targets, state.path])
        finally:
            stage.discard()
    return report


def settle(repo: Repo, outcomes: list[DocOutcome], report: PullReport, partial: bool) -> None:
    """Decide what is written: refuse on per-document failures (unless partial) and on corpus-level ones."""
    good = [o for o in outcomes if not o.errors]
    bad = [o for o in outcomes if o.errors]
    for o in outcomes:
        report.warnings.extend(o.warnings)
    # one annotator's rejected set is reported and never blocks the others (ownership rules)
    report.failed = [*(line for o in outcomes for line in o.rejected), *(e for o in bad for e in o.errors)]
    if bad and not partial:
        raise SyncError(
            [*report.failed, f"nothing written: {len(bad)} of {len(outcomes)} documents failed (pull --partial writes the others)"]
        )
    changed = {o.doc_id for o in good if o.payload is not None}
    corpus = corpus_problems(repo, outcomes, changed)
    if corpus:
        raise SyncError([*corpus, "nothing written: the corpus would not validate after this pull (see the registry lines above)"])
    report.written = [display(repo.paths.annotation_file(d)) for d in sorted(changed)]
    report.unchanged = sum(1 for o in good if o.payload is None)


def record(state: SyncState, outcomes: list[DocOutcome], report: PullReport) -> None:
    for o in outcomes:
        if o.errors:
            continue
        rec = state.doc(o.doc_id)
        rec.task_id, rec.task_updated_at, rec.imported_by = o.task_id, o.task_updated_at, None
        for name, base in o.baselines.items():
            state.record(o.doc_id, name, base)
