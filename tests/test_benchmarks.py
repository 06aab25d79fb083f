"""Smoke tests: the benchmark scripts still run end to end on a tiny corpus (no timing asserted)."""

from __future__ import annotations

import subprocess
import sys

from tests.conftest import REPO


def test_validation_benchmark_runs_and_its_synthetic_corpus_is_valid() -> None:
    proc = subprocess.run(
        [sys.executable, str(REPO / "benchmarks" / "bench_validate.py"), "--sizes", "60", "--repeat", "1", "--sample", "5"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    assert "x floor" in proc.stdout and "naive jsonschema loop" in proc.stdout
