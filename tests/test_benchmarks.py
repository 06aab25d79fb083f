"""Smoke tests: the benchmark scripts still run end to end on a tiny corpus (no timing asserted)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.conftest import REPO


def test_validation_benchmark_runs_and_its_synthetic_corpus_is_valid() -> None:
    proc = subprocess.run(
        [sys.executable, str(REPO / "benchmarks" / "bench_validate.py"), "--sizes", "30", "60", "--repeat", "1", "--sample", "5"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    assert "x floor" in proc.stdout and "naive jsonschema loop" in proc.stdout
    assert "target peer:" in proc.stdout and "target scale: per document at 60" in proc.stdout


def test_the_real_mix_is_valid_and_as_dense_as_the_shipped_corpus(tmp_path) -> None:
    """The synthetic corpus the sync benchmark runs on: every file valid, and per 1,000 characters as many
    mentions, claims and stances (within a quarter) as the shipped corpus's gold sets."""
    pytest.importorskip("orjson", reason="needs the labelstudio extra: pip install -e '.[labelstudio]'")
    sys.path.insert(0, str(REPO / "benchmarks"))
    from synth import make_corpus, real_mix

    from cartel_fto_corpus.labelstudio.repo import load_repo
    from cartel_fto_corpus.truth.paths import CorpusPaths

    mix = real_mix()
    repo = load_repo(CorpusPaths(make_corpus(tmp_path / "c", 40, text_bytes=3000, mix=mix)), require_valid=True)
    kchars = sum(len(t.text) for t in repo.texts.values()) / 1000
    sets = [doc["annotations"][0] for doc in repo.files.values()]
    for what, key in (("entities", "entities"), ("claims", "claims"), ("stances", "stances")):
        made = sum(len(s[key]) for s in sets) / kchars
        assert abs(made - getattr(mix, what)) <= 0.25 * getattr(mix, what), (what, made, getattr(mix, what))
    evidence = sum(len(st["evidence"]) for s in sets for st in s["stances"]) / sum(len(s["stances"]) for s in sets)
    assert abs(evidence - mix.evidence_per_stance) <= 0.25 * mix.evidence_per_stance


def test_cli_start_benchmark_runs() -> None:
    proc = subprocess.run(
        [sys.executable, str(REPO / "benchmarks" / "bench_cli_start.py"), "--runs", "1"], capture_output=True, text=True, timeout=300
    )
    assert proc.returncode == 0, proc.stderr
    assert "x floor" in proc.stdout and "verdict: --help" in proc.stdout


def test_review_benchmark_runs_and_finds_planted_errors() -> None:
    pytest.importorskip("cleanlab", reason="needs the review extra: pip install -e '.[review]'")
    proc = subprocess.run(
        [sys.executable, str(REPO / "benchmarks" / "bench_review.py"), "--n", "3", "--random", "10"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "precision@20 / recall@20" in proc.stdout and "verdict: top 20 finds at least half" in proc.stdout and ": yes" in proc.stdout
