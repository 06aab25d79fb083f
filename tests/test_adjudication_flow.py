"""`inspection.adjudication_flow` without the command line: the workflow `cli/adjudicate.py` calls
(issue 26 moved it below cli/). The command's outputs are pinned in tests/test_adjudicate.py; here
the values it prints from, on the same fixture corpus."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from cartel_fto_corpus.inspection.adjudication_flow import (
    Unusable,
    adjudicate,
    annotator_names,
    json_listing,
    load_corpus,
    select_documents,
    text_listing,
)
from cartel_fto_corpus.truth.paths import CorpusPaths

AGREEMENT = Path(__file__).resolve().parent / "fixtures" / "agreement"
DECISIONS = AGREEMENT / "decisions.yaml"


@pytest.fixture
def paths(tmp_path: Path) -> CorpusPaths:
    shutil.copytree(AGREEMENT, tmp_path / "agreement")
    return CorpusPaths(tmp_path / "agreement")


def test_annotator_names_need_two_distinct_ids() -> None:
    assert annotator_names(" ann_a, ann_b ,") == ["ann_a", "ann_b"]
    for bad in ("ann_a", "ann_a,ann_a", ""):
        with pytest.raises(Unusable) as err:
            annotator_names(bad)
        assert err.value.lines == [f"--annotators: expected two or more distinct annotator ids, found {bad!r}"]


def test_documents_are_selected_by_id_or_unique_number() -> None:
    ids = ["910_aa", "911_bb"]
    assert select_documents(ids, ()) == ids
    assert select_documents(ids, ("911", "910_aa")) == ["911_bb", "910_aa"]
    with pytest.raises(Unusable, match="999: expected the id"):
        select_documents(ids, ("999",))


def test_without_decisions_every_disagreement_is_undecided_and_nothing_written(paths: CorpusPaths) -> None:
    before = {p: p.read_bytes() for p in paths.annotation_files()}
    run = adjudicate(paths, ["ann_a", "ann_b"], (), None, write=False)
    assert run.skipped == ["912_00000000000000b3"]
    assert run.undecided == 15 and run.problems == 0
    assert not run.ok and run.exit_code == 1 and run.written is None
    assert text_listing(run)[-1] == "nothing written: 15 undecided disagreement(s), 0 problem(s)"
    assert json_listing(run)["written"] == []
    assert {p: p.read_bytes() for p in paths.annotation_files()} == before


def test_with_decisions_the_gold_sets_are_checked_then_written_once(paths: CorpusPaths) -> None:
    run = adjudicate(paths, ["ann_a", "ann_b"], (), DECISIONS, write=False)
    assert run.ok and run.exit_code == 0 and run.written is None
    assert all(o.document is not None for o in run.outcomes)
    assert text_listing(run)[-1] == "every disagreement is decided and the gold sets are valid; run with --write to write them"
    written = adjudicate(paths, ["ann_a", "ann_b"], (), DECISIONS, write=True).written
    assert written and all(w.endswith(".json") for w in written)
    again = adjudicate(paths, ["ann_a", "ann_b"], (), DECISIONS, write=True)
    assert again.written == [] and text_listing(again)[-1] == "written: nothing (already up to date)"


def test_a_malformed_annotation_file_is_unusable_with_one_line_per_problem(paths: CorpusPaths) -> None:
    victim = next(iter(paths.annotation_files()))
    victim.write_text("{", encoding="utf-8")
    with pytest.raises(Unusable) as err:
        load_corpus(paths)
    assert not err.value.shown  # already escaped: printed as they are
    assert err.value.lines[-1] == "1 problem(s) in the annotation files: run `cartel-fto validate`"
