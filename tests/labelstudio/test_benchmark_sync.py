"""Smoke test: the sync benchmark (issue 13's measuring instrument) runs end to end on a few documents."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO

pytestmark = pytest.mark.labelstudio


def test_sync_benchmark_runs_against_its_own_server(ls_venv: Path) -> None:
    """bench_labelstudio on 30 documents: its own throwaway server, push, floor, re-push, pull, payloads,
    verdicts (timings are not asserted: that is what the benchmark is for)."""
    proc = subprocess.run(
        [sys.executable, str(REPO / "benchmarks" / "bench_labelstudio.py"), "--n", "30", "--repeat", "1"],
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, "CARTEL_FTO_LS_VENV": str(ls_venv)},
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = proc.stdout
    assert "MET     n=30: pulled files identical to the pushed ones" in out, out
    assert "n=30: export " in out and "+ conversion " in out, out
    assert "MET     n=30: re-push with nothing changed = one listing request (1)" in out, out
    assert "payload, dense mix (200 synthetic documents)" in out and "payload of every shipped document" in out, out
