"""The review queue against a real Label Studio: suspects pushed as a marked prediction in a project of
their own, a reviewer's correction pulled back as the set review-<user> with the reasons; gold untouched."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cartel_fto_corpus.labelstudio import config as C
from cartel_fto_corpus.labelstudio.client import Client
from cartel_fto_corpus.labelstudio.pull import pull
from cartel_fto_corpus.labelstudio.push import push_review
from cartel_fto_corpus.labelstudio.review_queue import MODEL_VERSION_PREFIX, review_title
from cartel_fto_corpus.truth.paths import CorpusPaths

pytestmark = pytest.mark.labelstudio


def quiet(_: str) -> None:
    pass


def test_review_queue_round_trip(repo_corpus: Path, ls_client: Client, project_title: str) -> None:
    pytest.importorskip("cleanlab", reason="needs the review extra")
    from cartel_fto_corpus.inspection.review import review

    paths = CorpusPaths(repo_corpus)
    rv = review(repo_corpus).as_dict()
    report = push_review(paths, ls_client, rv["layers"], top=2, model=rv["model"], title=project_title, echo=quiet)
    assert report.created_tasks >= 1
    again = push_review(paths, ls_client, rv["layers"], top=2, model=rv["model"], title=project_title, echo=quiet)
    assert again.created_tasks == 0 and again.unchanged == report.created_tasks

    proj = ls_client.find_project(None, review_title(project_title))
    tasks = list(ls_client.export_tasks(proj.id))
    assert len(tasks) == report.created_tasks
    task = next(t for t in tasks if "claims.type" in t["data"]["review"])
    assert task["annotations"] == []  # nothing is anybody's work yet
    preds = ls_client.sdk.predictions.list(task=task["id"])
    assert [p.model_version for p in preds] == [MODEL_VERSION_PREFIX + rv["model"]]
    result = preds[0].result
    marked = [r for r in result if (r.get("meta") or {}).get("text")]
    assert marked and all(t.startswith("REVIEW ") for r in marked for t in r["meta"]["text"])
    suspect = next(s for s in rv["layers"]["claims.type"] if s["doc_id"] == task["data"]["doc_id"])

    # the reviewer corrects the suspect claim's type and submits
    new_type = next(t for t in ("factual", "opinion") if t != suspect["gold"])
    edited = [
        {**r, "value": {**r["value"], "labels": [new_type]}} if r.get("id") == suspect["item"] and r["from_name"] == C.CLAIM else r
        for r in result
    ]
    ls_client.sdk.annotations.create(id=task["id"], result=edited)

    gold_before = _gold(paths, task["data"]["doc_id"])
    pulled = pull(paths, ls_client, title=project_title, review=True, echo=quiet)
    assert pulled.failed == [], pulled.failed
    doc = json.loads(paths.annotation_file(task["data"]["doc_id"]).read_text(encoding="utf-8"))
    reviews = [s for s in doc["annotations"] if s["annotator"].startswith("review-")]
    assert len(reviews) == 1 and reviews[0]["status"] == "draft"
    assert suspect["unit"] in reviews[0]["note"] and "items to check" in reviews[0]["note"]
    claim = next(c for c in reviews[0]["claims"] if (c["start"], c["end"]) == tuple(suspect["span"]))
    assert claim["type"] == new_type
    assert _gold(paths, task["data"]["doc_id"]) == gold_before
    # into adjudication: comparing gold with the reviewer's set lists the correction (the cluster alignment of
    # `adjudicate` may also list a claim in two clusters, even against an identical copy: not the review's doing)
    from cartel_fto_corpus.inspection.adjudicate import compare_corpus

    registry = json.loads(paths.registry.read_text(encoding="utf-8"))
    (comp,), _ = compare_corpus([doc], [gold_before["annotator"], reviews[0]["annotator"]], registry)
    assert suspect["unit"] in [u.id for u in comp.disagreements]
    changed = {
        k for k, v in reviews[0].items() if k not in ("annotator", "status", "note", "created", "updated") and v != gold_before.get(k)
    }
    assert changed == {"claims"}


def _gold(paths: CorpusPaths, doc_id: str) -> dict:
    doc = json.loads(paths.annotation_file(doc_id).read_text(encoding="utf-8"))
    return next(s for s in doc["annotations"] if s["status"] == "gold")
