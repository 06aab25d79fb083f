"""Shared test fixtures: where the fixture corpus and the invalid fixtures live."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent
FIXTURES = TESTS / "fixtures"
FIXTURE_CORPUS = FIXTURES / "corpus"
INVALID = FIXTURES / "invalid"
REPO = TESTS.parent


@pytest.fixture
def fixture_root() -> Path:
    """The small valid corpus under tests/fixtures/corpus (read-only: copy before changing it)."""
    return FIXTURE_CORPUS


@pytest.fixture
def corpus_copy(tmp_path: Path) -> Path:
    """A writable copy of the fixture corpus."""
    dst = tmp_path / "corpus"
    shutil.copytree(FIXTURE_CORPUS, dst)
    return dst


def resign_release(out: Path) -> None:
    """An attacker who also rewrites the release manifest: every digest in SHA256SUMS recomputed from the bytes."""
    lines = []
    for line in (out / "SHA256SUMS").read_text(encoding="utf-8").splitlines():
        rel = line.split("  ", 1)[1]
        lines.append(f"{hashlib.sha256((out / rel).read_bytes()).hexdigest()}  {rel}\n")
    (out / "SHA256SUMS").write_text("".join(lines), encoding="utf-8")
