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


def test_the_temporary_file_is_hidden_beside_the_target(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[str] = []
    real = os.replace
    monkeypatch.setattr(os, "replace", lambda src, dst: seen.append(str(src)) or real(src, dst))
    f = tmp_path / "a" / "b" / "c.json"  # two missing folders
    write_atomic(f, "é")
    assert f.read_bytes() == "é".encode()
    [tmp] = seen
    assert Path(tmp).parent == f.parent and Path(tmp).name.startswith(".c.json.") and tmp.endswith(".tmp")


def test_a_refused_write_is_named_after_the_file_meant(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import errno

    from cartel_fto_corpus.truth import journal

    monkeypatch.setattr(journal, "_fault_counts", {})
    monkeypatch.setenv("CARTEL_FTO_FAULT", "erofs:atomic.write")
    f = tmp_path / "x.json"
    with pytest.raises(OSError) as err:
        write_atomic(f, "x")
    assert (err.value.errno, err.value.strerror, err.value.filename) == (errno.EROFS, os.strerror(errno.EROFS), str(f))
    assert err.value.nothing_written is True  # type: ignore[attr-defined]
    assert not f.exists() and list(tmp_path.iterdir()) == []


def test_a_failed_write_is_named_after_the_file_and_keeps_the_errno(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import errno

    def full(*_a: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", full)
    f = tmp_path / "x.json"
    with pytest.raises(OSError) as err:
        write_atomic(f, "x")
    assert (err.value.errno, err.value.strerror, err.value.filename) == (errno.ENOSPC, "No space left on device", str(f))
    assert err.value.nothing_written is True  # type: ignore[attr-defined]
    assert list(tmp_path.iterdir()) == []

    def bare(*_a: object) -> None:
        raise OSError("no errno")

    monkeypatch.setattr(os, "fsync", bare)
    with pytest.raises(OSError) as err:
        write_atomic(f, "x")
    assert err.value.errno is None and err.value.strerror == "no errno" and err.value.filename == str(f)


def test_an_interrupt_removes_the_temporary(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def interrupted(*_a: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "fsync", interrupted)
    with pytest.raises(KeyboardInterrupt):
        write_atomic(tmp_path / "x.json", "x")
    assert list(tmp_path.iterdir()) == []


def test_write_all_atomic_stages_in_the_common_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from cartel_fto_corpus.truth import atomic

    roots: list[Path] = []
    real = atomic.Transaction
    monkeypatch.setattr(atomic, "Transaction", lambda root: roots.append(Path(root)) or real(root))
    atomic.write_all_atomic({})
    assert roots == []
    atomic.write_all_atomic({tmp_path / "a" / "x.json": "1", tmp_path / "a" / "b" / "y.json": b"2"})
    assert roots == [tmp_path / "a"]
    assert (tmp_path / "a" / "x.json").read_text() == "1" and (tmp_path / "a" / "b" / "y.json").read_bytes() == b"2"
    atomic.write_all_atomic({tmp_path / "z.json": "3"}, root=tmp_path)
    assert roots[-1] == tmp_path and (tmp_path / "z.json").read_text() == "3"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a", "z.json"]


@pytest.mark.parametrize("error", [OSError(5, "Input/output error"), KeyboardInterrupt()])
def test_a_temporary_already_gone_does_not_hide_the_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, error: BaseException) -> None:
    """`recover` (another writer taking the lock) removes `.*.tmp` files; the failure reported is still the write's."""

    def gone_then_fail(src: str, _dst: object) -> None:
        os.unlink(src)
        raise error

    monkeypatch.setattr(os, "replace", gone_then_fail)
    with pytest.raises(type(error)) as err:
        write_atomic(tmp_path / "x.json", "x")
    if isinstance(error, OSError):
        assert err.value.errno == 5 and err.value.filename == str(tmp_path / "x.json")  # type: ignore[attr-defined]
    assert list(tmp_path.iterdir()) == []
