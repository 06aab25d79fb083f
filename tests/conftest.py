"""Shared test fixtures: where the fixture corpus and the invalid fixtures live."""

from __future__ import annotations

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
