"""Atomic writes: the mode the umask gives (as open() would), never a half-written file."""

from __future__ import annotations

import os
import stat
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from cartel_fto_corpus.truth.atomic import write_atomic


@pytest.fixture
def umask() -> Iterator[Callable[[int], int]]:
    old = os.umask(0o022)
    os.umask(old)
    yield os.umask
    os.umask(old)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.parametrize(("mask", "expected"), [(0o022, 0o644), (0o077, 0o600), (0o002, 0o664)])
def test_new_and_rewritten_files_get_the_umask_mode(tmp_path: Path, umask: Callable[[int], int], mask: int, expected: int) -> None:
    umask(mask)
    f = tmp_path / "sub" / "manifest.json"
    write_atomic(f, "one")
    assert mode(f) == expected and f.read_text() == "one"
    os.chmod(f, 0o600)  # e.g. left by an earlier version that wrote 0600
    write_atomic(f, b"two")
    assert mode(f) == expected and f.read_bytes() == b"two"
    plain = tmp_path / "plain"
    plain.write_text("x")  # what open() gives under the same umask
    assert mode(plain) == expected


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    f = tmp_path / "data.json"
    write_atomic(f, "old")

    def boom(*_a: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "fsync", boom)
    with pytest.raises(OSError, match="disk full"):
        write_atomic(f, "new")
    assert f.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["data.json"]
