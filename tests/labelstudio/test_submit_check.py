"""The submission check (issue 23 point 4): every problem of a submission, at once, in its task, within a minute.

The pure part on the fixture corpus; then the real server calls the receiver's webhook when an
annotation is created, and the problems appear in the task's `problems` field (the Header at the top
of the editor) before any pull.
"""

from __future__ import annotations

import copy
import time
from pathlib import Path

import pytest

from cartel_fto_corpus.labelstudio import config as C
from cartel_fto_corpus.labelstudio.client import Client
from cartel_fto_corpus.labelstudio.convert import set_to_regions
from cartel_fto_corpus.labelstudio.push import push
from cartel_fto_corpus.labelstudio.repo import load_repo
from cartel_fto_corpus.labelstudio.submit_check import submission_problems
from cartel_fto_corpus.labelstudio.webhook import Receiver, register, task_id_of
from cartel_fto_corpus.truth.paths import CorpusPaths

from .conftest import FIXTURE_CORPUS


def broken(result: list[dict]) -> tuple[list[dict], set[str]]:
    """The result with three things an annotator forgets: a mention's registry entity, a claim's check-worthiness
    and attribution; and the ids of those regions."""
    out = copy.deepcopy(result)
    ent = next(i["id"] for i in out if i.get("from_name") == C.ENTITY)
    claim = next(i["id"] for i in out if i.get("from_name") == C.CLAIM)
    drop = {(ent, C.ENTITY_ID), (claim, C.CHECKWORTHINESS), (claim, C.ATTRIBUTION)}
    return [i for i in out if (i.get("id"), i.get("from_name")) not in drop], {ent, claim}


def task_of(doc: dict) -> dict:
    return {"id": 1, "data": {"doc_id": doc["doc_id"]}, "meta": {}}


def test_every_missing_widget_is_listed_at_once() -> None:
    repo = load_repo(CorpusPaths(FIXTURE_CORPUS))
    doc = next(iter(repo.files.values()))
    aset = doc["annotations"][0]
    assert submission_problems(repo, task_of(doc), {"result": set_to_regions(aset)}, "anna") == []
    result, _ = broken(set_to_regions(aset))
    lines = submission_problems(repo, task_of(doc), {"result": result}, "anna")
    assert len(lines) == 3, lines
    assert sum("no registry entity picked" in line for line in lines) == 1
    assert sum("no check-worthiness chosen" in line for line in lines) == 1 and sum("no attribution chosen" in line for line in lines) == 1
    assert all('"' in line for line in lines)  # each names its region by its text


def test_validator_problems_of_the_set_are_listed() -> None:
    repo = load_repo(CorpusPaths(FIXTURE_CORPUS))
    doc = next(iter(repo.files.values()))
    result = set_to_regions(doc["annotations"][0])
    for i in result:
        if i.get("from_name") == C.CHECKWORTHINESS:
            i["value"]["choices"] = ["not_a_class"]
    lines = submission_problems(repo, task_of(doc), {"result": result}, "anna")
    assert lines and all(line.startswith("/claims/") for line in lines), lines


def test_webhook_payloads_name_their_task() -> None:
    assert task_id_of({"action": "ANNOTATION_CREATED", "task": {"id": 4}, "annotation": {"task": 4}}) == 4
    assert task_id_of({"action": "ANNOTATION_UPDATED", "annotation": {"task": 5}}) == 5
    assert task_id_of({"action": "PROJECT_UPDATED", "task": {"id": 4}}) is None


@pytest.mark.labelstudio
def test_a_bad_submission_shows_every_problem_in_its_task_within_a_minute(
    fixture_corpus: Path, ls_client: Client, project_title: str
) -> None:
    paths = CorpusPaths(fixture_corpus)
    report = push(paths, ls_client, title=project_title, as_="predictions", echo=lambda _s: None)
    receiver = Receiver(paths, ls_client, 0).start()
    try:
        register(ls_client, report.project_id, receiver.url)
        task = ls_client.export_tasks(report.project_id)[0]
        doc = load_repo(paths).files[task["data"]["doc_id"]]
        result, _ = broken(set_to_regions(doc["annotations"][0]))
        me = ls_client.sdk.users.whoami()
        t0 = time.monotonic()
        ls_client.sdk.annotations.create(id=task["id"], result=result, completed_by=me.id)  # Submit
        shown = ""
        while time.monotonic() - t0 < 60 and "problem" not in shown:
            time.sleep(0.5)
            shown = ls_client.get_task(task["id"])["data"].get(C.PROBLEMS, "")
        print(f"\nproblems shown {time.monotonic() - t0:.1f} s after the submission")
        assert "3 problem(s)" in shown, shown
        assert "no registry entity picked" in shown and "no check-worthiness chosen" in shown and "no attribution chosen" in shown
    finally:
        receiver.close()
