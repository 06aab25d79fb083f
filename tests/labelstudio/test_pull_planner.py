"""Pull's planner: export order kept, workers used past the threshold, proposals planned in order here."""

from __future__ import annotations

import os
from types import SimpleNamespace
from typing import Any

import pytest

from cartel_fto_corpus.labelstudio import pull as pull_mod
from cartel_fto_corpus.labelstudio.pull_plan import DocOutcome


def fake_plan(proposing: set[str]):
    def plan(repo: Any, doc_id: str, task: dict, users: Any, record: Any, prefer: Any, gv: Any) -> DocOutcome:
        out = DocOutcome(doc_id, task_id=task["id"], warnings=[str(os.getpid())])
        if doc_id in proposing:
            out.proposals = [{"id": f"new_{doc_id}"}]
        return out

    return plan


def run(monkeypatch: pytest.MonkeyPatch, n: int, proposing: set[str], after: int = 0) -> list[DocOutcome]:
    monkeypatch.setattr(pull_mod, "plan_document", fake_plan(proposing))
    monkeypatch.setattr(pull_mod, "PARALLEL_AFTER", after)
    got: list[DocOutcome] = []
    state = SimpleNamespace(docs={})
    planner = pull_mod.Planner(SimpleNamespace(), {}, state, {"prefer": None, "guideline_version": None}, got.append)
    try:
        for i in range(n):
            planner.add(f"d{i:03d}", {"id": i})
        planner.finish()
    finally:
        planner.close()
    return got


@pytest.mark.skipif(pull_mod._workers() == 0, reason="one core or no fork: the planner works here only")
def test_workers_plan_in_export_order(monkeypatch: pytest.MonkeyPatch) -> None:
    got = run(monkeypatch, 300, set())
    assert [o.doc_id for o in got] == [f"d{i:03d}" for i in range(300)]
    assert {o.warnings[0] for o in got} - {str(os.getpid())}, "no document was planned by a worker"


def test_a_proposal_sends_that_document_and_the_rest_here(monkeypatch: pytest.MonkeyPatch) -> None:
    got = run(monkeypatch, 200, {"d120"})
    assert [o.doc_id for o in got] == [f"d{i:03d}" for i in range(200)]
    here = str(os.getpid())
    assert all(o.warnings[0] == here for o in got[120:])  # planned in order, with the registry the proposal changed
    assert got[120].proposals


def test_a_small_pull_starts_no_worker(monkeypatch: pytest.MonkeyPatch) -> None:
    got = run(monkeypatch, 20, set(), after=64)
    assert {o.warnings[0] for o in got} == {str(os.getpid())}
