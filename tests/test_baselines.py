"""The shipped baseline predictions (`benchmarks/results/`) are what `cartel-fto baselines` produces:
re-trained here and compared byte for byte (the fast ones always, spaCy's NER with `-m slow`)."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from cartel_fto_corpus.cli.main import cli
from cartel_fto_corpus.evaluation.baselines import RESULTS, SYSTEMS
from tests.conftest import REPO

FAST = [t for t in SYSTEMS if t != "ner"]


def _retrain(tmp_path: Path, tasks: list[str]) -> None:
    args = ["baselines", "--root", str(REPO), "--out", str(tmp_path)]
    for t in tasks:
        args += ["--task", t]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    for t in tasks:
        for system in SYSTEMS[t]:
            fresh, shipped = tmp_path / t / f"{system}.jsonl", REPO / RESULTS / t / f"{system}.jsonl"
            assert fresh.read_bytes() == shipped.read_bytes(), f"{shipped} is stale: run `cartel-fto baselines`"


def test_fast_baselines_are_reproduced(tmp_path: Path) -> None:
    _retrain(tmp_path, FAST)


@pytest.mark.slow
def test_spacy_ner_baseline_is_reproduced(tmp_path: Path) -> None:
    _retrain(tmp_path, ["ner"])


def test_every_stored_prediction_belongs_to_a_system() -> None:
    stored = {(p.parent.name, p.stem) for p in (REPO / RESULTS).glob("*/*.jsonl")}
    assert stored == {(t, s) for t, systems in SYSTEMS.items() for s in systems}
