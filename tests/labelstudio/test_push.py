"""Push against a real Label Studio: idempotent upsert, dry run, predictions, no silent overwrite."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cartel_fto_corpus.labelstudio.client import Client
from cartel_fto_corpus.labelstudio.config import label_config
from cartel_fto_corpus.labelstudio.push import PREDICTION_PREFIX, push
from cartel_fto_corpus.labelstudio.repo import SyncError
from cartel_fto_corpus.truth.paths import CorpusPaths
from cartel_fto_corpus.truth.sets import reference_set

from .conftest import as_author

pytestmark = pytest.mark.labelstudio


def quiet(_: str) -> None:
    pass


def counts(client: Client, title: str) -> tuple[int, int, int]:
    proj = client.find_project(None, title)
    tasks = client.export_tasks(proj.id)
    return len(tasks), sum(len(t["annotations"]) for t in tasks), len(client.sdk.predictions.list(project=proj.id))


def n_sets(root: Path) -> int:
    return sum(len(json.loads(p.read_text(encoding="utf-8"))["annotations"]) for p in CorpusPaths(root).annotation_files())


def test_push_twice_creates_nothing_new(any_corpus: Path, ls_client: Client, project_title: str) -> None:
    paths = CorpusPaths(any_corpus)
    first = push(paths, ls_client, title=project_title, echo=quiet)
    n_docs = len(paths.annotation_files())
    assert first.created_tasks == n_docs
    assert counts(ls_client, project_title) == (n_docs, n_sets(any_corpus), 0)
    second = push(paths, ls_client, title=project_title, echo=quiet)
    assert (second.created_tasks, second.updated, second.created_annotations) == (0, 0, 0)
    assert second.unchanged == n_sets(any_corpus)
    assert counts(ls_client, project_title) == (n_docs, n_sets(any_corpus), 0)
    proj = ls_client.find_project(None, project_title)
    reg = json.loads(paths.registry.read_text(encoding="utf-8"))
    assert proj.label_config == label_config(reg["targets"], reg["entities"], reg["clusters"])
    # The annotator of every set is a Label Studio user of that name.
    users = {u.id: u.username for u in ls_client.sdk.users.list()}
    for t in ls_client.export_tasks(proj.id):
        doc = json.loads(paths.annotation_file(t["data"]["doc_id"]).read_text(encoding="utf-8"))
        assert sorted(users[a["completed_by"]] for a in t["annotations"]) == sorted(s["annotator"] for s in doc["annotations"])
        assert [a["ground_truth"] for a in sorted(t["annotations"], key=lambda a: users[a["completed_by"]])] == [
            s["status"] == "gold" for s in sorted(doc["annotations"], key=lambda s: s["annotator"])
        ]


def test_dry_run_changes_nothing(fixture_corpus: Path, ls_client: Client, project_title: str) -> None:
    lines: list[str] = []
    report = push(CorpusPaths(fixture_corpus), ls_client, title=project_title, dry_run=True, echo=lines.append)
    assert report.created_tasks == 1 and any("would create task" in line for line in lines)
    assert ls_client.find_project(None, project_title) is None


def test_repo_change_updates_the_same_annotation(fixture_corpus: Path, ls_client: Client, project_title: str) -> None:
    paths = CorpusPaths(fixture_corpus)
    push(paths, ls_client, title=project_title, echo=quiet)
    f = paths.annotation_files()[0]
    doc = json.loads(f.read_text(encoding="utf-8"))
    doc["annotations"][0]["claims"][1]["checkworthiness"] = "unimportant_factual"  # c2, a factual claim in no cluster
    f.write_text(json.dumps(doc, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    report = push(paths, ls_client, title=project_title, echo=quiet)
    assert (report.created_tasks, report.updated, report.created_annotations) == (0, 1, 0)
    assert counts(ls_client, project_title) == (1, 1, 0)
    task = ls_client.export_tasks(ls_client.find_project(None, project_title).id)[0]
    cw = [i["value"]["choices"] for i in task["annotations"][0]["result"] if i.get("from_name") == "checkworthiness" and i["id"] == "c2"]
    assert cw == [["unimportant_factual"]]


def test_push_never_overwrites_label_studio_work_silently(fixture_corpus: Path, ls_client: Client, project_title: str) -> None:
    paths = CorpusPaths(fixture_corpus)
    push(paths, ls_client, title=project_title, echo=quiet)
    proj = ls_client.find_project(None, project_title)
    ann = ls_client.export_tasks(proj.id)[0]["annotations"][0]
    ann["result"] = [i for i in ann["result"] if i.get("id") != "e1"]  # the annotator deletes a mention
    as_author(ls_client, ann).sdk.annotations.update(id=ann["id"], result=ann["result"])
    f = paths.annotation_files()[0]
    doc = json.loads(f.read_text(encoding="utf-8"))
    doc["annotations"][0]["claims"][0]["hedged"] = True
    f.write_text(json.dumps(doc, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    with pytest.raises(SyncError) as err:
        push(paths, ls_client, title=project_title, echo=quiet)
    assert "changed in Label Studio" in err.value.lines[0] and f.name in err.value.lines[0]
    assert len(ls_client.export_tasks(proj.id)[0]["annotations"][0]["result"]) == len(ann["result"])
    push(paths, ls_client, title=project_title, prefer="repo", echo=quiet)
    assert any(i.get("id") == "e1" for i in ls_client.export_tasks(proj.id)[0]["annotations"][0]["result"])


def test_push_as_predictions(any_corpus: Path, ls_client: Client, project_title: str) -> None:
    paths = CorpusPaths(any_corpus)
    push(paths, ls_client, title=project_title, as_="predictions", echo=quiet)
    push(paths, ls_client, title=project_title, as_="predictions", echo=quiet)
    n_docs = len(paths.annotation_files())
    assert counts(ls_client, project_title) == (n_docs, 0, n_docs)  # one pre-annotation per task
    proj = ls_client.find_project(None, project_title)
    task = ls_client.export_tasks(proj.id)[0]
    doc = json.loads(paths.annotation_file(task["data"]["doc_id"]).read_text(encoding="utf-8"))
    preds = ls_client.sdk.predictions.list(task=task["id"])
    assert [p.model_version for p in preds] == [PREDICTION_PREFIX + reference_set(doc)["annotator"]]
